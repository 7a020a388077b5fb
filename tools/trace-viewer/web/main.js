// main.js: the page. Owns the view (time window, vertical scroll,
// selection, search), input (mouse, WASD), drawing the canvas timeline and
// the panels. Decoding happens in worker.js; this thread only draws.
//
// Level of detail: each (track, depth) row is sorted and non-overlapping,
// so drawing binary-searches the first visible slice and, where slices are
// narrower than a pixel, jumps (binary search again) to the first slice of
// the next pixel column: a frame costs O(pixels x log n) per row, not O(n).
//
// Past 700 lines for a reason: the view state (S) is shared by drawing, hit
// testing, input and the panels; the parts without it are apart (the model
// in store.js, times in format.js, decoding in the worker).

import { F_INSTANT, F_UNFINISHED } from './model.js';
import { fromModel, applyDelta } from './store.js';
import { fmtDur, fmtNs, fmtTs } from './format.js';

const LABEL_W = 210;
const AXIS_H = 24;
const ROW_H = 18;
const COUNTER_H = 44;
const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const ctx = canvas.getContext('2d', { alpha: false });
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

const S = {
  gen: -1, model: null, layout: [], height: 0, t0: 0, t1: 1, scrollY: 0, sel: null, live: false, follow: true,
  search: { q: '', names: null, matches: null, pos: -1 }, sortKey: 'total', frames: [], firstRender: null,
  loadStart: performance.now(), status: {}, errors: [], mouse: null, keys: new Set(), argsId: 0, final: false,
  updates: [], // live: the cost of each update ({kind, events, decodeMs, modelMs, pageMs, total})
};
window.lucentViewer = S; // tests and bench read it; see api below

// ---- colours -----------------------------------------------------------------------------
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const colors = [];
function color(nameId) {
  let c = colors[nameId];
  if (c === undefined) {
    const s = S.model.strings[nameId];
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    c = colors[nameId] = `hsl(${(h >>> 0) % 360},50%,${58 + ((h >>> 9) % 12)}%)`;
  }
  return c;
}

// ---- loading -------------------------------------------------------------------------------
function banner() {
  const b = $('banner');
  const m = S.model;
  const items = [...S.errors];
  if (m) {
    if (m.stats.fatal) items.push({ level: 'error', text: m.stats.fatal });
    for (const n of m.stats.notes) items.push(n);
  }
  if (S.status.cut) items.push({ level: 'warning', text: S.status.cut });
  b.innerHTML = items.map((i) => `<div class="${i.level}">${esc(i.text)}</div>`).join('');
}

worker.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'args') return showArgs(m);
  if (m.gen < S.gen) return;
  S.gen = m.gen;
  if (m.type === 'progress') {
    $('progress').hidden = false;
    $('progress').textContent = m.text;
  } else if (m.type === 'error') {
    S.errors.push({ level: 'error', text: m.text });
    $('progress').hidden = true;
    banner();
  } else if (m.type === 'status') {
    Object.assign(S.status, m.status);
    liveBadge();
    banner();
  } else if (m.type === 'model') {
    const t = performance.now();
    setModel(fromModel(m.model), m.final);
    noteCost(m.cost, t);
  } else if (m.type === 'delta') {
    if (!S.model) return;
    const t = performance.now();
    applyDelta(S.model, m.delta);
    setModel(S.model, false, true);
    noteCost(m.cost, t);
  }
};

function load(msg, label, transfer) {
  S.errors = [];
  S.model = null;
  S.sel = null;
  S.firstRender = null;
  S.final = false;
  S.loadStart = performance.now();
  S.live = msg.type === 'live';
  S.follow = true;
  $('follow').checked = true;
  $('follow-box').hidden = !S.live;
  $('live').hidden = !S.live;
  $('source').textContent = label;
  $('empty').hidden = true;
  $('progress').hidden = false;
  $('progress').textContent = 'loading…';
  worker.postMessage(msg, transfer || []);
}

// what an update cost: the worker's part (decode, model) and the page's (apply, layout, panels)
function noteCost(cost, t) {
  if (!cost || !S.live) return;
  S.updates.push({ ...cost, pageMs: performance.now() - t });
  if (S.updates.length > 500) S.updates.splice(0, 250);
}

