// The kiosk's camera (Annex B): scan the citizen's phone identity code, or photograph a material. The browser only
// captures stills (getUserMedia → canvas → JPEG); the server reads QR codes in them (POST /api/v1/venue/scan,
// zxing-cpp), so no decoder script is loaded. Without a camera, or when permission is refused, the camera block
// says so and the scanner, typing and file upload keep working; nothing here is needed to finish a step.
(function () {
  var blocks = document.querySelectorAll("[data-camera]");
  var media = navigator.mediaDevices;
  if (!blocks.length) { return; }
  var live = null; // {stream, block, timer}
  function say(block, key, extra) {
    var el = block.querySelector("[data-camera-status]");
    if (el) { el.textContent = (block.dataset[key] || "") + (extra || ""); el.dataset.state = key; }
  }
  function stop() {
    if (!live) { return; }
    window.clearInterval(live.timer);
    live.stream.getTracks().forEach(function (t) { t.stop(); });
    var video = live.block.querySelector("video");
    video.srcObject = null; video.hidden = true;
    var shoot = live.block.querySelector("[data-camera-shoot]");
    if (shoot) { shoot.hidden = true; }
    live = null;
  }
  function still(video, type, quality) {
    return new Promise(function (resolve) {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(resolve, type, quality);
    });
  }
  function read(blob) {
    return fetch("/api/v1/venue/scan", {
      method: "POST", body: blob, credentials: "same-origin",
      headers: {"Content-Type": blob.type || "image/jpeg", "Accept": "application/json"},
    }).then(function (r) { return r.ok ? r.json() : {found: false, codes: []}; });
  }
  function scanQr(block, video) {
    var target = document.querySelector("[data-testid='" + block.dataset.target + "']");
    var started = Date.now(), busy = false;
    live.timer = window.setInterval(function () {
      if (busy || !video.videoWidth) { return; }
      if (Date.now() - started > 30000) { stop(); say(block, "tTimeout"); return; }
      busy = true;
      still(video, "image/jpeg", 0.9).then(read).then(function (found) {
        busy = false;
        if (!found.found || !live) { return; }
        stop();
        target.value = found.codes[0];
        say(block, "tFound");
        target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
      }).catch(function () { busy = false; });
    }, 600);
  }
  function photo(block, video) {
    var shoot = block.querySelector("[data-camera-shoot]");
    var input = document.querySelector("[data-testid='" + block.dataset.target + "']");
    shoot.hidden = false;
    shoot.onclick = function () {
      still(video, "image/jpeg", 0.92).then(function (blob) {
        stop();
        var file = new File([blob], block.dataset.name + ".jpg", {type: "image/jpeg"});
        var dt = new DataTransfer(); dt.items.add(file); input.files = dt.files;
        say(block, "tTaken", " (" + Math.round(blob.size / 1024) + " KB)");
        return read(blob).then(function (found) {
          if (found.found) { say(block, "tTakenQr", found.codes[0]); }
        });
      }).catch(function () { say(block, "tNoCamera"); });
    };
  }
  function start(block) {
    stop();
    var video = block.querySelector("video");
    say(block, "tOpening");
    media.getUserMedia({video: {facingMode: "environment", width: {ideal: 1280}, height: {ideal: 720}}, audio: false})
      .then(function (stream) {
        live = {stream: stream, block: block, timer: 0};
        video.srcObject = stream; video.hidden = false;
        return video.play().catch(function () {});
      })
      .then(function () {
        if (!live) { return; }
        say(block, block.dataset.mode === "qr" ? "tLooking" : "tAim");
        (block.dataset.mode === "qr" ? scanQr : photo)(block, video);
      })
      .catch(function () { stop(); say(block, "tNoCamera"); block.querySelector("[data-camera-start]").hidden = true; });
  }
  blocks.forEach(function (block) {
    block.hidden = false;
    var button = block.querySelector("[data-camera-start]");
    if (!media || typeof media.getUserMedia !== "function") { button.hidden = true; say(block, "tNoCamera"); return; }
    button.addEventListener("click", function () { start(block); });
  });
  window.addEventListener("pagehide", stop);
})();
