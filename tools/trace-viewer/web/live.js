// live.js: the model of a live stream, kept up to date incrementally in the
// worker. Each update costs what arrived since the last one, not the whole
// trace: the decoder (decode.js) already decodes only new packets and keeps
// each sequence's interned names; this appends the new raw events to the
// slices, rows and counter series, and the page gets a delta (new slices,
// the slices that ended or are still open, new counter samples, new strings)
// that it appends to its own copy.
//
// The one thing an append cannot do is put an event before one already
// nested on its track (a thread whose events come from several per-CPU
// sequences, drained in turns). Such an event marks the model out of order
// and the next update rebuilds it from every raw event in per-track
// timestamp order, then sends the whole model (as buildModel does for a
// file). Counter samples from several sequences are merged by a sorted
// insert instead, which never needs a rebuild.
//
// What it does not own: decoding (decode.js), the batch model for files
// (model.js), drawing (main.js).

import { EV_BEGIN, EV_END, EV_COUNTER } from './decode.js';
import { F_INSTANT, F_UNFINISHED, SummaryAcc, arrange, trackMeta, trackOrder } from './model.js';

// A growable typed array.
class Grow {
  constructor(Type, n = 1024) {
    this.a = new Type(n);
    this.n = 0;
  }
  push(v) {
    if (this.n === this.a.length) this.fit(this.n + 1);
    this.a[this.n++] = v;
  }
  fit(need) {
    let m = this.a.length || 16;
    while (m < need) m *= 2;
    const b = new this.a.constructor(m);
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  // inserts v at position i (shifting the tail: samples arrive nearly sorted)
  insert(i, v) {
    if (this.n === this.a.length) this.fit(this.n + 1);
    this.a.copyWithin(i + 1, i, this.n);
    this.a[i] = v;
    this.n++;
  }
  copy(from = 0) {
    return this.a.slice(from, this.n);
  }
}

const SLICE_COLS = [
  ['ts', Float64Array], ['dur', Float64Array], ['track', Uint32Array], ['depth', Uint16Array],
  ['name', Uint32Array], ['cat', Uint32Array], ['flags', Uint8Array], ['begin', Uint32Array], ['end', Int32Array],
];

class TrackState {
  constructor() {
    this.stack = []; // open slices, outermost first
    this.last = -Infinity; // timestamp of the last slice event nested
    this.rows = []; // per depth: Grow of slice ids, in time order
    this.nSl = 0;
    this.cts = new Grow(Float64Array, 16); // counter samples, sorted by time
    this.cval = new Grow(Float64Array, 16);
    this.cev = new Grow(Uint32Array, 16);
    this.vMin = Infinity;
    this.vMax = -Infinity;
  }
}

export class LiveModel {
  constructor(dec) {
    this.dec = dec;
    this.clear();
  }

  clear() {
    this.next = 0; // the next raw event to take
    // slice columns: each site touches one typed-array type (monomorphic),
    // all grown together
    this.ns = 0;
    this.s = {};
    for (const [k, T] of SLICE_COLS) this.s[k] = new T(4096);
    this.tr = [];
    this.acc = new SummaryAcc();
    this.tMin = Infinity;
    this.tMax = -Infinity;
    this.unmatched = 0;
    this.disordered = false;
    this.rebuilds = 0;
    this.full = true; // the next update sends the whole model
    this.sent = 0; // slices the page has
    this.sentStrings = 0;
    this.ended = new Set(); // slices that ended since the last update
    this.samples = new Grow(Uint32Array, 256); // raw ids of samples since the last update
  }

  growSlices() {
    const S = this.s;
    for (const [k, T] of SLICE_COLS) {
      const b = new T(S[k].length * 2);
      b.set(S[k]);
      S[k] = b;
    }
  }

  state(t) {
    while (this.tr.length <= t) this.tr.push(new TrackState());
    return this.tr[t];
  }

