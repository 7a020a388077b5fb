// model.js: raw events (decode.js) into what the page draws: nested slices
// per track, rows per nesting depth, counter series, a summary per name,
// and the drop and error accounting. Runs in the Web Worker; the result is
// typed arrays that are transferred, not copied, to the page.
//
// Slices are nested as trace_processor does: per track, in timestamp order
// (a thread's events can come from several per-CPU sequences, interleaved
// in the stream, and are sorted then), a BEGIN pushes, an END pops, an INSTANT sits at the
// current depth with zero duration. Within one (track, depth) row slices do
// not overlap, so a row sorted by start is also sorted by end: the renderer
// binary-searches it.

import { EV_BEGIN, EV_END, EV_INSTANT, EV_COUNTER } from './decode.js';

export const F_INSTANT = 1;
export const F_UNFINISHED = 2;

export function kindOf(t, nSlices, nSamples) {
  if (t.isThread) return 'thread';
  if (t.isCpu) return 'cpu';
  if (t.isCounter || (nSamples && !nSlices)) return 'counter';
  if (/^irq\b/i.test(t.name)) return 'irq';
  if (t.isProcess) return 'process';
  return 'track';
}

export function buildModel(dec) {
  const t0ms = Date.now();
  const ev = dec.ev;
  const n = ev.n;
  const ts = ev.ts.a;
  const kind = ev.kind.a;
  const trk = ev.track.a;
  const T = dec.tracks.length;

  // 1. counts, the time range, and whether each track is already in order
  // (the usual case: one thread's events come from one sequence)
  let nSlices = 0;
  let nSamples = 0;
  let tMin = Infinity;
  let tMax = -Infinity;
  const last = new Float64Array(T).fill(-Infinity);
  let ordered = true;
  for (let i = 0; i < n; i++) {
    const k = kind[i];
    if (k === EV_COUNTER) nSamples++;
    else if (k !== EV_END) nSlices++;
    const t = ts[i];
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
    if (k === EV_COUNTER) continue; // samples are sorted apart, below
    const tr = trk[i];
    if (t < last[tr]) ordered = false;
    last[tr] = t;
  }
  if (!n) tMin = tMax = 0;

  // 2. otherwise, an order that is sorted per track
  const { order, resorted: r0 } = ordered ? { order: null, resorted: 0 } : trackOrder(ev, T);
  let resorted = r0;

  // 3. nest, one pass; each track has its own stack
  const sTs = new Float64Array(nSlices);
  const sDur = new Float64Array(nSlices);
  const sTrack = new Uint32Array(nSlices);
  const sDepth = new Uint16Array(nSlices);
  const sName = new Uint32Array(nSlices);
  const sCat = new Uint32Array(nSlices);
  const sFlags = new Uint8Array(nSlices);
  const sBegin = new Uint32Array(nSlices);
  const sEnd = new Int32Array(nSlices);
  const rTs = new Float64Array(nSamples);
  const rTrack = new Uint32Array(nSamples);
  const rEv = new Uint32Array(nSamples);
  const stacks = [];
  for (let t = 0; t < T; t++) stacks.push([]);
  const maxDepth = new Uint32Array(T);
  const nSl = new Uint32Array(T);
  const nSa = new Uint32Array(T);
  let ns = 0;
  let nc = 0;
  let unmatched = 0;
  let unfinished = 0;
  const name = ev.name.a;
  const cat = ev.cat.a;
  for (let j = 0; j < n; j++) {
    const i = order === null ? j : order[j];
    const k = kind[i];
    const t = trk[i];
    if (k === EV_COUNTER) {
      rTs[nc] = ts[i];
      rTrack[nc] = t;
      rEv[nc++] = i;
      nSa[t]++;
    } else if (k === EV_END) {
      const stack = stacks[t];
      if (!stack.length) {
        unmatched++;
        continue;
      }
      const s = stack.pop();
      sDur[s] = ts[i] - sTs[s];
      sEnd[s] = i;
    } else {
      const s = ns++;
      const stack = stacks[t];
      const d = stack.length;
      sTs[s] = ts[i];
      sTrack[s] = t;
      sDepth[s] = d;
      sName[s] = name[i];
      sCat[s] = cat[i];
      sBegin[s] = i;
      sEnd[s] = -1;
      nSl[t]++;
      if (d >= maxDepth[t]) maxDepth[t] = d + 1;
      if (k === EV_BEGIN) {
        sDur[s] = -1;
        stack.push(s);
      } else {
        sFlags[s] = F_INSTANT;
      }
    }
  }
  for (const stack of stacks) {
    for (const s of stack) {
      sFlags[s] |= F_UNFINISHED;
      sDur[s] = tMax - sTs[s];
      unfinished++;
    }
  }

  // 4. rows: slices partitioned by (track, depth), stable, so each row is
  // in time order; row r is rowIdx[rowStart[r] .. rowStart[r + 1]).
  // Counter samples likewise grouped by track.
  const rowBase = new Uint32Array(T + 1);
  for (let t = 0; t < T; t++) rowBase[t + 1] = rowBase[t] + maxDepth[t];
  const R = rowBase[T];
  const rowStart = new Uint32Array(R + 1);
  for (let s = 0; s < ns; s++) rowStart[rowBase[sTrack[s]] + sDepth[s] + 1]++;
  for (let r = 0; r < R; r++) rowStart[r + 1] += rowStart[r];
  const rowIdx = new Uint32Array(ns);
  const at = rowStart.slice(0, R);
  for (let s = 0; s < ns; s++) rowIdx[at[rowBase[sTrack[s]] + sDepth[s]]++] = s;
  const cStart = new Uint32Array(T + 1);
  for (let t = 0; t < T; t++) cStart[t + 1] = cStart[t] + nSa[t];
  const cTs = new Float64Array(nc);
  const cVal = new Float64Array(nc);
  const cEv = new Uint32Array(nc);
  const cAt = cStart.slice(0, T);
  const val = ev.val.a;
  for (let c = 0; c < nc; c++) {
    const p = cAt[rTrack[c]]++;
    cTs[p] = rTs[c];
    cEv[p] = rEv[c];
    cVal[p] = val[rEv[c]];
  }

  for (let t = 0; t < T; t++) {
    // samples of one counter from several sequences (threads) interleave
    for (let c = cStart[t] + 1; c < cStart[t + 1]; c++) {
      if (cTs[c] < cTs[c - 1]) {
        const g = Array.from(cEv.subarray(cStart[t], cStart[t + 1]));
        g.sort((a, b) => ts[a] - ts[b] || a - b);
        for (let q = 0; q < g.length; q++) {
          cEv[cStart[t] + q] = g[q];
          cTs[cStart[t] + q] = ts[g[q]];
          cVal[cStart[t] + q] = val[g[q]];
        }
        resorted++;
        break;
      }
    }
  }

  const tracks = [];
  for (let t = 0; t < T; t++) {
    const d = dec.tracks[t];
    let vMin = Infinity;
    let vMax = -Infinity;
    for (let c = cStart[t]; c < cStart[t + 1]; c++) {
      if (cVal[c] < vMin) vMin = cVal[c];
      if (cVal[c] > vMax) vMax = cVal[c];
    }
    const tm = trackMeta(d, t, nSl[t], nSa[t], maxDepth[t], vMin, vMax);
    tm.c0 = cStart[t];
    tm.c1 = cStart[t + 1];
    tm.rowBase = rowBase[t];
    tracks.push(tm);
  }

  // 5. summary per name (complete slices; instants counted apart)
  const acc = new SummaryAcc();
  for (let s = 0; s < ns; s++) {
    const f = sFlags[s];
    if (f & F_INSTANT) acc.instant(sName[s]);
    else if (!(f & F_UNFINISHED)) acc.slice(sName[s], sDur[s]);
  }
  const summary = acc.rows(dec.strings);

  // 6, 7. drops, and what is shown in which order
  const { shown, procName, droppedEvents, dropTracks } = arrange(tracks, (tr) => cVal[tr.c1 - 1], dec, unmatched);
  const model = {
    strings: dec.strings,
    tracks,
    shown,
    procName,
    t0: tMin,
    t1: tMax,
    slices: { n: ns, ts: sTs, dur: sDur, track: sTrack, depth: sDepth, name: sName, cat: sCat, flags: sFlags,
      begin: sBegin, end: sEnd },
    rows: { idx: rowIdx, start: rowStart },
    counters: { n: nc, ts: cTs, val: cVal, ev: cEv },
    summary,
    stats: {
      events: n,
      packets: dec.packets,
      bytes: dec.bytes,
      malformed: dec.malformed,
      droppedFlags: dec.droppedFlags,
      droppedEvents,
      dropTracks,
      unmatched,
      unfinished,
      resorted,
      fatal: dec.fatal,
      notes: dec.notes,
      buildMs: Date.now() - t0ms,
    },
  };
  const transfer = [sTs, sDur, sTrack, sDepth, sName, sCat, sFlags, sBegin, sEnd, rowIdx, rowStart, cTs, cVal, cEv].map(
    (a) => a.buffer,
  );
  return { model, transfer };
}

