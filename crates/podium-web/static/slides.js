// The talk page's "Keep for offline" button: asks the service worker to fetch the slides PDF
// and keep it with the conference's pages, then says whether it did. Slides are kept on request
// (and whenever they are opened online), not with every visit: a conference's PDFs can weigh
// gigabytes, too much for phones on conference wi-fi.
(function () {
  const button = document.querySelector('[data-keep-slides]');
  if (!button || !('serviceWorker' in navigator) || !('caches' in window)) return;
  const status = document.querySelector('[data-keep-slides-status]');
  const url = new URL(button.getAttribute('data-keep-slides'), location.href).href;
  const say = (text) => { if (status) status.textContent = text; };
  const kept = 'Kept for offline reading on this device.';
  button.hidden = false;
  caches.match(url).then((hit) => { if (hit) say(kept); });
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data || {};
    if (data.type !== 'kept-file' || data.url !== url) return;
    button.disabled = false;
    say(data.ok ? kept : 'Could not download the slides. Are you online?');
  });
  button.addEventListener('click', () => {
    button.disabled = true;
    say('Saving the slides…');
    navigator.serviceWorker.ready.then((registration) => {
      registration.active.postMessage({ type: 'keep-file', url });
    });
  });
})();
