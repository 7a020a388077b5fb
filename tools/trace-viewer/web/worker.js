// worker.js: loading and decoding, off the page's thread, so a large or
// hostile trace never freezes the tab. The page sends one of:
//   {type: 'url', url}            a recorded trace from the server
//   {type: 'bytes', name, data}   a file dropped on the page (ArrayBuffer)
//   {type: 'live', url}           the server's event stream (SSE) of a run
//   {type: 'args', ev, end}       the arguments of one slice
// and gets back {type: 'progress'|'model'|'delta'|'status'|'args'|'error', ...}.
// A file is decoded and modelled once (model.js). Live, the decoder takes
// each chunk as it comes (only the new packets) and, at most every few
// hundred ms, live.js appends the new events to its model and the page
// gets a delta; `cost` in each message says what the update took.

import { Decoder } from './decode.js';
import { buildModel } from './model.js';
import { LiveModel } from './live.js';

let dec = null;
let gen = 0; // which load a message belongs to; a new load abandons the old
let source = null; // the live EventSource
let timer = null;
let lastBuild = 0;
let live = false;
let liveModel = null;
let decodeMs = 0; // live: decoding time since the last update
let decodeBytes = 0;

function post(msg, transfer) {
  self.postMessage({ gen, ...msg }, transfer || []);
}

function publish(final) {
  timer = null;
  const t = performance.now();
  if (live) {
    const before = liveModel.next;
    const u = liveModel.update();
    lastBuild = performance.now() - t;
    const cost = { decodeMs, decodeBytes, modelMs: lastBuild, events: dec.ev.n - before, total: dec.ev.n,
      kind: u.kind };
    decodeMs = decodeBytes = 0;
    if (u.kind === 'model') post({ type: 'model', model: u.model, final, live, cost }, u.transfer);
    else post({ type: 'delta', delta: u.delta, live, cost }, u.transfer);
    return;
  }
  const { model, transfer } = buildModel(dec);
  lastBuild = performance.now() - t;
  post({ type: 'model', model, final, live, cost: { modelMs: lastBuild, total: dec.ev.n, kind: 'model' } }, transfer);
}

function livePush(bytes) {
  const t = performance.now();
  dec.push(bytes);
  decodeMs += performance.now() - t;
  decodeBytes += bytes.length;
}

function schedule() {
  if (timer === null) timer = setTimeout(() => publish(false), Math.max(150, 3 * lastBuild));
}

function reset() {
  gen++;
  if (source) source.close();
  source = null;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  dec = new Decoder();
  liveModel = null;
  live = false;
}

// gzip is common for saved traces: undo it before the decoder sees it
async function maybeGunzip(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  post({ type: 'progress', text: 'decompressing (gzip)…' });
  try {
    const s = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(s).arrayBuffer());
  } catch (e) {
    dec.note('error', 'gzip', `The file looks gzip-compressed but does not decompress: ${e.message}.`);
    return new Uint8Array(0);
  }
}

async function decodeAll(bytes, what) {
  const my = gen;
  bytes = await maybeGunzip(bytes);
  if (my !== gen) return;
  post({ type: 'progress', text: `decoding ${what} (${(bytes.length / 1e6).toFixed(1)} MB)…` });
  dec.push(bytes);
  dec.end();
  publish(true);
}

async function loadUrl(url) {
  const my = gen;
  let res;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    post({ type: 'error', text: `Could not fetch the trace from the server: ${e.message}` });
    return;
  }
  if (!res.ok) {
    post({ type: 'error', text: `The server answered ${res.status} for the trace: ${await res.text()}` });
    return;
  }
  const total = Number(res.headers.get('content-length')) || 0;
  // one buffer of the announced size: a single decode pass, no copies
  let buf = new Uint8Array(total || 1 << 20);
  let n = 0;
  const reader = res.body.getReader();
  let lastNote = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (my !== gen) return;
      if (done) break;
      if (n + value.length > buf.length) {
        const b = new Uint8Array(Math.max(buf.length * 2, n + value.length));
        b.set(buf.subarray(0, n));
        buf = b;
      }
      buf.set(value, n);
      n += value.length;
      const now = performance.now();
      if (now - lastNote > 200) {
        lastNote = now;
        post({ type: 'progress', text: `loading ${(n / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB…` });
      }
    }
  } catch (e) {
    dec.note('error', 'fetch', `Loading stopped after ${n} bytes: ${e.message}. What arrived is shown.`);
  }
  await decodeAll(buf.subarray(0, n), 'the trace');
}

function b64(s) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(s);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function follow(url) {
  live = true;
  liveModel = new LiveModel(dec);
  const my = gen;
  source = new EventSource(url);
  source.addEventListener('data', (e) => {
    if (my !== gen) return;
    livePush(b64(e.data));
    schedule();
  });
  source.addEventListener('status', (e) => {
    if (my !== gen) return;
    const st = JSON.parse(e.data);
    if (st.cut) {
      dec.cut(st.cut);
      schedule();
    }
    post({ type: 'status', status: st });
  });
  source.addEventListener('reset', () => {
    // the server restarted: its offsets mean nothing to us any more
    if (my !== gen) return;
    dec = new Decoder();
    liveModel = new LiveModel(dec);
    schedule();
  });
  source.onerror = () => {
    if (my !== gen) return;
    post({ type: 'status', status: { server: false } });
  };
  source.onopen = () => {
    if (my !== gen) return;
    post({ type: 'status', status: { server: true } });
  };
  publish(false);
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'args') {
    if (m.gen !== gen || !dec) return;
    const args = dec.args(m.ev);
    if (m.end >= 0) for (const a of dec.args(m.end)) args.push({ ...a, name: `${a.name} (at end)` });
    post({ type: 'args', id: m.id, args });
    return;
  }
  reset();
  if (m.type === 'url') loadUrl(m.url);
  else if (m.type === 'bytes') decodeAll(new Uint8Array(m.data), m.name);
  else if (m.type === 'live') follow(m.url);
};