// Per-name totals of complete slices, and instant counts; the batch model
// and the live one (live.js) both feed it.
export class SummaryAcc {
  constructor() {
    this.count = [];
    this.total = [];
    this.max = [];
    this.min = [];
    this.inst = [];
  }
  touch(nm) {
    if (this.count[nm] === undefined) {
      this.count[nm] = this.total[nm] = this.max[nm] = this.inst[nm] = 0;
      this.min[nm] = Infinity;
    }
  }
  instant(nm) {
    this.touch(nm);
    this.inst[nm]++;
  }
  slice(nm, d) {
    this.touch(nm);
    this.count[nm]++;
    this.total[nm] += d;
    if (d > this.max[nm]) this.max[nm] = d;
    if (d < this.min[nm]) this.min[nm] = d;
  }
  rows(strings) {
    const out = [];
    this.count.forEach((c, nm) => {
      if (!c && !this.inst[nm]) return;
      out.push({ name: strings[nm], count: c, total: this.total[nm], mean: c ? this.total[nm] / c : 0,
        max: this.max[nm], min: c ? this.min[nm] : 0, instants: this.inst[nm] });
    });
    return out.sort((a, b) => b.total - a.total || b.count - a.count);
  }
}

// The page's description of track @t (decode.js Track), given what it holds.
export function trackMeta(d, t, nSl, nSa, depth, vMin, vMax) {
  return {
    index: t,
    uuid: String(d.uuid),
    name: d.name,
    tid: d.tid,
    pid: d.pid,
    parent: d.parent === null ? null : String(d.parent),
    kind: kindOf(d, nSl, nSa),
    slices: nSl,
    samples: nSa,
    depth,
    vMin: nSa ? vMin : 0,
    vMax: nSa ? vMax : 0,
  };
}

