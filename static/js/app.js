/* Small page behaviours on every page. No framework; htmx does the swapping. */
(function () {
  "use strict";

  // Phone width: the main navigation collapses behind a "Menu" button (shown only when JS runs).
  function setupNav() {
    var bar = document.getElementById("topbar");
    var btn = bar && bar.querySelector(".nav-toggle");
    if (!btn) return;
    btn.hidden = false;
    bar.classList.add("nav-ready");
    btn.addEventListener("click", function () {
      var open = bar.classList.toggle("nav-open");
      btn.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Filter forms marked data-url-state: after Back/Forward the URL and results come back (htmx history),
  // so the controls are set from the URL too — otherwise they would show the later choice.
  function syncFormsFromUrl() {
    var params = new URLSearchParams(location.search);
    document.querySelectorAll("form[data-url-state]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") return;
        if (el.closest("[data-url-state-skip]")) return;
        var value = params.has(el.name) ? params.get(el.name) : (el.dataset.default || "");
        if (el.tagName === "SELECT") {
          var match = Array.prototype.some.call(el.options, function (o) { return o.value === value; });
          el.value = match ? value : (el.dataset.default !== undefined ? el.dataset.default : el.options[0] && el.options[0].value);
        } else if (el.type === "checkbox" || el.type === "radio") {
          el.checked = params.getAll(el.name).indexOf(el.value) >= 0;
        } else {
          el.value = value;
        }
      });
    });
  }

  // A page reached with other parameters than its form's (a link such as ?level=district&key=dal, or none
  // at all) gets its form's current choices written into the URL in place, so that after Back the URL
  // alone says what the controls showed — the one source syncFormsFromUrl reads.
  function canonicalUrl() {
    var params = new URLSearchParams(location.search);
    var changed = false;
    document.querySelectorAll("form[data-url-state]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") return;
        if (el.closest("[data-url-state-skip]") || params.has(el.name)) return;
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
        if (el.value === (el.dataset.default || "")) return;
        params.set(el.name, el.value);
        changed = true;
      });
    });
    if (changed) history.replaceState(history.state, "", location.pathname + "?" + params.toString() + location.hash);
  }

  // After Back, htmx puts the saved HTML back: canvases come back blank but still marked as drawn.
  // Unmark those without a live chart so each page's renderer draws them again.
  function redrawRestoredCharts() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-drawn], canvas[data-rendered]").forEach(function (c) {
      if (Chart.getChart(c)) return;
      delete c.dataset.drawn;
      delete c.dataset.rendered;
    });
    drawTechCharts(document);
    if (window.taPredictions) window.taPredictions.render(document);
    document.dispatchEvent(new CustomEvent("ta:redraw"));
  }

  // Technician detail: jobs completed and overtime per month, from a json_script block.
  function drawTechCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var src = document.getElementById(canvas.dataset.chart);
      if (!src) return;
      var d = JSON.parse(src.textContent);
      canvas.dataset.drawn = "1";
      var chart = new Chart(canvas, {
        type: "line",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Jobs completed", data: d.jobs, borderColor: "#0b5cab", backgroundColor: "#0b5cab", yAxisID: "y", tension: 0.25 },
            { label: "Overtime h/week", data: d.overtime, borderColor: "#b54708", backgroundColor: "#b54708", yAxisID: "y1", tension: 0.25 }
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
      if (window.taDescribeChart) window.taDescribeChart(chart, "Jobs completed and overtime hours by month");
    });
  }

  // Tables that may scroll sideways on a phone can be scrolled with the keyboard too (focusable).
  function focusableScrollers(root) {
    (root || document).querySelectorAll("table.data, .table-scroll").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }

  // <form data-confirm="Delete this conversation?">: ask before submitting (no inline handlers).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  document.addEventListener("DOMContentLoaded", function () { setupNav(); focusableScrollers(document); canonicalUrl(); });
  document.addEventListener("htmx:load", function (e) { focusableScrollers(e.target.parentElement || document); });
  document.addEventListener("htmx:historyRestore", function () { syncFormsFromUrl(); redrawRestoredCharts(); });
  window.addEventListener("popstate", function () { setTimeout(syncFormsFromUrl, 0); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) syncFormsFromUrl(); });
  window.addEventListener("load", function () { drawTechCharts(document); });
  document.addEventListener("htmx:load", function (e) { drawTechCharts(e.target); });
})();