// @same: a delta appended to the current model (slice ids unchanged)
function setModel(m, final, same = false) {
  const prevSel = !same && S.sel && S.model ? selKey(S.sel) : null;
  const keepSel = same ? S.sel : null;
  const first = !S.model;
  S.model = m;
  S.final = final;
  colors.length = 0;
  $('progress').hidden = true;
  $('empty').hidden = m.stats.events > 0 || !!m.stats.fatal || S.live;
  layout();
  if (first || (S.live && S.follow)) fit();
  S.sel = same ? keepSel : prevSel ? findSel(prevSel) : null;
  if (S.search.q) runSearch(S.search.q, false);
  banner();
  dropsBadge();
  summary();
  liveBadge();
  if (S.sel && first) showDetails();
  render();
}

// ---- layout ---------------------------------------------------------------------------------
function layout() {
  const m = S.model;
  const L = [];
  let y = 0;
  let group = null;
  for (const ti of m.shown) {
    const t = m.tracks[ti];
    if (t.group && t.group !== group && t.kind === 'thread') {
      L.push({ kind: 'group', label: t.group, y, h: 20 });
      y += 20;
    }
    group = t.group;
    let label = t.name || (t.kind === 'thread' ? 'thread' : `track ${t.uuid}`);
    if (t.kind === 'thread' && t.tid !== null) label += ` ${t.tid}`;
    const h = t.kind === 'counter' ? COUNTER_H : Math.max(1, t.depth) * ROW_H + 6;
    L.push({ kind: t.kind, track: t, label, y, h });
    y += h + 1;
  }
  S.layout = L;
  S.height = y;
}

function fit() {
  const m = S.model;
  const pad = Math.max((m.t1 - m.t0) * 0.01, 1);
  S.t0 = m.t0 - pad;
  S.t1 = m.t1 + pad;
}

// ---- drawing ------------------------------------------------------------------------------------
let pending = false;
function render() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(draw);
  }
}

function resize() {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return [w, h];
}

function draw() {
  pending = false;
  const t = performance.now();
  const [W, H] = resize();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const m = S.model;
  if (m) {
    S.scrollY = Math.max(0, Math.min(S.scrollY, Math.max(0, S.height - (H - AXIS_H) + 20)));
    const k = (W - LABEL_W) / (S.t1 - S.t0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, W, H - AXIS_H);
    ctx.clip();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const it of S.layout) {
      const y = AXIS_H + it.y - S.scrollY;
      if (y > H || y + it.h < AXIS_H) continue;
      if (it.kind === 'group') {
        ctx.fillStyle = '#eef1f5';
        ctx.fillRect(0, y, W, it.h);
        ctx.fillStyle = '#1d232b';
        ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText(it.label, 6, y + it.h / 2);
        ctx.font = '11px system-ui, sans-serif';
        continue;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(LABEL_W, y, W - LABEL_W, it.h);
      ctx.clip();
      if (it.kind === 'counter') drawCounter(it.track, y, it.h, W, k);
      else for (let d = 0; d < it.track.depth; d++) drawRow(it.track, d, y + 3 + d * ROW_H, W, k);
      ctx.restore();
      ctx.fillStyle = '#f6f7f9';
      ctx.fillRect(0, y, LABEL_W, it.h);
      ctx.fillStyle = it.kind === 'irq' ? '#8a4b00' : '#1d232b';
      ctx.fillText(clip(it.label, LABEL_W - 12), 8, y + Math.min(it.h / 2, 11));
      ctx.fillStyle = '#e4e7eb';
      ctx.fillRect(0, y + it.h, W, 1);
    }
    ctx.restore();
    drawAxis(W, k);
  }
  const dt = performance.now() - t;
  S.frames.push(dt);
  if (S.frames.length > 1000) S.frames.splice(0, 500);
  if (m && S.firstRender === null && (S.final || S.live)) S.firstRender = performance.now();
}

function clip(s, w) {
  const n = Math.floor(w / 6.2);
  return s.length > n ? s.slice(0, Math.max(0, n - 1)) + '…' : s;
}