// Drops (Lucent's per-ring "trace drops" counters carry running totals:
// @lastVal(track) is a counter track's last value), the notes they imply,
// and which tracks are shown, grouped under their process, in which order.
export function arrange(tracks, lastVal, dec, unmatched) {
  const dropTracks = [];
  let droppedEvents = 0;
  for (const tr of tracks) {
    if (tr.kind === 'counter' && /^trace drops/i.test(tr.name) && tr.samples) {
      const last = lastVal(tr);
      droppedEvents += last;
      dropTracks.push({ name: tr.name, dropped: last });
      tr.isDrops = true;
    }
  }
  if (unmatched)
    dec.note('warning', 'unmatched', 'Some slice ends had no matching begin (the begin was dropped or ' +
      'recorded before the trace started); they are ignored.');
  if (dec.missingInterned)
    dec.note('warning', 'missing', 'Some events named an interned name their sequence never defined.');
  const procs = new Map();
  for (const tr of tracks) if (tr.kind === 'process') procs.set(tr.uuid, tr);
  const shown = [];
  const rank = { thread: 1, process: 0, cpu: 2, irq: 3, track: 4, counter: 5 };
  for (const tr of tracks) {
    const empty = !tr.slices && !tr.samples;
    if (empty && tr.kind !== 'thread') continue;
    if (tr.isDrops && tr.vMax === 0) continue; // no drops: nothing to see
    const p = tr.parent !== null ? procs.get(tr.parent) : null;
    tr.group = p ? p.name || `process ${p.pid}` : tr.pid !== null ? `process ${tr.pid}` : '';
    shown.push(tr);
  }
  shown.sort(
    (a, b) =>
      (rank[a.kind] - rank[b.kind]) ||
      (a.isDrops ? 1 : 0) - (b.isDrops ? 1 : 0) ||
      (a.tid ?? 0) - (b.tid ?? 0) ||
      a.name.localeCompare(b.name) ||
      a.index - b.index,
  );
  const procName = procs.size ? [...procs.values()].map((p) => p.name || `pid ${p.pid}`).join(', ') : '';
  return { shown: shown.map((t) => t.index), procName, droppedEvents, dropTracks };
}

// An order of raw events [0, ev.n) grouped by track (a stable counting
// sort), each group sorted by timestamp; and how many groups needed it.
export function trackOrder(ev, T) {
  const n = ev.n;
  const ts = ev.ts.a;
  const trk = ev.track.a;
  let resorted = 0;
  const cnt = new Uint32Array(T + 1);
  for (let i = 0; i < n; i++) cnt[trk[i] + 1]++;
  for (let t = 0; t < T; t++) cnt[t + 1] += cnt[t];
  const order = new Uint32Array(n);
  const fill = cnt.slice(0, T);
  for (let i = 0; i < n; i++) order[fill[trk[i]]++] = i;
  for (let t = 0; t < T; t++) {
    const s = cnt[t];
    const e = cnt[t + 1];
    for (let j = s + 1; j < e; j++) {
      if (ts[order[j]] < ts[order[j - 1]]) {
        const g = Array.from(order.subarray(s, e));
        g.sort((a, b) => ts[a] - ts[b] || a - b);
        order.set(g, s);
        resorted++;
        break;
      }
    }
  }
  return { order, resorted };
}
