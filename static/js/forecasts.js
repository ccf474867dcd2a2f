// Forecast chart: history, forecast and a shaded interval band. Redrawn after every HTMX swap.
(function () {
  let chart = null;
  function draw() {
    const dataEl = document.getElementById("forecast-data");
    const canvas = document.getElementById("forecast-chart");
    if (chart) { chart.destroy(); chart = null; }
    if (!dataEl || !canvas || !window.Chart) return;
    const d = JSON.parse(dataEl.textContent);
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
        scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true } },
      },
    });
    canvas.dataset.drawn = d.title;
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