// first index k in [lo, hi) of row array with end(idx[k]) >= t
function firstEnding(idx, lo, hi, t, ts, dur) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = idx[mid];
    if (ts[s] + dur[s] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function firstStarting(idx, lo, hi, t, ts) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[idx[mid]] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function drawRow(tr, d, y, W, k) {
  const m = S.model;
  const { ts, dur, name, flags } = m.slices;
  const row = tr.rows[d];
  const idx = row.a;
  const end = row.n;
  const t0 = S.t0;
  const X = LABEL_W;
  const h = ROW_H - 2;
  const hl = S.search.names;
  let i = firstEnding(idx, 0, end, t0, ts, dur);
  let runX0 = -1;
  let runX1 = -1;
  let runC = null;
  const flush = () => {
    if (runX0 >= 0) {
      ctx.fillStyle = runC;
      ctx.fillRect(runX0, y, Math.max(1, runX1 - runX0), h);
    }
    runX0 = -1;
  };
  while (i < end) {
    const s = idx[i];
    const st = ts[s];
    if (st > S.t1) break;
    const x0 = X + (st - t0) * k;
    const x1 = X + (st + dur[s] - t0) * k;
    const dim = hl && !hl.has(name[s]);
    if (x1 - x0 >= 1) {
      flush();
      const a = Math.max(x0, X - 2);
      const b = Math.min(x1, W + 2);
      ctx.fillStyle = dim ? '#dfe3e8' : color(name[s]);
      ctx.fillRect(a, y, b - a, h);
      if (b - a > 30) {
        ctx.fillStyle = dim ? '#8a939d' : '#111';
        ctx.fillText(clip(m.strings[name[s]], b - a - 6), a + 3, y + h / 2 + 1);
      }
      if (flags[s] & F_UNFINISHED) {
        ctx.fillStyle = '#c62828';
        ctx.fillRect(b - 3, y, 3, h);
      }
      i++;
    } else if (flags[s] & F_INSTANT && (i + 1 >= end || X + (ts[idx[i + 1]] - t0) * k - x0 > 6)) {
      // a lone instant: a chevron
      flush();
      ctx.fillStyle = dim ? '#c5cbd2' : color(name[s]);
      ctx.beginPath();
      ctx.moveTo(x0 - 4, y);
      ctx.lineTo(x0 + 4, y);
      ctx.lineTo(x0, y + h * 0.7);
      ctx.fill();
      i++;
    } else {
      // narrow: merge everything that starts in this pixel column
      const px = Math.floor(x0);
      let j = firstStarting(idx, i + 1, end, t0 + (px + 1 - X) / k, ts);
      const lastS = idx[j - 1];
      if (j - 1 > i && (ts[lastS] + dur[lastS] - t0) * k + X - (X + (ts[lastS] - t0) * k) >= 1) j--;
      const e = Math.max(px + 1, X + (ts[idx[j - 1]] + dur[idx[j - 1]] - t0) * k);
      if (runX0 >= 0 && px <= runX1 + 1) runX1 = Math.max(runX1, e);
      else {
        flush();
        runX0 = px;
        runX1 = e;
        runC = dim ? '#dfe3e8' : color(name[s]);
      }
      i = j;
    }
  }
  flush();
  // the selection, on top
  if (S.sel && S.sel.kind === 'slice') {
    const s = S.sel.s;
    if (m.slices.track[s] === tr.index && m.slices.depth[s] === d) {
      const x0 = X + (ts[s] - t0) * k;
      const w = Math.max(2, dur[s] * k);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 2;
      ctx.strokeRect(x0, y - 1, w, h + 2);
    }
  }
}

function drawCounter(tr, y, h, W, k) {
  const m = S.model;
  const { ts, val, n } = tr.series;
  if (!n) return;
  const lo = tr.vMin < 0 ? tr.vMin : 0;
  const span = tr.vMax - lo || 1;
  const Y = (v) => y + h - 3 - ((v - lo) / span) * (h - 8);
  let a = 0;
  let b = n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (ts[mid] <= S.t0) a = mid + 1;
    else b = mid;
  }
  let i = Math.max(0, a - 1);
  ctx.beginPath();
  let x = LABEL_W + (ts[i] - S.t0) * k;
  ctx.moveTo(Math.max(x, LABEL_W - 2), Y(0));
  // one step per pixel column: its first, lowest, highest and last value
  let px = Math.floor(x);
  let mn = val[i];
  let mx = mn;
  let v = mn;
  const emit = () => {
    ctx.lineTo(px, Y(mn));
    ctx.lineTo(px, Y(mx));
    ctx.lineTo(px, Y(v));
  };
  ctx.lineTo(Math.max(x, LABEL_W - 2), Y(v));
  for (i++; i < n; i++) {
    x = LABEL_W + (ts[i] - S.t0) * k;
    const p = Math.floor(x);
    const nv = val[i];
    if (p === px) {
      if (nv < mn) mn = nv;
      if (nv > mx) mx = nv;
      v = nv;
      continue;
    }
    emit();
    ctx.lineTo(p, Y(v)); // the step: the old value holds until the new sample
    px = p;
    mn = mx = v = nv;
    ctx.lineTo(p, Y(v));
    if (p > W) break;
  }
  emit();
  ctx.lineTo(Math.min(W + 2, Math.max(px, LABEL_W + (m.t1 - S.t0) * k)), Y(v));
  ctx.lineTo(Math.min(W + 2, Math.max(px, LABEL_W + (m.t1 - S.t0) * k)), Y(0));
  ctx.closePath();
  ctx.fillStyle = tr.isDrops ? 'rgba(198,40,40,.25)' : 'rgba(47,111,219,.18)';
  ctx.fill();
  ctx.strokeStyle = tr.isDrops ? '#c62828' : '#2f6fdb';
  ctx.lineWidth = 1;
  ctx.stroke();
  ctx.fillStyle = '#6a7480';
  ctx.fillText(`max ${+tr.vMax.toPrecision(6)}`, LABEL_W + 4, y + 8);
}

