// Microbenchmarks of the hot modules (docs/benchmarks/http.md, ARCHITECTURE.md hot-path rule 9):
//   route lookup  RouteTable.resolve(host, path) over 10 / 1,000 / 10,000 / 100,000 rules, the
//                 requests spread over every host and path (target: 100,000 ≤ 1.5× of 10)
//   balancer pick createBalancer(policy).pick() for every policy over 3 / 100 / 1,000 / 10,000 endpoints
//   snapshot      Store load, translate() and HttpDataplane.apply() (compile + swap) for
//                 10,000 Ingresses, and the heap each retains
//
// Usage: node bench/micro/run.ts [--root DIR] [--out FILE] [--quick] [--only SECTION-PREFIX]
//   --root  the Portico tree whose src/ is measured (default: this tree). bench/compare.sh points
//           it at a worktree of main, so the same benchmark code measures both trees.
//   --out   JSON results (default bench/.run/micro.json)
//   --only  run only the sections whose title starts with this (e.g. "balancer")
// The modules are loaded by path at run time, so a part that does not exist (or changed its
// signature) in the measured tree is reported as unavailable instead of failing the whole run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { makeFixture, hostName, pathName, type Fixture } from '../lib/fixture.ts';
import type * as TranslateMod from '../../src/translate/index.ts';
import type * as EndpointsMod from '../../src/translate/endpoints.ts';
import type * as StoreMod from '../../src/store/store.ts';
import type * as RouteTableMod from '../../src/dataplane/http/route-table.ts';
import type * as DataplaneMod from '../../src/dataplane/http/dataplane.ts';
import type * as BalancerMod from '../../src/dataplane/balancer/index.ts';
import type * as LoggerMod from '../../src/util/logger.ts';
import type * as MetricsMod from '../../src/util/metrics.ts';
import type { Snapshot } from '../../src/model/snapshot.ts';
import type { Endpoint } from '../../src/model/endpoint.ts';

// The heap figures need an explicit gc(): re-run ourselves with --expose-gc when it is missing.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc as () => void;

const here = dirname(new URL(import.meta.url).pathname);
const { values: a } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(here, '../..') },
    out: { type: 'string', default: resolve(here, '../.run/micro.json') },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const root = resolve(a.root);
const QUICK = a.quick === true;
const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(root, rel)).href)) as T;

interface Result { name: string; value: number | null; unit: string; note?: string }
const results: Result[] = [];
const record = (name: string, value: number | null, unit: string, note?: string): void => {
  results.push(note === undefined ? { name, value, unit } : { name, value, unit, note });
  const v = value === null ? 'unavailable' : value >= 100 ? value.toFixed(0) : value.toPrecision(3);
  process.stderr.write(`  ${name.padEnd(44)} ${v.padStart(12)} ${unit}${note ? `  (${note})` : ''}\n`);
};
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** ns per call of fn(i), median of `rounds` rounds of `iters` calls after one warm-up round. */
function nsPerOp(iters: number, rounds: number, fn: (i: number) => unknown): number {
  let sink: unknown = null;
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) sink = fn(i);
    return Number(process.hrtime.bigint() - t0) / iters;
  };
  once();
  const xs: number[] = [];
  for (let r = 0; r < rounds; r++) xs.push(once());
  if (sink === Symbol.for('never')) process.stderr.write('');
  return median(xs);
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

type Mods = {
  translate: typeof TranslateMod; endpoints: typeof EndpointsMod; store: typeof StoreMod;
};

function buildStore(mods: Mods, fx: Fixture): InstanceType<typeof StoreMod.Store> {
  const s = new mods.store.Store();
  for (const o of fx.ingressClasses) s.upsert('IngressClass', o);
  for (const o of fx.secrets) s.upsert('Secret', o);
  for (const o of fx.services) s.upsert('Service', o);
  for (const o of fx.slices) s.upsert('EndpointSlice', o);
  for (const o of fx.ingresses) s.upsert('Ingress', o);
  return s;
}

function snapshotOf(mods: Mods, store: StoreMod.StoreView, version: number): { snapshot: Snapshot; endpoints: Map<string, Endpoint[]> } {
  const r = mods.translate.translate(store, { ...mods.translate.defaultTranslateOptions(), version });
  return { snapshot: r.snapshot, endpoints: mods.endpoints.translateEndpoints(store, r.snapshot.clusters) };
}

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (a.only !== undefined && !name.startsWith(a.only)) return;
  process.stderr.write(`${name}\n`);
  try {
    await fn();
  } catch (err) {
    record(`${name}: failed`, null, '', (err as Error).message.split('\n')[0].slice(0, 160));
  }
}

const mods: Mods = {
  translate: await load('src/translate/index.ts'),
  endpoints: await load('src/translate/endpoints.ts'),
  store: await load('src/store/store.ts'),
};
process.stderr.write(`measuring ${root} with node ${process.version}${QUICK ? ' (quick)' : ''}\n`);

