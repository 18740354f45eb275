// The README's picture, taken from the real app: the grokking page's default comparison
// (the quick preset, trained in the page's workers on the CPU) paused mid-run, once
// Grokfast-EMA has generalised and before the baseline has. Run after `trunk build --release`
// (or use `bash .ci/screenshot`, which builds first); writes www/screenshot.png.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve, SUB, BASE_FLAGS, executablePath } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || path.resolve(here, '../../www/screenshot.png');

const server = await serve();
const browser = await chromium.launch({ executablePath, args: BASE_FLAGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.addInitScript(() => { delete Object.getPrototypeOf(navigator).gpu; });
  await page.goto(`http://127.0.0.1:${server.address().port}${SUB}?exp=grokking&autorun=1`);
  // Mid-run: the EMA run has reached 95% validation accuracy well before this step, the
  // baseline has not.
  await page.waitForFunction(() => {
    const cell = (run) => document.querySelector(`#comparison tr[data-run="${run}"] td.you`)?.textContent || '';
    const step = Number(((document.querySelector('#progress')?.textContent || '').match(/step (\d+)/) || [])[1]);
    return /^\d/.test(cell('grokfast-ema')) && cell('baseline') === 'not yet' && step >= 4000;
  }, null, { timeout: 900_000, polling: 500 });
  await page.click('#pause');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'paused');
  const status = await page.locator('#progress').textContent();
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (${status})`);
} finally {
  await browser.close();
  server.close();
}
