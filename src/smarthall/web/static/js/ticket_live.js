// The live ticket page (/tickets/{id}): polls the ticket every 5 s and shows its status in words (from the
// page's data-word-*/data-next-* attributes, filled from the message catalog), people ahead, the wait, and the
// window only while the ticket is being called. A static file: no inline script (CSP).
(function () {
  var card = document.querySelector('[data-ticket]');
  if (!card) { return; }
  var id = card.dataset.ticket;
  function field(name) { return document.querySelector('[data-testid=' + name + ']'); }
  function show(t) {
    var word = card.getAttribute('data-word-' + t.status), next = card.getAttribute('data-next-' + t.status);
    if (word) { field('live-status').textContent = word; }
    field('live-next').textContent = next || '';
    field('live-ahead').textContent = t.ahead == null ? '—' : t.ahead;
    field('live-wait').textContent = t.estimated_wait_minutes == null ? '—' : Math.round(t.estimated_wait_minutes);
    field('live-waiting').hidden = t.status !== 'waiting';
    field('live-window').textContent = t.status === 'called' && t.window_number
      ? card.dataset.windowTemplate.replace('{n}', t.window_number) : '';
  }
  function poll() {
    fetch('/api/v1/tickets/' + id).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { if (t) { show(t); } }).catch(function () {});
  }
  setInterval(poll, 5000);
})();
