// Unit tests of the decoder and model (node --test). TRACE_FILE: a trace
// written by trace-gen (4 threads, drops); the bad-input cases are cut from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Decoder, EV_BEGIN, EV_END, EV_INSTANT, EV_COUNTER } from '../web/decode.js';
import { buildModel } from '../web/model.js';
import { LiveModel } from '../web/live.js';
import { fromModel, applyDelta } from '../web/store.js';
import { fmtDur, fmtTs } from '../web/format.js';

const file = process.env.TRACE_FILE;
const data = file ? new Uint8Array(readFileSync(file)) : null;
const skip = file ? false : 'TRACE_FILE not set (run through meson: tools/trace-viewer/test/test_viewer_unit.py)';

function decode(bytes, chunk = 0) {
  const d = new Decoder();
  if (chunk) for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
  else d.push(bytes);
  d.end();
  return { d, m: buildModel(d).model };
}
// the offset of packet @k
function boundary(bytes, k) {
  let p = 0;
  for (let i = 0; i < k; i++) {
    let len = 0, sh = 1, q = p + 1, b;
    do { b = bytes[q++]; len += (b & 0x7f) * sh; sh *= 128; } while (b & 0x80);
    p = q + len;
  }
  return p;
}
const row = (m, name) => m.summary.find((r) => r.name === name);

test('a whole trace: tracks, nesting, counters, drops, args', { skip }, () => {
  const { d, m } = decode(data);
  assert.equal(m.stats.fatal, null);
  assert.equal(m.stats.malformed, 0);
  assert.deepEqual(m.stats.notes, []);
  const threads = m.tracks.filter((t) => t.kind === 'thread');
  assert.equal(threads.length, 4);
  assert.ok(m.tracks.some((t) => t.kind === 'irq' && t.slices > 0));
  assert.ok(m.tracks.some((t) => t.kind === 'counter' && t.name === 'queue_depth' && t.c1 > t.c0));
  const req = row(m, 'request');
  assert.equal(row(m, 'parse').count, req.count);
  assert.equal(row(m, 'accept').instants, req.count);
  assert.equal(m.stats.droppedEvents, 20); // 5 per ring
  assert.ok(m.stats.droppedFlags >= 4);
  // parse nests in request: depth 1
  const s = m.slices;
  const parse = m.strings.indexOf('parse');
  const i = s.name.indexOf(parse);
  assert.equal(s.depth[i], 1);
  const r = m.strings.indexOf('request');
  const j = s.name.indexOf(r);
  const args = d.args(s.begin[j]);
  assert.deepEqual(args.map((a) => a.name), ['method', 'path', 'status']);
  assert.ok(s.dur[j] > 0);
});

test('chunked input (a live stream) decodes the same', { skip }, () => {
  const a = decode(data).m;
  const b = decode(data, 777).m;
  assert.deepEqual(b.summary, a.summary);
  assert.equal(b.stats.events, a.stats.events);
});

test('a truncated file: a clear note, the packets before it kept', { skip }, () => {
  const { m } = decode(data.subarray(0, boundary(data, 5000) + 4)); // 4 bytes into a packet
  assert.equal(m.stats.fatal, null);
  assert.ok(m.stats.notes.some((n) => n.level === 'error' && /middle of a packet/.test(n.text)));
  assert.ok(m.stats.events > 1000);
});

test('not Perfetto: text, JSON, gzip, ELF, empty', () => {
  const enc = new TextEncoder();
  for (const [bytes, re] of [
    [enc.encode('hello world\n'), /not a Perfetto trace/],
    [enc.encode('{"traceEvents": []}'), /JSON/],
    [new Uint8Array([0x1f, 0x8b, 8, 0]), /gzip/],
    [new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), /ELF/],
    [new Uint8Array(0), /empty/],
    [new Uint8Array([0x0a, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0x42]), /not a Perfetto trace/],
  ]) {
    const { m } = decode(bytes);
    assert.match(m.stats.fatal || m.stats.notes.map((n) => n.text).join(' '), re);
    assert.equal(m.stats.events, 0);
  }
});

test('garbage after good packets: the good part is kept', { skip }, () => {
  const bad = new Uint8Array(data.length + 10);
  bad.set(data);
  bad.fill(0x55, data.length);
  const { m } = decode(bad);
  assert.match(m.stats.fatal, /corrupt at byte/);
  assert.equal(m.stats.events, decode(data).m.stats.events);
});

test('a stream cut mid-packet, then restarted', { skip }, () => {
  const d = new Decoder();
  d.push(data.subarray(0, 5000));
  d.cut('The stream stopped');
  d.push(data); // the program's next connection starts afresh
  d.end();
  const m = buildModel(d).model;
  assert.ok(m.stats.notes.some((n) => n.key === 'cut'));
  assert.ok(m.stats.events > decode(data).m.stats.events);
  assert.equal(m.stats.fatal, null);
});

test('a corrupt packet inside good framing is skipped, not fatal', { skip }, () => {
  const bad = data.slice();
  const p = boundary(bad, 200);
  bad[p + 3] = 0x07; // a field with wire type 7, which does not exist
  const { m } = decode(bad);
  assert.equal(m.stats.fatal, null);
  assert.equal(m.stats.malformed, 1);
  assert.ok(m.stats.events > 1000);
});

