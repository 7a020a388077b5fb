// e2e.mjs: drives the viewer in Debian's Chromium with playwright-core.
//
//   node test/e2e.mjs MODE URL [JSON]
//
// MODE file: JSON {slice, count, args: [names], shot}: thread tracks render,
//   clicking the first SLICE shows its name, args and duration, search finds
//   it, the summary count is COUNT, no request leaves 127.0.0.1.
// MODE live: JSON {shot}: the page is open before/while the program runs;
//   events keep arriving without a reload.
// MODE bad: JSON {expect: 'regexp', events: N}: the banner says what is
//   wrong and at least N events are still shown (page not blank).
// Prints "ok: ..." lines; exits 1 on the first failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, url, json] = process.argv.slice(2);
const opt = json ? JSON.parse(json) : {};
const profile = mkdtempSync(join(tmpdir(), 'lucent-viewer-chromium-'));

export async function launch() {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function check(cond, msg) {
  if (!cond) {
    console.log(`FAIL: ${msg}`);
    throw new Error(msg);
  }
  console.log(`ok: ${msg}`);
}

async function main() {
  const ctx = await launch();
  const page = ctx.pages()[0] || (await ctx.newPage());
  const foreign = [];
  const errors = [];
  page.on('request', (r) => {
    if (!/^(http:\/\/127\.0\.0\.1[:/]|data:|blob:)/.test(r.url())) foreign.push(r.url());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(url);
    if (mode === 'file') await file(page, opt);
    else if (mode === 'live') await live(page, opt);
    else if (mode === 'bad') await bad(page, opt);
    check(foreign.length === 0, `no request left 127.0.0.1 (${foreign.join(' ') || 'none'})`);
    check(errors.length === 0, `no script errors on the page (${errors.join('; ') || 'none'})`);
  } finally {
    if (opt.shot) await page.screenshot({ path: opt.shot }).catch(() => {});
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const stats = (page) => page.evaluate(() => window.lucentViewer.api.stats());

async function file(page, o) {
  await page.waitForFunction(() => window.lucentViewer.firstRender !== null, null, { timeout: 30000 });
  const st = await stats(page);
  const threads = st.tracks.filter((t) => t.kind === 'thread');
  check(threads.length >= (o.threads || 1), `${threads.length} thread tracks render (${threads.map((t) => t.name).join(', ')})`);
  if (o.irq) check(st.tracks.some((t) => t.kind === 'irq'), 'an IRQ track renders');
  if (o.counter) check(st.tracks.some((t) => t.kind === 'counter'), 'a counter track renders');
  // the canvas really has slices on it: sample pixel colours
  const coloured = await page.evaluate(() => {
    const c = document.getElementById('canvas');
    const d = c.getContext('2d').getImageData(220, 30, c.width - 230, c.height - 40).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++;
    return n;
  });
  check(coloured > 1000, `the canvas shows coloured slices (${coloured} pixels)`);

  // click the slice where it is drawn
  const pt = await page.evaluate((n) => window.lucentViewer.api.slicePoint(n, 0), o.slice);
  check(pt !== null, `a "${o.slice}" slice exists`);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => document.getElementById('d-args') && !/loading/.test(document.getElementById('d-args').textContent));
  const name = await page.textContent('#d-name');
  const dur = await page.textContent('#d-dur');
  const args = await page.textContent('#d-args');
  check(name === o.slice, `clicking it shows its name (${name})`);
  check(dur.includes(`(${pt.dur} ns)`), `and its duration (${dur.trim()})`);
  for (const a of o.args || []) check(args.includes(a), `and its argument "${a}" (${args.replace(/\s+/g, ' ').slice(0, 80)})`);

  // search
  await page.click('#search');
  await page.fill('#search', o.slice);
  await page.press('#search', 'Enter');
  const found = await page.textContent('#search-count');
  check(new RegExp(`/ ${o.count}$`).test(found) || found.includes(`${o.count} found`), `search finds all ${o.count} "${o.slice}" slices (${found})`);
  check((await page.textContent('#d-name')) === o.slice, 'and selects one, with details');

  // summary
  const row = await page.$eval(`#summary-table tr[data-name="${o.slice}"]`, (tr) => [...tr.children].map((td) => td.textContent));
  check(Number(row[1]) === o.count, `the summary counts ${row[1]} "${o.slice}" slices (expected ${o.count})`);

  // keyboard zoom and pan change the view
  const v0 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  await page.focus('#timeline');
  await page.keyboard.down('w');
  await page.waitForTimeout(300);
  await page.keyboard.up('w');
  await page.keyboard.down('d');
  await page.waitForTimeout(200);
  await page.keyboard.up('d');
  const v1 = await page.evaluate(() => [window.lucentViewer.t0, window.lucentViewer.t1]);
  check(v1[1] - v1[0] < v0[1] - v0[0] && v1[0] !== v0[0], 'W zooms in and D pans');
  const drops = await page.textContent('#drops');
  if (o.drops !== undefined) check(drops.includes(String(o.drops)), `the drop indicator says "${drops}"`);
  await page.evaluate(() => window.lucentViewer.api.view(window.lucentViewer.model.t0, window.lucentViewer.model.t1));
}

async function live(page, o) {
  await page.waitForFunction(() => window.lucentViewer.model && window.lucentViewer.model.stats.events > 0, null,
    { timeout: 30000 });
  const a = (await stats(page)).events;
  await page.waitForFunction((n) => window.lucentViewer.model.stats.events > n + 50, a, { timeout: 20000 });
  const b = (await stats(page)).events;
  check(b > a, `events emitted while the page is open appear without a reload (${a} -> ${b})`);
  const badge = await page.textContent('#live');
  check(/live/.test(badge), `the live badge says "${badge}"`);
  if (o.name) {
    await page.waitForFunction((n) => (window.lucentViewer.model.summary || []).some((r) => r.name === n), o.name,
      { timeout: 20000 });
    check(true, `"${o.name}" events show up live`);
  }
}

async function bad(page, o) {
  await page.waitForFunction(() => document.getElementById('banner').textContent.length > 0, null, { timeout: 20000 });
  const text = await page.textContent('#banner');
  check(new RegExp(o.expect, 'i').test(text), `the page says what is wrong: "${text.slice(0, 140)}"`);
  const st = await stats(page);
  const n = st ? st.events : 0;
  check(n >= (o.events || 0), `the ${n} events decoded before the damage are shown (want >= ${o.events || 0})`);
  const visible = await page.isVisible('header') && (await page.isVisible('#banner'));
  check(visible, 'the page is not blank');
}

main().catch((e) => {
  console.log(`FAIL: ${e.message.split('\n')[0]}`);
  process.exit(1);
});
