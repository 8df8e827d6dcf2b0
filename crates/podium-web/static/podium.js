// podium's only script, and optional: the site works without it. It installs the service worker
// that keeps the conference's pages for offline use, and shows "offline — data from HH:MM" when
// a page comes from that copy.
(function () {
  if (!('serviceWorker' in navigator)) return;
  var slug = document.body.getAttribute('data-conference');
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    if (slug && reg.active) reg.active.postMessage({ type: 'keep-conference', slug: slug });
  }).catch(function () {});

  function showOffline() {
    var banner = document.getElementById('offline-banner');
    if (!banner || !navigator.serviceWorker.controller) return;
    navigator.serviceWorker.controller.postMessage({ type: 'fetched-at', url: location.href });
  }
  // onmessage (not addEventListener) also starts the client's message queue.
  navigator.serviceWorker.onmessage = function (event) {
    var data = event.data || {};
    if (data.type === 'fetched-at') {
      var banner = document.getElementById('offline-banner');
      var at = data.at ? new Date(data.at) : null;
      var hhmm = at ? ('0' + at.getHours()).slice(-2) + ':' + ('0' + at.getMinutes()).slice(-2) : '?';
      banner.textContent = 'offline — data from ' + hhmm;
      banner.hidden = false;
    } else if (data.type === 'kept') {
      document.documentElement.setAttribute('data-offline-ready', String(data.count));
    }
  };
  // Is the server reachable right now? The page itself may have come from the saved copy.
  fetch('/healthz', { cache: 'no-store' }).then(function (r) { if (!r.ok) showOffline(); }, showOffline);
  window.addEventListener('offline', showOffline);
})();