// ---- live: incremental updates give the model a file load gives ------------------------------

// Feeds @chunks to a decoder, updating a LiveModel after each and applying
// what it sends to a page-side store, as worker.js and main.js do.
function replay(chunks, dec = new Decoder()) {
  const lm = new LiveModel(dec);
  let store = null;
  const kinds = [];
  for (const c of chunks) {
    if (c) dec.push(c);
    const u = lm.update();
    kinds.push(u.kind);
    if (u.kind === 'model') store = fromModel(structuredClone(u.model));
    else applyDelta(store, structuredClone(u.delta));
  }
  return { store, kinds, lm, dec };
}
// what the renderer reads, per shown track: slices per row and samples
function shape(m) {
  return m.shown.map((t) => {
    const tr = m.tracks[t];
    const rows = tr.rows.map((r) => {
      const out = [];
      for (let j = 0; j < r.n; j++) {
        const s = r.a[j];
        out.push([m.strings[m.slices.name[s]], m.slices.ts[s], m.slices.dur[s], m.slices.flags[s]]);
      }
      return out;
    });
    return { name: tr.name, kind: tr.kind, rows, samples: Array.from(tr.series.ts.subarray(0, tr.series.n)) };
  });
}

test('live: a stream in chunks, updated incrementally, equals the file', { skip }, () => {
  const whole = fromModel(decode(data).m);
  const chunks = [];
  for (let i = 0; i < data.length; i += 9973) chunks.push(data.subarray(i, i + 9973));
  const { store, kinds, lm } = replay(chunks);
  assert.equal(kinds[0], 'model');
  assert.ok(kinds.slice(1).every((k) => k === 'delta'), 'in-order sequences never need a rebuild');
  assert.equal(lm.rebuilds, 0);
  assert.deepEqual(store.summary, whole.summary);
  assert.equal(store.slices.n, whole.slices.n);
  assert.deepEqual(store.stats.droppedEvents, whole.stats.droppedEvents);
  assert.deepEqual(shape(store), shape(whole));
});

test('live: an update costs the new events, not the whole trace', { skip }, () => {
  const dec = new Decoder();
  const lm = new LiveModel(dec);
  const cut = boundary(data, 20000);
  dec.push(data.subarray(0, cut));
  lm.update();
  const before = lm.next;
  dec.push(data.subarray(cut, boundary(data, 20010)));
  const u = lm.update();
  assert.equal(u.kind, 'delta');
  assert.ok(lm.next - before <= 10, `${lm.next - before} events taken`);
  assert.ok(u.delta.slices.n <= 10);
});

test('live: an event earlier than its track\'s last (two sequences, one thread) rebuilds', () => {
  const dec = new Decoder();
  const t = dec.track(7);
  dec.tracks[t].isThread = true;
  const w = dec.str('work');
  const c = dec.track(8);
  dec.tracks[c].isCounter = true;
  const lm = new LiveModel(dec);
  let store = null;
  const step = (evs) => {
    for (const [ts, k, tr, v] of evs) dec.ev.push(ts, k, tr, w, 0, 0, 0, v || 0);
    const u = lm.update();
    if (u.kind === 'model') store = fromModel(structuredClone(u.model));
    else applyDelta(store, structuredClone(u.delta));
    return u.kind;
  };
  assert.equal(step([[100, EV_BEGIN, t], [200, EV_END, t], [150, EV_COUNTER, c, 3]]), 'model');
  assert.equal(step([[300, EV_BEGIN, t], [50, EV_COUNTER, c, 1]]), 'delta'); // a late sample: inserted
  assert.equal(store.slices.dur[1], 0); // open: lasts until the newest event (300)
  assert.ok(store.slices.flags[1] & 2);
  assert.deepEqual(Array.from(store.tracks[c].series.ts.subarray(0, 2)), [50, 150]);
  // another CPU's ring drained late: [250, 260) belongs before the open slice
  assert.equal(step([[250, EV_INSTANT, t], [400, EV_END, t]]), 'model');
  assert.equal(lm.rebuilds, 1);
  const row0 = store.tracks[t].rows[0];
  const sl = store.slices;
  const got = Array.from(row0.a.subarray(0, row0.n)).map((s) => [sl.ts[s], sl.dur[s]]);
  assert.deepEqual(got, [[100, 100], [250, 0], [300, 100]]);
  assert.equal(store.summary.find((r) => r.name === 'work').count, 2);
  assert.equal(step([[500, EV_BEGIN, t], [600, EV_END, t]]), 'delta');
  assert.equal(store.summary.find((r) => r.name === 'work').count, 3);
});

