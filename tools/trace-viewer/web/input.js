// input.js: the mouse, the keyboard, the wheel and the page's controls, each
// turned into a state transition (state.js), then the panels it touches and
// a frame (draw.js). What needs the worker (a selection's arguments, loading
// a file) or spans several panels (search) comes from main.js as @ui:
// {select(sel, center), runSearch(q, jump), step(dir), load(msg, label, transfer)}.

import { LABEL_W, dragStart, dragTo, fit, hit, holdKeys, pan, pointer, scroll, setFollow, sortBy, zoom } from './state.js';
import { render } from './draw.js';
import { hideTooltip, showFollow, summary, tooltip } from './panels.js';

const $ = (id) => document.getElementById(id);

export function bindInput(S, ui) {
  const canvas = $('canvas');
  // the view moved: the tooltip is stale, a live view stopped following
  const moved = () => {
    hideTooltip();
    showFollow(S);
    render(S);
  };

  // ---- the canvas: drag pans, a click selects, the wheel scrolls, pans or zooms ----
  let drag = null;
  canvas.addEventListener('mousedown', (e) => {
    drag = dragStart(S, e.offsetX, e.offsetY);
    $('timeline').focus();
  });
  window.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    pointer(S, x, y, r.width, r.height);
    if (drag) {
      if (dragTo(S, drag, x, y, canvas.clientWidth)) {
        canvas.classList.add('dragging');
        showFollow(S);
        render(S);
      }
      return;
    }
    tooltip(S, S.mouse ? hit(S, x, y, canvas.clientWidth) : null);
  });
  window.addEventListener('mouseup', () => {
    if (drag && !drag.moved) ui.select(hit(S, drag.x, drag.y, canvas.clientWidth), false);
    canvas.classList.remove('dragging');
    drag = null;
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      zoom(S, Math.exp(e.deltaY * 0.002), e.offsetX, canvas.clientWidth);
      moved();
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      pan(S, ((e.deltaX || e.deltaY) * (S.t1 - S.t0)) / (canvas.clientWidth - LABEL_W));
      moved();
    } else {
      scroll(S, e.deltaY);
      render(S);
    }
  }, { passive: false });

  // ---- keys: W/S/A/D held zoom and pan each frame while held, as in Perfetto ----
  let motion = null;
  function animate(now) {
    if (!S.keys.size) {
      motion = null;
      return;
    }
    const dt = Math.min(50, now - (motion.last || now)) / 1000;
    motion.last = now;
    const held = (now - motion.start) / 1000;
    const px = S.mouse && S.mouse.x > LABEL_W ? S.mouse.x : undefined;
    holdKeys(S, S.keys, dt, held, px, canvas.clientWidth);
    moved();
    requestAnimationFrame(animate);
  }
  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    const k = e.key.toLowerCase();
    if ('wasd'.includes(k) && k.length === 1 && !e.ctrlKey && !e.metaKey) {
      S.keys.add(k);
      if (!motion) {
        motion = { start: performance.now(), last: 0 };
        requestAnimationFrame(animate);
      }
      e.preventDefault();
    } else if (k === '/' || (k === 'f' && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      $('search').focus();
    } else if (k === 'f' && S.sel) ui.select(S.sel, true);
    else if (k === '0' || k === 'home') {
      if (S.model) fit(S);
      render(S);
    } else if (k === 'escape') ui.select(null);
  });
  window.addEventListener('keyup', (e) => S.keys.delete(e.key.toLowerCase()));
  window.addEventListener('blur', () => S.keys.clear());
  window.addEventListener('resize', () => render(S));

  // ---- the header: search, follow; the summary: sort, search a name ----
  $('search').addEventListener('input', (e) => ui.runSearch(e.target.value.trim(), false));
  $('search').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    if (S.search.q !== e.target.value.trim() || !S.search.matches) ui.runSearch(e.target.value.trim(), true);
    else ui.step(e.shiftKey ? -1 : 1);
  });
  $('search-next').onclick = () => ui.step(1);
  $('search-prev').onclick = () => ui.step(-1);
  $('follow').onchange = (e) => {
    setFollow(S, e.target.checked);
    render(S);
  };
  document.querySelector('#summary-table thead').addEventListener('click', (e) => {
    const k = e.target.dataset && e.target.dataset.key;
    if (k && S.model) {
      sortBy(S, k);
      summary(S);
    }
  });
  document.querySelector('#summary-table tbody').addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (!tr) return;
    $('search').value = tr.dataset.name;
    ui.runSearch(tr.dataset.name, true);
  });

  // ---- files: the button and drag-and-drop ----
  function openFile(f) {
    f.arrayBuffer().then((buf) => {
      const dl = $('download');
      dl.href = URL.createObjectURL(f);
      dl.download = f.name;
      ui.load({ type: 'bytes', name: f.name, data: buf }, `${f.name} (${(f.size / 1e6).toFixed(1)} MB, dropped)`, [buf]);
    });
  }
  $('open').onclick = () => $('file').click();
  $('file').onchange = (e) => e.target.files[0] && openFile(e.target.files[0]);
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragover');
  });
  window.addEventListener('dragleave', () => document.body.classList.remove('dragover'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragover');
    const f = e.dataTransfer.files[0];
    if (f) openFile(f);
  });
}