function drawAxis(W, k) {
  const m = S.model;
  ctx.fillStyle = '#f6f7f9';
  ctx.fillRect(0, 0, W, AXIS_H);
  ctx.fillStyle = '#d8dde3';
  ctx.fillRect(0, AXIS_H - 1, W, 1);
  const span = S.t1 - S.t0;
  const raw = (span * 110) / (W - LABEL_W);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw);
  ctx.fillStyle = '#4a545e';
  ctx.font = '11px system-ui, sans-serif';
  for (let t = Math.ceil((S.t0 - m.t0) / step) * step + m.t0; t < S.t1; t += step) {
    const x = LABEL_W + (t - S.t0) * k;
    ctx.fillRect(x, AXIS_H - 6, 1, 6);
    ctx.fillText(fmtTs(t - m.t0, step), x + 3, AXIS_H / 2);
  }
  // search hits, one mark per pixel
  const mt = S.search.matches;
  if (mt && mt.length) {
    const seen = new Uint8Array(Math.ceil(W) + 1);
    ctx.fillStyle = '#e0a800';
    const ts = m.slices.ts;
    for (let q = 0; q < mt.length; q++) {
      const x = Math.floor(LABEL_W + (ts[mt[q]] - S.t0) * k);
      if (x < LABEL_W || x > W || seen[x]) continue;
      seen[x] = 1;
      ctx.fillRect(x, 0, 1, 5);
    }
  }
  ctx.fillStyle = '#6a7480';
  ctx.fillText(`${fmtDur(span)} shown`, 8, AXIS_H / 2);
}

// ---- hit testing ---------------------------------------------------------------------------------
function hit(px, py) {
  const m = S.model;
  if (!m || px < LABEL_W || py < AXIS_H) return null;
  const y = py - AXIS_H + S.scrollY;
  const it = S.layout.find((l) => y >= l.y && y < l.y + l.h);
  if (!it || !it.track) return null;
  const k = (canvas.clientWidth - LABEL_W) / (S.t1 - S.t0);
  const t = S.t0 + (px - LABEL_W) / k;
  const tr = it.track;
  if (it.kind === 'counter') {
    const { ts } = tr.series;
    let c = -1;
    for (let a = 0, b = tr.series.n; a < b; ) {
      const mid = (a + b) >>> 1;
      if (ts[mid] <= t) (c = mid), (a = mid + 1);
      else b = mid;
    }
    return c >= 0 ? { kind: 'counter', track: tr.index, c } : null;
  }
  const d = Math.floor((y - it.y - 3) / ROW_H);
  if (d < 0 || d >= tr.depth) return null;
  const { ts, dur } = m.slices;
  const row = tr.rows[d];
  const idx = row.a;
  const tol = 3 / k; // 3 px either side for thin slices and instants
  const i = firstEnding(idx, 0, row.n, t - tol, ts, dur);
  let best = null;
  let bestD = Infinity;
  for (let j = i; j < row.n && ts[idx[j]] <= t + tol; j++) {
    const s = idx[j];
    const dd = t < ts[s] ? ts[s] - t : t > ts[s] + dur[s] ? t - ts[s] - dur[s] : 0;
    if (dd < bestD) (bestD = dd), (best = s);
    if (!dd) break;
  }
  return best === null ? null : { kind: 'slice', s: best };
}