test('times: durations and timestamps read once, in a sensible unit', () => {
  assert.equal(fmtDur(512), '512 ns');
  assert.equal(fmtDur(999.6), '1 µs');
  assert.equal(fmtDur(999999), '1 ms'); // not "1000 µs"
  assert.equal(fmtDur(1234567), '1.235 ms');
  assert.equal(fmtDur(12345600000), '12.35 s');
  assert.equal(fmtDur(5e12), '5000 s'); // not "5e+3 s"
  assert.equal(fmtTs(1234568000, 2000), '1.234568 s'); // ticks 2 µs apart differ
  assert.equal(fmtTs(1500000000, 5e8), '1.5 s');
  assert.equal(fmtTs(0, 1000), '0 s');
});

// ---- packets Lucent may add: ftrace bundles, defaults, unknown fields ------------------------
// a minimal protobuf writer: fields as [number, value] with value a number
// (varint), a string, or an array of fields (a nested message)
function pb(fields) {
  const out = [];
  const varint = (v) => {
    v = BigInt(v);
    if (v < 0n) v += 1n << 64n;
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
  };
  for (const [f, v] of fields) {
    if (typeof v === 'number') {
      varint(f * 8);
      varint(v);
    } else {
      const body = typeof v === 'string' ? new TextEncoder().encode(v) : pb(v);
      varint(f * 8 + 2);
      varint(body.length);
      out.push(...body);
    }
  }
  return Uint8Array.from(out);
}
const trace = (...packets) => pb(packets.map((p) => [1, p]));

test('ftrace sched_switch and irq events become CPU and irq tracks; unknown packets are skipped', () => {
  const sw = (ts, prev, next, pid) => [2, [[1, ts], [2, 1], [4, [[1, prev], [2, 1], [5, next], [6, pid]]]]];
  const bytes = trace(
    [[1, [[1, 0], sw(1000, 'swapper', 'httpd', 7), sw(3000, 'httpd', 'drain', 9), sw(4000, 'drain', 'swapper', 0),
      [2, [[1, 5000], [36, [[1, 33], [2, 'virtio-net']]]]], [2, [[1, 5600], [37, [[1, 33], [2, 1]]]]],
      [2, [[1, 6000], [20, [[1, 'x']]]]]]]], // sched_waking: not shown
    [[8, 7000], [10, 1], [999, [[1, 5]]], [77, 'a field from a newer schema']], // unknown packet fields
    [[8, 8000], [10, 1], [59, [[11, [[11, 42]]]]]], // defaults: track 42
    [[8, 9000], [10, 1], [11, [[9, 3], [23, 'tick']]]], // an instant with no track_uuid: track 42
  );
  const { d, m } = decode(bytes);
  assert.equal(m.stats.fatal, null);
  assert.equal(m.stats.malformed, 0);
  const cpu = m.tracks.find((t) => t.kind === 'cpu');
  assert.equal(cpu.name, 'CPU 0');
  const irq = m.tracks.find((t) => t.kind === 'irq');
  assert.equal(irq.name, 'irq (cpu 0)');
  const s = m.slices;
  const got = [];
  for (let i = 0; i < s.n; i++) got.push([m.tracks[s.track[i]].name, m.strings[s.name[i]], s.ts[i], s.dur[i]]);
  assert.deepEqual(got.filter((g) => g[0] !== ''), [
    ['CPU 0', 'httpd', 1000, 2000], ['CPU 0', 'drain', 3000, 1000], ['irq (cpu 0)', 'virtio-net', 5000, 600]]);
  const tick = m.strings.indexOf('tick');
  const ti = s.name.indexOf(tick);
  assert.equal(m.tracks[s.track[ti]].uuid, '42');
  const httpd = s.name.indexOf(m.strings.indexOf('httpd'));
  assert.deepEqual(d.args(s.begin[httpd]), [{ name: 'pid', value: 7 }]);
});

test('compact sched bundles: switches from parallel arrays, delta timestamps, interned names', () => {
  // packed fields are a length-delimited run of varints: build them by hand
  const packed = (vals) => {
    const b = pb(vals.map((v) => [1, v])); // field 1 varints: strip each tag byte
    const out = [];
    for (let i = 0; i < b.length; ) {
      i++; // the tag
      do out.push(b[i]); while (b[i++] & 0x80);
    }
    return out;
  };
  const lenField = (num, bytes) => [num * 8 + 2, bytes.length, ...bytes];
  const cs = Uint8Array.from([
    ...pb([[5, 'swapper'], [5, 'httpd'], [5, 'drain']]),
    ...lenField(1, packed([1000, 500, 700])), // 1000, 1500, 2200
    ...lenField(3, packed([7, 9, 0])),
    ...lenField(6, packed([1, 2, 0])),
  ]);
  const bundle = Uint8Array.from([...pb([[1, 1]]), ...lenField(4, [...cs])]);
  const packet = Uint8Array.from(lenField(1, [...bundle]));
  const bytes = Uint8Array.from(lenField(1, [...packet]));
  const { m } = decode(bytes);
  assert.equal(m.stats.malformed, 0);
  const s = m.slices;
  const got = [];
  for (let i = 0; i < s.n; i++) got.push([m.tracks[s.track[i]].name, m.strings[s.name[i]], s.ts[i], s.dur[i]]);
  assert.deepEqual(got, [['CPU 1', 'httpd', 1000, 500], ['CPU 1', 'drain', 1500, 700]]);
});
