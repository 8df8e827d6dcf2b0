// Now/next pages: reload when the server says the program changed (server-sent events); the
// page's own meta refresh covers the next start or end, and browsers without EventSource.
(function () {
  const meta = document.querySelector('meta[name="podium-live-events"]');
  if (!meta || !('EventSource' in window)) return;
  const source = new EventSource(meta.content);
  source.addEventListener('update', () => { source.close(); window.location.reload(); });
})();