// ---------------------------------------------------------------- route lookup
await section('route lookup (RouteTable.resolve, requests spread over every host and path)', async () => {
  const rt = await load<typeof RouteTableMod>('src/dataplane/http/route-table.ts');
  const sizes: [number, number, number][] = [[10, 1, 1], [1_000, 10, 10], [10_000, 100, 10], [100_000, 1_000, 10]]; // rules, ingresses, hosts each
  const perRule: Record<number, number> = {};
  for (const [rules, ingresses, hostsPer] of sizes) {
    const fx = makeFixture({ ingresses, hostsPerIngress: hostsPer, pathsPerHost: 10, servicesPerIngress: 10, backendPort: 8080 });
    const store = buildStore(mods, fx);
    const { snapshot } = snapshotOf(mods, store, 1);
    // The table stores whatever compile() returns; the route itself is enough to measure lookup.
    const table = new rt.RouteTable(snapshot, (r) => r as never);
    const hosts = ingresses * hostsPer;
    const N = 16_384; // request mix: pseudo-random (host, path) pairs, same sequence for every size
    const reqHost: string[] = [];
    const reqPath: string[] = [];
    let x = 12345;
    for (let i = 0; i < N; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      reqHost.push(hostName(x % hosts));
      reqPath.push(`${pathName((x >>> 8) % 10)}/hello`);
    }
    if (table.resolve(reqHost[0], reqPath[0]) === null) throw new Error(`lookup found no route at ${rules} rules`);
    const ns = nsPerOp(QUICK ? 200_000 : 1_000_000, QUICK ? 3 : 5, (i) => table.resolve(reqHost[i & (N - 1)], reqPath[i & (N - 1)]));
    perRule[rules] = ns;
    record(`lookup ${rules.toLocaleString('en')} rules`, ns, 'ns/op');
    if (rules === 100_000) {
      // Same table, requests confined to 256 hosts: if this stays near the 10-rule figure, the
      // wide-mix cost is cache misses over a table larger than the caches, not the table's size.
      const nh: string[] = [];
      const np: string[] = [];
      for (let i = 0; i < N; i++) {
        nh.push(hostName((i * 2654435761 >>> 0) % 256));
        np.push(reqPath[i]);
      }
      const narrow = nsPerOp(QUICK ? 200_000 : 1_000_000, QUICK ? 3 : 5, (i) => table.resolve(nh[i & (N - 1)], np[i & (N - 1)]));
      record('lookup 100,000 rules, requests over 256 hosts only (locality check)', narrow, 'ns/op');
      record('lookup ratio 100,000 (256 hosts) / 10 rules', narrow / perRule[10], 'x');
    }
  }
  record('lookup ratio 100,000 / 10 rules (target ≤ 1.5)', perRule[100_000] / perRule[10], 'x');
});

// ---------------------------------------------------------------- balancer pick
await section('balancer pick (createBalancer().pick), 3 / 100 / 1,000 / 10,000 endpoints', async () => {
  const b = await load<typeof BalancerMod>('src/dataplane/balancer/index.ts');
  // 256 distinct clients/keys so hashing policies do not measure one cached path.
  const ctxs = Array.from({ length: 256 }, (_, i) => ({ clientIp: `10.0.${i >> 4}.${i & 15}`, key: `session-${i * 7919}` }));
  const policies = ['round-robin', 'least-connections', 'source-hash', 'random', 'least-request', 'ewma', 'ring-hash', 'maglev',
    'weighted-round-robin', 'weighted-least-connections', 'shortest-expected-delay', 'never-queue', 'destination-hash'] as const;
  const leastLoad = new Set<string>(['least-connections', 'weighted-least-connections', 'shortest-expected-delay', 'never-queue']);
  for (const policy of policies) {
    for (const n of [3, 100, 1000, 10_000]) {
      const eps: Endpoint[] = Array.from({ length: n }, (_, i) => ({ id: `10.9.${i >> 8}.${i & 255}:8080`, address: `10.9.${i >> 8}.${i & 255}`, port: 8080, ready: true }));
      // Load and latency as the upstream state would report them: small, uneven counts.
      const inflight = new Map(eps.map((e, i) => [e.id, 1 + (i % 5)]));
      const latency = new Map(eps.map((e, i) => [e.id, 5 + (i % 7)]));
      const total = [...inflight.values()].reduce((x, y) => x + y, 0);
      // The change feed the endpoint state provides (lc/wlc/sed/nq index with it, scan without).
      const listeners = new Map<string, { loadChanged(id: string): void }>();
      const watch = { watch: (id: string, l: { loadChanged(id: string): void }) => { listeners.set(id, l); }, unwatch: (id: string) => { listeners.delete(id); } };
      const bal = b.createBalancer({
        policy: policy,
        inflight: (id: string) => inflight.get(id) ?? 0,
        watch,
        latency: (id: string) => latency.get(id) ?? 0,
        total: () => total,
      });
      if (bal.policy !== policy) {
        record(`pick ${policy}, ${n} endpoints`, null, 'ns/op', 'policy not in this tree');
        continue;
      }
      bal.update(eps);
      // Fewer calls at 1,000+ endpoints: a scan there is O(n) per pick.
      const iters = (n >= 1000 ? 40_000 : 200_000) / (QUICK ? 4 : 1);
      const ns = nsPerOp(iters, QUICK ? 3 : 5, (i) => bal.pick(ctxs[i & 255], null));
      record(`pick ${policy}, ${n} endpoints`, ns, 'ns/op');
      if (!leastLoad.has(policy)) continue;
      // The ipvs scan the index replaces (createBalancer without a feed), for the same counts.
      const scan = b.createBalancer({ policy, inflight: (id: string) => inflight.get(id) ?? 0 });
      scan.update(eps);
      const scanIters = Math.max(2_000, Math.floor(iters / Math.max(1, n / 100)));
      record(`pick ${policy} (scan), ${n} endpoints`, nsPerOp(scanIters, QUICK ? 3 : 5, (i) => scan.pick(ctxs[i & 255], null)), 'ns/op');
      // A whole attempt as the dataplane runs it: pick, the attempt starts (count + 1, feed), and
      // an earlier attempt finishes (count − 1, feed) so the load stays level.
      const ring: string[] = [];
      const bump = (id: string, d: number): void => {
        inflight.set(id, (inflight.get(id) ?? 0) + d);
        listeners.get(id)?.loadChanged(id);
      };
      const cycle = nsPerOp(iters, QUICK ? 3 : 5, (i) => {
        const e = bal.pick(ctxs[i & 255], null);
        if (e === null) return null;
        bump(e.id, 1);
        ring.push(e.id);
        if (ring.length > 64) bump(ring.shift()!, -1);
        return e;
      });
      record(`pick+start+finish ${policy}, ${n} endpoints`, cycle, 'ns/op');
    }
  }
});

