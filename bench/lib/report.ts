// Turns bench/run.sh's rows.tsv into the one markdown report (docs/benchmarks/http.md "prints one table"), plus
// the verdict on each target of the issue for Portico against nginx (1 worker) in the same run.
// Usage: node bench/lib/report.ts RUN_DIR

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.';
const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');

interface Row {
  kase: string; name: string; value: number | null; status: 'ok' | 'FAIL' | 'SKIP';
  p50: number; p99: number; errors: number; cpuPct: string; usPerReq: number | null;
  harness: string; steal: number; runs: string; outside: number; note: string;
}

const rows: Row[] = read('rows.tsv').split('\n').filter(Boolean).map((l) => {
  const f = l.split('\t');
  const status = f[2] === 'FAIL' || f[2] === 'SKIP' ? f[2] : 'ok';
  return {
    kase: f[0], name: f[1], status, value: status === 'ok' ? Number(f[2]) : null,
    p50: Number(f[3] || 0), p99: Number(f[4] || 0), errors: Number(f[5] || 0), cpuPct: f[6] ?? '',
    usPerReq: f[7] ? Number(f[7]) : null, harness: f[8] ?? '', steal: Number(f[9] || 0), runs: f[10] ?? '',
    outside: Number(f[11] || 0), note: f[12] ?? '',
  };
});

const CASES: Record<string, string> = {
  hello: "small body (GET …/hello, 5 B)",
  '64k': 'large body (GET …/64k.bin, 64 KiB)',
  tls: 'TLS keep-alive (small body over https)',
  ws: 'WebSocket round-trips (128 B messages)',
};
// docs/benchmarks/http.md "Targets": req/s ratio to nginx-1w per case (WebSocket has none), CPU µs/request ≤ 2×
// nginx's for the small body, p99 ≤ 3× nginx, ≥ 2.5× the node:http + undici design (portico-node) and ≥ 1.3× the
// fastest of the three Node libraries, all in the same run.
const MIN_VS_NGINX: Record<string, number | null> = { hello: 0.5, '64k': 0.45, tls: 0.45, ws: null };
const MAX_CPU_VS_NGINX: Record<string, number | null> = { hello: 2, '64k': null, tls: null, ws: null };
const MIN_VS_NODE_DESIGN = 2.5;
const NODE_LIBS = ['http-proxy-3', 'node-http-proxy', 'fastify-proxy'];

// With requests pipelined (bench/run.sh PIPELINE) wrk does not time each request: no latency figures, no p99 verdict.
const PIPELINED = Number(process.env.PIPELINE ?? 1) > 1;
const us = (v: number): string => (PIPELINED ? '—' : v < 1000 ? `${Math.round(v)}µs` : `${(v / 1000).toFixed(2)}ms`);
const get = (k: string, n: string): Row | undefined => rows.find((r) => r.kase === k && r.name === n && r.status === 'ok');
const ratio = (a: number | null, b: number | null | undefined): string => (a == null || !b ? '—' : (a / b).toFixed(2));