  // Nests raw event @i. Appends; an event earlier than its track's last
  // marks the model for a rebuild (still nested, so counts stay right).
  add(i) {
    const ev = this.dec.ev;
    const x = ev.ts.a[i];
    const k = ev.kind.a[i];
    const t = ev.track.a[i];
    const st = t < this.tr.length ? this.tr[t] : this.state(t);
    if (x < this.tMin) this.tMin = x;
    if (x > this.tMax) this.tMax = x;
    if (k === EV_COUNTER) {
      const v = ev.val.a[i];
      let p = st.cts.n;
      while (p > 0 && st.cts.a[p - 1] > x) p--; // nearly always 0 steps
      if (p === st.cts.n) {
        st.cts.push(x);
        st.cval.push(v);
        st.cev.push(i);
      } else {
        st.cts.insert(p, x);
        st.cval.insert(p, v);
        st.cev.insert(p, i);
      }
      if (v < st.vMin) st.vMin = v;
      if (v > st.vMax) st.vMax = v;
      this.samples.push(i);
      return;
    }
    if (x < st.last) this.disordered = true;
    st.last = x;
    const S = this.s;
    if (k === EV_END) {
      const s = st.stack.pop();
      if (s === undefined) {
        this.unmatched++;
        return;
      }
      S.dur[s] = x - S.ts[s];
      S.end[s] = i;
      S.flags[s] &= ~F_UNFINISHED;
      this.acc.slice(S.name[s], S.dur[s]);
      if (s < this.sent) this.ended.add(s); // newer slices go to the page whole
      return;
    }
    if (this.ns === S.ts.length) this.growSlices();
    const s = this.ns++;
    const d = st.stack.length;
    const begin = k === EV_BEGIN;
    S.ts[s] = x;
    S.dur[s] = 0;
    S.track[s] = t;
    S.depth[s] = d;
    S.name[s] = ev.name.a[i];
    S.cat[s] = ev.cat.a[i];
    S.flags[s] = begin ? F_UNFINISHED : F_INSTANT;
    S.begin[s] = i;
    S.end[s] = -1;
    while (st.rows.length <= d) st.rows.push(new Grow(Uint32Array, 64));
    st.rows[d].push(s);
    st.nSl++;
    if (begin) st.stack.push(s);
    else this.acc.instant(ev.name.a[i]);
  }

  // Takes every raw event decoded since the last call.
  advance() {
    const n = this.dec.ev.n;
    for (; this.next < n; this.next++) this.add(this.next);
  }

  // Starts over from every raw event, in per-track timestamp order.
  rebuild() {
    const rebuilds = this.rebuilds + 1;
    this.clear();
    this.rebuilds = rebuilds;
    const ev = this.dec.ev;
    const { order } = trackOrder(ev, this.dec.tracks.length);
    for (let j = 0; j < order.length; j++) this.add(order[j]);
    this.next = ev.n;
    this.disordered = false;
  }

  // Open slices last until the newest event: their duration grows.
  stretchOpen(out) {
    const S = this.s;
    for (const st of this.tr) {
      for (const s of st.stack) {
        S.dur[s] = this.tMax - S.ts[s];
        if (out && s < this.sent) out.add(s);
      }
    }
  }

  meta() {
    const dec = this.dec;
    const tracks = [];
    for (let t = 0; t < dec.tracks.length; t++) {
      const st = this.state(t);
      tracks.push(trackMeta(dec.tracks[t], t, st.nSl, st.cts.n, st.rows.length, st.vMin, st.vMax));
    }
    const arr = arrange(tracks, (tr) => this.tr[tr.index].cval.a[this.tr[tr.index].cval.n - 1], dec, this.unmatched);
    let unfinished = 0;
    for (const st of this.tr) unfinished += st.stack.length;
    const n = this.tr.length ? this.dec.ev.n : 0;
    return {
      tracks,
      shown: arr.shown,
      procName: arr.procName,
      t0: n ? this.tMin : 0,
      t1: n ? this.tMax : 0,
      summary: this.acc.rows(dec.strings),
      stats: {
        events: dec.ev.n,
        packets: dec.packets,
        bytes: dec.bytes,
        malformed: dec.malformed,
        droppedFlags: dec.droppedFlags,
        droppedEvents: arr.droppedEvents,
        dropTracks: arr.dropTracks,
        unmatched: this.unmatched,
        unfinished,
        resorted: this.rebuilds,
        fatal: dec.fatal,
        notes: dec.notes,
      },
    };
  }

