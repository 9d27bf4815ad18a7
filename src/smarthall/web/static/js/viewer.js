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
        var room = Math.max(200, (stage ? stage.clientWidth : 800) - 32);  // 100 % = the stage's width
        var ratio = img.naturalWidth && img.naturalHeight ? img.naturalWidth / img.naturalHeight : 0.707;
        var quarter = state.turn % 2 === 1;
        // Upright: the page is as wide as the stage (times the zoom). A quarter turn: its rotated width is.
        var width = quarter ? room * state.zoom * ratio : room * state.zoom;
        var height = width / ratio;
        img.style.width = Math.round(width) + "px";
        img.style.transform = "rotate(" + state.turn * 90 + "deg)";
        if (quarter) {  // the layout box stays upright: take back the height it lacks, give the width it needs
          var dy = Math.round((width - height) / 2) + 16;
          var dx = Math.max(16, Math.round((height - width) / 2) + 16);
          img.style.margin = dy + "px " + (state.zoom > 1 ? dx + "px" : "auto");
        } else {
          img.style.margin = "1rem auto";
        }
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
