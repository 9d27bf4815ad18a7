// The kiosk's inactivity timeout (Annex B; 适老化): after data-idle seconds without a touch or key the screen is
// wiped — form fields cleared and the page sent home; on a self-service step the server session ends first
// (data-wipe names the form that ends it). A countdown warns during the last 15 seconds.
(function () {
  var script = document.currentScript;
  var idle = parseInt((script && script.dataset.idle) || "90", 10);
  var home = (script && script.dataset.home) || "/";
  var left = idle;
  function reset() { left = idle; var w = document.getElementById("idle-warning"); if (w) w.hidden = true; }
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (e) { document.addEventListener(e, reset, true); });
  function wipe() {
    document.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (el) { el.value = ""; });
    var end = document.getElementById("wipe-session");
    if (end) { end.action = end.action.split("?")[0] + "?by=timeout"; end.submit(); } else { location.href = home; }
  }
  window.setInterval(function () {
    left -= 1;
    var w = document.getElementById("idle-warning");
    if (w && left <= 15 && left > 0) { w.hidden = false; w.textContent = w.dataset.text.replace("{n}", left); }
    if (left <= 0) { left = idle; wipe(); }
  }, 1000);
})();
