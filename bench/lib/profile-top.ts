// Summarises a V8 .cpuprofile (node --cpu-prof) as the top functions by self time, for the
// hot-path list in docs/benchmarks/http.md. Usage: node bench/lib/profile-top.ts FILE.cpuprofile [N]

import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number }

const file = process.argv[2];
const top = Number(process.argv[3] ?? 30);
if (!file) {
  process.stderr.write('usage: profile-top.ts FILE.cpuprofile [N]\n');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const selfUs = new Map<number, number>();
const samples = prof.samples ?? [];
const deltas = prof.timeDeltas ?? [];
for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i] ?? 0));
const byFn = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const t = selfUs.get(n.id) ?? 0;
  total += t;
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/src\//, 'src/');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
const rows = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top);
const lines = [`Top ${top} functions by self time (${file.split('/').pop()}, ${(total / 1e6).toFixed(1)} s sampled)`, '',
  '| self % | self ms | function |', '|---:|---:|---|'];
for (const [k, t] of rows) lines.push(`| ${((100 * t) / total).toFixed(1)} | ${(t / 1000).toFixed(0)} | \`${k}\` |`);
process.stdout.write(lines.join('\n') + '\n');
