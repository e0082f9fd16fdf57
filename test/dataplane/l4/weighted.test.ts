// Weighted L4 routes (Gateway API TCPRoute/UDPRoute with several backendRefs, dataplane/l4/l4-targets.ts):
// each connection or new UDP session takes the next smooth weighted round-robin pick and keeps it;
// an unresolved share (clusterId null) is rejected, per client flow for UDP; the round-robin
// position survives a reload that keeps the same backends; stats are per backend Service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cluster, connect, dataplane, metricValue, readBytes, route, tcpBackend, udpBackend, udpClient } from './support.ts';
import type { L4Route } from '../../../src/model/l4.ts';

const weighted = (base: L4Route, backends: { clusterId: string | null; weight: number }[]): L4Route => ({ ...base, clusterId: backends[0].clusterId, backends });

async function hello(port: number): Promise<string> {
  const s = await connect(port).catch(() => null);
  if (s === null) return 'refused';
  s.write('hi');
  const got = (await readBytes(s, 2, 1000)).toString();
  s.destroy();
  return got === '' ? 'closed' : got;
}

test('TCP 2:1 across a reload: the round-robin position is kept; per-Service connection counts', async () => {
  const a = await tcpBackend('a');
  const b = await tcpBackend('b');
  const { dp, metrics } = dataplane();
  const A = 'default/a:80';
  const B = 'default/b:80';
  const r = weighted(route('TCP', 0, A, 'none', 'gateway/x'), [{ clusterId: A, weight: 2 }, { clusterId: B, weight: 1 }]);
  const eps = new Map([[A, [a.endpoint]], [B, [b.endpoint]]]);
  assert.deepEqual(await dp.applyRoutes([r], [cluster(A), cluster(B)], eps), []);
  const port = dp.boundPort('gateway/x');
  try {
    // Smooth WRR 2:1 is a b a, a b a, ...
    assert.equal(await hello(port), 'hi');
    assert.deepEqual([a.accepted, b.accepted], [1, 0]);
    // Same backends: the sequence goes on (b a a b), not from the start (a b a a).
    await dp.applyRoutes([{ ...r }], [cluster(A), cluster(B)], eps);
    for (let i = 0; i < 4; i++) assert.equal(await hello(port), 'hi');
    assert.deepEqual([a.accepted, b.accepted], [3, 2]);
    assert.equal(await metricValue(metrics, 'portico_l4_connections_total', { service: 'default/a' }), 3);
    assert.equal(await metricValue(metrics, 'portico_l4_connections_total', { service: 'default/b' }), 2);
  } finally {
    await dp.close(0);
    await a.close();
    await b.close();
  }
});

test('UDP with an unresolved share 1:1: a rejected client flow stays rejected (per flow, not per datagram); the others are served', async () => {
  const be = await udpBackend('a');
  const { dp } = dataplane();
  const A = 'default/dns:53/udp';
  const r = weighted(route('UDP', 0, null, 'none', 'gateway/u'), [{ clusterId: null, weight: 1 }, { clusterId: A, weight: 1 }]);
  await dp.applyRoutes([r], [cluster(A, 'UDP')], new Map([[A, [be.endpoint]]]));
  const port = dp.boundPort('gateway/u');
  const c1 = await udpClient();
  const c2 = await udpClient();
  try {
    assert.equal(await c1.ask(port, 'x', 300), null, 'first flow: the unresolved share');
    // Without per-flow memory c1's next datagram would take the next pick (a) and be served.
    assert.equal(await c1.ask(port, 'x2', 300), null, 'the rejected flow stays rejected');
    assert.equal(await c2.ask(port, 'y'), 'a:y', 'second flow: served');
    assert.equal(await c2.ask(port, 'y2'), 'a:y2');
    // A reload that changes the backends forgets the rejection: c1 picks again.
    await dp.applyRoutes([weighted(r, [{ clusterId: A, weight: 1 }, { clusterId: null, weight: 1 }])], [cluster(A, 'UDP')], new Map([[A, [be.endpoint]]]));
    assert.equal(await c1.ask(port, 'x3'), 'a:x3');
  } finally {
    c1.close();
    c2.close();
    await dp.close(0);
    await be.close();
  }
});
