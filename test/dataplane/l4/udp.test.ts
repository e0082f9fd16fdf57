import { test } from 'node:test';
import assert from 'node:assert/strict';
import { udpBackend, udpClient, cluster, route, dataplane, sleep, metricValue } from './support.ts';

const CID = 'default/dns:53/udp';

test('UDP echo: replies come back from the listen port, one session per client', async () => {
  const be = await udpBackend('a');
  const { dp, metrics } = dataplane();
  const fails = await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], new Map([[CID, [be.endpoint]]]));
  assert.deepEqual(fails, []);
  const port = dp.boundPort('udp/a');
  const c = await udpClient();
  assert.equal(await c.ask(port, 'one'), 'a:one');
  assert.equal(await c.ask(port, 'two'), 'a:two');
  assert.equal(new Set(be.senders).size, 1, 'both datagrams through one session socket');
  assert.equal(await metricValue(metrics, 'portico_l4_udp_sessions_active'), 1);
  assert.equal(await metricValue(metrics, 'portico_l4_received_bytes_total'), 6);
  c.close();
  await dp.close(0);
  await be.close();
});

test('UDP session timeout: an idle session is dropped and the next datagram opens a new one', async () => {
  const be = await udpBackend('a');
  const { dp, metrics } = dataplane({ udpSessionTimeoutMs: 200 });
  await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], new Map([[CID, [be.endpoint]]]));
  const port = dp.boundPort('udp/a');
  const c = await udpClient();
  assert.equal(await c.ask(port, 'x'), 'a:x');
  await sleep(600);
  assert.equal(await metricValue(metrics, 'portico_l4_udp_sessions_active'), 0);
  assert.equal(await c.ask(port, 'y'), 'a:y');
  assert.equal(new Set(be.senders).size, 2, 'a new upstream socket after expiry');
  c.close();
  await dp.close(0);
  await be.close();
});

test('UDP table bound: the least recently active session is evicted', async () => {
  const be = await udpBackend('a');
  const { dp, metrics } = dataplane({ udpMaxSessions: 2 });
  await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], new Map([[CID, [be.endpoint]]]));
  const port = dp.boundPort('udp/a');
  const clients = await Promise.all([udpClient(), udpClient(), udpClient()]);
  for (const c of clients) assert.equal(await c.ask(port, 'hi'), 'a:hi');
  assert.equal(await metricValue(metrics, 'portico_l4_udp_sessions_evicted_total'), 1);
  assert.equal(await metricValue(metrics, 'portico_l4_udp_sessions_active'), 2);
  // Client 0 was evicted: its next datagram opens a session again (and evicts client 1).
  assert.equal(await clients[0].ask(port, 'back'), 'a:back');
  assert.equal(await metricValue(metrics, 'portico_l4_udp_sessions_evicted_total'), 2);
  for (const c of clients) c.close();
  await dp.close(0);
  await be.close();
});

test('UDP endpoint removal: its sessions are dropped and the next datagram picks again', async () => {
  const a = await udpBackend('a');
  const b = await udpBackend('b');
  const eps = [a.endpoint, b.endpoint].sort((x, y) => (x.id < y.id ? -1 : 1));
  const { dp } = dataplane({ drainTimeoutMs: 100 });
  await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], new Map([[CID, eps]]));
  const port = dp.boundPort('udp/a');
  const c1 = await udpClient();
  const c2 = await udpClient();
  const r1 = (await c1.ask(port, 'x'))!;
  const r2 = (await c2.ask(port, 'x'))!;
  assert.deepEqual([r1[0], r2[0]].sort(), ['a', 'b']);
  const [onA, onB] = r1[0] === 'a' ? [c1, c2] : [c2, c1];
  dp.updateEndpoints(CID, [b.endpoint]);
  assert.equal(await onA.ask(port, 'y'), 'b:y', 're-picked to the remaining endpoint');
  assert.equal(await onB.ask(port, 'y'), 'b:y');
  assert.equal(b.senders.filter((s) => s === b.senders[0]).length, 2, 'the untouched session kept its socket');
  c1.close();
  c2.close();
  await dp.close(0);
  await a.close();
  await b.close();
});

test('UDP mapping removed then re-added keeps working; no endpoints drops datagrams', async () => {
  const a = await udpBackend('a');
  const { dp } = dataplane({ drainTimeoutMs: 1500 });
  const eps = new Map([[CID, [a.endpoint]]]);
  await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], eps);
  const port = dp.boundPort('udp/a');
  const c = await udpClient();
  assert.equal(await c.ask(port, 'x'), 'a:x');
  await dp.applyRoutes([], [], new Map());
  // Draining: the existing session still answers, a new client gets nothing.
  assert.equal(await c.ask(port, 'y'), 'a:y');
  const d = await udpClient();
  assert.equal(await d.ask(port, 'z', 300), null);
  d.close();
  await dp.applyRoutes([route('UDP', 0, CID, 'none', 'udp/a')], [cluster(CID, 'UDP')], new Map([[CID, []]]));
  assert.equal(dp.boundPort('udp/a'), port, 're-added mapping took its socket back');
  c.close();
  const e = await udpClient();
  assert.equal(await e.ask(port, 'w', 300), null, 'no endpoints: dropped');
  e.close();
  await dp.close(0);
  await a.close();
});
