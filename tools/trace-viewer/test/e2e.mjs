// e2e.mjs: drives the viewer in Debian's Chromium with playwright-core.
//
//   node test/e2e.mjs JOBS.json      one browser, one page per job, in order
//
// Each job is {mode, url, ...options}:
// file  {slice, count, args, paths, threads, irq, counter, cpu, drops, shot}:
//       thread tracks render, clicking the first SLICE shows its name, args
//       (and a `path` among PATHS) and duration, search finds all COUNT, the
//       summary counts COUNT, W zooms and D pans, the drop badge reads DROPS,
//       IRQ/counter/CPU tracks have ink on the canvas, the Perfetto note.
// drop  {file, slice, count, shot}: an empty viewer; FILE is dropped on the
//       page (a real drop event) and its COUNT slices show.
// bad   {expect, events, file?}: the banner says EXPECT (a regexp), at least
//       EVENTS events are still shown, the page is not blank (FILE: dropped).
// live  {slice, batches: [[paths]...], shot}: the page is open before the
//       program runs. Talks to test_viewer.py over stdin/stdout: prints
//       "READY", reads "PORT n" (the app's HTTP port), sends each batch of
//       requests and waits for the page to count them, without a reload;
//       prints "STOP", reads "STOPPED" and checks the page says the stream
//       ended. Prints the update costs it saw.
// big  {events, firstMs, panMs}: a trace of EVENTS events renders within
//       FIRSTMS of navigation, frames while D is held take a median under
//       PANMS, a click answers with details (bench/viewer has the figures).
// Every job: no request leaves 127.0.0.1, no script errors.
// Prints "ok: ..." lines; exits 1 on the first failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const profile = mkdtempSync(join(tmpdir(), 'lucent-viewer-chromium-'));
const WAIT = Number(process.env.VIEWER_WAIT_MS || 60000); // a loaded 2-core machine, TCG: be patient

export async function launch() {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--no-default-browser-check'],
  });
}