function selKey(sel) {
  const m = S.model;
  if (sel.kind === 'slice')
    return { kind: 'slice', track: m.slices.track[sel.s], depth: m.slices.depth[sel.s], ts: m.slices.ts[sel.s] };
  return { kind: 'counter', track: sel.track, ts: m.tracks[sel.track].series.ts[sel.c] };
}
function findSel(key) {
  const m = S.model;
  const tr = m.tracks[key.track];
  if (!tr) return null;
  if (key.kind === 'counter') {
    for (let c = 0; c < tr.series.n; c++) if (tr.series.ts[c] === key.ts) return { kind: 'counter', track: key.track, c };
    return null;
  }
  if (key.depth >= tr.depth) return null;
  const row = tr.rows[key.depth];
  const i = firstStarting(row.a, 0, row.n, key.ts, m.slices.ts);
  return i < row.n && m.slices.ts[row.a[i]] === key.ts ? { kind: 'slice', s: row.a[i] } : null;
}

// ---- details, search, summary, badges -----------------------------------------------------------
function trackLabel(t) {
  return t.kind === 'thread' ? `${t.name || 'thread'} (tid ${t.tid})` : t.name || `track ${t.uuid}`;
}

function showDetails() {
  const m = S.model;
  const body = $('details-body');
  const sel = S.sel;
  if (!sel) {
    body.className = 'muted';
    body.textContent = 'Click a slice (or a counter) to see its arguments and duration.';
    return;
  }
  body.className = '';
  const row = (k, v, id) => `<tr><td>${k}</td><td${id ? ` id="${id}"` : ''}>${v}</td></tr>`;
  if (sel.kind === 'counter') {
    const t = m.tracks[sel.track];
    body.innerHTML = `<table>${row('Counter', esc(trackLabel(t)), 'd-name')}${row('At', fmtTs(t.series.ts[sel.c] - m.t0))}` +
      `${row('Value', esc(t.series.val[sel.c]), 'd-value')}</table>`;
    return;
  }
  const s = sel.s;
  const sl = m.slices;
  const t = m.tracks[sl.track[s]];
  const inst = sl.flags[s] & F_INSTANT;
  const unf = sl.flags[s] & F_UNFINISHED;
  // the exact count only where the short form rounded it (no "512 ns (512 ns)")
  const exact = (ns) => (Number(ns.toPrecision(4)) === ns ? '' : ` <span class="muted">(${fmtNs(ns)})</span>`);
  const dur = inst ? 'instant' : `${fmtDur(sl.dur[s])}${exact(sl.dur[s])}${unf ? ' (still running when the trace ends)' : ''}`;
  body.innerHTML =
    `<table>${row('Name', esc(m.strings[sl.name[s]]), 'd-name')}${row('Category', esc(m.strings[sl.cat[s]] || '–'))}` +
    `${row('Track', esc(trackLabel(t)), 'd-track')}` +
    `${row('Start', `${fmtTs(sl.ts[s] - m.t0)} <span class="muted">after the trace's start (timestamp ${fmtNs(sl.ts[s])})</span>`, 'd-start')}` +
    `${row('Duration', dur, 'd-dur')}` +
    `${row('Depth', sl.depth[s])}</table><h2>Arguments</h2><table id="d-args"><tr><td class="muted">loading…</td></tr></table>`;
  const id = ++S.argsId;
  worker.postMessage({ type: 'args', gen: S.gen, id, ev: sl.begin[s], end: sl.end[s] });
}

