// How smooth a course page stays while an embedded widget trains: www/course.html with its
// grokking widget started by postMessage, on the CPU fallback. Reports the course page's frame
// rate and worst frame over 30 s (requestAnimationFrame), and the long tasks (over 50 ms) of
// the course page and of the widget's page. A benchmark, not a test: run it on a quiet machine.
//   node tests/browser/frames.mjs [--seconds 30] [--query 'workers=1']  (keys added to the widget's link)
// Needs dist/ (trunk build --release).
import { chromium } from 'playwright-core';
import { serve, SUB, BASE_FLAGS, executablePath } from './serve.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--seconds');
const seconds = at >= 0 ? Number(args[at + 1]) : 30;
const q = args.indexOf('--query');
const extra = q >= 0 ? args[q + 1] : '';

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}${SUB}`;
const browser = await chromium.launch({ executablePath, args: [...BASE_FLAGS] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // No WebGPU anywhere: the CPU fallback, as in most classrooms' browsers today.
  await context.addInitScript(() => { try { delete Navigator.prototype.gpu; } catch (e) { /* absent */ } });
  const observe = () => {
    window.__long = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push([e.duration, e.startTime])))
      .observe({ entryTypes: ['longtask'] });
  };
  await context.addInitScript(observe);
  const page = await context.newPage();
  if (extra) {
    await page.route('**/course.html', async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('preset=quick&amp;', `preset=quick&amp;${extra.replaceAll('&', '&amp;')}&amp;`);
      await route.fulfill({ response, body: html });
    });
  }
  await page.goto(`${base}course.html`);
  const widget = page.frameLocator('#grokking-widget iframe');
  await widget.locator('#status').waitFor({ timeout: 60_000 });
  await page.evaluate(() => document.querySelector('#grokking-widget iframe').contentWindow.postMessage({ type: 'overfit:start' }, '*'));
  await widget.locator('#status', { hasText: 'training' }).waitFor({ timeout: 60_000 });
  const frame = page.frames().find((f) => f.url().includes('exp=grokking'));
  await page.evaluate(() => { window.__long = []; });
  const frameStart = await frame.evaluate(() => { window.__long = []; return performance.now(); });
  const times = await page.evaluate((ms) => new Promise((resolve) => {
    const t = [];
    const tick = (now) => { t.push(now); if (now - t[0] < ms) requestAnimationFrame(tick); else resolve(t); };
    requestAnimationFrame(tick);
  }), seconds * 1000);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const fps = gaps.length / ((times.at(-1) - times[0]) / 1000);
  const course = await page.evaluate(() => window.__long);
  const inWidget = await frame.evaluate(() => window.__long);
  const steps = await widget.locator('#progress').textContent();
  const workers = await widget.locator('#workers').textContent();
  // Each long task: its duration and when it began, in seconds into the measurement.
  const summary = (xs, start) => `${xs.length}${xs.length ? ` (${xs.map(([d, t]) => `${d.toFixed(0)} ms at ${((t - start) / 1000).toFixed(1)} s`).join(', ')})` : ''}`;
  console.log(`course.html, grokking widget training on the CPU (${workers.trim()}), ${seconds} s:`);
  console.log(`  course page: ${fps.toFixed(1)} frames/s, worst frame ${Math.max(...gaps).toFixed(0)} ms, long tasks ${summary(course, times[0])}`);
  console.log(`  widget page: long tasks ${summary(inWidget, frameStart)}; ${steps.trim()}`);
} finally {
  await browser.close();
  server.close();
}