  // The next message for the page: {kind: 'model', model, transfer} (the
  // whole model, in buildModel's layout) or {kind: 'delta', delta, transfer}.
  update() {
    this.advance();
    if (this.disordered) this.rebuild();
    return this.full ? this.whole() : this.delta();
  }

  whole() {
    this.stretchOpen(null);
    const S = this.s;
    const ns = this.ns;
    const slices = { n: ns };
    for (const [k] of SLICE_COLS) slices[k] = S[k].slice(0, ns);
    const m = this.meta();
    // rows and samples flattened per track, as buildModel lays them out
    const rowStart = [0];
    const rowIdx = new Uint32Array(ns);
    let nc = 0;
    for (const st of this.tr) nc += st.cts.n;
    const cTs = new Float64Array(nc);
    const cVal = new Float64Array(nc);
    const cEv = new Uint32Array(nc);
    let p = 0;
    let c = 0;
    for (const tm of m.tracks) {
      const st = this.tr[tm.index];
      tm.rowBase = rowStart.length - 1;
      for (const row of st.rows) {
        rowIdx.set(row.a.subarray(0, row.n), p);
        p += row.n;
        rowStart.push(p);
      }
      tm.c0 = c;
      cTs.set(st.cts.a.subarray(0, st.cts.n), c);
      cVal.set(st.cval.a.subarray(0, st.cval.n), c);
      cEv.set(st.cev.a.subarray(0, st.cev.n), c);
      c += st.cts.n;
      tm.c1 = c;
    }
    const rs = Uint32Array.from(rowStart);
    const model = { strings: this.dec.strings, ...m, slices, rows: { idx: rowIdx, start: rs },
      counters: { n: nc, ts: cTs, val: cVal, ev: cEv } };
    this.full = false;
    this.sent = ns;
    this.sentStrings = this.dec.strings.length;
    this.ended.clear();
    this.samples.n = 0;
    const transfer = [...SLICE_COLS.map(([k]) => slices[k].buffer), rowIdx.buffer, rs.buffer, cTs.buffer,
      cVal.buffer, cEv.buffer];
    return { kind: 'model', model, transfer };
  }

  delta() {
    const S = this.s;
    const changed = this.ended;
    this.stretchOpen(changed);
    const from = this.sent;
    const slices = { from, n: this.ns - from };
    for (const [k] of SLICE_COLS) slices[k] = S[k].slice(from, this.ns);
    // slices the page has whose duration or end changed
    const ids = [...changed];
    const upd = { s: Uint32Array.from(ids), dur: new Float64Array(ids.length), end: new Int32Array(ids.length),
      flags: new Uint8Array(ids.length) };
    ids.forEach((s, j) => {
      upd.dur[j] = S.dur[s];
      upd.end[j] = S.end[s];
      upd.flags[j] = S.flags[s];
    });
    const ev = this.dec.ev;
    const k = this.samples.n;
    const smp = { track: new Uint32Array(k), ts: new Float64Array(k), val: new Float64Array(k), ev: new Uint32Array(k) };
    for (let j = 0; j < k; j++) {
      const i = this.samples.a[j];
      smp.track[j] = ev.track.a[i];
      smp.ts[j] = ev.ts.a[i];
      smp.val[j] = ev.val.a[i];
      smp.ev[j] = i;
    }
    const strings = this.dec.strings.slice(this.sentStrings);
    this.sentStrings = this.dec.strings.length;
    this.sent = this.ns;
    this.ended.clear();
    this.samples.n = 0;
    const delta = { strings, slices, updates: upd, samples: smp, ...this.meta() };
    const transfer = [...SLICE_COLS.map(([c]) => slices[c].buffer), ...Object.values(upd).map((a) => a.buffer),
      ...Object.values(smp).map((a) => a.buffer)];
    return { kind: 'delta', delta, transfer };
  }
}
