/* People analytics charts (overview sparklines, trends, survival curves with bands, segment factors, risk history).
   Data comes from json_script elements; works on full pages and after HTMX swaps; loads vendored Chart.js. */
(function () {
  if (window.taAnalytics) { window.taAnalytics.render(document); return; }
  var me = document.currentScript;
  var chartSrc = (me && me.dataset.chartjs) || "/static/vendor/chart-4.6.1.umd.min.js";
  var PALETTE = ["#0b5cab", "#d92d20", "#12b76a", "#f79009", "#7a5af8", "#0e9384", "#c11574", "#667085"];

  function withChart(cb) {
    if (window.Chart) return cb();
    var existing = document.getElementById("ta-chartjs");
    if (existing) { existing.addEventListener("load", cb); return; }
    var s = document.createElement("script");
    s.id = "ta-chartjs"; s.src = chartSrc;
    s.addEventListener("load", cb); document.head.appendChild(s);
  }
  function source(c) { var el = document.getElementById(c.dataset.source); return el ? JSON.parse(el.textContent) : null; }
  var base = { maintainAspectRatio: false, animation: false };

  var builders = {
    spark: function (t) {
      return { type: "line", data: { labels: t.sparkline.map(function (_, i) { return i; }),
        datasets: [{ data: t.sparkline, borderColor: "#0b5cab", pointRadius: 0, borderWidth: 2, spanGaps: true }] },
        options: Object.assign({}, base, { plugins: { legend: { display: false }, tooltip: { enabled: false } },
          scales: { x: { display: false }, y: { display: false } } }) };
    },
    trend: function (d) {
      var sets = d.lines.map(function (l, i) {
        return { label: l.label, data: l.values, borderColor: PALETTE[i % PALETTE.length], pointRadius: 0, borderWidth: 2, spanGaps: true };
      });
      sets.push({ label: "Company", data: d.company, borderColor: "#1d2330", borderDash: [6, 4], pointRadius: 0, borderWidth: 2, spanGaps: true });
      return { type: "line", data: { labels: d.labels, datasets: sets }, options: Object.assign({}, base, { interaction: { mode: "index", intersect: false } }) };
    },
    survival: function (d) {
      var sets = [];
      d.groups.forEach(function (g, i) {
        var col = PALETTE[i % PALETTE.length];
        sets.push({ label: g.label + " (low)", data: g.low, borderWidth: 0, pointRadius: 0, fill: false, _band: true });
        sets.push({ label: g.label + " (high)", data: g.high, borderWidth: 0, pointRadius: 0, fill: "-1", backgroundColor: col + "22", _band: true });
        sets.push({ label: g.label, data: g.survival, borderColor: col, backgroundColor: col, pointRadius: 0, borderWidth: 2, stepped: "before" });
      });
      return { type: "line", data: { labels: d.months, datasets: sets },
        options: Object.assign({}, base, { scales: { y: { min: 0, max: 1, title: { display: true, text: "still employed" } },
          x: { title: { display: true, text: "months since hire" } } },
          plugins: { legend: { labels: { filter: function (item, data) { return !data.datasets[item.datasetIndex]._band; } } } } }) };
    },
    factors: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [{ label: "percentage points", data: d.values,
        backgroundColor: d.values.map(function (v) { return v > 0 ? "#d92d20" : "#12b76a"; }) }] },
        options: Object.assign({}, base, { indexAxis: "y", plugins: { legend: { display: false } } }) };
    },
    ranges: function (d) {
      /* estimate (bar) with its 95% range (floating bar behind it); green = gains, red = losses */
      var col = function (v) { return v >= 0 ? "#12b76a" : "#d92d20"; };
      return { type: "bar", data: { labels: d.labels, datasets: [
        { label: d.label, data: d.values, backgroundColor: d.values.map(col), barPercentage: 0.45 },
        { label: "95% range", data: d.low.map(function (lo, i) { return [lo, d.high[i]]; }),
          backgroundColor: "#66708533", borderColor: "#667085", borderWidth: 1, barPercentage: 0.9 }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { y: { stacked: true } } }) };
    },
    yield: function (d) {
      /* applied → hired → still employed at 90 days, per group (grouped bars) */
      var cols = ["#98a2b3", "#0b5cab", "#12b76a"];
      return { type: "bar", data: { labels: d.labels, datasets: d.series.map(function (s, i) {
        return { label: s.label, data: s.values, backgroundColor: cols[i % cols.length] }; }) },
        options: Object.assign({}, base, { plugins: { legend: { position: "bottom" } } }) };
    },
    history: function (d) {
      return { type: "line", data: { labels: d.labels, datasets: [{ label: "risk (%)", data: d.values, borderColor: "#d92d20", pointRadius: 3 }] },
        options: Object.assign({}, base, { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } }) };
    }
  };

  function render(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart]:not([data-rendered])");
    if (!canvases.length) return;
    withChart(function () {
      canvases.forEach(function (c) {
        var d = source(c);
        if (c.dataset.index !== undefined && d) d = d[+c.dataset.index];
        if (!d || !builders[c.dataset.chart]) return;
        c.dataset.rendered = "1";
        new window.Chart(c, builders[c.dataset.chart](d));
      });
    });
  }
  window.taAnalytics = { render: render };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { render(document); });
  else render(document);
  document.body.addEventListener("htmx:afterSettle", function (e) { render(e.target); });
})();