function check(cond, msg) {
  if (!cond) {
    console.log(`FAIL: ${msg}`);
    throw new Error(msg);
  }
  console.log(`ok: ${msg}`);
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function expectLine(prefix) {
  const { value, done } = await lines.next();
  check(!done && value.startsWith(prefix), `the test driver answered "${prefix}" (${done ? 'end of input' : value})`);
  return value.slice(prefix.length).trim();
}

async function main() {
  const ctx = await launch();
  try {
    for (const job of jobs) {
      console.log(`--- ${job.mode} ${job.url}${job.file ? ` (${basename(job.file)})` : ''}`);
      const page = await ctx.newPage();
      const foreign = [];
      const errors = [];
      page.on('request', (r) => {
        if (!/^(http:\/\/127\.0\.0\.1[:/]|data:|blob:)/.test(r.url())) foreign.push(r.url());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      try {
        await page.goto(job.url);
        await { file, drop, bad, live, big }[job.mode](page, job);
        check(foreign.length === 0, `no request left 127.0.0.1 (${foreign.join(' ') || 'none'})`);
        check(errors.length === 0, `no script errors on the page (${errors.join('; ') || 'none'})`);
      } finally {
        if (job.shot) await page.screenshot({ path: job.shot }).catch(() => {});
        await page.close();
      }
    }
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const stats = (page) => page.evaluate(() => window.lucentViewer.api.stats());
const summaryRow = (page, name) =>
  page.evaluate((n) => (window.lucentViewer.model?.summary || []).find((r) => r.name === n) || null, name);

// A real drop: a DataTransfer holding FILE's bytes, dispatched on the page.
async function dropFile(page, file) {
  const b64 = readFileSync(file).toString('base64');
  const dt = await page.evaluateHandle(([data, name]) => {
    const bin = atob(data);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    const d = new DataTransfer();
    d.items.add(new File([u], name, { type: 'application/octet-stream' }));
    return d;
  }, [b64, basename(file)]);
  await page.dispatchEvent('#timeline', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('#timeline', 'drop', { dataTransfer: dt });
}

// Clicks the nth SLICE where the canvas draws it; returns the details shown.
async function clickSlice(page, slice, nth = 0) {
  const pt = await page.evaluate(([n, k]) => window.lucentViewer.api.slicePoint(n, k), [slice, nth]);
  check(pt !== null, `a "${slice}" slice exists`);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => document.getElementById('d-args') && !/loading/.test(document.getElementById('d-args').textContent));
  const want = await page.evaluate((d) => window.lucentViewer.api.fmt.fmtDur(d), pt.dur);
  return { pt, want, name: await page.textContent('#d-name'), dur: await page.textContent('#d-dur'),
    args: await page.$$eval('#d-args tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent).join(' ')).join('; ')) };
}

async function file(page, o) {
  await page.waitForFunction(() => window.lucentViewer.firstRender !== null, null, { timeout: WAIT });
  const st = await stats(page);
  const threads = st.tracks.filter((t) => t.kind === 'thread');
  check(threads.length >= (o.threads || 1), `${threads.length} thread tracks render (${threads.slice(0, 6).map((t) => t.name).join(', ')}…)`);
  // the canvas really has slices on it: sample pixel colours
  const coloured = await page.evaluate(() => {
    const c = document.getElementById('canvas');
    const d = c.getContext('2d').getImageData(220, 30, c.width - 230, c.height - 40).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++;
    return n;
  });
  check(coloured > 500, `the canvas shows coloured slices (${coloured} pixels)`);
  for (const [kind, want] of [['irq', o.irq], ['counter', o.counter], ['cpu', o.cpu]]) {
    if (!want) continue;
    const ink = await page.evaluate((k) => window.lucentViewer.api.trackInk(k), kind);
    check(ink > 50, `a ${kind} track renders, drawn on the canvas (${ink} pixels)`);
  }

  // click the slice where it is drawn: name, duration (formatted once), args
  const d = await clickSlice(page, o.slice, 0);
  check(d.name === o.slice, `clicking it shows its name (${d.name})`);
  check(d.dur.startsWith(d.want) && !/ns \(.*ns\)/.test(d.dur) && (d.dur.match(/\d/g) || []).length > 0,
    `and its duration, "${d.dur.trim()}" (${d.pt.dur} ns)`);
  for (const a of o.args || []) check(d.args.includes(a), `and its argument "${a}" (${d.args.slice(0, 90)})`);
  if (o.paths) check(o.paths.some((p) => d.args.includes(`path ${p}`)), `and the request's path (${d.args.slice(0, 90)})`);

  // search
  await page.click('#search');
  await page.fill('#search', o.slice);
  await page.press('#search', 'Enter');
  const found = await page.textContent('#search-count');
  check(new RegExp(`/ ${o.count}$`).test(found) || found.includes(`${o.count} found`), `search finds all ${o.count} "${o.slice}" slices (${found})`);
  check((await page.textContent('#d-name')) === o.slice, 'and selects one, with details');

  // summary
  const row = await page.$eval(`#summary-table tr[data-name="${o.slice}"]`, (tr) => [...tr.children].map((td) => td.textContent));
  check(Number(row[1]) === o.count, `the summary counts ${row[1]} "${o.slice}" slices (expected ${o.count}; total ${row[2]}, mean ${row[3]}, max ${row[4]})`);

  // keyboard zoom and pan change the view (held keys, as in Perfetto)
  await page.keyboard.press('Escape');
  await page.focus('#timeline');
  const v0 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.keyboard.down('w');
  await page.waitForTimeout(300);
  await page.keyboard.up('w');
  const v1 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.keyboard.down('d');
  await page.waitForTimeout(200);
  await page.keyboard.up('d');
  const v2 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.keyboard.down('s');
  await page.waitForTimeout(200);
  await page.keyboard.up('s');
  await page.keyboard.down('a');
  await page.waitForTimeout(200);
  await page.keyboard.up('a');
  const v3 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  check(v1[1] - v1[0] < v0[1] - v0[0], 'W zooms in');
  check(v2[0] > v1[0] && Math.abs((v2[1] - v2[0]) - (v1[1] - v1[0])) < 1e-6 * (v1[1] - v1[0]) + 1, 'D pans right');
  check(v3[1] - v3[0] > v2[1] - v2[0] && v3[0] < v2[0], 'S zooms out, A pans left');
  // the mouse: drag pans, Ctrl+wheel zooms
  const box = await page.locator('#canvas').boundingBox();
  const m0 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  const m1 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -300);
  await page.keyboard.up('Control');
  await page.waitForTimeout(100);
  const m2 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  check(m1[0] > m0[0] && m2[1] - m2[0] < m1[1] - m1[0], 'dragging pans and Ctrl+wheel zooms');
  // the summary sorts by a column; a row click searches its name
  await page.click('#summary-table th[data-key="max"]');
  const maxes = await page.$$eval('#summary-table tbody tr', (rs) => rs.map((r) => r.children[4].textContent));
  check(await page.$eval('#summary-table th[data-key="max"]', (th) => th.classList.contains('sorted')),
    `the summary sorts by max (${maxes.slice(0, 3).join(', ')}…)`);
  await page.click(`#summary-table tr[data-name="${o.slice}"]`);
  check((await page.inputValue('#search')) === o.slice, 'a summary row click searches its name');
  if (o.instant) {
    const r = await summaryRow(page, o.instant);
    check(r && r.instants === o.count, `${r && r.instants} "${o.instant}" instant events (one per request)`);
    const di = await clickSlice(page, o.instant, 0);
    check(di.name === o.instant && /instant/.test(di.dur), `clicking an instant shows "${di.dur.trim()}"`);
  }
  const drops = await page.textContent('#drops');
  if (o.drops !== undefined) check(drops.includes(String(o.drops)), `the drop indicator says "${drops}"`);
  const note = await page.textContent('#perfetto-note');
  check(/ui\.perfetto\.dev/.test(note) && (await page.getAttribute('#download', 'href')),
    'the footer says how to open the file in ui.perfetto.dev, with a download link');
  await page.keyboard.press('0');
}

async function big(page, o) {
  await page.waitForFunction(() => window.lucentViewer.firstRender !== null, null, { timeout: WAIT * 2 });
  const first = await page.evaluate(() => window.lucentViewer.firstRender);
  const st = await stats(page);
  check(st.events >= o.events, `${st.events.toLocaleString()} events load`);
  check(first < o.firstMs, `and render in ${(first / 1000).toFixed(2)} s (limit here ${o.firstMs / 1000} s; goal 3 s, see bench/viewer)`);
  await page.evaluate(() => (window.lucentViewer.frames.length = 0));
  await page.focus('#timeline');
  await page.keyboard.down('d');
  await page.waitForTimeout(1500);
  await page.keyboard.up('d');
  const f = (await page.evaluate(() => window.lucentViewer.frames.slice())).sort((a, b) => a - b);
  const p50 = f[Math.floor(f.length / 2)];
  check(f.length > 10 && p50 < o.panMs, `panning stays responsive: ${f.length} frames, median ${p50.toFixed(1)} ms, ` +
    `p95 ${f[Math.floor(f.length * 0.95)].toFixed(1)} ms (limit here: median < ${o.panMs} ms)`);
  const t = Date.now();
  const d = await clickSlice(page, 'request', 1000);
  check(d.name === 'request' && Date.now() - t < 10000, `a click shows a slice's details in ${Date.now() - t} ms`);
}

async function drop(page, o) {
  await page.waitForFunction(() => !document.getElementById('empty').hidden);
  check(true, 'an empty viewer invites a drop');
  await dropFile(page, o.file);
  await page.waitForFunction(() => window.lucentViewer.firstRender !== null, null, { timeout: WAIT });
  check((await page.textContent('#source')).includes('dropped'), `the page says what it shows (${await page.textContent('#source')})`);
  const r = await summaryRow(page, o.slice);
  check(r && r.count === o.count, `the dropped file's ${o.count} "${o.slice}" slices show (${r && r.count})`);
}

async function bad(page, o) {
  if (o.file) {
    await page.waitForFunction(() => !document.getElementById('empty').hidden);
    await dropFile(page, o.file);
  }
  await page.waitForFunction(() => document.getElementById('banner').textContent.length > 0, null, { timeout: WAIT });
  const text = await page.textContent('#banner');
  check(new RegExp(o.expect, 'i').test(text), `the page says what is wrong: "${text.slice(0, 140)}"`);
  await page.waitForFunction(() => document.getElementById('progress').hidden, null, { timeout: WAIT });
  // live, the banner (a status event) may come before the model catches up
  await page.waitForFunction((n) => (window.lucentViewer.model?.stats.events || 0) >= n, o.events || 0,
    { timeout: WAIT }).catch(() => {});
  const st = await stats(page);
  const n = st ? st.events : 0;
  check(n >= (o.events || 0), `the ${n} events decoded before the damage are shown (want >= ${o.events || 0})`);
  const visible = (await page.isVisible('header')) && (await page.isVisible('#banner'));
  check(visible, 'the page is not blank, nor stuck loading');
}

async function live(page, o) {
  await page.waitForFunction(() => /waiting for the program/.test(document.getElementById('live').textContent), null,
    { timeout: WAIT });
  check(true, `the page is open before the program runs ("${await page.textContent('#live')}")`);
  await page.evaluate(() => (window.__sameDocument = true)); // gone if the page reloads
  console.log('READY');
  const port = Number(await expectLine('PORT'));
  let made = 0;
  const codes = {};
  for (const batch of o.batches) {
    for (const p of batch) {
      const r = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(WAIT) });
      await r.arrayBuffer();
      codes[r.status] = (codes[r.status] || 0) + 1;
      made++;
    }
    const t = Date.now();
    await page.waitForFunction(([n, want]) => {
      const r = (window.lucentViewer.model?.summary || []).find((x) => x.name === n);
      return r && r.count >= want;
    }, [o.slice, made], { timeout: WAIT });
    const r = await summaryRow(page, o.slice);
    check(r.count === made, `after ${made} requests (${JSON.stringify(codes)}) the page counts ${r.count} "${o.slice}" ` +
      `slices, ${Date.now() - t} ms after the last answer, without a reload`);
  }
  check(await page.evaluate(() => window.__sameDocument === true), 'the page was never reloaded');
  check(/live/.test(await page.textContent('#live')), `the live badge says "${await page.textContent('#live')}"`);
  // a request made live: click it, see its path and duration
  const d = await clickSlice(page, o.slice, made - 1);
  check(d.name === o.slice && /path \//.test(d.args), `clicking the newest request shows its path (${d.args.slice(0, 80)})`);
  check(d.dur.startsWith(d.want), `and its duration (${d.dur.trim()})`);
  await page.fill('#search', o.slice);
  await page.press('#search', 'Enter');
  const found = await page.textContent('#search-count');
  check(found.endsWith(`/ ${made}`) || found === `${made} found`, `search finds all ${made} (${found})`);
  const u = await page.evaluate(() => window.lucentViewer.updates);
  const deltas = u.filter((x) => x.kind === 'delta');
  const ms = (k) => deltas.map((x) => x[k]).sort((a, b) => a - b);
  const p = (a, q) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * q))].toFixed(2) : '-');
  console.log(`updates: ${u.length} (${deltas.length} deltas, ${u.length - deltas.length} whole); ` +
    `worker model ms p50 ${p(ms('modelMs'), 0.5)} max ${p(ms('modelMs'), 1)}; ` +
    `page ms p50 ${p(ms('pageMs'), 0.5)} max ${p(ms('pageMs'), 1)}`);
  // a whole model: the first, and a rebuild when a thread's events came out of order (per-CPU rings)
  check(deltas.length > 0 && deltas.length * 2 >= u.length, 'updates were incremental (mostly deltas, not rebuilds)');
  console.log('STOP');
  await expectLine('STOPPED');
  await page.waitForFunction(() => /stream ended/.test(document.getElementById('live').textContent), null, { timeout: WAIT });
  check(true, `when the program stops the page says so ("${await page.textContent('#live')}")`);
  const r = await summaryRow(page, o.slice);
  check(r.count === made, `and keeps its ${r.count} requests`);
}

main().then(() => process.exit(0)).catch((e) => {
  console.log(`FAIL: ${e.message.split('\n')[0]}`);
  process.exit(1);
});