function showArgs(msg) {
  if (msg.id !== S.argsId) return;
  const t = $('d-args');
  if (!t) return;
  const v = (x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x));
  t.innerHTML = msg.args.length
    ? msg.args.map((a) => `<tr><td>${esc(a.name)}</td><td class="argval">${esc(v(a.value))}</td></tr>`).join('')
    : '<tr><td class="muted">none</td></tr>';
  S.argsShown = msg.args;
}

function select(sel, center) {
  S.sel = sel;
  if (center) hideTooltip();
  if (sel && center && sel.kind === 'slice') {
    const sl = S.model.slices;
    const s = sel.s;
    const span = S.t1 - S.t0;
    const want = Math.max(sl.dur[s] * 4, Math.min(span, sl.dur[s] * 50), 1000);
    if (sl.ts[s] < S.t0 || sl.ts[s] + sl.dur[s] > S.t1 || want < span / 50) {
      S.t0 = sl.ts[s] + sl.dur[s] / 2 - want / 2;
      S.t1 = S.t0 + want;
    }
    const it = S.layout.find((l) => l.track && l.track.index === sl.track[s]);
    const H = canvas.clientHeight - AXIS_H;
    if (it) {
      const y = it.y + 3 + sl.depth[s] * ROW_H;
      if (y < S.scrollY || y + ROW_H > S.scrollY + H) S.scrollY = Math.max(0, y - H / 3);
    }
    S.follow = false;
    $('follow').checked = false;
  }
  showDetails();
  render();
}

function runSearch(q, jump) {
  const m = S.model;
  S.search.q = q;
  if (!q || !m) {
    S.search.names = S.search.matches = null;
    $('search-count').textContent = '';
    render();
    return;
  }
  const lq = q.toLowerCase();
  const names = new Set();
  m.strings.forEach((s, i) => {
    if (i && s.toLowerCase().includes(lq)) names.add(i);
  });
  const nm = m.slices.name;
  const out = [];
  for (let s = 0; s < m.slices.n; s++) if (names.has(nm[s])) out.push(s);
  const ts = m.slices.ts;
  if (out.length < 300000) out.sort((a, b) => ts[a] - ts[b]);
  S.search.names = names;
  S.search.matches = Uint32Array.from(out);
  if (jump) S.search.pos = -1;
  $('search-count').textContent = out.length ? `${out.length} found` : 'no match';
  if (jump && out.length) step(1);
  render();
}

function step(dir) {
  const mt = S.search.matches;
  if (!mt || !mt.length) return;
  S.search.pos = (S.search.pos + dir + mt.length) % mt.length;
  $('search-count').textContent = `${S.search.pos + 1} / ${mt.length}`;
  select({ kind: 'slice', s: mt[S.search.pos] }, true);
}

function summary() {
  const m = S.model;
  const key = S.sortKey;
  const rows = [...m.summary].sort((a, b) => (key === 'name' ? a.name.localeCompare(b.name) : b[key] - a[key]));
  const top = rows.slice(0, 100);
  $('summary-note').textContent = `${m.summary.length} names, ${m.slices.n.toLocaleString()} slices, ` +
    `${m.stats.events.toLocaleString()} events${rows.length > 100 ? ' (top 100 shown)' : ''}`;
  const d = (x, c) => (c ? fmtDur(x) : '–');
  document.querySelector('#summary-table tbody').innerHTML = top
    .map((r) => `<tr data-name="${esc(r.name)}"><td>${esc(r.name)}</td><td class="num">${r.count}</td>` +
      `<td class="num">${d(r.total, r.count)}</td><td class="num">${d(r.mean, r.count)}</td>` +
      `<td class="num">${d(r.max, r.count)}</td><td class="num">${d(r.min, r.count)}</td><td class="num">${r.instants}</td></tr>`)
    .join('');
  document.querySelectorAll('#summary-table th').forEach((th) => th.classList.toggle('sorted', th.dataset.key === key));
}

