/* Small page behaviours. No framework; htmx does the swapping. */
(function () {
  "use strict";

  // Technician detail: jobs completed and overtime per month, from a json_script block.
  function drawTechCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var src = document.getElementById(canvas.dataset.chart);
      if (!src) return;
      var d = JSON.parse(src.textContent);
      canvas.dataset.drawn = "1";
      new Chart(canvas, {
        type: "line",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Jobs completed", data: d.jobs, borderColor: "#0b5cab", backgroundColor: "#0b5cab", yAxisID: "y", tension: 0.25 },
            { label: "Overtime h/week", data: d.overtime, borderColor: "#f79009", backgroundColor: "#f79009", yAxisID: "y1", tension: 0.25 }
          ]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            y: { position: "left", beginAtZero: true, title: { display: true, text: "jobs" } },
            y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "overtime h" } }
          }
        }
      });
    });
  }

  window.addEventListener("load", function () { drawTechCharts(document); });
  document.addEventListener("htmx:load", function (e) { drawTechCharts(e.target); });
})();
