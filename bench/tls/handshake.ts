// SNI-scale benchmark (README "TLS"): full-handshake rate through the real HttpsListener with
// a table of 1 certificate and of 10,000 certificates, alternated in the same process and run
// (one listener, SNI table swapped between rounds), plus the memory the 10,000 certificates cost.
//
//   node --expose-gc bench/tls/handshake.ts [--count 10000] [--seconds 5] [--rounds 3] [--conns 16]
//
// Session resumption is off, so every handshake is a full one. The server is pinned to CPU 1 and
// the client process to CPU 0 when taskset exists. Only 127.0.0.1; the client is bounded in time.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { emptySnapshot, type Snapshot } from '../../src/model/snapshot.ts';
import type { Certificate } from '../../src/model/certificate.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { massCertificates } from './mass-certs.ts';

const { values } = parseArgs({ options: {
  count: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '5' },
  rounds: { type: 'string', default: '3' }, conns: { type: 'string', default: '16' },
} });
const COUNT = Number(values.count);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNS = Number(values.conns);
const here = dirname(fileURLToPath(import.meta.url));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });

const gc = (globalThis as { gc?: () => void }).gc;
const mem = (): { rss: number; heap: number; external: number } => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external };
};
const mb = (b: number): string => (b / 1048576).toFixed(1);

function snapshotOf(version: number, certs: Certificate[]): Snapshot {
  return {
    ...emptySnapshot(version),
    virtualHosts: certs.map((c) => ({ hostname: c.names[0], kind: 'exact' as const, routes: [], fallback: null, certificateId: c.id })),
    certificates: certs,
  };
}

const t0 = performance.now();
const names = Array.from({ length: COUNT }, (_, i) => `h${i}.bench.test`);
const all = massCertificates(names);
const genMs = performance.now() - t0;

const builder = new SniTableBuilder({ generatedDefault: generateDefaultCertificate(), sessionResumption: false });
const small = builder.build(snapshotOf(1, all.slice(0, 1)));
const listener = new HttpsListener({ handleRequest: (_q, s) => s.end(), handleUpgrade: (_q, s) => s.destroy() }, {
  host: '127.0.0.1', port: 0, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), sni: small, secureOptions: builder.secureOptions,
});
const port = await listener.listen();

// Memory and time of the 10,000-certificate table. The PEM texts exist either way (they are part
// of the Snapshot); building the table is Map inserts, and a secure context is created on the
// first handshake for its certificate — measured here by materialising every entry in-process,
// which is also the warm-up that keeps first-use cost out of the handshake rounds.
const before = mem();
const t1 = performance.now();
const large = builder.build(snapshotOf(2, all));
const buildMs = performance.now() - t1;
const afterBuild = mem();
const t2 = performance.now();
for (const n of names) large.lookup(n);
const materialiseMs = performance.now() - t2;
const after = mem();
const pemBytes = all.reduce((n, c) => n + c.certPem.length + c.keyPem.length, 0);
const t3 = performance.now();
builder.build(snapshotOf(3, all));
const rebuildMs = performance.now() - t3;
listener.setSniTable(small);
const lookupNs = (() => {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 1_000_000; i++) if (large.lookup(names[i % COUNT]) !== null) x++;
  return ((performance.now() - t) * 1e6) / x;
})();

function runClient(count: number): Promise<{ handshakes: number; errors: number; rate: number }> {
  const args = [join(here, 'handshake-client.ts'), String(port), String(count), String(SECONDS), String(CONNS)];
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', '0', process.execPath, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const kill = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 30) * 1000);
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      clearTimeout(kill);
      try {
        resolve(JSON.parse(out) as { handshakes: number; errors: number; rate: number });
      } catch {
        reject(new Error(`client output: ${out}`));
      }
    });
  });
}

const rates: Record<'1' | 'N', number[]> = { '1': [], N: [] };
let errors = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order: ('1' | 'N')[] = r % 2 === 0 ? ['1', 'N'] : ['N', '1'];
  for (const which of order) {
    listener.setSniTable(which === '1' ? small : large);
    const res = await runClient(which === '1' ? 1 : COUNT);
    rates[which].push(res.rate);
    errors += res.errors;
    process.stderr.write(`round ${r + 1} ${which === '1' ? 1 : COUNT} certs: ${res.rate.toFixed(0)} handshakes/s\n`);
  }
}
await listener.close(1000);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m1 = median(rates['1']);
const mN = median(rates.N);
const result = {
  node: process.version, cpus: (await import('node:os')).cpus().length, pinned: hasTaskset,
  count: COUNT, seconds: SECONDS, rounds: ROUNDS, conns: CONNS,
  handshakesPerSec: { one: Math.round(m1), many: Math.round(mN), ratio: Number((mN / m1).toFixed(3)), runsOne: rates['1'].map(Math.round), runsMany: rates.N.map(Math.round) },
  errors,
  memory: {
    pemTextsMB: Number(mb(pemBytes)),
    tableBuiltRssMB: Number(mb(afterBuild.rss - before.rss)), tableBuiltHeapMB: Number(mb(afterBuild.heap - before.heap)),
    allContextsRssMB: Number(mb(after.rss - before.rss)), perContextKB: Number(((after.rss - afterBuild.rss) / COUNT / 1024).toFixed(1)),
    processRssMB: Number(mb(after.rss)),
  },
  timingsMs: { generate: Math.round(genMs), buildTable: Math.round(buildMs), createAllContexts: Math.round(materialiseMs), rebuildUnchanged: Math.round(rebuildMs) },
  lookupNs: Number(lookupNs.toFixed(1)),
  target: 'many/one >= 0.9',
  pass: mN / m1 >= 0.9,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
