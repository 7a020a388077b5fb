// state.js: the view state and its transitions. The state is one plain object
// (createView): the model shown, the time window [t0, t1), the vertical
// scroll, the selection, the search, the track layout and the costs measured.
// Drawing (draw.js) and the panels (panels.js) only read it; input (input.js)
// and the worker's messages (main.js) change it through the functions here.
// No DOM: a transition takes what it needs of the page (the canvas's width or
// height) as arguments, so node's test runner checks them without a browser
// (test/state.test.mjs).

// the canvas geometry, in CSS pixels: drawing, hit testing and input share it
export const LABEL_W = 210; // the track labels, left of the time area
export const AXIS_H = 24; // the time axis, above the tracks
export const ROW_H = 18; // one nesting depth of a slice track
export const COUNTER_H = 44; // a counter track
const GROUP_H = 20; // a process's heading above its threads

export function createView() {
  return {
    gen: -1, model: null, layout: [], height: 0, t0: 0, t1: 1, scrollY: 0, sel: null, live: false, follow: true,
    search: { q: '', names: null, matches: null, pos: -1 }, sortKey: 'total', frames: [], firstRender: null,
    loadStart: performance.now(), status: {}, errors: [], mouse: null, keys: new Set(), argsId: 0, final: false,
    updates: [], // live: the cost of each update ({kind, events, decodeMs, modelMs, pageMs, total})
    colors: [], // per name id, drawn from the name: forgotten with each model
  };
}

// ---- rows: each (track, depth) row is sorted by start and non-overlapping ------------------

