/* Text alternative for every chart: role="img" and an aria-label that says what the chart shows
   (screen readers cannot read a canvas). Called by each page's chart code after `new Chart(...)`. */
window.taDescribeChart = function (chart, title) {
  "use strict";
  var canvas = chart && chart.canvas;
  if (!canvas) return;
  var fmt = function (v) {
    if (v === null || v === undefined || isNaN(v)) return "";
    var n = Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : (Math.round(v * 100) / 100).toString();
    return (v < 0 ? "\u2212" + n.replace("-", "") : n);
  };
  var labels = chart.data.labels || [];
  var parts = [];
  chart.data.datasets.forEach(function (ds) {
    if (!ds.label || /^interval-/.test(ds.label)) return;
    var pts = ds.data.map(function (d, i) {
      return typeof d === "object" && d !== null ? { x: d.x, y: d.y } : { x: labels[i], y: d };
    }).filter(function (p) { return p.y !== null && p.y !== undefined; });
    if (!pts.length) return;
    if (chart.config.type === "bar" && pts.length <= 15) {
      parts.push(ds.label + ": " + pts.map(function (p) { return p.x + " " + fmt(p.y); }).join("; "));
    } else {
      var first = pts[0], last = pts[pts.length - 1];
      parts.push(ds.label + " from " + fmt(first.y) + " (" + first.x + ") to " + fmt(last.y) + " (" + last.x + ")");
    }
  });
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", (title || canvas.getAttribute("aria-label") || "Chart") + ". " + parts.join(". ") + ".");
};
