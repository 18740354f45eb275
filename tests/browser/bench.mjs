// Benchmark (not a test): every experiment's `quick` preset natively (`overfit bench`) and in a
// headless Chromium tab, on the CPU fallback and on WebGPU (SwiftShader here), side by side in
// one run on one machine, with the main thread's long tasks (PerformanceObserver `longtask`,
// tasks over 50 ms) while training. Prints a Markdown table for BENCHMARKS.md.
//
//   node tests/browser/bench.mjs [--only grokking,toy2d] [--cap 600] [--no-gpu] [--query workers=3]
//   node tests/browser/bench.mjs --choice [--only ...]
//
// (--query appends page keys to the tab's link, e.g. to compare worker counts.) --choice
// instead opens each quick preset where WebGPU is offered, with no backend in the link, and
// prints which device the page's measurement chose, by how much, and how long the measuring
// took (from the Run click to the first step of the run), then stops the run.
//
// Needs dist/ (trunk build --release) and the `overfit` binary ($OVERFIT, else
// target/debug/overfit).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve, SUB, BASE_FLAGS, WEBGPU_FLAGS, executablePath } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const overfit = process.env.OVERFIT
  || path.join(process.env.CARGO_TARGET_DIR || path.join(here, '../../target'), 'debug/overfit');
// Every experiment the registry holds, as `overfit list` names them.
const ALL = execFileSync(overfit, ['list'], { encoding: 'utf8' })
  .split('\n').map((l) => l.match(/^(\S+)\s+—/)).filter(Boolean).map((m) => m[1]);
const only = opt('--only', ALL.join(',')).split(',');
const cap = Number(opt('--cap', '600'));
const withGpu = !args.includes('--no-gpu');
const extra = opt('--query', '');

function native(id) {
  const started = process.hrtime.bigint();
  const out = execFileSync(overfit, ['bench', id, '--preset', 'quick', '--backend', 'flex'], { encoding: 'utf8' });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, line: out.trim() };
}

// One run in a fresh tab: seconds from the Run click to "done" (the worker's device is open
// before the click), and the main thread's long tasks in between.
async function tab(browser, base, id, gpu) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  try {
    await page.addInitScript(() => {
      window.__longtasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${base}?exp=${id}${gpu ? '&backend=webgpu' : '&backend=cpu'}${extra ? '&' + extra : ''}`);
    await page.waitForFunction(() => !(document.querySelector('#backend')?.textContent || 'starting').startsWith('starting'), null, { timeout: 120_000 });
    const badge = await page.locator('#backend').textContent();
    const t0 = await page.evaluate(() => performance.now());
    const started = Date.now();
    await page.click('#run');
    let finished = true;
    try {
      await page.waitForFunction(() => {
        const s = document.querySelector('#status')?.textContent || '';
        return s === 'done' || s.startsWith('stopped');
      }, null, { timeout: cap * 1000, polling: 250 });
    } catch { finished = false; }
    const seconds = (Date.now() - started) / 1000;
    const status = await page.locator('#status').textContent();
    const long = await page.evaluate((t) => window.__longtasks.filter(([s]) => s >= t).map(([, d]) => d), t0);
    const workers = await page.locator('#workers').getAttribute('data-workers');
    return { seconds, finished, status, badge: `${badge} (${workers} worker(s))`, long: long.length, longest: long.length ? Math.max(...long) : 0 };
  } finally {
    await context.close();
  }
}

// The device the page chooses for `id`'s quick preset by measuring, and how long that took.
async function choice(browser, base, id) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  try {
    await page.goto(`${base}?exp=${id}${extra ? '&' + extra : ''}`);
    await page.waitForFunction(() => !(document.querySelector('#backend')?.textContent || 'starting').startsWith('starting'), null, { timeout: 120_000 });
    const opened = await page.locator('#backend').textContent();
    const started = Date.now();
    await page.click('#run');
    await page.waitForFunction(() => {
      const s = document.querySelector('#status')?.textContent || '';
      return !s.startsWith('timing') && !s.startsWith('waiting') && s !== 'ready';
    }, null, { timeout: 120_000, polling: 50 });
    const seconds = (Date.now() - started) / 1000;
    const chosen = page.locator('#device-choice');
    const measured = (await chosen.count()) > 0;
    const words = measured ? await chosen.textContent() : 'not measured';
    const figures = measured ? await chosen.getAttribute('title') : await page.locator('#status').textContent();
    await page.click('#stop').catch(() => {});
    return `| ${id} | ${opened} | ${await page.locator('#backend').textContent()} | ${words} | ${figures} | ${seconds.toFixed(1)} s |`;
  } finally {
    await context.close();
  }
}

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}${SUB}`;
if (args.includes('--choice')) {
  const browser = await chromium.launch({ executablePath, args: WEBGPU_FLAGS });
  const lines = [];
  for (const id of only) {
    lines.push(await choice(browser, base, id));
    console.error(lines[lines.length - 1]);
  }
  await browser.close();
  server.close();
  console.log(`\n${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}, quick presets, the device chosen by measurement\n`);
  console.log('| experiment | adapter opened | trains on | chosen | measured | Run click to first step |');
  console.log('|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
  process.exit(0);
}
const cpuBrowser = await chromium.launch({ executablePath, args: BASE_FLAGS });
const gpuBrowser = withGpu ? await chromium.launch({ executablePath, args: WEBGPU_FLAGS }) : null;
const show = (r) => (r.finished ? `${r.seconds.toFixed(1)} s` : `> ${cap} s`) + (r.status === 'done' || !r.finished ? '' : ` (${r.status})`);
const rows = [];
for (const id of only) {
  const n = native(id);
  const cpu = await tab(cpuBrowser, base, id, false);
  const gpu = gpuBrowser ? await tab(gpuBrowser, base, id, true) : null;
  const row = `| ${id} | ${n.seconds.toFixed(1)} s | ${show(cpu)} | ${cpu.finished ? (cpu.seconds / n.seconds).toFixed(2) + '×' : '—'} | ${cpu.long} / ${cpu.longest.toFixed(0)} ms | `
    + (gpu ? `${show(gpu)} | ${gpu.finished ? (gpu.seconds / n.seconds).toFixed(2) + '×' : '—'} | ${gpu.long} / ${gpu.longest.toFixed(0)} ms |` : '— | — | — |');
  rows.push(row);
  console.error(`${row}\n    native: ${n.line}; tab badges: ${cpu.badge}${gpu ? ' / ' + gpu.badge : ''}`);
}
await cpuBrowser.close();
if (gpuBrowser) await gpuBrowser.close();
server.close();
console.log(`\n${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}, quick presets\n`);
console.log('| experiment | native (Flex) | tab, CPU fallback | tab / native | long tasks while training (count / longest) | tab, WebGPU (SwiftShader) | tab / native | long tasks (WebGPU) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
