// Live countdowns for elements with data-due (ISO instants). No inline script: CSP-safe.
(function () {
  "use strict";
  function fmt(ms) {
    var sign = ms < 0 ? "-" : "";
    var s = Math.abs(Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return sign + (d ? d + "d " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) { el.textContent = fmt(due - now); el.classList.toggle("overdue", due < now); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
  document.addEventListener("htmx:afterSwap", tick);
})();

// A select with data-narrows="a b" offers, in the selects named a and b, only the options whose
// data-kinds lists its value (report kind -> fitting recipients and stages). A select left
// with no fitting option is disabled, so the form does not send it.
(function () {
  "use strict";
  function narrow(source) {
    var value = source.value;
    (source.getAttribute("data-narrows") || "").split(" ").forEach(function (name) {
      var target = source.form && source.form.querySelector("select[name=" + name + "]");
      if (!target) { return; }
      var first = null;
      Array.prototype.forEach.call(target.options, function (o) {
        var fits = (o.getAttribute("data-kinds") || "").split(" ").indexOf(value) >= 0;
        o.disabled = !fits; o.hidden = !fits;
        if (fits && first === null) { first = o; }
      });
      target.disabled = first === null;
      var picked = target.options[target.selectedIndex];
      if (first !== null && (!picked || picked.disabled)) { first.selected = true; }
    });
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-narrows]")) { narrow(el); }
  });
})();
