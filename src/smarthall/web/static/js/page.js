// Behaviour the pages used to write inline (the Content-Security-Policy allows no inline handlers):
// a <select data-autosubmit> submits its form when changed; a <button data-print> prints the page.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
  if (el) window.print();
});
// An element with data-renew-in (seconds) renews the page once they have passed — a short-lived code that
// replaces itself (the kiosk identity code), announced in words beside it; no <meta refresh>, which screen readers
// and the accessibility rules treat as a page that moves under its reader.
(function () {
  var el = document.querySelector("[data-renew-in]");
  if (!el) return;
  var seconds = parseInt(el.getAttribute("data-renew-in"), 10);
  if (!(seconds > 0)) return;
  window.setTimeout(function () { window.location.reload(); }, Math.max(seconds, 10) * 1000);
})();
