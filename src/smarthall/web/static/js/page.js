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
