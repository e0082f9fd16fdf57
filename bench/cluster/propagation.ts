// Cluster-mode scale benchmark (README "Run in a cluster"): the FULL application (startApp, cluster mode,
// HTTP listener on 127.0.0.1:0) against a fake API server holding 10,000 Ingresses, Services and
// EndpointSlices. Measures cold start (until /readyz is 200) and memory, then end-to-end
// propagation of EndpointSlice and Ingress changes: from the API write to the first response
// through the gateway that reflects it. The API server, the echo backends and the polling client
// run in a child process (propagation-child.ts) so this process holds Portico alone.
//
// Run: node bench/cluster/propagation.ts [N=10000] [endpointChanges=200] [ingressChanges=60]
// KIND=gateway: HTTPRoutes (one Gateway, listener port 80 served on the HTTP port through
// --gateway-port-offset) in place of the Ingresses, and route changes are HTTPRoute changes
// (docs/benchmarks/cluster.md "Gateway API"). Cold start then also waits until every change target's
// host answers 200 through the gateway (allTargetsServingMs).
// WORKERS=2 (default 1): the same with two worker processes; WORKER_ACCEPT=primary: with the
// primary accepting and handing connections out (README "Worker processes").
// Goals (README "Run in a cluster"): endpoint change p99 < 100 ms, Ingress change p99 < 1 s, RSS < 500 MB.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startApp } from '../../src/app.ts';
import { DEFAULTS, type PorticoConfig } from '../../src/config/config.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { freePort } from '../../test/support/gateway-api.ts';
import { GATEWAY_LISTENER_PORT, benchKind } from './fixture.ts';

const n = Number(process.argv[2] ?? 10000);
const endpointChanges = Number(process.argv[3] ?? 200);
const ingressChanges = Number(process.argv[4] ?? 60);
const HARD_LIMIT_MS = 175_000;
const kind = benchKind();

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (b: number): number => Math.round(b / 1024 / 1024);
const ms = (x: number): number => Math.round(x * 10) / 10;

const child = fork(path.join(import.meta.dirname, 'propagation-child.ts'), [String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const hardLimit = setTimeout(() => {
  console.error(`benchmark exceeded ${HARD_LIMIT_MS / 1000} s; aborting`);
  child.kill('SIGKILL');
  process.exit(2);
}, HARD_LIMIT_MS);
type Msg = { type: string; [k: string]: unknown };
const nextMessage = async (type: string): Promise<Msg> => {
  for (;;) {
    const [m] = (await once(child, 'message')) as [Msg];
    if (m.type === type) return m;
  }
};
const fixture = await nextMessage('ready');

// Logs at the default level (info: access log lines are built, as in production) into a sink
// that only notes when the source synced, so cold start can be split into sync and first build.
const marks: Record<string, number> = {};
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    const s = chunk.toString('utf8');
    for (const msg of ['source synced', 'snapshot applied', 'gateway api status updated']) if (!(msg in marks) && s.includes(`"msg":"${msg}"`)) marks[msg] = performance.now();
    cb();
  },
});

gc();
const rssBefore = process.memoryUsage().rss;
// WORKERS=2: the same figures with two worker processes (docs/benchmarks/workers.md); their log level
// is warn so that access-log lines on stdout do not weigh on the run. RSS below is this process only.
const workers = Number(process.env.WORKERS ?? 1);
const workerAccept = (process.env.WORKER_ACCEPT ?? 'auto') as PorticoConfig['workerAccept'];
// A Gateway listener is served on the HTTP port when its port plus the offset is that port, so the
// HTTP port is chosen before start in gateway mode.
const httpPort = kind === 'gateway' ? await freePort() : 0;
const config: PorticoConfig = {
  ...DEFAULTS, kubeconfig: '(bench)', bindAddress: '127.0.0.1', httpPort, httpsPort: null, adminPort: 0, drainTimeoutMs: 1000,
  workers, workerAccept, ...(workers > 1 ? { logLevel: 'warn' } : {}),
  ...(kind === 'gateway' ? { gatewayPortOffset: httpPort - GATEWAY_LISTENER_PORT } : {}),
};
const metrics = new Metrics();
const t0 = performance.now();
const app = await startApp(config, {
  logger: createLogger({ level: workers > 1 ? DEFAULTS.logLevel : config.logLevel, destination: sink }),
  metrics,
  kubeConfig: kubeConfigForServer(fixture.url as string),
  leaderElection: { identity: 'bench' },
});

