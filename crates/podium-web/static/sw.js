// podium's service worker: after one visit, a conference's schedule, talk, speaker, track, room
// and agenda pages open without a network. Pages: network first, then the copy kept here.
// Styles and scripts: the copy kept here first. A page asks us (by message) to keep its whole
// conference: the first time we fetch every page `/{slug}/offline.json` lists; after that we
// ask the changes feed (`/api/v1/{slug}/changes?since=SEQ`) what changed and fetch only those
// pages again, so a phone on conference wi-fi pulls only what changed since its last visit.
//
// Bump the version of these names whenever podium.css, podium.js or the page templates
// change: a new name drops the old copies (and the feed position kept with the pages), so
// every page is fetched again with the new markup. The feed only reports data changes.
const PAGES = 'podium-pages-v6';
const STATIC = 'podium-static-v6';
// A cache of its own: the Cache API ignores URL fragments, so "page#fetched" would be the page.
const STAMPS = 'podium-stamps-v3';
const CURRENT = [PAGES, STATIC, STAMPS];
const STATIC_FILES = ['/static/podium.css', '/static/podium.js', '/static/slides.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC).then((c) => c.addAll(STATIC_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((n) => n.startsWith('podium-') && !CURRENT.includes(n))
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

const abs = (path) => new URL(path, self.location.origin).href;

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

// `navigate`: the visitor opened this page (the server counts it as a view, docs/slides.md);
// fetches that keep pages for offline use are not views.
async function keep(url, navigate) {
  const headers = navigate ? { 'X-Podium-Navigate': '1' } : {};
  const response = await fetch(url, { credentials: 'same-origin', headers });
  if (response.ok) {
    const cache = await caches.open(PAGES);
    await cache.put(url, response.clone());
    await stamp(url);
  }
  return response;
}

// Private addresses (accounts and their emailed links, organizer, speaker and reviewer pages, the
// call for proposals, a person's feedback form, the agenda's feed and stars, the API) are never
// kept. The agenda page itself is: it is how a phone shows its stars offline.
const PRIVATE = /^\/(account|login|signup|logout|healthz|api\/|sw\.js|verify\/|password\/|invitations\/)|\/organizer\/|\/speaker\/|\/feedback$|\/agenda\/|\/review(\/|$)|\/proposals(\/|$)|\/cfp$/;

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.open(STATIC).then((c) => c.match(event.request)).then((hit) => hit || fetch(event.request)));
    return;
  }
  if (PRIVATE.test(url.pathname)) return;
  event.respondWith(
    keep(event.request.url, event.request.mode === 'navigate').catch(async () => {
      const hit = await (await caches.open(PAGES)).match(event.request.url);
      return hit || new Response('<!doctype html><meta charset="utf-8"><title>Offline</title><p>You are offline and this page was not saved yet.</p>',
        { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    })
  );
});

// The feed position each conference's kept pages are at, stored with the pages (so a new
// PAGES name starts over with a full copy).
const seqKey = (slug) => abs('/__podium/seq/' + encodeURIComponent(slug));

async function getSeq(slug) {
  const hit = await (await caches.open(PAGES)).match(seqKey(slug));
  return hit ? Number(await hit.text()) : null;
}

async function setSeq(slug, seq) {
  await (await caches.open(PAGES)).put(seqKey(slug), new Response(String(seq)));
}

// Speaker pages a talk page links to (they list the talk, so they change with it).
const speakerLinks = (html, base) =>
  [...html.matchAll(/href="(\/[^"\/]+\/speakers\/\d+)"/g)].map((m) => m[1]).filter((p) => p.startsWith(base + '/'));

// First visit: every page. Answers how many pages were fetched.
async function keepAll(slug) {
  const list = await (await fetch('/' + encodeURIComponent(slug) + '/offline.json', { cache: 'no-store' })).json();
  let complete = true;
  for (const path of list.pages) {
    try { await keep(abs(path)); } catch (e) { complete = false; /* offline: try again next visit */ }
  }
  // Only a complete copy is at the feed's position; otherwise the next visit starts over.
  if (complete && typeof list.seq === 'number') await setSeq(slug, list.seq);
  return list.pages.length;
}

