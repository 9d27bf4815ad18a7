// The materials viewer on a case page: pick a material, zoom (25 % steps, 50–300 % of the stage's width), rotate
// by quarter turns.
// Without JavaScript every material is shown, one below the other, at its natural size.
(function () {
  function setup(viewer) {
    var state = { zoom: 1, turn: 0 };
    var tabs = viewer.querySelectorAll("[data-material-tab]");
    var panes = viewer.querySelectorAll("[data-material]");
    var label = viewer.querySelector("[data-zoom-label]");
    function apply() {
      viewer.querySelectorAll("[data-material]:not([hidden]) img").forEach(function (img) {
        var stage = img.closest(".stage");
        var w = Math.max(200, (stage ? stage.clientWidth : 800) - 32);  // 100 % = the stage's width
        var h = img.naturalWidth ? w * img.naturalHeight / img.naturalWidth : w * 1.414;
        img.style.width = Math.round(w * state.zoom) + "px";
        img.style.transform = "rotate(" + state.turn * 90 + "deg)";
        var quarter = state.turn % 2 === 1;
        img.style.margin = quarter ? Math.round(Math.abs(w - h) * state.zoom / 2) + 16 + "px auto" : "1rem auto";
      });
      if (label) label.textContent = Math.round(state.zoom * 100) + "%";
      viewer.setAttribute("data-zoom", String(state.zoom));
      viewer.setAttribute("data-turn", String(state.turn));
    }
    function show(code) {
      panes.forEach(function (p) { p.hidden = p.getAttribute("data-material") !== code; });
      tabs.forEach(function (t) { t.setAttribute("aria-pressed", String(t.getAttribute("data-material-tab") === code)); });
      apply();
    }
    tabs.forEach(function (t) {
      t.addEventListener("click", function () { show(t.getAttribute("data-material-tab")); });
    });
    viewer.addEventListener("click", function (event) {
      var el = event.target.closest ? event.target.closest("[data-view]") : null;
      if (!el) return;
      var what = el.getAttribute("data-view");
      if (what === "in") state.zoom = Math.min(3, state.zoom + 0.25);
      if (what === "out") state.zoom = Math.max(0.5, state.zoom - 0.25);
      if (what === "fit") state.zoom = 1;
      if (what === "rotate") state.turn = (state.turn + 1) % 4;
      apply();
    });
    viewer.querySelectorAll("img").forEach(function (img) { img.addEventListener("load", apply); });
    if (tabs.length) show(tabs[0].getAttribute("data-material-tab"));
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-viewer]").forEach(setup);
  });
})();
