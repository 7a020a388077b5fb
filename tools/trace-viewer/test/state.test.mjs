// Unit tests of the view state's transitions (web/state.js) under node's test
// runner, no browser: the model of a trace-gen trace (TRACE_FILE, as in
// decode.test.mjs), a canvas of a given size, and what zoom, pan, drag, held
// keys, hit testing, selection and search do to the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Decoder } from '../web/decode.js';
import { buildModel } from '../web/model.js';
import { fromModel } from '../web/store.js';
import * as V from '../web/state.js';
import { LABEL_W, AXIS_H, ROW_H } from '../web/state.js';

const file = process.env.TRACE_FILE;
const data = file ? new Uint8Array(readFileSync(file)) : null;
const skip = file ? false : 'TRACE_FILE not set (run through meson: tools/trace-viewer/test/test_viewer_unit.py)';
const W = 1400; // the canvas, CSS pixels
const H = 700;

function model() {
  const d = new Decoder();
  d.push(data);
  d.end();
  return fromModel(buildModel(d).model);
}
// a view showing a file's model, as main.js sets it up
function loaded(live = false) {
  const v = V.createView();
  V.beginLoad(v, live);
  assert.equal(V.setModel(v, model(), true), true, 'the first model of a load');
  return v;
}
const span = (v) => v.t1 - v.t0;
const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);
// the time under canvas x @px
const timeAt = (v, px) => v.t0 + ((px - LABEL_W) * span(v)) / (W - LABEL_W);
// the first slice named @name (its id)
const named = (v, name) => v.model.slices.name.indexOf(v.model.strings.indexOf(name));

test('a model: the whole trace in view, tracks laid out top to bottom', { skip }, () => {
  const v = loaded();
  const m = v.model;
  assert.ok(v.t0 < m.t0 && v.t1 > m.t1, 'the window holds the trace');
  near(m.t0 - v.t0, Math.max((m.t1 - m.t0) * 0.01, 1), '1 % to spare');
  assert.equal(v.layout.filter((l) => l.track).length, m.shown.length, 'one entry per shown track');
  assert.ok(v.layout.some((l) => l.kind === 'group'), 'a process heading');
  const i = v.layout.findIndex((l) => l.kind === 'group');
  assert.equal(v.layout[i + 1].kind, 'thread', 'the heading comes before its threads');
  for (let j = 1; j < v.layout.length; j++) assert.ok(v.layout[j].y >= v.layout[j - 1].y + v.layout[j - 1].h);
  const last = v.layout[v.layout.length - 1];
  assert.equal(v.height, last.y + last.h + 1);
  for (const l of v.layout) if (l.kind === 'counter') assert.equal(l.h, V.COUNTER_H);
  for (const l of v.layout) if (l.kind === 'thread') assert.equal(l.h, Math.max(1, l.track.depth) * ROW_H + 6);
  assert.equal(V.setModel(v, model(), true), false, 'a second model is not the first');
});

test('zoom keeps the time under the mouse, within 20 ns and twice the trace', { skip }, () => {
  const v = loaded();
  const px = 700;
  const at = timeAt(v, px);
  const s0 = span(v);
  V.zoom(v, 0.5, px, W);
  near(span(v), s0 / 2, 'half the span');
  near(timeAt(v, px), at, 'the time under the mouse');
  V.zoom(v, 2, undefined, W); // about the middle
  near(span(v), s0, 'back');
  V.zoom(v, 1e-12, px, W);
  assert.equal(span(v), 20, 'no closer than 20 ns');
  V.zoom(v, 1e12, px, W);
  near(span(v), (v.model.t1 - v.model.t0) * 2 + 1000, 'no wider than twice the trace');
  assert.equal(v.follow, true, 'a file view has nothing to follow: follow stays as it was');
});

test('pan, scroll and drag; any move of a live view stops following', { skip }, () => {
  const v = loaded(true);
  assert.equal(v.follow, true);
  const [t0, t1] = [v.t0, v.t1];
  V.pan(v, 1000);
  assert.deepEqual([v.t0, v.t1], [t0 + 1000, t1 + 1000]);
  assert.equal(v.follow, false, 'a pan stops following');
  V.setFollow(v, true);
  assert.equal(v.follow, true);
  near(v.t0, t0, 'following again shows the whole trace');
  V.zoom(v, 0.9, 500, W);
  assert.equal(v.follow, false, 'a zoom stops following');

  V.scroll(v, -50);
  assert.equal(v.scrollY, 0, 'no scrolling above the first track');
  V.scroll(v, 1e6);
  V.clampScroll(v, H);
  assert.equal(v.scrollY, Math.max(0, v.height - (H - AXIS_H) + 20), 'nor past the last');

  V.setFollow(v, true);
  v.scrollY = 40;
  const d = V.dragStart(v, 600, 300);
  assert.equal(V.dragTo(v, d, 602, 301, W), false, 'up to 3 px is a click, not a drag');
  assert.equal(v.follow, true);
  const s = span(v);
  const [a0, a1] = [v.t0, v.t1];
  assert.equal(V.dragTo(v, d, 500, 280, W), true);
  near(v.t0, a0 + (100 * s) / (W - LABEL_W), 'the window moves with the mouse');
  near(v.t1, a1 + (100 * s) / (W - LABEL_W), 'the window moves with the mouse');
  assert.equal(v.scrollY, 60, 'and so do the tracks');
  assert.equal(v.follow, false, 'a drag stops following');
  assert.equal(V.dragTo(v, d, 600, 300, W), true, 'a drag stays a drag back near its start');
  near(v.t0, a0, 'back where it began');
});

