// podium's only script, and optional: the site works without it (logged-in people then mark
// talks with the plain form). It
// - installs the service worker that keeps the conference's pages for offline use, and shows
//   "offline — data from HH:MM" when a page comes from that copy;
// - lets anyone star talks: stars live in this browser (localStorage) until the person logs
//   in, then go to the account (POST /{slug}/agenda/merge), which is the source of truth from
//   then on; stars made offline wait in a queue and are sent, in order, when the network is back.
(function () {
  'use strict';
  var slug = document.body.getAttribute('data-conference');

  // ---- Offline copy -------------------------------------------------------------------------
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (slug && reg.active) reg.active.postMessage({ type: 'keep-conference', slug: slug });
    }).catch(function () {});

    var showOffline = function () {
      var banner = document.getElementById('offline-banner');
      if (!banner || !navigator.serviceWorker.controller) return;
      navigator.serviceWorker.controller.postMessage({ type: 'fetched-at', url: location.href });
    };
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
      } else if (data.type === 'synced') {
        // The conference's saved pages follow the changes feed (data.fetched pages refreshed).
        document.documentElement.setAttribute('data-synced', String(data.fetched));
      }
    };
    // Is the server reachable right now? The page itself may have come from the saved copy.
    fetch('/healthz', { cache: 'no-store' }).then(function (r) { if (!r.ok) showOffline(); }, showOffline);
    window.addEventListener('offline', showOffline);
  }

  // ---- Stars --------------------------------------------------------------------------------
  // Per conference, in localStorage:
  //   podium:stars:SLUG   [talk ids] starred while not known to be logged in (merged at log-in)
  //   podium:account:SLUG {stars: [ids]} the account's stars as last seen (shown offline)
  //   podium:queue:SLUG   [{talk, star, n}] changes of a logged-in person not sent yet, oldest
  //                       first, at most one per talk (a newer change replaces an older one)
  var PREFIX = 'podium:';
  function read(key, fallback) {
    try {
      var v = localStorage.getItem(PREFIX + key);
      return v ? JSON.parse(v) : fallback;
    } catch (e) { return fallback; }
  }
  function write(key, value) {
    try {
      if (value === null || (Array.isArray(value) && !value.length)) localStorage.removeItem(PREFIX + key);
      else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (e) { /* storage full or blocked: stars stay in memory for this page */ }
  }
  function state(s) {
    return {
      local: read('stars:' + s, []),
      account: read('account:' + s, null),
      queue: read('queue:' + s, [])
    };
  }
  // The talk ids shown as starred, as an object used as a set.
  function starred(s) {
    var st = state(s), set = {};
    if (st.account) st.account.stars.forEach(function (id) { set[id] = true; });
    st.queue.forEach(function (op) { if (op.star) set[op.talk] = true; else delete set[op.talk]; });
    st.local.forEach(function (id) { set[id] = true; });
    return set;
  }
  // Changes waiting for the account (local stars of a logged-in person count too).
  function pending(s) {
    var st = state(s);
    return st.account ? st.queue.length + st.local.length : 0;
  }
  var failed = {};

  function toggle(s, id) {
    var on = !starred(s)[id];
    var st = state(s);
    if (st.account) {
      write('stars:' + s, st.local.filter(function (x) { return x !== id; }));
      var n = read('n', 0) + 1;
      write('n', n);
      var queue = st.queue.filter(function (op) { return op.talk !== id; });
      queue.push({ talk: id, star: on, n: n });
      write('queue:' + s, queue);
    } else {
      var local = st.local.filter(function (x) { return x !== id; });
      if (on) local.push(id);
      write('stars:' + s, local);
    }
    lastToggled = id;
    render();
    sync(s);
  }
  var lastToggled = null;

  var busy = {};
  // Learns whether this browser is logged in, sends what waits (local stars first, then the
  // queue, in order) and keeps the account's stars. Rejects when the network or server fails.
  function sync(s) {
    if (busy[s]) return busy[s].then(function () { return sync(s); });
    busy[s] = run(s).then(function (changed) {
      failed[s] = false;
      return changed;
    }, function () {
      failed[s] = true;
      return false;
    }).then(function (changed) {
      busy[s] = null;
      render();
      return changed;
    });
    return busy[s];
  }

  function getJSON(url, options) {
    return fetch(url, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { status: r.status, ok: r.ok, body: body };
      });
    });
  }

  function run(s, retries) {
    retries = retries === undefined ? 2 : retries;
    var base = '/' + encodeURIComponent(s) + '/agenda/';
    return getJSON(base + 'stars', { credentials: 'same-origin', cache: 'no-store' }).then(function (me) {
      if (!me.ok) throw new Error('stars: ' + me.status);
      var st = state(s);
      if (!me.body.logged_in) {
        if (st.account) {
          // The session ended: what was shown stays, on this device.
          write('stars:' + s, Object.keys(starred(s)).map(Number));
          write('account:' + s, null);
          write('queue:' + s, []);
        }
        return false;
      }
      var changes = st.local.map(function (id) { return { talk: id, star: true }; })
        .concat(st.queue.map(function (op) { return { talk: op.talk, star: op.star }; }));
      if (!changes.length) {
        write('account:' + s, { stars: me.body.stars });
        return false;
      }
      var sentLocal = st.local.slice();
      var sentN = st.queue.reduce(function (m, op) { return Math.max(m, op.n); }, 0);
      return getJSON(base + 'merge', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ csrf: me.body.csrf, changes: changes })
      }).then(function (r) {
        if (r.status === 422 && r.body.code === 'unknown_talks' && retries > 0) {
          // Talks deleted since they were starred: drop them, send the rest.
          var gone = r.body.talks || [];
          var keep = function (id) { return gone.indexOf(id) < 0; };
          write('stars:' + s, state(s).local.filter(keep));
          write('queue:' + s, state(s).queue.filter(function (op) { return keep(op.talk); }));
          return run(s, retries - 1);
        }
        if (!r.ok) throw new Error('merge: ' + r.status);
        // Forget exactly what was sent; changes made meanwhile wait for the next round.
        var now = state(s);
        write('stars:' + s, now.local.filter(function (id) { return sentLocal.indexOf(id) < 0; }));
        write('queue:' + s, now.queue.filter(function (op) { return op.n > sentN; }));
        write('account:' + s, { stars: r.body.stars });
        return true;
      });
    });
  }

  // Every conference with something waiting, plus this page's.
  function syncAll() {
    var slugs = slug ? [slug] : [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var m = /^podium:(?:stars|queue):(.+)$/.exec(localStorage.key(i) || '');
        if (m && slugs.indexOf(m[1]) < 0) slugs.push(m[1]);
      }
    } catch (e) { /* no storage */ }
    return Promise.all(slugs.map(function (s) { return sync(s); }));
  }

  // ---- What the page shows ------------------------------------------------------------------
  function talkId(href) {
    if (!slug) return null;
    var path;
    try { path = new URL(href, location.href).pathname; } catch (e) { return null; }
    var m = /^\/([^/]+)\/talks\/(\d+)(?:\/want)?$/.exec(path);
    return m && decodeURIComponent(m[1]) === slug ? Number(m[2]) : null;
  }

  // A star button on every public talk card (schedule, lists, agenda), beside the link.
  function addCardStars() {
    var cards = document.querySelectorAll('main a.talk');
    Array.prototype.forEach.call(cards, function (a) {
      var id = talkId(a.getAttribute('href'));
      if (id === null || a.closest('.wanted')) return;
      var wrap = document.createElement('div');
      wrap.className = 'starrable';
      wrap.setAttribute('data-star-talk', String(id));
      a.parentNode.insertBefore(wrap, a);
      wrap.appendChild(a);
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'card-star';
      var title = a.querySelector('.title');
      b.setAttribute('aria-label', 'I want to see ' + (title ? title.textContent : 'this talk'));
      b.addEventListener('click', function () { toggle(slug, id); });
      wrap.appendChild(b);
    });
  }

  function statusText(s, on) {
    if (!state(s).account) {
      return on ? 'Saved on this device. Log in to keep it on all your devices.' : 'Removed from this device.';
    }
    if (pending(s) && failed[s]) {
      return (on ? 'Saved' : 'Removed') + ' on this device, will sync when you are back online.';
    }
    if (pending(s)) return on ? 'Saving…' : 'Removing…';
    return on ? 'Saved in your agenda.' : 'Removed from your agenda.';
  }

  function render() {
    if (!slug) return;
    var set = starred(slug);
    var form = document.querySelector('form[data-star-form]');
    if (form) {
      var id = talkId(form.getAttribute('action'));
      var on = !!set[id];
      var button = form.querySelector('button');
      button.setAttribute('aria-pressed', String(on));
      button.textContent = (on ? '★' : '☆') + ' I want to see this';
      // Logged in already: no need to ask.
      var hint = form.querySelector('[data-login-hint]');
      if (hint) hint.hidden = !!state(slug).account;
      var status = form.querySelector('[data-star-status]');
      if (status && lastToggled === id) status.textContent = statusText(slug, on);
    }
    Array.prototype.forEach.call(document.querySelectorAll('[data-star-talk]'), function (w) {
      var on = !!set[w.getAttribute('data-star-talk')];
      var b = w.querySelector('.card-star');
      b.setAttribute('aria-pressed', String(on));
      b.textContent = on ? '★' : '☆';
    });
    var banner = document.getElementById('sync-banner');
    if (banner) {
      var waiting = pending(slug);
      banner.hidden = !(waiting && failed[slug]);
      banner.textContent = waiting === 1
        ? '1 star change saved on this device, will sync when you are back online.'
        : waiting + ' star changes saved on this device, will sync when you are back online.';
    }
    renderAgenda(set);
  }

  // The agenda page carries every talk, hidden; show the starred ones and their overlaps.
  function renderAgenda(set) {
    var root = document.querySelector('[data-agenda]');
    if (!root) return;
    var shown = [];
    Array.prototype.forEach.call(root.querySelectorAll('li[data-talk]'), function (li) {
      li.hidden = !set[li.getAttribute('data-talk')];
      if (!li.hidden) shown.push(li);
    });
    Array.prototype.forEach.call(root.querySelectorAll('[data-agenda-day]'), function (day) {
      day.hidden = !day.querySelector('li[data-talk]:not([hidden])');
    });
    root.querySelector('[data-agenda-empty]').hidden = shown.length > 0;
    // Same sentence as the server's (public/agenda.rs).
    var list = root.querySelector('[data-overlap-list]');
    var num = function (li, a) { return Number(li.getAttribute(a)); };
    var items = [];
    for (var i = 0; i < shown.length; i++) {
      var a = shown[i];
      if (num(a, 'data-end') <= num(a, 'data-start')) continue;
      for (var j = i + 1; j < shown.length; j++) {
        var b = shown[j];
        if (num(b, 'data-end') <= num(b, 'data-start')) continue;
        if (num(a, 'data-start') < num(b, 'data-end') && num(b, 'data-start') < num(a, 'data-end')) {
          var item = document.createElement('li');
          item.textContent = '“' + a.getAttribute('data-title') + '” (' + a.getAttribute('data-when') + ') and “' +
            b.getAttribute('data-title') + '” (' + b.getAttribute('data-when') + ') overlap.';
          items.push(item);
        }
      }
    }
    list.replaceChildren.apply(list, items);
    root.querySelector('[data-overlaps]').hidden = !items.length;
  }

  if (slug) {
    // A logged-in page the server made (the agenda) knows the account's stars before we ask.
    var agenda = document.querySelector('[data-agenda][data-logged-in]');
    if (agenda && !state(slug).account) {
      write('account:' + slug, {
        stars: Array.prototype.map.call(agenda.querySelectorAll('li[data-talk]:not([hidden])'),
          function (li) { return Number(li.getAttribute('data-talk')); })
      });
    }
    var form = document.querySelector('form[data-star-form]');
    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var id = talkId(form.getAttribute('action'));
        if (id !== null) toggle(slug, id);
      });
    }
    addCardStars();
    render();
  }
  // Logging out: this browser forgets the account's stars and its saved agenda pages.
  document.addEventListener('submit', function (event) {
    var action = event.target.getAttribute && event.target.getAttribute('action');
    if (action !== '/logout') return;
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i) || '';
        if (/^podium:(account|queue):/.test(key)) localStorage.removeItem(key);
      }
    } catch (e) { /* no storage */ }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: 'forget-private' });
    }
  });
  syncAll().then(function (results) {
    // Stars merged on the account page: show them there (once per tab, so a browser that
    // cannot clear its storage never reloads in a loop).
    if (location.pathname !== '/account') return;
    try {
      if (results.indexOf(true) < 0) return sessionStorage.removeItem(PREFIX + 'reloaded');
      if (sessionStorage.getItem(PREFIX + 'reloaded')) return;
      sessionStorage.setItem(PREFIX + 'reloaded', '1');
    } catch (e) { return; }
    location.reload();
  });
  window.addEventListener('online', syncAll);
})();
