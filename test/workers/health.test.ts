// Active health checks with two worker processes (README "Worker processes"): the primary probes
// once for all workers (a backend sees one probe stream, not one per worker) and sends the
// verdicts, and both workers skip a failing endpoint as a single process does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { startFlipServer, type FlipServer } from '../support/flip-server.ts';
import { freshGet, perWorker, until } from './support.ts';
import { HealthCheckers } from '../../src/dataplane/health/health-checkers.ts';
import type { Cluster } from '../../src/model/cluster.ts';

const INTERVAL_MS = 200;
let a: FlipServer;
let b: FlipServer;
let gw: TestGateway;

before(async () => {
  a = await startFlipServer('a');
  b = await startFlipServer('b');
  gw = await startGateway([
    ingressClass(),
    service('hc', 'web', [{ name: 'http', port: 8080 }], {}),
    endpointSlice('hc', 'web', 'web-a', ['127.0.0.1'], a.port),
    endpointSlice('hc', 'web', 'web-b', ['127.0.0.1'], b.port),
    ingress('hc', 'web', [{ host: 'hc.test', paths: [{ path: '/', service: 'web', port: 8080 }] }], {
      annotations: {
        // Two failures to go down and a generous timeout (test/e2e/health-checks.test.ts: a loaded
        // machine must not fail a healthy backend's probe twice in a row).
        'portico.io/health-check-path': '/healthz', 'portico.io/health-check-interval': `${INTERVAL_MS}ms`,
        'portico.io/health-check-timeout': '190ms', 'portico.io/health-check-unhealthy-threshold': '2',
        'portico.io/health-check-healthy-threshold': '1',
      },
    }),
  ], { workers: 2, logLevel: 'warn' });
});

after(async () => {
  await gw?.close();
  await a?.close();
  await b?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function servedPerWorker(): Promise<Map<string, number>> {
  return perWorker(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'portico_worker_http_requests');
}

test('the backend sees one probe stream, not one per worker', async () => {
  await until(() => a.probes > 0 && b.probes > 0, 10_000, 'first probes');
  // Also after the primary's own view compiled (explain): it must not start probing either.
  assert.equal((await fetch(`${gw.adminUrl}/debug/explain?host=hc.test&path=/`)).status, 200);
  const from = a.probes;
  const t0 = Date.now();
  await sleep(3_000);
  const probes = a.probes - from;
  const rounds = (Date.now() - t0) / INTERVAL_MS;
  // One stream is at most one probe per interval (±10 % jitter, rounds start after the last
  // ended); three (two workers and the primary) would be about three per interval.
  assert.ok(probes >= 3, `the checks stopped: ${probes} probes in ${rounds.toFixed(1)} intervals`);
  assert.ok(probes <= rounds * 1.15 + 1, `more than one probe stream: ${probes} probes in ${rounds.toFixed(1)} intervals`);
});

test('a failing endpoint is skipped by both workers, and used again by both once it passes', async () => {
  a.healthy = false;
  // Two failed probes in a row, then the verdict crosses to the workers.
  await until(async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await freshGet(gw.app.ports.http, 'hc.test')).body);
    return names.size === 1;
  }, 10_000, 'a skipped');
  const before = await servedPerWorker();
  const names = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const r = await freshGet(gw.app.ports.http, 'hc.test');
    assert.equal(r.status, 200);
    names.set(r.body, (names.get(r.body) ?? 0) + 1);
  }
  assert.deepEqual([...names.keys()], ['b'], 'every worker skips the failing endpoint');
  const after = await servedPerWorker();
  for (const w of ['1', '2']) assert.ok((after.get(w) ?? 0) > (before.get(w) ?? 0), `worker ${w} served none of the 40 requests`);
  const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  assert.match(metrics, /portico_health_check_results_total\{cluster="hc\/web:8080",result="unhealthy"\} [1-9]/);
  // The primary's view (explain, dashboard) has the verdict too.
  const ex = await (await fetch(`${gw.adminUrl}/debug/explain?host=hc.test&path=/`)).json() as { endpoints: { activeHealthy: boolean }[] };
  assert.deepEqual(ex.endpoints.map((e) => e.activeHealthy).sort(), [false, true]);

  a.healthy = true;
  await until(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await freshGet(gw.app.ports.http, 'hc.test')).body);
    return seen.size === 2;
  }, 10_000, 'a used again');
});

test('a worker restarted after a crash is told the current verdicts with its snapshot', async () => {
  a.healthy = false;
  await until(async () => {
    const ex = await (await fetch(`${gw.adminUrl}/debug/explain?host=hc.test&path=/`)).json() as { endpoints: { activeHealthy: boolean }[] };
    return ex.endpoints.some((e) => !e.activeHealthy);
  }, 10_000, 'a unhealthy');
  const view = await (await fetch(`${gw.adminUrl}/debug/workers`)).json() as { worker: number; pid: number }[];
  const victim = view[0];
  process.kill(victim.pid, 'SIGKILL');
  await until(async () => {
    const v = await (await fetch(`${gw.adminUrl}/debug/workers`)).json() as { worker: number; pid: number; alive: boolean; servedVersion: number }[];
    return v[0].alive && v[0].pid !== victim.pid && v[0].servedVersion === gw.app.controller.snapshot.version;
  }, 15_000, 'worker 1 back');
  const before = await servedPerWorker();
  const names = new Set<string>();
  for (let i = 0; i < 40; i++) names.add((await freshGet(gw.app.ports.http, 'hc.test')).body);
  const after = await servedPerWorker();
  assert.ok((after.get('1') ?? 0) > (before.get('1') ?? 0), 'the restarted worker served none of the 40 requests');
  assert.deepEqual([...names], ['b']);
  a.healthy = true;
});

test("a worker's remote checkers keep a verdict that arrives before its cluster and apply it to each apply's runtimes", () => {
  const calls: string[] = [];
  const cluster = (id: string) => ({
    id, cluster: { id, kind: 'endpoints', healthCheck: {} } as unknown as Cluster,
    currentEndpoints: () => [], setHealthy: (e: string, h: boolean) => void calls.push(`${id} ${e} ${h}`),
  });
  const hc = new HealthCheckers('http', {}, 'remote');
  hc.setUnhealthy('c1', ['e1']);
  assert.deepEqual(calls, [], 'no cluster yet');
  hc.sync([cluster('c1')]);
  assert.deepEqual(calls.splice(0), ['c1 e1 false']);
  hc.sync([cluster('c1')]);
  assert.deepEqual(calls.splice(0), ['c1 e1 false'], 'a new runtime object gets it again');
  hc.setUnhealthy('c1', ['e2']);
  assert.deepEqual(calls.splice(0), ['c1 e1 true', 'c1 e2 false']);
  hc.sync([]);
  hc.sync([cluster('c1')]);
  assert.deepEqual(calls.splice(0), [], 'a cluster that left forgets its verdicts');
  hc.close();
});
