// Voice input on the ask page: the browser's own speech recognition (Web Speech API) fills the question box.
// Where the browser has none, the button stays hidden and the box is typed in as before. Nothing is downloaded:
// recognition is whatever the browser provides; the page only receives the recognised text.
(function () {
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-voice]");
    if (!box || !Recognition) return;
    var form = box.closest("form");
    var input = form ? form.querySelector("input[name=question]") : null;
    var button = box.querySelector("[data-voice-start]");
    var status = box.querySelector("[data-voice-status]");
    if (!input || !button) return;
    box.hidden = false;
    var listening = false;
    button.addEventListener("click", function () {
      if (listening) return;
      var rec = new Recognition();
      rec.lang = box.getAttribute("data-lang") || "zh-CN";
      rec.interimResults = false;
      rec.maxAlternatives = 1;
      rec.onresult = function (event) {
        var said = event.results[0][0].transcript || "";
        input.value = said.trim();
        status.textContent = "";
        input.focus();
      };
      rec.onerror = function () {
        status.textContent = box.getAttribute("data-failed") || "";
      };
      rec.onend = function () {
        listening = false;
        button.disabled = false;
      };
      listening = true;
      button.disabled = true;
      status.textContent = box.getAttribute("data-listening") || "";
      try {
        rec.start();
      } catch (e) {
        listening = false;
        button.disabled = false;
        status.textContent = box.getAttribute("data-failed") || "";
      }
    });
  });
})();