const out: string[] = [];
out.push('# Portico L7 benchmark (bench/run.sh)', '', read('machine.md').trimEnd(), '');
out.push('| case | proxy | req/s (median) | p50 | p99 | x direct | x nginx | proxy CPU | CPU µs/req | harness core busy | errors | runs |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
const kases = [...new Set(rows.map((r) => r.kase))].sort((a, b) => Object.keys(CASES).indexOf(a) - Object.keys(CASES).indexOf(b));
let maxSteal = 0;
let maxOutside = 0;
for (const k of kases) {
  const direct = get(k, 'direct')?.value;
  const nginx = get(k, 'nginx')?.value;
  for (const r of rows.filter((x) => x.kase === k)) {
    if (r.status !== 'ok') {
      out.push(`| ${k} | ${r.name} | ${r.status === 'FAIL' ? 'FAILED' : 'skipped'}${r.note ? ` (${r.note})` : ''} |||||||||| |`);
      continue;
    }
    maxSteal = Math.max(maxSteal, r.steal);
    maxOutside = Math.max(maxOutside, r.outside);
    const name = r.name === 'portico' ? '**portico**' : r.name;
    out.push(`| ${k} | ${name} | ${r.value} | ${us(r.p50)} | ${us(r.p99)} | ${ratio(r.value, direct)} | ${ratio(r.value, nginx)} | `
      + `${r.cpuPct ? r.cpuPct + '%' : '—'} | ${r.usPerReq ?? '—'} | ${r.harness ? r.harness + '%' : '—'} | ${r.errors} | ${r.runs} |`);
  }
}
out.push('', `Cases: ${kases.map((k) => `**${k}** = ${CASES[k] ?? k}`).join('; ')}. For ws, req/s is message round-trips/s and CPU µs is per round trip.`);
out.push(`noise: max CPU steal during a case ${maxSteal.toFixed(1)}%; max CPU used outside the rig during a case ${maxOutside}% of a core`, '');

out.push('## Speed targets (Portico, one process, against nginx with one worker in the same run)', '');
out.push('| case | req/s vs nginx (target) | CPU µs/req vs nginx | p99 vs nginx (≤ 3×) | vs portico-node (≥ 2.5×) | vs fastest Node library (≥ 1.3×) | verdict |');
out.push('|---|---|---|---|---|---|---|');
const verdicts: Record<string, unknown>[] = [];
for (const k of kases) {
  const p = get(k, 'portico');
  const n = get(k, 'nginx');
  const libs = NODE_LIBS.map((l) => get(k, l)).filter((x): x is Row => x !== undefined);
  const fastest = libs.sort((a, b) => (b.value ?? 0) - (a.value ?? 0))[0];
  if (!p) {
    const why = rows.find((r) => r.kase === k && r.name === 'portico')?.note || 'no Portico row';
    out.push(`| ${k} | — | — | — | — | — | not measured (${why}) |`);
    verdicts.push({ case: k, measured: false, why });
    continue;
  }
  const checks: boolean[] = [];
  const min = MIN_VS_NGINX[k];
  let c1 = '—';
  if (n && p.value != null && n.value) {
    const r = p.value / n.value;
    c1 = min == null ? `${r.toFixed(2)} (no target)` : `${r.toFixed(2)} (≥ ${min}) ${r >= min ? 'met' : 'NOT met'}`;
    if (min != null) checks.push(r >= min);
  }
  let cCpu = '—';
  const maxCpu = MAX_CPU_VS_NGINX[k];
  if (n && n.usPerReq && p.usPerReq != null) {
    const r = p.usPerReq / n.usPerReq;
    cCpu = `${p.usPerReq} vs ${n.usPerReq} = ${r.toFixed(2)}×${maxCpu == null ? '' : ` (≤ ${maxCpu}) ${r <= maxCpu ? 'met' : 'NOT met'}`}`;
    if (maxCpu != null) checks.push(r <= maxCpu);
  }
  let cNode = '—';
  const nd = get(k, 'portico-node');
  if (nd && nd.value && p.value != null) {
    const r = p.value / nd.value;
    cNode = `${r.toFixed(2)}× (${nd.value}) ${r >= MIN_VS_NODE_DESIGN ? 'met' : 'NOT met'}`;
    checks.push(r >= MIN_VS_NODE_DESIGN);
  }
  let c2 = '—';
  if (n && n.p99 > 0 && !PIPELINED) {
    const r = p.p99 / n.p99;
    c2 = `${us(p.p99)} vs ${us(n.p99)} = ${r.toFixed(2)}× ${r <= 3 ? 'met' : 'NOT met'}`;
    checks.push(r <= 3);
  }
  let c3 = '—';
  if (fastest && fastest.value && p.value != null) {
    const r = p.value / fastest.value;
    c3 = `${r.toFixed(2)}× ${fastest.name} (${fastest.value}) ${r >= 1.3 ? 'met' : 'NOT met'}`;
    checks.push(r >= 1.3);
  }
  const verdict = checks.length === 0 ? 'no reference' : checks.every(Boolean) ? 'all met' : 'missed';
  out.push(`| ${k} | ${c1} | ${cCpu} | ${c2} | ${cNode} | ${c3} | ${verdict} |`);
  verdicts.push({ case: k, measured: true, portico: p.value, nginx: n?.value ?? null, p99: p.p99, nginxP99: n?.p99 ?? null,
    fastestNode: fastest?.name ?? null, fastestNodeValue: fastest?.value ?? null, usPerReq: p.usPerReq, verdict });
}
const notes = read('notes.txt').split('\n').filter(Boolean);
if (notes.length) out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
out.push('', '## Configurations', '');
const seen = new Set(rows.map((r) => r.name));
for (const l of read('desc.tsv').split('\n').filter(Boolean)) {
  const [k, d] = l.split('\t');
  if (seen.has(k)) out.push(`- **${k}**: ${d}`);
}
out.push('', 'Columns: medians of the runs; p50/p99 = median of the runs\' percentiles (closed loop: service time at saturation, not latency at a fixed rate);',
  'proxy CPU = CPU time of the proxy process tree / wall time (100% = one core); CPU µs/req = proxy CPU time / requests completed;',
  'harness core busy near 100% means the load generator + backend were the limit, not the proxy. On 2 cores, read ratios, not absolutes.');
process.stdout.write(out.join('\n') + '\n');
writeFileSync(join(dir, 'results.json'), JSON.stringify({ rows, targets: verdicts }, null, 2) + '\n');
