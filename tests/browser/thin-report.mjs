// Thins a metrics.json for a picture (.ci/cards): every run's series keep at most 60 rows,
// evenly spaced, the first and last always; the spec, axis and summaries stay whole, so the
// page draws the same charts and markers from it.
import fs from 'node:fs';

const [from, to] = process.argv.slice(2);
if (!from || !to) throw new Error('usage: node thin-report.mjs metrics.json out.json');
const report = JSON.parse(fs.readFileSync(from, 'utf8'));
const MAX = 60;
for (const run of report.runs) {
  const columns = Object.values(run.series);
  const n = columns.length ? columns[0].length : 0;
  if (n <= MAX) continue;
  const keep = new Set(Array.from({ length: MAX }, (_, i) => Math.round((i * (n - 1)) / (MAX - 1))));
  for (const key of Object.keys(run.series)) run.series[key] = run.series[key].filter((_, i) => keep.has(i));
}
// Numbers to four significant digits: a picture needs no more.
const text = JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v));
fs.writeFileSync(to, `${text}\n`);
console.log(`${to}: ${text.length} bytes`);
