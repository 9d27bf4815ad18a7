// The wall board (1920×1080): the current call large, the recent calls, each window's state, waiting per queue.
// Live over SSE (refreshes on every event, and once a minute); voice by speech synthesis, else the server's WAV.
(function () {
  var root = document.querySelector(".board.wall");
  if (!root) return;
  var d = root.dataset, hall = d.hall, zone = d.zone, zh = d.lang === "zh";
  var api = "/api/v1/halls/" + encodeURIComponent(hall) + "/board" + (zone ? "?zone_code=" + encodeURIComponent(zone) : "");
  var conn = root.querySelector("[data-testid=board-conn]");
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }
  function esc(s) { var el = document.createElement("div"); el.textContent = s == null ? "" : String(s); return el.innerHTML; }
  // The server's time when the page was made (the demo clock when one runs), kept running from the screen's clock.
  var offset = d.serverMs ? Number(d.serverMs) - Date.now() : 0;
  function clock() {
    var now = new Date(Date.now() + offset);
    var text = now.toLocaleTimeString(zh ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai" });
    root.querySelector("[data-testid=board-clock]").textContent = text;
  }
  function render(b) {
    var latest = root.querySelector("[data-testid=board-latest]");
    var current = b.calls[0];
    latest.querySelector("[data-role=number]").textContent = current ? current.number : "—";
    latest.querySelector("[data-role=go]").textContent = current ? fill(d.wordGo, { n: current.window_number }) : d.wordIdle;
    latest.querySelector("[data-role=sentence]").textContent = current ? fill(d.sentence, { number: current.number, n: current.window_number }) : "";
    root.querySelector("[data-testid=board-calls]").innerHTML = b.calls.slice(0, 7).map(function (c) {
      return "<tr><td class=\"num\">" + esc(c.number) + "</td><td>" + esc(fill(d.wordGo, { n: c.window_number })) + "</td></tr>";
    }).join("");
    root.querySelector("[data-testid=board-windows]").innerHTML = b.windows.map(function (w) {
      var state = d["status" + w.status.charAt(0).toUpperCase() + w.status.slice(1)] || w.status;
      var serving = w.current_number ? fill(d.wordServing, { number: w.current_number }) : state;
      return "<div class=\"cell\" data-state=\"" + esc(w.status) + "\"><b>" + esc(w.number) + "</b><span>" + esc(serving) + "</span></div>";
    }).join("");
    root.querySelector("[data-testid=board-queues]").innerHTML = b.queues.map(function (q) {
      return "<span data-queue=\"" + esc(q.queue) + "\">" + esc((!zh && q.department_name_en) || q.department_name || q.queue) + " <b>" + esc(fill(d.wordPeople, { n: q.waiting })) + "</b></span>";
    }).join("") + "<span class=\"total\">" + esc(d.wordTotal) + " <b>" + esc(fill(d.wordPeople, { n: b.waiting_total })) + "</b></span>";
  }
  function notice(b) {
    var line = root.querySelector("[data-testid=board-notice]");
    line.textContent = (zh ? b.notice_zh : b.notice_en) || line.dataset.standing;
  }
  function refresh() {
    return fetch(api, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) { if (b) { render(b); notice(b); } });
  }
  var voiceOn = true;
  function speak(msg) {
    if (!voiceOn) return;
    if ("speechSynthesis" in window && window.speechSynthesis.getVoices) {
      var u = new SpeechSynthesisUtterance(zh ? msg.text_zh : msg.text_en);
      u.lang = zh ? "zh-CN" : "en-US"; u.rate = 0.9;
      window.speechSynthesis.speak(u);
      var again = new SpeechSynthesisUtterance(u.text); again.lang = u.lang; again.rate = u.rate;
      window.speechSynthesis.speak(again);
    } else {
      new Audio("/api/v1/tickets/" + msg.ticket_id + "/voice.wav").play().catch(function () {});
    }
  }
  document.getElementById("sound").addEventListener("click", function () {
    voiceOn = true; speak({ text_zh: "语音已开启", text_en: "Voice on" });
  });
  function connect() {
    var es = new EventSource("/api/v1/halls/" + encodeURIComponent(hall) + "/board/stream");
    es.addEventListener("ready", function () { conn.textContent = d.wordLive; conn.dataset.state = "live"; refresh(); });
    es.addEventListener("call", function (e) {
      var msg = JSON.parse(e.data);
      if (zone && msg.zone_code !== zone) return;
      refresh(); speak(msg);
    });
    ["update", "window", "issued", "finished", "skipped"].forEach(function (t) { es.addEventListener(t, refresh); });
    es.onerror = function () { conn.textContent = d.wordReconnecting; conn.dataset.state = "down"; };
  }
  clock(); setInterval(clock, 15000);
  refresh(); connect();
  setInterval(refresh, 60000);
})();