// Later visits: only the pages the changes feed names, plus the pages that list talks.
async function keepChanged(slug, since) {
  const base = '/' + encodeURIComponent(slug);
  const results = [];
  let seq = since;
  for (;;) {
    const r = await fetch('/api/v1/' + encodeURIComponent(slug) + '/changes?since=' + seq, { cache: 'no-store' });
    if (!r.ok) throw new Error('changes feed: ' + r.status);
    const page = await r.json();
    results.push(...page.results);
    const more = page.pending && page.last_seq > seq;
    seq = page.last_seq;
    if (!more) break;
  }
  if (!results.length) {
    await setSeq(slug, seq);
    return 0;
  }
  const cache = await caches.open(PAGES);
  const urls = new Set();
  const where = { talk: '/talks/', placement: '/talks/', speaker: '/speakers/', room: '/rooms/' };
  for (const c of results) {
    if (!where[c.type]) continue;
    const url = base + where[c.type] + c.id;
    if (c.deleted && c.type !== 'placement') {
      // Gone: its speakers' pages change too; then forget the page.
      const old = await cache.match(abs(url));
      if (old) speakerLinks(await old.text(), base).forEach((s) => urls.add(s));
      await cache.delete(abs(url));
    } else {
      urls.add(url);
    }
  }
  // The schedule days, the conference page, the changelog, the agenda, rooms and tracks all
  // list talks; offline.json names them.
  const list = await (await fetch(base + '/offline.json', { cache: 'no-store' })).json();
  for (const p of list.pages) {
    if (/^(\/|\/schedule(\?.*)?|\/changelog|\/agenda|\/(rooms|tracks)\/\d+)$/.test(p.slice(base.length))) urls.add(p);
  }
  let fetched = 0;
  for (const url of [...urls]) {
    const r = await keep(abs(url));
    fetched += 1;
    if (r.status === 404) await cache.delete(abs(url));
    if (r.ok && /\/talks\/\d+$/.test(url)) {
      for (const s of speakerLinks(await r.clone().text(), base)) {
        if (!urls.has(s)) {
          urls.add(s);
          await keep(abs(s));
          fetched += 1;
        }
      }
    }
  }
  // Reached only when every fetch went through; otherwise the same changes come again.
  await setSeq(slug, seq);
  return fetched;
}

// One sync per conference at a time; messages arriving meanwhile share it.
const syncing = new Map();

function syncConference(slug) {
  if (!syncing.has(slug)) {
    const run = getSeq(slug)
      .then((since) => (since === null
        ? keepAll(slug).then((count) => ({ type: 'kept', count }))
        : keepChanged(slug, since).then((fetched) => ({ type: 'synced', fetched }))))
      .finally(() => syncing.delete(slug));
    syncing.set(slug, run);
  }
  return syncing.get(slug);
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'keep-conference' && typeof data.slug === 'string') {
    event.waitUntil(
      syncConference(data.slug)
        .then((done) => {
          if (!event.source) return;
          event.source.postMessage(done);
          if (done.type === 'synced') event.source.postMessage({ type: 'kept', count: done.fetched });
        })
        .catch(() => { /* offline: try again next visit */ })
    );
  } else if (data.type === 'fetched-at' && typeof data.url === 'string') {
    event.waitUntil(fetchedAt(data.url).then((at) => event.source.postMessage({ type: 'fetched-at', at })));
  } else if (data.type === 'keep-file' && typeof data.url === 'string'
    && new URL(data.url).origin === self.location.origin) {
    // A file the visitor asked to keep for offline reading (a talk's slides PDF).
    const answer = (ok) => event.source && event.source.postMessage({ type: 'kept-file', url: data.url, ok });
    event.waitUntil(keep(data.url).then((r) => answer(r.ok), () => answer(false)));
  } else if (data.type === 'forget-private') {
    // Logged out: the kept agenda pages showed that account's stars.
    event.waitUntil(caches.open(PAGES).then(async (cache) => {
      for (const request of await cache.keys()) {
        if (/^\/[^/]+\/agenda$/.test(new URL(request.url).pathname)) await cache.delete(request);
      }
    }));
  }
});
