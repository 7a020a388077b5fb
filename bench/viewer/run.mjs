// bench/viewer: the trace viewer in headless Chromium.
//   node bench/viewer/run.mjs BUILD_DIR [EVENTS...]     (default 100000 1000000)
// For each size: trace-gen writes the trace with Lucent's encoder, the viewer
// server serves it, and the page reports
//   first render: navigation start -> the first frame drawn with the whole
//                 trace (fetch + decode in the worker + model + draw);
//   pan frames:   draw time per frame while D (pan) is held, whole-trace
//                 view and a 1/50 zoom, p50 / p95 / max.
// Goal: 1 M events <= 3 s to first render, pan frames <= 16 ms.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const viewer = join(root, 'tools', 'trace-viewer');
const { chromium } = createRequire(join(viewer, 'package.json'))('playwright-core');
const build = process.argv[2] || join(root, 'build', 'host');
const sizes = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [100000, 1000000];
const tmp = mkdtempSync(join(tmpdir(), 'lucent-bench-viewer-'));
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];

async function one(n, port) {
  const file = join(tmp, `t${n}.pftrace`);
  execFileSync(join(build, 'trace-gen'), [file, String(n), '4']);
  const srv = spawn('python3', [join(viewer, 'lucent_viewer.py'), '--serve', String(port), file], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 600));
  const ctx = await chromium.launchPersistentContext(join(tmp, `profile${n}`), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.lucentViewer.firstRender !== null, null, { timeout: 120000 });
    const first = await page.evaluate(() => window.lucentViewer.firstRender);
    const pan = async (zoom) => {
      await page.evaluate((z) => {
        const S = window.lucentViewer;
        const span = (S.model.t1 - S.model.t0) / z;
        S.api.view(S.model.t0, S.model.t0 + span);
        S.frames.length = 0;
      }, zoom);
      await page.focus('#timeline');
      await page.keyboard.down('d');
      await page.waitForTimeout(2000);
      await page.keyboard.up('d');
      const f = await page.evaluate(() => window.lucentViewer.frames.slice());
      return `p50 ${q(f, 0.5).toFixed(1)} ms, p95 ${q(f, 0.95).toFixed(1)} ms, max ${Math.max(...f).toFixed(1)} ms (${f.length} frames)`;
    };
    const whole = await pan(1);
    const zoomed = await pan(50);
    console.log(`${n.toLocaleString()} events: first render ${(first / 1000).toFixed(2)} s`);
    console.log(`  pan, whole trace: ${whole}`);
    console.log(`  pan, 1/50 zoom:   ${zoomed}`);
  } finally {
    await ctx.close();
    srv.kill();
  }
}

console.log(`bench/viewer: headless Chromium, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
let port = 9600 + Math.floor(Math.random() * 300);
for (const n of sizes) await one(n, port++);
rmSync(tmp, { recursive: true, force: true });
