// store.js: the page's copy of the model, in the layout the renderer reads:
// slice columns (capacity may exceed slices.n), and per track `rows[d]`
// ({a, n}: slice ids of nesting depth d, in time order) and `series`
// ({ts, val, ev, n}: counter samples in time order). A whole model (a file,
// or a live rebuild) arrives in buildModel's flat layout and is turned into
// views of it; a live delta (live.js) is appended in place. No DOM, so the
// unit tests replay deltas under node.

const COLS = ['ts', 'dur', 'track', 'depth', 'name', 'cat', 'flags', 'begin', 'end'];

function grown(a, need) {
  let m = Math.max(a.length, 16);
  while (m < need) m *= 2;
  const b = new a.constructor(m);
  b.set(a);
  return b;
}

// A whole model (buildModel's layout) as the page's store.
export function fromModel(m) {
  for (const tr of m.tracks) {
    tr.rows = [];
    for (let d = 0; d < tr.depth; d++) {
      const a = m.rows.start[tr.rowBase + d];
      const b = m.rows.start[tr.rowBase + d + 1];
      tr.rows.push({ a: m.rows.idx.subarray(a, b), n: b - a });
    }
    const c = m.counters;
    tr.series = { ts: c.ts.subarray(tr.c0, tr.c1), val: c.val.subarray(tr.c0, tr.c1),
      ev: c.ev.subarray(tr.c0, tr.c1), n: tr.c1 - tr.c0 };
  }
  return m;
}

function rowPush(row, s) {
  if (row.n === row.a.length) row.a = grown(row.a.subarray(0, row.n), row.n + 1);
  row.a[row.n++] = s;
}

function seriesInsert(se, t, v, e) {
  if (se.n === se.ts.length) {
    const need = se.n + 1;
    se.ts = grown(se.ts.subarray(0, se.n), need);
    se.val = grown(se.val.subarray(0, se.n), need);
    se.ev = grown(se.ev.subarray(0, se.n), need);
  }
  let p = se.n;
  while (p > 0 && se.ts[p - 1] > t) p--; // samples of several sequences: nearly sorted
  if (p < se.n) {
    se.ts.copyWithin(p + 1, p, se.n);
    se.val.copyWithin(p + 1, p, se.n);
    se.ev.copyWithin(p + 1, p, se.n);
  }
  se.ts[p] = t;
  se.val[p] = v;
  se.ev[p] = e;
  se.n++;
}

// Appends a live delta (live.js LiveModel.delta) to store @m, in place.
export function applyDelta(m, d) {
  for (const s of d.strings) m.strings.push(s);
  const S = m.slices;
  const add = d.slices;
  if (add.from !== S.n) throw new Error(`a delta from slice ${add.from} for a store of ${S.n}`);
  const need = S.n + add.n;
  for (const k of COLS) {
    if (S[k].length < need) S[k] = grown(S[k].subarray(0, S.n), need);
    S[k].set(add[k], S.n);
  }
  const old = m.tracks;
  for (const tm of d.tracks) {
    const o = old[tm.index];
    tm.rows = o ? o.rows : [];
    tm.series = o ? o.series : { ts: new Float64Array(16), val: new Float64Array(16), ev: new Uint32Array(16), n: 0 };
  }
  m.tracks = d.tracks;
  for (let j = 0; j < add.n; j++) {
    const s = S.n + j;
    const tr = m.tracks[add.track[j]];
    const dp = add.depth[j];
    while (tr.rows.length <= dp) tr.rows.push({ a: new Uint32Array(16), n: 0 });
    rowPush(tr.rows[dp], s);
  }
  S.n = need;
  const u = d.updates;
  for (let j = 0; j < u.s.length; j++) {
    const s = u.s[j];
    S.dur[s] = u.dur[j];
    S.end[s] = u.end[j];
    S.flags[s] = u.flags[j];
  }
  const smp = d.samples;
  for (let j = 0; j < smp.ts.length; j++) seriesInsert(m.tracks[smp.track[j]].series, smp.ts[j], smp.val[j], smp.ev[j]);
  m.shown = d.shown;
  m.procName = d.procName;
  m.t0 = d.t0;
  m.t1 = d.t1;
  m.summary = d.summary;
  m.stats = d.stats;
  return m;
}
