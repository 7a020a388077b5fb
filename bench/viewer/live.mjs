// bench/viewer/live.mjs: what one live update costs the viewer, as the trace grows.
//   node bench/viewer/live.mjs BUILD_DIR [EVENTS...]     (default 100000 1000000)
// For each size, trace-gen writes a trace; a stand-in program (a UNIX socket
// at RUN_DIR/lucent.trace.sock, as a Lucent program offers) sends its first
// 90 % at once, then the rest in 40 pieces, one every 250 ms, to
// `lucent trace --serve RUN_DIR` with the page open in headless Chromium.
// Printed per size, over the 40 small updates: events per update, the
// worker's decode and model time, the page's time to apply it (layout,
// panels), p50 / p95; and, for comparison, what rebuilding the whole model
// from every event costs at that size (what each update cost before the live
// model was incremental), measured here with the same decoder under node.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const viewer = join(root, 'tools', 'trace-viewer');
const { chromium } = createRequire(join(viewer, 'package.json'))('playwright-core');
const { Decoder } = await import(join(viewer, 'web', 'decode.js'));
const { buildModel } = await import(join(viewer, 'web', 'model.js'));
const build = process.argv[2] || join(root, 'build', 'host');
const sizes = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [100000, 1000000];
const tmp = mkdtempSync(join(tmpdir(), 'lucent-bench-viewer-live-'));
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
const PIECES = 40;

// packet boundaries of a Perfetto stream
function boundaries(b) {
  const out = [0];
  let p = 0;
  while (p < b.length) {
    let len = 0;
    let sh = 1;
    let q = p + 1;
    let c;
    do {
      c = b[q++];
      len += (c & 0x7f) * sh;
      sh *= 128;
    } while (c & 0x80);
    p = q + len;
    out.push(p);
  }
  return out;
}

async function one(n, port) {
  const file = join(tmp, `t${n}.pftrace`);
  execFileSync(join(build, 'trace-gen'), [file, String(n), '4']);
  const data = readFileSync(file);
  const bd = boundaries(data);
  const head = bd[Math.floor(bd.length * 0.9)];
  const cuts = [];
  for (let k = 1; k <= PIECES; k++) cuts.push(bd[Math.floor(bd.length * (0.9 + (0.1 * k) / PIECES)) - (k === PIECES ? 1 : 0)]);

  // the old cost: one whole-model rebuild at this size
  const dec = new Decoder();
  dec.push(new Uint8Array(data));
  dec.end();
  const rb = [];
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    buildModel(dec);
    rb.push(performance.now() - t);
  }

  const run = join(tmp, `run${n}`);
  mkdirSync(run);
  let sent = false;
  const prog = createServer((c) => {
    if (sent) return c.end();
    sent = true;
    c.on('data', () => {}); // the control message
    c.write(data.subarray(0, head));
    let k = 0;
    let at = head;
    const timer = setInterval(() => {
      if (k === PIECES) {
        clearInterval(timer);
        return;
      }
      c.write(data.subarray(at, cuts[k]));
      at = cuts[k++];
    }, 250);
  }).listen(join(run, 'lucent.trace.sock'));
  const srv = spawn('python3', [join(viewer, 'lucent_viewer.py'), '--serve', String(port), run], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 600));
  const ctx = await chromium.launchPersistentContext(join(tmp, `profile${n}`), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction((total) => window.lucentViewer.model && window.lucentViewer.model.stats.events >= total,
      dec.ev.n, { timeout: 180000 });
    const u = await page.evaluate(() => window.lucentViewer.updates);
    const big = [...u].sort((a, b) => b.events - a.events).slice(0, 1);
    const small = u.filter((x) => x.kind === 'delta' && x.events > 0 && x.events < n / 20);
    const f = (k) => `${q(small.map((x) => x[k]), 0.5).toFixed(2)} / ${q(small.map((x) => x[k]), 0.95).toFixed(2)}`;
    console.log(`${n.toLocaleString()} events (${(data.length / 1e6).toFixed(1)} MB)`);
    if (big.length)
      console.log(`  largest update: ${big[0].events.toLocaleString()} events, decode ${big[0].decodeMs.toFixed(0)} ms, ` +
        `model ${big[0].modelMs.toFixed(0)} ms (${big[0].kind}), page ${big[0].pageMs.toFixed(0)} ms`);
    console.log(`  ${small.length} updates of ~${q(small.map((x) => x.events), 0.5)} events each, p50 / p95: ` +
      `decode ${f('decodeMs')} ms, model ${f('modelMs')} ms, page ${f('pageMs')} ms; ` +
      `${u.filter((x) => x.kind === 'model').length} whole-model sends in all`);
    console.log(`  a whole-model rebuild at this size (the old per-update cost, worker only): ` +
      `${Math.min(...rb).toFixed(0)}-${Math.max(...rb).toFixed(0)} ms`);
  } finally {
    await ctx.close();
    srv.kill();
    prog.close();
  }
}

console.log(`bench/viewer/live: headless Chromium, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
let port = 9600 + Math.floor(Math.random() * 300);
for (const n of sizes) await one(n, port++);
rmSync(tmp, { recursive: true, force: true });