// first index k in [lo, hi) of row array with end(idx[k]) >= t
export function firstEnding(idx, lo, hi, t, ts, dur) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = idx[mid];
    if (ts[s] + dur[s] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
// first index k in [lo, hi) of row array with start(idx[k]) >= t
export function firstStarting(idx, lo, hi, t, ts) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[idx[mid]] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- loading -----------------------------------------------------------------------------------

// a new source: nothing shown until its model arrives; a live one follows
export function beginLoad(v, live) {
  v.errors = [];
  v.model = null;
  v.sel = null;
  v.firstRender = null;
  v.final = false;
  v.loadStart = performance.now();
  v.live = live;
  v.follow = true;
}

// Shows model @m. @same: a delta appended to the current model (slice ids
// unchanged, so the selection stays); otherwise the selection is looked up
// again by track, depth and start. Returns true for the first model of a load.
export function setModel(v, m, final, same = false) {
  const prevSel = !same && v.sel && v.model ? selKey(v, v.sel) : null;
  const keepSel = same ? v.sel : null;
  const first = !v.model;
  v.model = m;
  v.final = final;
  v.colors.length = 0;
  layoutTracks(v);
  if (first || (v.live && v.follow)) fit(v);
  v.sel = same ? keepSel : prevSel ? findSel(v, prevSel) : null;
  if (v.search.q) search(v, v.search.q, false);
  return first;
}

// what an update cost: the worker's part (decode, model) and the page's (apply, layout, panels)
export function noteUpdate(v, cost, pageMs) {
  if (!cost || !v.live) return;
  v.updates.push({ ...cost, pageMs });
  if (v.updates.length > 500) v.updates.splice(0, 250);
}

// one entry per shown track (a group heading before a process's threads), top to bottom
export function layoutTracks(v) {
  const m = v.model;
  const L = [];
  let y = 0;
  let group = null;
  for (const ti of m.shown) {
    const t = m.tracks[ti];
    if (t.group && t.group !== group && t.kind === 'thread') {
      L.push({ kind: 'group', label: t.group, y, h: GROUP_H });
      y += GROUP_H;
    }
    group = t.group;
    let label = t.name || (t.kind === 'thread' ? 'thread' : `track ${t.uuid}`);
    if (t.kind === 'thread' && t.tid !== null) label += ` ${t.tid}`;
    const h = t.kind === 'counter' ? COUNTER_H : Math.max(1, t.depth) * ROW_H + 6;
    L.push({ kind: t.kind, track: t, label, y, h });
    y += h + 1;
  }
  v.layout = L;
  v.height = y;
}

// ---- the time window and the scroll ------------------------------------------------------------

// the whole trace, with 1 % to spare on each side
export function fit(v) {
  const m = v.model;
  const pad = Math.max((m.t1 - m.t0) * 0.01, 1);
  v.t0 = m.t0 - pad;
  v.t1 = m.t1 + pad;
}

export function setWindow(v, t0, t1) {
  v.t0 = t0;
  v.t1 = t1;
}

// the follow checkbox: on, a live view shows the whole trace as it grows
export function setFollow(v, on) {
  v.follow = on;
  if (v.follow && v.model) fit(v);
}

// any zoom or pan of a live view stops following the growing trace
export function stopFollow(v) {
  if (v.live && v.follow) v.follow = false;
}

// Zooms by factor @f about canvas x @px (the middle when undefined) of a
// canvas @width wide; the span stays between 20 ns and twice the trace.
export function zoom(v, f, px, width) {
  const W = width - LABEL_W;
  const at = v.t0 + ((px ?? LABEL_W + W / 2) - LABEL_W) / W * (v.t1 - v.t0);
  let span = (v.t1 - v.t0) * f;
  const full = v.model ? (v.model.t1 - v.model.t0) * 2 + 1000 : span;
  span = Math.max(20, Math.min(span, full));
  const r = (at - v.t0) / (v.t1 - v.t0);
  v.t0 = at - span * r;
  v.t1 = v.t0 + span;
  stopFollow(v);
}

export function pan(v, dt) {
  v.t0 += dt;
  v.t1 += dt;
  stopFollow(v);
}

export function scroll(v, dy) {
  v.scrollY = Math.max(0, v.scrollY + dy);
}

// no scrolling past the last track (20 px to spare) in a canvas @height high
export function clampScroll(v, height) {
  v.scrollY = Math.max(0, Math.min(v.scrollY, Math.max(0, v.height - (height - AXIS_H) + 20)));
}

// W/S/A/D held (@keys) for @dt s of a press held @held s: zoom about canvas x
// @px and pan, faster the longer they are held (up to 3x after 2 s), as in Perfetto
export function holdKeys(v, keys, dt, held, px, width) {
  const speed = 1 + Math.min(held, 2);
  if (keys.has('w')) zoom(v, Math.exp(-2.2 * speed * dt), px, width);
  if (keys.has('s')) zoom(v, Math.exp(2.2 * speed * dt), px, width);
  const span = v.t1 - v.t0;
  if (keys.has('a')) pan(v, -span * 0.8 * speed * dt);
  if (keys.has('d')) pan(v, span * 0.8 * speed * dt);
}

// the mouse at (x, y) of a canvas @width x @height: null outside it
export function pointer(v, x, y, width, height) {
  v.mouse = x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
}

// a mouse press at canvas (x, y): what a drag from it moves from
export function dragStart(v, x, y) {
  return { x, y, t0: v.t0, t1: v.t1, sy: v.scrollY, moved: false };
}

// The mouse of drag @d at canvas (x, y): past 3 px it is a drag, which pans
// the window and the scroll with the mouse. Returns whether the view moved.
export function dragTo(v, d, x, y, width) {
  const dx = x - d.x;
  const dy = y - d.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
  if (!d.moved) return false;
  const k = (d.t1 - d.t0) / (width - LABEL_W);
  v.t0 = d.t0 - dx * k;
  v.t1 = d.t1 - dx * k;
  v.scrollY = Math.max(0, d.sy - dy);
  stopFollow(v);
  return true;
}

// ---- what is at a point, and the selection -------------------------------------------------------

// The slice ({kind: 'slice', s}) or counter sample ({kind: 'counter', track, c})
// at canvas point (px, py) of a canvas @width wide, or null. A thin slice or
// an instant counts within 3 px; of several, the nearest.
export function hit(v, px, py, width) {
  const m = v.model;
  if (!m || px < LABEL_W || py < AXIS_H) return null;
  const y = py - AXIS_H + v.scrollY;
  const it = v.layout.find((l) => y >= l.y && y < l.y + l.h);
  if (!it || !it.track) return null;
  const k = (width - LABEL_W) / (v.t1 - v.t0);
  const t = v.t0 + (px - LABEL_W) / k;
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

// a selection as what outlives a rebuilt model: track, depth and start
export function selKey(v, sel) {
  const m = v.model;
  if (sel.kind === 'slice')
    return { kind: 'slice', track: m.slices.track[sel.s], depth: m.slices.depth[sel.s], ts: m.slices.ts[sel.s] };
  return { kind: 'counter', track: sel.track, ts: m.tracks[sel.track].series.ts[sel.c] };
}
export function findSel(v, key) {
  const m = v.model;
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

// Selects @sel (null: none). @center: bring a selected slice into view and stop
// following: where it is off the window or far narrower than it, the window
// becomes 4-50 times the slice (at least 1 µs) around it; its row is scrolled
// into a canvas @height high.
export function select(v, sel, center, height) {
  v.sel = sel;
  if (sel && center && sel.kind === 'slice') {
    const sl = v.model.slices;
    const s = sel.s;
    const span = v.t1 - v.t0;
    const want = Math.max(sl.dur[s] * 4, Math.min(span, sl.dur[s] * 50), 1000);
    if (sl.ts[s] < v.t0 || sl.ts[s] + sl.dur[s] > v.t1 || want < span / 50) {
      v.t0 = sl.ts[s] + sl.dur[s] / 2 - want / 2;
      v.t1 = v.t0 + want;
    }
    const it = v.layout.find((l) => l.track && l.track.index === sl.track[s]);
    const H = height - AXIS_H;
    if (it) {
      const y = it.y + 3 + sl.depth[s] * ROW_H;
      if (y < v.scrollY || y + ROW_H > v.scrollY + H) v.scrollY = Math.max(0, y - H / 3);
    }
    v.follow = false;
  }
}

// the summary table's order: a column's key (name, count, total, mean, max, min, instants)
export function sortBy(v, key) {
  v.sortKey = key;
}

// ---- search ----------------------------------------------------------------------------------------

// Searches slice names for @q (case-insensitive substring): the names that
// match (drawing dims the others) and the matching slices in time order.
// @jump: start stepping from the first match again.
export function search(v, q, jump) {
  const m = v.model;
  v.search.q = q;
  if (!q || !m) {
    v.search.names = v.search.matches = null;
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
  v.search.names = names;
  v.search.matches = Uint32Array.from(out);
  if (jump) v.search.pos = -1;
}

// the next (@dir 1) or previous (-1) match, wrapping; null when none
export function stepMatch(v, dir) {
  const mt = v.search.matches;
  if (!mt || !mt.length) return null;
  v.search.pos = (v.search.pos + dir + mt.length) % mt.length;
  return mt[v.search.pos];
}