function dropsBadge() {
  const st = S.model.stats;
  const el = $('drops');
  const lost = st.droppedEvents;
  const bad = lost > 0 || st.droppedFlags > 0 || st.malformed > 0 || st.fatal ||
    st.notes.some((n) => n.key === 'truncated' || n.key === 'cut');
  const parts = [];
  if (lost) parts.push(`${lost.toLocaleString()} events dropped by the program`);
  if (st.droppedFlags) parts.push(`${st.droppedFlags} packets marked previous_packet_dropped`);
  if (st.malformed) parts.push(`${st.malformed} malformed packets skipped`);
  el.className = `drops ${bad ? 'bad' : 'ok'}`;
  el.textContent = lost ? `⚠ ${lost.toLocaleString()} dropped` : bad ? '⚠ data lost' : 'no drops';
  el.title = (parts.length ? parts.join('\n') : 'No dropped events reported') +
    (st.dropTracks.length ? `\n${st.dropTracks.map((d) => `${d.name}: ${d.dropped}`).join('\n')}` : '');
}

function liveBadge() {
  if (!S.live) return;
  const el = $('live');
  const st = S.status;
  const ev = S.model ? S.model.stats.events.toLocaleString() : 0;
  let text;
  if (st.server === false) text = 'viewer server unreachable (retrying)';
  else if (st.connected) text = `● live: ${ev} events`;
  else if (st.ended) text = `stream ended: ${ev} events (waiting for the program to restart)`;
  else text = `○ waiting for the program (${st.socket || 'socket'})`;
  el.textContent = text;
  el.classList.toggle('down', st.server === false);
}

// ---- input ----------------------------------------------------------------------------------------
// the view moved under a still mouse: what the tooltip said is stale
function hideTooltip() {
  $('tooltip').hidden = true;
}

function zoom(f, px) {
  const W = canvas.clientWidth - LABEL_W;
  const at = S.t0 + ((px ?? LABEL_W + W / 2) - LABEL_W) / W * (S.t1 - S.t0);
  let span = (S.t1 - S.t0) * f;
  const full = S.model ? (S.model.t1 - S.model.t0) * 2 + 1000 : span;
  span = Math.max(20, Math.min(span, full));
  hideTooltip();
  const r = (at - S.t0) / (S.t1 - S.t0);
  S.t0 = at - span * r;
  S.t1 = S.t0 + span;
  stopFollow();
  render();
}
function pan(dt) {
  hideTooltip();
  S.t0 += dt;
  S.t1 += dt;
  stopFollow();
  render();
}
function stopFollow() {
  if (S.live && S.follow) {
    S.follow = false;
    $('follow').checked = false;
  }
}

let drag = null;
canvas.addEventListener('mousedown', (e) => {
  drag = { x: e.offsetX, y: e.offsetY, t0: S.t0, t1: S.t1, sy: S.scrollY, moved: false };
  $('timeline').focus();
});
window.addEventListener('mousemove', (e) => {
  const r = canvas.getBoundingClientRect();
  const x = e.clientX - r.left;
  const y = e.clientY - r.top;
  S.mouse = x >= 0 && y >= 0 && x < r.width && y < r.height ? { x, y } : null;
  if (drag) {
    const dx = x - drag.x;
    const dy = y - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      canvas.classList.add('dragging');
      const k = (drag.t1 - drag.t0) / (canvas.clientWidth - LABEL_W);
      S.t0 = drag.t0 - dx * k;
      S.t1 = drag.t1 - dx * k;
      S.scrollY = Math.max(0, drag.sy - dy);
      stopFollow();
      render();
    }
    return;
  }
  tooltip(S.mouse ? hit(x, y) : null);
});
window.addEventListener('mouseup', () => {
  if (drag && !drag.moved) select(hit(drag.x, drag.y), false);
  canvas.classList.remove('dragging');
  drag = null;
});
canvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  if (e.ctrlKey || e.metaKey) zoom(Math.exp(e.deltaY * 0.002), e.offsetX);
  else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY))
    pan(((e.deltaX || e.deltaY) * (S.t1 - S.t0)) / (canvas.clientWidth - LABEL_W));
  else {
    S.scrollY = Math.max(0, S.scrollY + e.deltaY);
    render();
  }
}, { passive: false });

function tooltip(h) {
  const el = $('tooltip');
  if (!h || !S.model) {
    el.hidden = true;
    return;
  }
  const m = S.model;
  el.textContent = h.kind === 'slice'
    ? `${m.strings[m.slices.name[h.s]]}  ${m.slices.flags[h.s] & F_INSTANT ? 'instant' : fmtDur(m.slices.dur[h.s])}`
    : `${m.tracks[h.track].name}: ${m.tracks[h.track].series.val[h.c]}`;
  el.style.left = `${Math.min(S.mouse.x + 12, canvas.clientWidth - 200)}px`;
  el.style.top = `${S.mouse.y + 14}px`;
  el.hidden = false;
}

