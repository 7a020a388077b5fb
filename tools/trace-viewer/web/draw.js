// draw.js: the canvas timeline, drawn from the view state (state.js): the
// time axis with search marks, per track its label and its slices (nested
// rows) or counter (a step line). Reads the state; the one thing it changes
// is the scroll, clamped to the tracks there are, and the frame times it
// records (S.frames, S.firstRender: the tests and bench/viewer read them).
//
// Level of detail: each (track, depth) row is sorted and non-overlapping,
// so drawing binary-searches the first visible slice and, where slices are
// narrower than a pixel, jumps (binary search again) to the first slice of
// the next pixel column: a frame costs O(pixels x log n) per row, not O(n).

import { F_INSTANT, F_UNFINISHED } from './model.js';
import { fmtDur, fmtTs } from './format.js';
import { LABEL_W, AXIS_H, ROW_H, clampScroll, firstEnding, firstStarting, fit } from './state.js';

const canvas = document.getElementById('canvas');
const ctx = canvas.getContext('2d', { alpha: false });

// a name's colour, from a hash of the name: the same name, the same colour
function color(S, nameId) {
  let c = S.colors[nameId];
  if (c === undefined) {
    const s = S.model.strings[nameId];
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    c = S.colors[nameId] = `hsl(${(h >>> 0) % 360},50%,${58 + ((h >>> 9) % 12)}%)`;
  }
  return c;
}

// draws at the next animation frame, once however often it is asked
let pending = false;
export function render(S) {
  if (!pending) {
    pending = true;
    requestAnimationFrame(() => draw(S));
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

// draws now
export function draw(S) {
  pending = false;
  const t = performance.now();
  const [W, H] = resize();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const m = S.model;
  if (m) {
    clampScroll(S, H);
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
      if (it.kind === 'counter') drawCounter(S, it.track, y, it.h, W, k);
      else for (let d = 0; d < it.track.depth; d++) drawRow(S, it.track, d, y + 3 + d * ROW_H, W, k);
      ctx.restore();
      ctx.fillStyle = '#f6f7f9';
      ctx.fillRect(0, y, LABEL_W, it.h);
      ctx.fillStyle = it.kind === 'irq' ? '#8a4b00' : '#1d232b';
      ctx.fillText(clip(it.label, LABEL_W - 12), 8, y + Math.min(it.h / 2, 11));
      ctx.fillStyle = '#e4e7eb';
      ctx.fillRect(0, y + it.h, W, 1);
    }
    ctx.restore();
    drawAxis(S, W, k);
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

function drawRow(S, tr, d, y, W, k) {
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
      ctx.fillStyle = dim ? '#dfe3e8' : color(S, name[s]);
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
      ctx.fillStyle = dim ? '#c5cbd2' : color(S, name[s]);
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
        runC = dim ? '#dfe3e8' : color(S, name[s]);
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

function drawCounter(S, tr, y, h, W, k) {
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

function drawAxis(S, W, k) {
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

// How many pixels of the first track of @kind differ from its background
// (the whole trace in view, the track scrolled to the top); -1 without one.
// For the tests: a track that draws nothing is a bug a screenshot can hide.
export function trackInk(S, kind) {
  const it = S.layout.find((l) => l.kind === kind);
  if (!it) return -1;
  fit(S);
  S.scrollY = it.y;
  draw(S);
  const dpr = window.devicePixelRatio || 1;
  const x = Math.ceil((LABEL_W + 2) * dpr);
  const y = Math.ceil((AXIS_H + it.y - S.scrollY + 1) * dpr); // draw() may clamp the scroll
  const d = ctx.getImageData(x, y, canvas.width - x, Math.floor((it.h - 2) * dpr)).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
  S.scrollY = 0;
  render(S);
  return n;
}