test('held W/S/A/D zoom and pan, faster the longer they are held', { skip }, () => {
  const v = loaded();
  const s0 = span(v);
  V.holdKeys(v, new Set(['w']), 0.016, 0, 700, W);
  near(span(v), s0 * Math.exp(-2.2 * 0.016), 'W zooms in');
  const s1 = span(v);
  V.holdKeys(v, new Set(['s']), 0.016, 5, 700, W);
  near(span(v), s1 * Math.exp(2.2 * 3 * 0.016), 'S zooms out, 3x after 2 s held');
  const t0 = v.t0;
  V.holdKeys(v, new Set(['d']), 0.016, 0, undefined, W);
  near(v.t0, t0 + span(v) * 0.8 * 0.016, 'D pans right');
  V.holdKeys(v, new Set(['a', 'd']), 0.016, 1, undefined, W);
  near(v.t0, t0 + span(v) * 0.8 * 0.016, 'A and D together cancel out');
});

test('hit testing finds the slice or counter sample at a point', { skip }, () => {
  const v = loaded();
  const m = v.model;
  const s = named(v, 'request');
  V.select(v, { kind: 'slice', s }, true, H);
  assert.equal(v.follow, false, 'a centred selection stops following');
  assert.ok(m.slices.ts[s] >= v.t0 && m.slices.ts[s] + m.slices.dur[s] <= v.t1, 'the slice is in view');
  assert.ok(m.slices.dur[s] * 4 <= span(v) + 1e-6 && span(v) <= Math.max(m.slices.dur[s] * 50, 1000) + 1e-6,
    'at 2-25 % of the window');
  const it = v.layout.find((l) => l.track && l.track.index === m.slices.track[s]);
  const k = (W - LABEL_W) / span(v);
  const x = LABEL_W + (m.slices.ts[s] + m.slices.dur[s] / 2 - v.t0) * k;
  const y = AXIS_H + it.y - v.scrollY + 3 + m.slices.depth[s] * ROW_H + ROW_H / 2;
  assert.ok(y >= AXIS_H && y < H, 'its row is scrolled into view');
  assert.deepEqual(V.hit(v, x, y, W), { kind: 'slice', s });
  assert.equal(V.hit(v, LABEL_W - 1, y, W), null, 'the labels are not the timeline');
  assert.equal(V.hit(v, x, AXIS_H - 1, W), null, 'nor is the axis');

  V.fit(v);
  v.scrollY = 0;
  const c = v.layout.find((l) => l.kind === 'counter');
  const se = c.track.series;
  const kc = (W - LABEL_W) / span(v);
  const h = V.hit(v, LABEL_W + (se.ts[se.n - 1] - v.t0) * kc + 1, AXIS_H + c.y + 5, W);
  assert.deepEqual(h, { kind: 'counter', track: c.track.index, c: se.n - 1 }, 'the last sample holds to its right');
  assert.equal(V.hit(v, LABEL_W + (se.ts[0] - v.t0) * kc - 2, AXIS_H + c.y + 5, W), null, 'nothing before the first');
});

test('a selection survives a rebuilt model (found again) and a delta (the same id)', { skip }, () => {
  const v = loaded();
  const s = named(v, 'parse');
  V.select(v, { kind: 'slice', s }, false, H);
  const key = V.selKey(v, v.sel);
  V.setModel(v, model(), true);
  assert.deepEqual(V.selKey(v, v.sel), key, 'the same track, depth and start');
  V.setModel(v, v.model, false, true);
  assert.deepEqual(v.sel, { kind: 'slice', s: v.sel.s });
  assert.deepEqual(V.selKey(v, v.sel), key);
  const c = v.layout.find((l) => l.kind === 'counter').track;
  V.select(v, { kind: 'counter', track: c.index, c: 3 }, true, H);
  V.setModel(v, model(), true);
  assert.deepEqual(v.sel, { kind: 'counter', track: c.index, c: 3 }, 'a counter sample too');
  V.select(v, null, false, H);
  assert.equal(v.sel, null);
});

test('search: the matching names and slices in time order; steps wrap', { skip }, () => {
  const v = loaded();
  const m = v.model;
  V.search(v, 'REQUEST', true);
  const n = m.summary.find((r) => r.name === 'request').count;
  assert.equal(v.search.matches.length, n, 'case-insensitive, every slice of the name');
  assert.ok(v.search.names.has(m.strings.indexOf('request')));
  for (let i = 1; i < n; i++) assert.ok(m.slices.ts[v.search.matches[i - 1]] <= m.slices.ts[v.search.matches[i]]);
  assert.equal(V.stepMatch(v, 1), v.search.matches[0]);
  assert.equal(V.stepMatch(v, -1), v.search.matches[n - 1], 'back from the first is the last');
  assert.equal(V.stepMatch(v, 1), v.search.matches[0], 'and on from the last the first');
  V.setModel(v, model(), true);
  assert.equal(v.search.matches.length, n, 'a new model is searched again');
  V.search(v, 'no such name', true);
  assert.equal(v.search.matches.length, 0);
  assert.equal(V.stepMatch(v, 1), null);
  V.search(v, '', false);
  assert.equal(v.search.matches, null, 'an empty search clears');
  assert.equal(v.search.names, null);
});

test('update costs are kept for live views only, the last 250-500', { skip }, () => {
  const v = loaded();
  V.noteUpdate(v, { kind: 'delta', events: 10 }, 1);
  assert.equal(v.updates.length, 0, 'a file has no updates');
  V.beginLoad(v, true);
  assert.equal(v.model, null);
  V.noteUpdate(v, null, 1);
  assert.equal(v.updates.length, 0, 'nor has a model without a cost');
  for (let i = 0; i < 501; i++) V.noteUpdate(v, { kind: 'delta', events: i }, 1);
  assert.equal(v.updates.length, 251);
  assert.deepEqual(v.updates[250], { kind: 'delta', events: 500, pageMs: 1 });
});
