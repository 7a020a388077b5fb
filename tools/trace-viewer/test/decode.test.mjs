// Unit tests of the decoder and model (node --test). TRACE_FILE: a trace
// written by trace-gen (4 threads, drops); the bad-input cases are cut from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Decoder } from '../web/decode.js';
import { buildModel } from '../web/model.js';

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
