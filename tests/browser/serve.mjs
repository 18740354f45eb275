// What the browser test and the browser benchmark share: dist/ served by a plain static server
// under a sub-path (the app must work from any), and Chromium's flags.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const dist = path.resolve(here, '../../dist');
export const SUB = '/some/sub/path/';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** Serves dist/ on 127.0.0.1 (a free port) under SUB; resolves to the server. `workerPrelude`
 * (a test's own script) runs in each training worker before its module loads, e.g. to make
 * its WebGPU adapter never answer. */
export function serve({ workerPrelude } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(SUB)) { res.writeHead(404).end(); return; }
    const rel = decodeURIComponent(url.pathname.slice(SUB.length)) || 'index.html';
    const file = path.join(dist, rel);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    if (workerPrelude && rel === 'overfit-worker_loader.js') {
      res.end(`${workerPrelude}\n${fs.readFileSync(file, 'utf8')}`);
      return;
    }
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Playwright gives every launch a fresh, empty profile directory.
export const BASE_FLAGS = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage'];
export const WEBGPU_FLAGS = [...BASE_FLAGS, '--enable-unsafe-webgpu'];
export const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

/** Serves HTML pages (`{ '/name.html': '<!doctype html>…' }`, read at each request, so pages
 * may be added once the port is known) on another port of 127.0.0.1: another origin, as a
 * course site embedding the widgets would be. */
export function serveHtml(pages) {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://127.0.0.1').pathname;
    if (name === '/favicon.ico') { res.writeHead(204).end(); return; }
    const body = pages[name];
    if (body === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
