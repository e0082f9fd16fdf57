// Worker lifecycle under load (README "Worker processes"): a worker killed with SIGKILL fails only
// the requests on its own connections and comes back; a stuck worker (SIGSTOP: it never
// acknowledges) is replaced after the ack timeout; a rolling restart fails no request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { load, until } from './support.ts';

/** Generous waits: forking a worker takes seconds on a loaded 2-core machine. */
const SLOW = 45_000;
let echo: EchoServer;
let gw: TestGateway;
const objs = () => [ingressClass(), ...backendFor('w', 'echo', [echo.port]), ingress('w', 'app', [{ host: 'app.test', paths: [{ path: '/', service: 'echo', port: 80 }] }])];

before(async () => {
  echo = await startEchoServer({ name: 'echo' });
  gw = await startGateway(objs(), { workers: 2, logLevel: 'warn' }, { workers: { ackTimeoutMs: 1500, backoff: { minMs: 50, maxMs: 1000 } } });
});

after(async () => {
  await gw.close();
  await echo.close();
});

const view = async () => (await (await fetch(`${gw.adminUrl}/debug/workers`)).json()) as { worker: number; pid: number | null; alive: boolean; servedVersion: number }[];

test('SIGKILL of one worker under load: the other worker\'s connections see no failure, and it comes back', async () => {
  const l = load(gw.app.ports.http, 12);
  try {
    await until(() => l.clients.every((c) => c.ok > 3), SLOW, 'every client served');
    const [w1] = await view();
    process.kill(w1.pid!, 'SIGKILL');
    await until(async () => (await view())[0].pid !== w1.pid && (await view())[0].servedVersion === gw.app.controller.snapshot.version, SLOW, 'worker 1 restarted and serving');
    const before = l.clients.map((c) => c.ok);
    await until(() => l.clients.every((c, i) => c.ok > before[i] + 3), SLOW, 'every client served after the restart');
  } finally {
    await l.stop();
  }
  const survivors = l.clients.filter((c) => c.closedSockets === 0);
  const victims = l.clients.filter((c) => c.closedSockets > 0);
  assert.ok(survivors.length > 0 && victims.length > 0, `the kernel spread 12 connections over both workers (${victims.length} on the killed one)`);
  for (const c of survivors) assert.equal(c.failed + c.retried, 0, 'a connection to the other worker never failed');
  // The killed worker's connections lose at most their one in-flight request each.
  for (const c of victims) assert.ok(c.failed <= c.closedSockets, JSON.stringify(c));
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  assert.match(text, /portico_worker_restarts_total\{worker="1",reason="exit"\} 1/);
});

test('rolling restart under load: every worker replaced, zero failed requests', async () => {
  const pids = (await view()).map((w) => w.pid);
  const l = load(gw.app.ports.http, 8);
  try {
    await until(() => l.clients.every((c) => c.ok > 3), SLOW, 'every client served');
    const res = await fetch(`${gw.adminUrl}/workers/restart`, { method: 'POST' });
    assert.equal(res.status, 200);
    const after = await view();
    assert.ok(after.every((w, i) => w.alive && w.pid !== pids[i]), 'both workers are new processes');
    const before = l.clients.map((c) => c.ok);
    await until(() => l.clients.every((c, i) => c.ok > before[i] + 3), SLOW, 'every client served after the restart');
  } finally {
    await l.stop();
  }
  assert.deepEqual(l.clients.map((c) => c.failed), l.clients.map(() => 0), JSON.stringify(l.clients));
});

test('a stuck worker (stopped: it never acknowledges) is replaced after the ack timeout', async () => {
  const [w1] = await view();
  process.kill(w1.pid!, 'SIGSTOP');
  try {
    const v = gw.app.controller.snapshot.version;
    await gw.write([...objs(), ingress('w', 'more', [{ host: 'more.test', paths: [{ path: '/', service: 'echo', port: 80 }] }])]);
    // The apply returned once the ack timeout passed; the stuck process was killed and replaced.
    assert.ok(gw.app.controller.snapshot.version > v);
    await until(async () => {
      const [now] = await view();
      return now.pid !== w1.pid && now.servedVersion === gw.app.controller.snapshot.version;
    }, SLOW, 'the stuck worker replaced and serving the new snapshot');
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(text, /portico_worker_restarts_total\{worker="1",reason="ack-timeout"\} 1/);
  } finally {
    // A stopped process never drains: if the pool did not replace it, it must not hold the file open.
    try { process.kill(w1.pid!, 'SIGKILL'); } catch { /* already replaced and gone */ }
  }
});
