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

// Spoken prompts (Annex B, 适老化): with the toggle on, each page reads its prompt ([data-speak]) aloud in zh-CN
// (en-US on the English pages) through the browser's speechSynthesis; a pressed button or a shown error is read
// too. The choice is kept on the device (localStorage). Without speechSynthesis the toggle stays hidden and
// nothing else changes.
(function () {
  var synth = window.speechSynthesis;
  var toggle = document.getElementById("speech-toggle");
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function" || !toggle) { return; }
  var KEY = "smarthall.kiosk.speech";
  var lang = document.documentElement.lang === "zh-CN" ? "zh-CN" : "en-US";
  function on() { try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; } }
  function store(v) { try { window.localStorage.setItem(KEY, v ? "on" : "off"); } catch (e) { /* private mode */ } }
  function say(text) {
    if (!text || !on()) { return; }
    try {
      synth.cancel();
      var u = new window.SpeechSynthesisUtterance(text);
      u.lang = lang; u.rate = 0.9;
      var voice = (synth.getVoices() || []).filter(function (v) { return v.lang && v.lang.replace("_", "-").indexOf(lang.slice(0, 2)) === 0; })[0];
      if (voice) { u.voice = voice; }
      synth.speak(u);
      window.__kioskSpoken = (window.__kioskSpoken || []).concat([text]);
    } catch (e) { /* degrade silently */ }
  }
  function paint() {
    var state = on();
    toggle.setAttribute("aria-pressed", state ? "true" : "false");
    toggle.textContent = state ? toggle.dataset.on : toggle.dataset.off;
  }
  function prompt() {
    var parts = [];
    document.querySelectorAll("[data-speak]").forEach(function (el) { parts.push(el.dataset.speak || el.textContent.trim()); });
    var err = document.querySelector("[role=alert]:not([hidden])");
    if (err && err.textContent.trim()) { parts.unshift(err.textContent.trim()); }
    return parts.join("。");
  }
  toggle.hidden = false;
  paint();
  toggle.addEventListener("click", function () {
    store(!on()); paint();
    if (on()) { say(prompt()); } else { synth.cancel(); }
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target && ev.target.closest && ev.target.closest("button, a.tool, a.tile, a.event");
    if (b && b !== toggle && b.textContent.trim()) { say(b.textContent.trim()); }
  }, true);
  window.addEventListener("pageshow", function () { window.setTimeout(function () { say(prompt()); }, 300); });
})();
