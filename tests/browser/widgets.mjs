// What a course page of many widgets costs a student's laptop: six autorun widgets (one per
// experiment, each 820 px tall) stacked on one page, on the CPU fallback. Reports, at the top
// of the page and after scrolling to the bottom, each widget's status, the training workers
// alive, and the resident memory of all of Chromium's processes. A benchmark, not a test.
//   node tests/browser/widgets.mjs [--seconds 20]   (needs dist/: trunk build --release)
import { execSync } from 'node:child_process';
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
// Resident memory of every Chromium process (the browser, its renderers, GPU and utilities).
const chromiumMb = () => {
  const out = execSync('ps -eo rss=,comm=').toString();
  return out.split('\n').filter((l) => /chrom/.test(l)).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0) / 1024;
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
    console.log(`${where}: ${states.length} widgets mounted; Chromium ${chromiumMb().toFixed(0)} MB resident\n  ${states.join('\n  ')}`);
    return workers;
  };
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