function readyz(): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: app.ports.admin, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}
while ((await readyz()) !== 200) await new Promise((r) => setTimeout(r, 10));
const coldStartMs = performance.now() - t0;

/** Status of one GET through the gateway for `host` (0 when the request failed). */
function hostStatus(host: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: app.ports.http, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}
// Every change target (one in 40 Services, spread over all namespaces) answered 200 once: the routes
// are served, not only the process ready. Polled one after the other on one keep-alive connection.
const servingAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let notServingAtReady = 0;
for (const host of fixture.targetHosts as string[]) {
  for (let first = true; (await hostStatus(host, servingAgent)) !== 200; first = false) {
    if (first) notServingAtReady++;
    if (performance.now() - t0 > 60_000) throw new Error(`${host} not served 60 s after start`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const allTargetsServingMs = performance.now() - t0;
servingAgent.destroy();
/** Resident memory of the worker processes together (0 without workers), from /proc. */
function workersRssMB(): number {
  let kb = 0;
  for (const w of app.workers?.view() ?? []) {
    if (w.pid === null) continue;
    try {
      kb += Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${w.pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(kb / 1024);
}
const workersRssReady = workersRssMB();
const memReady = process.memoryUsage();
gc();
const memReadyGc = process.memoryUsage();
const snap = app.controller.snapshot;

/** Quantiles from the portico_config_propagation_seconds buckets (upper bound of the bucket). */
async function histogram(objKind: string): Promise<{ count: number; sum: number; buckets: [number, number][] }> {
  const h = await metrics.propagation.get();
  const buckets: [number, number][] = [];
  let count = 0;
  let sum = 0;
  for (const v of h.values) {
    if (v.labels.kind !== objKind) continue;
    const le = (v.labels as Record<string, string | number | undefined>).le;
    if (v.metricName?.endsWith('_bucket')) buckets.push([le === '+Inf' ? Infinity : Number(le), v.value]);
    else if (v.metricName?.endsWith('_count')) count = v.value;
    else if (v.metricName?.endsWith('_sum')) sum = v.value;
  }
  return { count, sum, buckets };
}
function histogramDelta(before: Awaited<ReturnType<typeof histogram>>, after: Awaited<ReturnType<typeof histogram>>) {
  const count = after.count - before.count;
  const q = (p: number): string => {
    for (const [le, c] of after.buckets) {
      const prev = before.buckets.find(([l]) => l === le)?.[1] ?? 0;
      if (c - prev >= p * count) return le === Infinity ? '> 5 s' : `≤ ${le * 1000} ms`;
    }
    return 'n/a';
  };
  return { count, meanMs: count ? ms(((after.sum - before.sum) / count) * 1000) : null, p50: q(0.5), p99: q(0.99) };
}

function quantiles(samples: number[]): { count: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((x, y) => x - y);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return { count: s.length, p50: ms(at(0.5)), p90: ms(at(0.9)), p99: ms(at(0.99)), max: ms(s[s.length - 1] ?? NaN), mean: ms(s.reduce((x, y) => x + y, 0) / (s.length || 1)) };
}

async function phase(op: 'endpoints' | 'ingresses', count: number, objKind: string, gapMs: number) {
  const before = await histogram(objKind);
  child.send({ op, gatewayPort: app.ports.http, count, gapMs, timeoutMs: 5000 });
  const done = await nextMessage('done');
  const after = await histogram(objKind);
  // SAMPLES=1: every end-to-end sample in order of the changes, to tell a slow start from a periodic tail.
  return { endToEndMs: { ...quantiles(done.samples as number[]), timeouts: done.timeouts, polls: done.polls }, histogram: histogramDelta(before, after),
    ...(process.env.SAMPLES === '1' ? { samples: (done.samples as number[]).map(ms) } : {}) };
}

// RSS once a second from here on, to tell growth that plateaus from growth per rebuild.
const rssSeries: number[] = [];
const rssTimer = setInterval(() => rssSeries.push(mb(process.memoryUsage().rss)), 1000);
const reloadsAtReady = (await metrics.configReloads.get()).values[0]?.value ?? 0;

// Let leader election and the first status pass settle before measuring changes. In gateway mode
// the first pass writes the status of every HTTPRoute (one PATCH each) and ends with the log line
// 'gateway api status updated'; the changes are measured once it is done (at most 60 s later).
await new Promise((r) => setTimeout(r, 1000));
if (kind === 'gateway') {
  for (const end = performance.now() + 60_000; !('gateway api status updated' in marks) && performance.now() < end;) await new Promise((r) => setTimeout(r, 50));
}
const endpoint = await phase('endpoints', endpointChanges, 'EndpointSlice', 20);
const ingress = await phase('ingresses', ingressChanges, kind === 'gateway' ? 'HTTPRoute' : 'Ingress', 50);
const memEnd = process.memoryUsage();
const workersRssEnd = workersRssMB();
clearInterval(rssTimer);
const reloads = ((await metrics.configReloads.get()).values[0]?.value ?? 0) - reloadsAtReady;
gc();
const memEndGc = process.memoryUsage();

const cpu = os.cpus();
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: { nproc: os.availableParallelism(), cpu: cpu[0]?.model ?? '?', memGB: Math.round(os.totalmem() / 2 ** 30) },
  node: process.version,
  workers: { count: workers, accept: workers > 1 ? workerAccept : null, rssAtReadyMB: workersRssReady, rssAtEndMB: workersRssEnd },
  kind,
  objects: {
    [kind === 'gateway' ? 'HTTPRoute' : 'Ingress']: n, Service: n, EndpointSlice: n, virtualHosts: snap.virtualHosts.length, clusters: snap.clusters.length, changeTargets: fixture.targets,
    ...(kind === 'gateway' ? { gatewayHosts: snap.gateway?.listeners.reduce((x, l) => x + l.hosts.length, 0) ?? 0 } : {}),
  },
  coldStart: {
    readyMs: Math.round(coldStartMs),
    allTargetsServingMs: Math.round(allTargetsServingMs),
    targetsNotServingAtReady: notServingAtReady,
    ...(kind === 'gateway' ? { firstStatusPassDoneMs: marks['gateway api status updated'] ? Math.round(marks['gateway api status updated'] - t0) : null } : {}),
    sourceSyncedMs: marks['source synced'] ? Math.round(marks['source synced'] - t0) : null,
    firstSnapshotMs: marks['snapshot applied'] ? Math.round(marks['snapshot applied'] - t0) : null,
    rssMB: mb(memReady.rss),
    heapUsedMB: mb(memReady.heapUsed),
    rssAfterGcMB: mb(memReadyGc.rss),
    heapUsedAfterGcMB: mb(memReadyGc.heapUsed),
    heapTotalAfterGcMB: mb(memReadyGc.heapTotal),
    externalMB: mb(memReady.external),
    rssBeforeStartMB: mb(rssBefore),
  },
  endpointChange: endpoint,
  [kind === 'gateway' ? 'httpRouteChange' : 'ingressChange']: ingress,
  end: {
    snapshotRebuildsSinceReady: reloads,
    rssEverySecondMB: rssSeries.join(' '),
    rssMB: mb(memEnd.rss), heapUsedMB: mb(memEnd.heapUsed), heapTotalMB: mb(memEnd.heapTotal), externalMB: mb(memEnd.external), arrayBuffersMB: mb(memEnd.arrayBuffers),
    rssAfterGcMB: mb(memEndGc.rss), heapUsedAfterGcMB: mb(memEndGc.heapUsed), heapTotalAfterGcMB: mb(memEndGc.heapTotal),
    heapSpacesAfterGcMB: Object.fromEntries(v8.getHeapSpaceStatistics().map((sp) => [sp.space_name, [mb(sp.space_used_size), mb(sp.space_size)]])),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    // Anonymous vs file-backed resident pages (the V8 heap is anonymous).
    procStatus: Object.fromEntries([...readFileSync('/proc/self/status', 'utf8').matchAll(/^(RssAnon|RssFile|VmData):\s+(\d+) kB/gm)].map((m) => [`${m[1]}MB`, Math.round(Number(m[2]) / 1024)])),
  },
  goals: {
    endpointP99Under100ms: endpoint.endToEndMs.p99 < 100 && endpoint.endToEndMs.timeouts === 0,
    [kind === 'gateway' ? 'httpRouteP99Under1s' : 'ingressP99Under1s']: ingress.endToEndMs.p99 < 1000 && ingress.endToEndMs.timeouts === 0,
    ...(kind === 'gateway' ? { initialSyncUnder10s: allTargetsServingMs < 10_000 } : {}),
    rssUnder500MB: Math.round(process.resourceUsage().maxRSS / 1024) < 500,
  },
};
console.log(JSON.stringify(result, null, 2));

await app.stop(1000);
child.send({ op: 'stop' });
await once(child, 'exit');
clearTimeout(hardLimit);
