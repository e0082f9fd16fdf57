// Two worker processes behind one primary (README "Worker processes"): the kernel spreads fresh
// connections over both (SO_REUSEPORT), configuration and endpoint changes reach both before the
// controller calls them served, and /metrics adds both workers' counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { freshGet, perWorker, total, until } from './support.ts';
import { makeEndpoint } from '../../src/model/endpoint.ts';

let a: EchoServer;
let b: EchoServer;
let gw: TestGateway;
const base = () => [ingressClass(), ...backendFor('w', 'a', [a.port]), ingress('w', 'app', [{ host: 'a.test', paths: [{ path: '/', service: 'a', port: 80 }] }])];

before(async () => {
  a = await startEchoServer({ name: 'a' });
  b = await startEchoServer({ name: 'b' });
  gw = await startGateway(base(), { workers: 2, logLevel: 'warn' });
});

after(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

test('both workers acknowledged the snapshot before readiness, and /debug/snapshot says so', async () => {
  const snap = await (await fetch(`${gw.adminUrl}/debug/snapshot`)).json() as { servedBy: Record<string, number> };
  const v = gw.app.controller.snapshot.version;
  assert.equal(snap.servedBy['worker-1'], v);
  assert.equal(snap.servedBy['worker-2'], v);
  assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200);
  const view = await (await fetch(`${gw.adminUrl}/debug/workers`)).json() as { pid: number; alive: boolean }[];
  assert.equal(view.length, 2);
  assert.ok(view.every((w) => w.alive && w.pid > 0 && w.pid !== process.pid));
});

test('fresh connections are spread across both workers, and /metrics sums their counters', async () => {
  const n = 40;
  for (let i = 0; i < n; i++) assert.equal((await freshGet(gw.app.ports.http, 'a.test')).status, 200);
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  const served = perWorker(text, 'portico_worker_http_requests');
  assert.equal(served.size, 2, text.split('\n').filter((l) => l.includes('worker_http')).join('\n'));
  for (const [w, count] of served) assert.ok(count > 0, `worker ${w} served nothing`);
  const sum = [...served.values()].reduce((x, y) => x + y, 0);
  assert.equal(sum, n);
  assert.equal(total(text, 'portico_http_requests_total'), n, 'the merged counter is the sum of both workers');
  // A histogram merged bucket by bucket: its count is every request once.
  assert.equal(total(text, 'portico_http_request_duration_seconds_count'), n);
  // Gauges stay per process.
  assert.equal(perWorker(text, 'portico_worker_snapshot_version').size, 2);
});

test('a configuration change and an endpoint change reach both workers', async () => {
  await gw.write([...base(), ...backendFor('w', 'b', [b.port]), ingress('w', 'bee', [{ host: 'b.test', paths: [{ path: '/', service: 'b', port: 80 }] }])]);
  for (let i = 0; i < 20; i++) {
    const r = await freshGet(gw.app.ports.http, 'b.test');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).name, 'b');
  }
  // The primary's own copy behind explain compiles when asked (lazy-view.ts) and sees the change.
  const explained = JSON.stringify(await (await fetch(`${gw.adminUrl}/debug/explain?host=b.test&path=/`)).json());
  assert.match(explained, /w\/bee/);
  assert.equal(gw.app.http.explain('b.test', '/').route !== null, true);
  // The fast path: a's endpoints now point at b's server, without a new snapshot.
  const v = gw.app.controller.snapshot.version;
  await gw.write([ingressClass(), service('w', 'a', [{ name: 'http', port: 80, targetPort: b.port }]), endpointSlice('w', 'a', 'a-0', ['127.0.0.1'], b.port),
    ...backendFor('w', 'b', [b.port]), ingress('w', 'app', [{ host: 'a.test', paths: [{ path: '/', service: 'a', port: 80 }] }]),
    ingress('w', 'bee', [{ host: 'b.test', paths: [{ path: '/', service: 'b', port: 80 }] }])]).catch(() => {});
  await until(async () => {
    const names = await Promise.all(Array.from({ length: 10 }, () => freshGet(gw.app.ports.http, 'a.test').then((r) => JSON.parse(r.body).name)));
    return names.every((x) => x === 'b');
  }, 30_000, 'every worker to route a.test to the new endpoint');
  assert.ok(gw.app.controller.snapshot.version >= v);
});

test('an endpoint change during a rolling restart reaches the worker that was starting too', async () => {
  const pool = gw.app.workers!;
  // a.test's cluster points at b's server now (the test above); the controller's fast path would
  // call the pool like this. The first replacement is forked and still starting when it runs.
  const restart = pool.rollingRestart();
  pool.updateEndpoints('w/a:80', [makeEndpoint('127.0.0.1', a.port)]);
  await restart;
  const names = await Promise.all(Array.from({ length: 20 }, () => freshGet(gw.app.ports.http, 'a.test').then((r) => JSON.parse(r.body).name as string)));
  assert.deepEqual([...new Set(names)], ['a'], 'every new worker has the change');
  const served = perWorker(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'portico_worker_http_requests');
  for (const w of ['1', '2']) assert.ok((served.get(w) ?? 0) > 0, `new worker ${w} served none of the 20 requests`);
});
