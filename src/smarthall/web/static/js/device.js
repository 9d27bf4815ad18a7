// Every page a paired device shows sends heartbeats (GB/T 44888-2024 §7): the page it is on, every N seconds.
// A revoked device is sent to /pair. The interval comes from the server's answer (rule venue.heartbeat_seconds).
(function () {
  var script = document.currentScript;
  var every = parseInt((script && script.dataset.interval) || "30", 10) * 1000;
  function beat() {
    fetch("/api/v1/venue/heartbeat", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ page: location.pathname.slice(0, 200) })
    }).then(function (r) {
      if (r.status === 403 || r.status === 401) { if (location.pathname !== "/pair") location.href = "/pair"; return null; }
      return r.ok ? r.json() : null;
    }).then(function (ack) {
      if (ack && ack.next_in_seconds) every = ack.next_in_seconds * 1000;
      window.setTimeout(beat, every);
    }).catch(function () { window.setTimeout(beat, every); });
  }
  if (!window.__smarthallHeartbeat) { window.__smarthallHeartbeat = true; beat(); }
})();