// ---------------------------------------------------------------- snapshot build, swap, memory
await section('snapshot: 10,000 Ingresses (1 host, 2 Prefix paths, 1 Service + EndpointSlice each)', async () => {
  const dp = await load<typeof DataplaneMod>('src/dataplane/http/dataplane.ts');
  const logger = await load<typeof LoggerMod>('src/util/logger.ts');
  const metrics = await load<typeof MetricsMod>('src/util/metrics.ts');
  const fx = makeFixture({ ingresses: 10_000, hostsPerIngress: 1, pathsPerHost: 2, servicesPerIngress: 1, backendPort: 8080 });
  const rounds = QUICK ? 2 : 5;

  let t0 = performance.now();
  const store = buildStore(mods, fx);
  record('store load (upsert every object)', performance.now() - t0, 'ms');

  const tr: number[] = [];
  let built = snapshotOf(mods, store, 1);
  for (let r = 0; r < rounds; r++) {
    t0 = performance.now();
    built = snapshotOf(mods, store, r + 2);
    tr.push(performance.now() - t0);
  }
  record('snapshot build (translate + endpoints)', median(tr), 'ms', `${built.snapshot.virtualHosts.length} hosts, ${built.snapshot.clusters.length} clusters`);

  const plane = new dp.HttpDataplane({
    logger: logger.createLogger({ level: 'silent' }), metrics: new metrics.Metrics(), trustProxy: [],
    connectTimeoutMs: 5000, upstreamTimeoutMs: 60000, httpsPort: null, hsts: null,
  });
  const h0 = heapUsed();
  t0 = performance.now();
  plane.apply(built.snapshot, built.endpoints);
  record('first apply (compile + swap, cold)', performance.now() - t0, 'ms');
  const h1 = heapUsed();
  const sw: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const next = snapshotOf(mods, store, 100 + r);
    t0 = performance.now();
    plane.apply(next.snapshot, next.endpoints);
    sw.push(performance.now() - t0);
  }
  record('swap (apply of a new snapshot, warm)', median(sw), 'ms');
  void plane.close();

  // Heap retained by one snapshot (+ its EndpointSet) alone, then by the compiled table.
  // eslint-disable-next-line no-useless-assignment -- dropped so the collector can reclaim it before the heap is measured
  built = null as never;
  const m0 = heapUsed();
  // eslint-disable-next-line no-useless-assignment -- held (never read) so the heap is measured with it alive
  let kept: unknown = snapshotOf(mods, store, 1000);
  const m1 = heapUsed();
  record('heap of one snapshot + EndpointSet', (m1 - m0) / 1048576, 'MiB');
  record('heap of the compiled dataplane table', (h1 - h0) / 1048576, 'MiB', 'HttpDataplane after the first apply');
  kept = null;
  void kept;
});

const out = { date: new Date().toISOString(), root, node: process.version, quick: QUICK, results };
mkdirSync(dirname(a.out), { recursive: true });
writeFileSync(a.out, JSON.stringify(out, null, 2) + '\n');
const lines = ['| benchmark | value | unit |', '|---|---:|---|'];
for (const r of results) lines.push(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.value === null ? 'unavailable' : r.value >= 100 ? r.value.toFixed(0) : r.value.toPrecision(3)} | ${r.unit} |`);
process.stdout.write(lines.join('\n') + `\n\nJSON: ${a.out}\n`);
