// main.js: the page's wiring. It holds the view state (state.js), talks to
// the worker (worker.js decodes and builds the model; this thread only
// draws), loads what the server says to show, and joins the transitions
// that span several parts: a new model, a selection (its arguments come
// from the worker) and a search. Drawing is draw.js, the panels panels.js,
// input input.js. `window.lucentViewer` is the state, with an api for the
// tests and bench/viewer.

import { fromModel, applyDelta } from './store.js';
import { fmtDur, fmtNs, fmtTs } from './format.js';
import * as view from './state.js';
import { LABEL_W, AXIS_H, ROW_H } from './state.js';
import { draw, render, trackInk } from './draw.js';
import * as panels from './panels.js';
import { bindInput } from './input.js';

const canvas = document.getElementById('canvas');
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

const S = view.createView();
window.lucentViewer = S; // tests and bench read it; see api below

// ---- the worker --------------------------------------------------------------------------------

worker.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'args') return panels.showArgs(S, m);
  if (m.gen < S.gen) return;
  S.gen = m.gen;
  if (m.type === 'progress') {
    panels.showProgress(m.text);
  } else if (m.type === 'error') {
    S.errors.push({ level: 'error', text: m.text });
    panels.hideProgress();
    panels.banner(S);
  } else if (m.type === 'status') {
    Object.assign(S.status, m.status);
    panels.liveBadge(S);
    panels.banner(S);
  } else if (m.type === 'model') {
    const t = performance.now();
    setModel(fromModel(m.model), m.final);
    view.noteUpdate(S, m.cost, performance.now() - t);
  } else if (m.type === 'delta') {
    if (!S.model) return;
    const t = performance.now();
    applyDelta(S.model, m.delta);
    setModel(S.model, false, true);
    view.noteUpdate(S, m.cost, performance.now() - t);
  }
};

function load(msg, label, transfer) {
  view.beginLoad(S, msg.type === 'live');
  panels.showLoading(S, label);
  worker.postMessage(msg, transfer || []);
}

// @same: a delta appended to the current model (slice ids unchanged)
function setModel(m, final, same = false) {
  const first = view.setModel(S, m, final, same);
  panels.showModel(S);
  if (S.search.q) panels.searchCount(S);
  panels.banner(S);
  panels.dropsBadge(S);
  panels.summary(S);
  panels.liveBadge(S);
  if (S.sel && first) details();
  render(S);
}

// ---- selection and search ----------------------------------------------------------------------

function details() {
  const q = panels.showDetails(S);
  if (q) worker.postMessage({ type: 'args', gen: S.gen, ...q });
}

function select(sel, center) {
  if (center) panels.hideTooltip();
  view.select(S, sel, center, canvas.clientHeight);
  panels.showFollow(S);
  details();
  render(S);
}

function runSearch(q, jump) {
  view.search(S, q, jump);
  panels.searchCount(S);
  if (jump && S.search.matches && S.search.matches.length) step(1);
  render(S);
}

function step(dir) {
  const s = view.stepMatch(S, dir);
  if (s === null) return;
  panels.searchPos(S);
  select({ kind: 'slice', s }, true);
}

bindInput(S, { select, runSearch, step, load });

// ---- the API for tests and bench/viewer ------------------------------------------------------------
S.api = {
  summary: () => S.model && S.model.summary,
  stats: () => S.model && { ...S.model.stats, slices: S.model.slices.n, tracks: S.layout.filter((l) => l.track).map((l) => ({ name: l.label, kind: l.kind })) },
  // the canvas point of the nth slice named `name` (scrolled and zoomed into view)
  slicePoint(name, nth = 0) {
    const m = S.model;
    const id = m.strings.indexOf(name);
    let n = 0;
    for (let s = 0; s < m.slices.n; s++) {
      if (m.slices.name[s] !== id || n++ !== nth) continue;
      select({ kind: 'slice', s }, true);
      S.sel = null;
      draw(S);
      const it = S.layout.find((l) => l.track && l.track.index === m.slices.track[s]);
      const k = (canvas.clientWidth - LABEL_W) / (S.t1 - S.t0);
      const x = LABEL_W + (m.slices.ts[s] + m.slices.dur[s] / 2 - S.t0) * k;
      const y = AXIS_H + it.y - S.scrollY + 3 + m.slices.depth[s] * ROW_H + ROW_H / 2;
      const r = canvas.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y, dur: m.slices.dur[s], ts: m.slices.ts[s] };
    }
    return null;
  },
  fmt: { fmtDur, fmtTs, fmtNs },
  // how many pixels of the first track of @kind differ from its background
  trackInk: (kind) => trackInk(S, kind),
  view: (t0, t1) => {
    view.setWindow(S, t0, t1);
    render(S);
  },
  draw: () => draw(S),
};

// ---- start: ask the server what to show ----------------------------------------------------------
fetch('api/source')
  .then((r) => r.json())
  .then((src) => {
    const dl = document.getElementById('download');
    if (src.mode === 'file') {
      dl.download = src.name;
      load({ type: 'url', url: new URL('trace.pftrace', location.href).href }, `${src.name} (${(src.size / 1e6).toFixed(1)} MB)`);
    } else if (src.mode === 'live') {
      dl.download = 'live.pftrace';
      load({ type: 'live', url: new URL('api/stream', location.href).href }, `live: ${src.name}`);
    }
  })
  .catch(() => {
    /* served without the Lucent server (e.g. tests): drop a file */
  });
render(S);
