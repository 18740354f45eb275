// What a course page of many widgets costs a student's laptop: six autorun widgets (one per
// experiment, each 820 px tall) stacked on one page, on the CPU fallback. Reports, at the top
// of the page and after scrolling to the bottom, each widget's status, the training workers
// alive, and the resident memory of all of Chromium's processes. A benchmark, not a test.
//   node tests/browser/widgets.mjs [--seconds 20]   (needs dist/: trunk build --release)
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serve, serveHtml, SUB, BASE_FLAGS, executablePath } from './serve.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--seconds');
const seconds = at >= 0 ? Number(args[at + 1]) : 20;
const links = [
  'exp=grokking&preset=quick', 'exp=double-descent&preset=quick', 'exp=benign-overfitting&preset=quick',
  'exp=dropout&preset=quick', 'exp=augmentation&preset=quick', 'exp=toy2d&steps=200000',
];

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}${SUB}`;
const pages = {};
const course = await serveHtml(pages);
pages['/six.html'] = `<!doctype html><meta charset="utf-8"><title>six widgets</title>
  <script src="${base}embed.js" defer></script>
  ${links.map((l, i) => `<h2>Widget ${i + 1}</h2><div data-overfit="${base}?${l.replaceAll('&', '&amp;')}&amp;autorun=1"></div>`).join('\n')}`;
const browser = await chromium.launch({ executablePath, args: BASE_FLAGS });
// Chromium's processes (the browser, its renderers, GPU and utilities), each with its resident
// memory and its proportional share (PSS: a page shared by n processes counts 1/n in each), so
// the sum of PSS is what the machine gives them; the sum of RSS counts shared pages (the
// browser's own code, shared memory) once per process.
const chromiumProcesses = () => {
  const out = execSync('ps -eo pid=,rss=,args=').toString();
  return out.split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter((m) => m && /chrom/.test(m[3].split(' ')[0]))
    .map(([, pid, rss, args]) => {
      let pss = Number(rss);
      try {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        pss = Number(rollup.match(/^Pss:\s+(\d+)/m)[1]);
      } catch (e) { /* gone, or not readable: its RSS stands in */ }
      const type = (args.match(/--type=([\w-]+)/) || [, 'browser'])[1];
      return { pid, type, rssMb: Number(rss) / 1024, pssMb: pss / 1024 };
    });
};
const chromiumMb = () => chromiumProcesses().reduce((sum, p) => sum + p.rssMb, 0);
const breakdown = () => {
  const procs = chromiumProcesses().sort((a, b) => b.pssMb - a.pssMb);
  const sum = (key) => procs.reduce((s, p) => s + p[key], 0).toFixed(0);
  return `RSS ${sum('rssMb')} MB, PSS ${sum('pssMb')} MB in ${procs.length} processes: `
    + procs.map((p) => `${p.type} ${p.rssMb.toFixed(0)}/${p.pssMb.toFixed(0)}`).join(', ') + ' (RSS/PSS MB)';
};
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.addInitScript(() => { try { delete Navigator.prototype.gpu; } catch (e) { /* absent */ } });
  const page = await context.newPage();
  const report = async (where) => {
    await page.waitForTimeout(seconds * 1000);
    const states = [];
    for (const frame of page.frames().filter((f) => f.url().includes('exp='))) {
      const status = await frame.locator('#status').textContent().catch(() => '?');
      const workers = await frame.locator('#workers').getAttribute('data-workers').catch(() => '?');
      states.push(`${new URL(frame.url()).searchParams.get('exp')}: ${status} (${workers} workers)`);
    }
    const workers = page.workers().length + page.frames().reduce((n, f) => n, 0);
    console.log(`${where}: ${states.length} widgets mounted; Chromium ${chromiumMb().toFixed(0)} MB resident\n  ${breakdown()}\n  ${states.join('\n  ')}`);
    return workers;
  };
  // What Chromium costs with one blank tab, before any widget: the floor the widgets add to.
  await page.waitForTimeout(2000);
  console.log(`a blank tab: ${breakdown()}`);
  await page.goto(`${course.address ? `http://127.0.0.1:${course.address().port}` : ''}/six.html`);
  await report('top of the page');
  for (let y = 0; y < 6; y++) {
    await page.mouse.wheel(0, 900);
    await page.waitForTimeout(1500);
  }
  await report('after scrolling to the bottom');
} finally {
  await browser.close();
  server.close();
  course.close();
}
