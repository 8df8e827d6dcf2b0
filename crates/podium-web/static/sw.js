// podium's service worker: after one visit, a conference's schedule, talk, speaker, track and
// room pages open without a network. Pages: network first, then the copy kept here. Styles and
// scripts: the copy kept here first. A page asks us (by message) to keep its whole conference.
const PAGES = 'podium-pages-v1';
const STATIC = 'podium-static-v1';
// A cache of its own: the Cache API ignores URL fragments, so "page#fetched" would be the page.
const STAMPS = 'podium-stamps-v1';
const STATIC_FILES = ['/static/podium.css', '/static/podium.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC).then((c) => c.addAll(STATIC_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// When each page was last fetched from the network, by URL (for the offline banner).
async function stamp(url) {
  const cache = await caches.open(STAMPS);
  await cache.put(url, new Response(String(Date.now())));
}

async function fetchedAt(url) {
  const cache = await caches.open(STAMPS);
  const r = await cache.match(url);
  return r ? Number(await r.text()) : null;
}

async function keep(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (response.ok) {
    const cache = await caches.open(PAGES);
    await cache.put(url, response.clone());
    await stamp(url);
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.open(STATIC).then((c) => c.match(event.request)).then((hit) => hit || fetch(event.request)));
    return;
  }
  // Private pages are never kept.
  if (/^\/(account|login|signup|logout|healthz|api\/|sw\.js)|\/organizer\/|\/agenda\//.test(url.pathname)) return;
  event.respondWith(
    keep(event.request.url).catch(async () => {
      const hit = await (await caches.open(PAGES)).match(event.request.url);
      return hit || new Response('<!doctype html><meta charset="utf-8"><title>Offline</title><p>You are offline and this page was not saved yet.</p>',
        { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    })
  );
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'keep-conference' && typeof data.slug === 'string') {
    // Fetch the list of the conference's pages and keep each one.
    event.waitUntil(
      fetch('/' + encodeURIComponent(data.slug) + '/offline.json')
        .then((r) => r.json())
        .then(async (list) => {
          for (const path of list.pages) {
            try { await keep(new URL(path, self.location.origin).href); } catch (e) { /* offline: try again next visit */ }
          }
          event.source && event.source.postMessage({ type: 'kept', count: list.pages.length });
        })
        .catch(() => {})
    );
  } else if (data.type === 'fetched-at' && typeof data.url === 'string') {
    event.waitUntil(fetchedAt(data.url).then((at) => event.source.postMessage({ type: 'fetched-at', at })));
  }
});