// WASD as in Perfetto: held keys zoom/pan continuously, accelerating
let motion = null;
function animate(now) {
  if (!S.keys.size) {
    motion = null;
    return;
  }
  const dt = Math.min(50, now - (motion.last || now)) / 1000;
  motion.last = now;
  const held = (now - motion.start) / 1000;
  const speed = 1 + Math.min(held, 2);
  const px = S.mouse && S.mouse.x > LABEL_W ? S.mouse.x : undefined;
  if (S.keys.has('w')) zoom(Math.exp(-2.2 * speed * dt), px);
  if (S.keys.has('s')) zoom(Math.exp(2.2 * speed * dt), px);
  const span = S.t1 - S.t0;
  if (S.keys.has('a')) pan(-span * 0.8 * speed * dt);
  if (S.keys.has('d')) pan(span * 0.8 * speed * dt);
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
  } else if (k === 'f' && S.sel) select(S.sel, true);
  else if (k === '0' || k === 'home') {
    if (S.model) fit();
    render();
  } else if (k === 'escape') select(null);
});
window.addEventListener('keyup', (e) => S.keys.delete(e.key.toLowerCase()));
window.addEventListener('blur', () => S.keys.clear());
window.addEventListener('resize', render);

$('search').addEventListener('input', (e) => runSearch(e.target.value.trim(), false));
$('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  if (S.search.q !== e.target.value.trim() || !S.search.matches) runSearch(e.target.value.trim(), true);
  else step(e.shiftKey ? -1 : 1);
});
$('search-next').onclick = () => step(1);
$('search-prev').onclick = () => step(-1);
$('follow').onchange = (e) => {
  S.follow = e.target.checked;
  if (S.follow && S.model) fit();
  render();
};
document.querySelector('#summary-table thead').addEventListener('click', (e) => {
  const k = e.target.dataset && e.target.dataset.key;
  if (k && S.model) {
    S.sortKey = k;
    summary();
  }
});
document.querySelector('#summary-table tbody').addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (!tr) return;
  $('search').value = tr.dataset.name;
  runSearch(tr.dataset.name, true);
});

// files: the button and drag-and-drop
function openFile(f) {
  f.arrayBuffer().then((buf) => {
    const dl = $('download');
    dl.href = URL.createObjectURL(f);
    dl.download = f.name;
    load({ type: 'bytes', name: f.name, data: buf }, `${f.name} (${(f.size / 1e6).toFixed(1)} MB, dropped)`, [buf]);
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
      draw();
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
  // (the whole trace in view, the track scrolled to the top)
  trackInk(kind) {
    const it = S.layout.find((l) => l.kind === kind);
    if (!it) return -1;
    fit();
    S.scrollY = it.y;
    draw();
    const dpr = window.devicePixelRatio || 1;
    const x = Math.ceil((LABEL_W + 2) * dpr);
    const y = Math.ceil((AXIS_H + it.y - S.scrollY + 1) * dpr); // draw() may clamp the scroll
    const d = ctx.getImageData(x, y, canvas.width - x, Math.floor((it.h - 2) * dpr)).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
    S.scrollY = 0;
    render();
    return n;
  },
  view: (t0, t1) => {
    S.t0 = t0;
    S.t1 = t1;
    render();
  },
  draw,
};

// ---- start: ask the server what to show ----------------------------------------------------------
fetch('api/source')
  .then((r) => r.json())
  .then((src) => {
    if (src.mode === 'file') {
      $('download').download = src.name;
      load({ type: 'url', url: new URL('trace.pftrace', location.href).href }, `${src.name} (${(src.size / 1e6).toFixed(1)} MB)`);
    } else if (src.mode === 'live') {
      $('download').download = 'live.pftrace';
      load({ type: 'live', url: new URL('api/stream', location.href).href }, `live: ${src.name}`);
    }
  })
  .catch(() => {
    /* served without the Lucent server (e.g. tests): drop a file */
  });
render();
