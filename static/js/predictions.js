/* Predictions pages: Chart.js charts from json_script data and live training progress over a WebSocket.
   Works both on full pages and inside HTMX partials (loads the vendored Chart.js itself if needed). */
(function () {
  if (window.taPredictions) { window.taPredictions.render(document); return; }
  var me = document.currentScript;
  var chartSrc = me && me.dataset.chartjs;

  function withChart(cb) {
    if (window.Chart) return cb();
    var existing = document.getElementById("ta-chartjs");
    if (existing) { existing.addEventListener("load", cb); return; }
    var s = document.createElement("script");
    s.id = "ta-chartjs"; s.src = chartSrc || "/static/vendor/chart-4.6.1.umd.min.js";
    s.addEventListener("load", cb); document.head.appendChild(s);
  }

  function data(canvas) {
    var el = document.getElementById(canvas.dataset.source);
    return el ? JSON.parse(el.textContent) : null;
  }

  // long factor names are shortened on narrow charts (a phone) instead of being cut at the canvas edge;
  // the full names stay in the table below the chart and in the chart's text alternative
  function shortLabel(label, canvas) {
    var max = canvas && canvas.clientWidth < 480 ? 20 : 44;
    label = String(label);
    return label.length > max ? label.slice(0, max - 1) + "…" : label;
  }

  var builders = {
    // contributions: green = good for the reader. For retention risk (data-good="down") a positive
    // contribution raises the risk (red); for a candidate's chance of staying (data-good="up") it is green.
    contrib: function (d, canvas) {
      var upIsGood = canvas && canvas.dataset.good === "up";
      return { type: "bar", data: { labels: d.labels, datasets: [{ label: d.unit || "effect (log-odds)", data: d.values,
        backgroundColor: d.values.map(function (v) { return (v > 0) === upIsGood ? "#079455" : "#d92d20"; }) }] },
        options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
          scales: { y: { ticks: { autoSkip: false, callback: function (v) { return shortLabel(this.getLabelForValue(v), canvas); } } },
            x: { grace: "8%", title: { display: !!d.unit, text: d.unit } } } } };
    },
    importance: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [{ label: "mean |contribution|", data: d.values, backgroundColor: "#0b5cab" }] },
        options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } } };
    },
    drift: function (d) {
      var line = function (label, values, color, dash) {
        return { label: label, data: values, borderColor: color, borderDash: dash || [], pointRadius: 2, spanGaps: true };
      };
      return { type: "line", data: { labels: d.labels, datasets: [
        line("score PSI", d.score_psi, "#0b5cab"), line("largest feature PSI", d.max_feature_psi, "#b54708"),
        line("alert threshold", d.labels.map(function () { return d.threshold; }), "#d92d20", [4, 4]) ] },
        options: { maintainAspectRatio: false, animation: false } };
    },
    calibration: function (d) {
      return { type: "scatter", data: { datasets: [
        { label: "observed vs predicted", data: d.map(function (b) { return { x: b.predicted, y: b.observed }; }), backgroundColor: "#0b5cab", showLine: true },
        { label: "perfect", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderDash: [4, 4], pointRadius: 0, borderColor: "#999" }] },
        options: { maintainAspectRatio: false, animation: false, scales: { x: { min: 0, max: 1, title: { display: true, text: "predicted" } }, y: { min: 0, max: 1, title: { display: true, text: "observed" } } } } };
    },
    shape: function (d) {
      if (d.kind === "categorical") {
        return { type: "bar", data: { labels: d.x, datasets: [{ label: d.feature, data: d.y, backgroundColor: "#0b5cab" }] },
          options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } } };
      }
      return { type: "line", data: { datasets: [{ label: d.feature, data: d.x.map(function (x, i) { return { x: x, y: d.y[i] }; }), stepped: "before", pointRadius: 0, borderColor: "#0b5cab" }] },
        options: { maintainAspectRatio: false, animation: false, parsing: false, scales: { x: { type: "linear" } }, plugins: { legend: { display: false } } } };
    }
  };

  function render(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart]:not([data-rendered])");
    if (!canvases.length) return;
    withChart(function () {
      canvases.forEach(function (c) {
        var d = data(c);
        if (c.dataset.index !== undefined && d) d = d[c.dataset.index];
        if (!d || !builders[c.dataset.chart]) return;
        c.dataset.rendered = "1";
        if (c.dataset.chart === "contrib" && d.labels) {  // room for every label: no skipped bars
          var box = c.closest(".chart-box"); if (box) box.style.height = Math.max(220, 28 * d.labels.length + 40) + "px";
        }
        var chart = new window.Chart(c, builders[c.dataset.chart](d, c));
        if (window.taDescribeChart) window.taDescribeChart(chart);
      });
    });
  }

  var sockets = {};  // one socket per run, even when the HTMX poll replaces the progress box
  function progress(root) {
    (root || document).querySelectorAll("[data-ws-progress]").forEach(function (el) {
      var url = el.dataset.wsProgress;
      if (sockets[url] || ["ready", "active", "failed"].indexOf(el.dataset.status) >= 0) return;
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = sockets[url] = new WebSocket(proto + location.host + url);
      ws.onmessage = function (e) {
        var m = JSON.parse(e.data);
        var box = document.querySelector('[data-ws-progress="' + url + '"]');
        if (!box) return;
        var bar = box.querySelector(".progress > span"); if (bar) bar.style.width = (m.progress || 0) + "%";
        var st = box.querySelector(".stage"); if (st) st.textContent = m.stage + " · " + (m.progress || 0) + "%";
        box.dataset.status = m.status;
        if (m.error) { var er = box.querySelector(".error"); if (er) er.textContent = m.error; }
        if (["ready", "active", "failed"].indexOf(m.status) >= 0) {
          ws.close();
          if (box.dataset.reload) setTimeout(function () { location.href = box.dataset.reload; }, 800);
        }
      };
    });
  }

  window.taPredictions = { render: render, progress: progress };
  function all(root) { render(root); progress(root); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { all(document); });
  else all(document);
  document.body.addEventListener("htmx:afterSettle", function (e) { all(e.target); });
})();
