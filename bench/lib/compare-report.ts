// Prints base vs working-tree microbenchmark results side by side (bench/compare.sh).
// ratio = working tree / base: above 1 is slower (or bigger) for ns/op, ms and MiB.
// Usage: node bench/lib/compare-report.ts BASE.json WORK.json [BASE_NAME]

import { existsSync, readFileSync } from 'node:fs';

interface Result { name: string; value: number | null; unit: string }
const readResults = (f: string): Result[] => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { results: Result[] }).results : []);
const [baseFile, workFile, baseName = 'main'] = process.argv.slice(2);
const base = readResults(baseFile);
const work = readResults(workFile);
const fmt = (v: number | null | undefined): string => (v == null ? '—' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const names = [...new Set([...work.map((r) => r.name), ...base.map((r) => r.name)])];
const lines = [`| benchmark | ${baseName} | working tree | unit | ratio (work / ${baseName}) |`, '|---|---:|---:|---|---:|'];
let worse = 0;
for (const n of names) {
  const b = base.find((r) => r.name === n);
  const w = work.find((r) => r.name === n);
  const unit = (w ?? b)!.unit;
  let ratio = '—';
  if (b?.value && w?.value != null) {
    const r = w.value / b.value;
    // Differences under ~10% are run-to-run noise on a shared 2-core machine.
    ratio = `${r.toFixed(2)}${r > 1.1 ? ' ▲ slower/larger' : r < 0.9 ? ' ▼ faster/smaller' : ''}`;
    if (r > 1.1) worse++;
  }
  lines.push(`| ${n} | ${fmt(b?.value)} | ${fmt(w?.value)} | ${unit} | ${ratio} |`);
}
lines.push('', `${worse} benchmark(s) more than 10% slower or larger than ${baseName} (single runs on a shared machine: re-run before believing a small one).`);
process.stdout.write(lines.join('\n') + '\n');
