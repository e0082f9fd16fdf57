// Active health checks against real backends flipped between healthy and failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import https from 'node:https';
import { makeCert } from '../../support/certs.ts';
import type { AddressInfo } from 'node:net';
import { ClusterHealthChecker, type HealthTarget } from '../../../src/dataplane/health/health-checker.ts';
import type { HealthCheck } from '../../../src/model/balancing.ts';
import { makeEndpoint, type Endpoint } from '../../../src/model/endpoint.ts';
import { inflight, startFlipServer, until } from '../../support/flip-server.ts';

const cfg: HealthCheck = { path: '/healthz', scheme: 'http', intervalMs: 30, timeoutMs: 200, healthyThreshold: 2, unhealthyThreshold: 2, expectedStatuses: [[200, 299]] };

function target(eps: Endpoint[]): HealthTarget & { health: Map<string, boolean>; changes: string[] } {
  const health = new Map<string, boolean>();
  const changes: string[] = [];
  return {
    id: 'ns/web:80', health, changes,
    currentEndpoints: () => eps,
    setHealthy: (id, ok) => { health.set(id, ok); changes.push(`${id} ${ok ? 'up' : 'down'}`); },
  };
}

test('HTTP checks: unhealthy after the threshold of failed probes, healthy again after passed ones; panic reported', async () => {
  const a = await startFlipServer('a');
  const b = await startFlipServer('b');
  const eps = [makeEndpoint('127.0.0.1', a.port), makeEndpoint('127.0.0.1', b.port)];
  const t = target(eps);
  const panics: boolean[] = [];
  const ck = new ClusterHealthChecker(t, cfg, 'http', { onPanic: (_c, p) => panics.push(p) });
  ck.start();
  try {
    await until(() => ck.rounds >= 2);
    assert.deepEqual(t.changes, [], 'healthy endpoints stay healthy');
    a.healthy = false;
    const probesBefore = a.probes;
    await until(() => t.health.get(eps[0].id) === false);
    assert.ok(a.probes - probesBefore >= 2, 'two failed probes before it is marked down');
    assert.equal(t.health.get(eps[1].id), undefined);
    b.healthy = false;
    await until(() => panics.includes(true));
    a.healthy = true;
    b.healthy = true;
    await until(() => t.health.get(eps[0].id) === true && t.health.get(eps[1].id) === true);
    await until(() => panics.at(-1) === false);
  } finally {
    ck.stop();
    await a.close();
    await b.close();
  }
});

test('one timer per cluster, bounded concurrency, a probe timing out fails, only endpoint addresses are probed', async () => {
  const servers = await Promise.all(Array.from({ length: 9 }, (_, i) => startFlipServer(`s${i}`)));
  for (const s of servers) s.delayMs = 40;
  inflight.max = 0;
  const eps: Endpoint[] = servers.map((s) => makeEndpoint('127.0.0.1', s.port));
  // An ExternalName-style endpoint (a DNS name) is never probed.
  eps.push(makeEndpoint('127.0.0.1', servers[0].port + 0, true, 'example.invalid'));
  const t = target(eps);
  const ck = new ClusterHealthChecker(t, { ...cfg, timeoutMs: 500, intervalMs: 20 }, 'http', { concurrency: 3 });
  ck.start();
  try {
    await until(() => ck.rounds >= 2);
    assert.ok(inflight.max <= 3 && inflight.max >= 2, `max in flight ${inflight.max}`);
    assert.deepEqual(t.changes, []);
    const rounds = ck.rounds;
    assert.ok(servers[0].probes <= rounds + 1, `s0 probed ${servers[0].probes} times in ${rounds} rounds: the DNS-name endpoint was not`);
    // Slower than the timeout: a failure.
    ck.stop();
    servers[1].delayMs = 1500;
    servers[2].delayMs = 0;
    const slow = new ClusterHealthChecker(target([eps[1]]), { ...cfg, timeoutMs: 400 }, 'http');
    assert.equal(await slow.probe(eps[1]), false);
    assert.equal(await slow.probe(eps[2]), true);
  } finally {
    ck.stop();
    for (const s of servers) await s.close();
  }
});

test('TCP checks (L4): a listening endpoint is healthy, a closed one goes down and comes back', async () => {
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  const eps = [makeEndpoint('127.0.0.1', port)];
  const t = target(eps);
  const ck = new ClusterHealthChecker(t, { ...cfg, path: null }, 'tcp');
  ck.start();
  try {
    await until(() => ck.rounds >= 2);
    assert.deepEqual(t.changes, []);
    await new Promise<void>((r) => srv.close(() => r()));
    await until(() => t.health.get(eps[0].id) === false);
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    await until(() => t.health.get(eps[0].id) === true);
    ck.stop();
    assert.equal(ck.healthy(eps[0].id), true);
  } finally {
    ck.stop();
    srv.close();
  }
});

test('HTTPS probes speak TLS to the endpoint (certificate not verified); plain HTTP to a TLS port fails', async () => {
  const cert = makeCert({ cn: 'backend.internal' });
  let healthy = true;
  const srv = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => res.writeHead(req.url === '/healthz' && healthy ? 200 : 500).end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const ep = makeEndpoint('127.0.0.1', (srv.address() as AddressInfo).port);
  try {
    const tls = new ClusterHealthChecker(target([ep]), { ...cfg, scheme: 'https' }, 'http');
    assert.equal(await tls.probe(ep), true);
    healthy = false;
    assert.equal(await tls.probe(ep), false);
    healthy = true;
    assert.equal(await new ClusterHealthChecker(target([ep]), cfg, 'http').probe(ep), false);
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});
