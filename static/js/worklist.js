// Worklist: "tick every row on this page" (the box stays hidden without JavaScript; the bulk form works anyway).
(function () {
  function wire(root) {
    var all = (root || document).querySelector("#select-all");
    if (!all || all.dataset.wired) return;
    all.dataset.wired = "1";
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("#worklist input[name=employee_ids]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function () { wire(document); });
})();
