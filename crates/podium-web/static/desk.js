// The schedule desk's drag and drop, on top of the move forms: without JavaScript, and for
// keyboard users, a talk card stays a link to its move form. Dragging a talk onto another slot
// asks the server what that move would do (GET …/talks/{id}/preview?slot=…: the change in
// missed talks and the conflicts, the numbers the form lists) and shows it before anything is
// saved; saving posts the talk's move form. A move that breaks a hard rule needs its "move
// anyway" box ticked, as in the form. Dropping onto a talk swaps the two. Pointer events, so a
// mouse or a pen drags; on touch screens a finger scrolls the grid as before.
(function () {
  'use strict';
  const grids = Array.from(document.querySelectorAll('[data-desk-grid]'));
  const panel = document.getElementById('move-preview');
  const token = document.querySelector('input[name="csrf"]');
  if (!grids.length || !panel || !token || !window.fetch || !document.elementsFromPoint) return;
  document.querySelectorAll('.desk-dnd-hint').forEach((hint) => { hint.hidden = false; });

  const THRESHOLD = 6; // pixels a press must travel before it is a drag, not a click
  let drag = null;
  let quietUntil = 0; // the click that ends a drag must not open the talk's link

  function targetAt(x, y, cell) {
    for (const el of document.elementsFromPoint(x, y)) {
      if (cell.contains(el)) continue;
      const other = el.closest('.cell[data-talk]');
      if (other && other !== cell && other.dataset.slot && other.closest('[data-desk-grid]')) return other;
      if (el.classList.contains('slot-target')) return el;
    }
    return null;
  }

  function mark(over) {
    if (drag.over === over) return;
    if (drag.over) drag.over.classList.remove('drop-over');
    if (over) over.classList.add('drop-over');
    drag.over = over;
  }

  function end() {
    if (!drag) return null;
    const d = drag;
    drag = null;
    if (d.over) d.over.classList.remove('drop-over');
    d.cell.classList.remove('dragging');
    d.cell.style.transform = '';
    grids.forEach((g) => g.classList.remove('drag-on'));
    return d;
  }

  grids.forEach((grid) => {
    // Links are natively draggable; that drag would take over the pointer.
    grid.addEventListener('dragstart', (e) => { if (e.target.closest('.cell[data-talk]')) e.preventDefault(); });
    grid.addEventListener('pointerdown', (e) => {
      if (drag || e.button !== 0 || e.pointerType === 'touch') return;
      const cell = e.target.closest('.cell[data-talk]');
      if (!cell) return;
      drag = { cell, id: cell.dataset.talk, x: e.clientX, y: e.clientY, pointerId: e.pointerId, moved: false, over: null };
    });
  });

  document.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved) {
      if (Math.hypot(dx, dy) < THRESHOLD) return;
      drag.moved = true;
      drag.cell.classList.add('dragging');
      grids.forEach((g) => g.classList.add('drag-on'));
    }
    e.preventDefault();
    drag.cell.style.transform = 'translate(' + dx + 'px, ' + dy + 'px)';
    mark(targetAt(e.clientX, e.clientY, drag.cell));
  });

  document.addEventListener('pointerup', (e) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const moved = drag.moved;
    const over = moved ? (targetAt(e.clientX, e.clientY, drag.cell) || drag.over) : null;
    const d = end();
    if (!moved) return; // a click: the link opens the talk's move form
    quietUntil = performance.now() + 500;
    if (over && over.dataset.slot) preview(d.cell, over.dataset.slot);
  });
  document.addEventListener('pointercancel', (e) => { if (drag && e.pointerId === drag.pointerId) end(); });
  document.addEventListener('click', (e) => {
    if (performance.now() < quietUntil && e.target.closest && e.target.closest('[data-desk-grid]')) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (drag) end();
    if (!panel.hidden) close();
  });

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  let opener = null;
  function close() {
    panel.hidden = true;
    panel.replaceChildren();
    if (opener) {
      const link = opener.querySelector('a');
      if (link) link.focus();
      opener = null;
    }
  }

  function show(children) {
    panel.replaceChildren(...children);
    panel.hidden = false;
    const title = panel.querySelector('h2');
    if (title) title.focus();
  }

  function signed(n) {
    return n > 0 ? '+' + n : (n < 0 ? '−' + Math.abs(n) : '0');
  }

  async function preview(cell, slot) {
    const link = cell.querySelector('a');
    if (!link) return;
    opener = cell;
    show([el('h2', { id: 'move-preview-title', tabindex: '-1' }, 'Checking the move…')]);
    let data;
    try {
      const r = await fetch(link.getAttribute('href') + '/preview?slot=' + encodeURIComponent(slot),
        { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      data = await r.json();
    } catch (err) {
      show([el('h2', { id: 'move-preview-title', tabindex: '-1' }, 'The move could not be checked'),
        el('p', {}, 'Open the talk to move it with its form. (' + err.message + ')'), closeButton('Close')]);
      return;
    }
    if (!data.fits) {
      show([el('h2', { id: 'move-preview-title', tabindex: '-1' }, 'Not there'), el('p', {}, data.message), closeButton('Close')]);
      return;
    }
    const parts = [el('h2', { id: 'move-preview-title', tabindex: '-1' }, 'Move “' + data.title + '” to ' + data.when + '?')];
    if (data.swap_with) parts.push(el('p', {}, 'It swaps places with “' + data.swap_with + '”.'));
    const delta = el('p', { class: 'move-delta' }, 'Missed talks: ');
    const strong = el('strong', { class: data.missed_delta < 0 ? 'better' : (data.missed_delta > 0 ? 'worse' : '') }, signed(data.missed_delta));
    delta.append(strong, ' (objective ' + signed(data.objective_delta) + ')');
    parts.push(delta);
    if (data.conflicts.length) {
      const box = el('div', { class: 'notice error conflicts', role: 'alert' });
      box.append(el('p', {}, 'This move breaks a hard rule:'));
      const list = el('ul');
      data.conflicts.forEach((c) => list.append(el('li', { class: 'conflict' }, c)));
      box.append(list);
      parts.push(box);
    } else {
      parts.push(el('p', { class: 'muted' }, 'Conflicts: none.'));
    }
    // The talk's own move form, as the page without JavaScript has it.
    const form = el('form', { method: 'post', action: data.action });
    form.append(el('input', { type: 'hidden', name: 'csrf', value: token.value }));
    form.append(el('input', { type: 'hidden', name: 'slot', value: data.slot }));
    if (data.conflicts.length) {
      const label = el('label', { class: 'inline' });
      label.append(el('input', { type: 'checkbox', name: 'confirm_conflicts', value: '1', required: '' }), ' move anyway');
      form.append(label, ' ');
    }
    form.append(el('button', { class: 'button' + (data.conflicts.length ? ' secondary' : ''), type: 'submit' }, 'Save the move'), ' ', closeButton('Cancel'));
    parts.push(form);
    show(parts);
  }

  function closeButton(text) {
    const b = el('button', { class: 'button secondary', type: 'button' }, text);
    b.addEventListener('click', close);
    return b;
  }
})();
