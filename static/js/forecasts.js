// Forecast chart: history, forecast and a shaded interval band. Redrawn after every HTMX swap.
(function () {
  let chart = null;
  function draw() {
    const dataEl = document.getElementById("forecast-data");
    const canvas = document.getElementById("forecast-chart");
    if (chart) { chart.destroy(); chart = null; }
    if (!dataEl || !canvas || !window.Chart) return;
    const full = JSON.parse(dataEl.textContent);
    // the window chooser: how much history to show before the forecast (default one year, readable)
    const picker = document.getElementById("fc-window");
    const keep = picker && picker.value !== "all" ? parseInt(picker.value, 10) : Infinity;
    const drop = Math.max(0, (full.history_weeks || 0) - keep);
    const d = { title: full.title, metric: full.metric };
    ["labels", "history", "forecast", "lower", "upper"].forEach((k) => { d[k] = full[k].slice(drop); });
    // stock levels (headcount) read best on their own scale; flows and demand keep the zero line
    const fromZero = d.metric !== "headcount";
    chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Forecast interval", data: d.upper, borderWidth: 0, pointRadius: 0, fill: "+1", backgroundColor: "rgba(47,111,235,0.15)" },
          { label: "interval-lower", data: d.lower, borderWidth: 0, pointRadius: 0, fill: false },
          { label: "History", data: d.history, borderColor: "#334155", borderWidth: 1.5, pointRadius: 0 },
          { label: "Forecast", data: d.forecast, borderColor: "#2f6feb", borderDash: [6, 4], borderWidth: 2, pointRadius: 0 },
        ],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { filter: (item) => item.text !== "interval-lower" } } },
        scales: { x: { ticks: { maxTicksLimit: canvas.clientWidth < 480 ? 4 : 8, maxRotation: 0 } }, y: { beginAtZero: fromZero, grace: fromZero ? 0 : "5%" } },
      },
    });
    canvas.dataset.drawn = d.title;
    if (window.taDescribeChart) window.taDescribeChart(chart, d.title);
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("ta:redraw", draw);  // after Back (app.js: the restored canvas is blank)
  document.addEventListener("change", (e) => { if (e.target && e.target.id === "fc-window") draw(); });
})();
