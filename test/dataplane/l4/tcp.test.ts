import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { tcpBackend, refusedPort, cluster, route, dataplane, connect, readBytes, closesWithin, sleep, metricValue } from './support.ts';

const CID = 'default/echo:9000';

test('TCP echo through the proxy, with metrics', async () => {
  const be = await tcpBackend('a');
  const { dp, metrics } = dataplane();
  const fails = await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  assert.deepEqual(fails, []);
  const s = await connect(dp.boundPort('tcp/a'));
  s.write('hello');
  assert.equal((await readBytes(s, 5)).toString(), 'hello');
  s.end();
  assert.ok(await closesWithin(s, 2000));
  await sleep(20);
  assert.equal(await metricValue(metrics, 'portico_l4_connections_total', { service: 'default/echo' }), 1);
  assert.equal(await metricValue(metrics, 'portico_l4_received_bytes_total'), 5);
  assert.equal(await metricValue(metrics, 'portico_l4_sent_bytes_total'), 5);
  assert.equal(await metricValue(metrics, 'portico_l4_connections_active'), 0);
  await dp.close(0);
  await be.close();
});

test('100 MiB both ways: sha256 matches', async () => {
  const be = await tcpBackend('a');
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  const s = await connect(dp.boundPort('tcp/a'));
  const total = 100 * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  s.on('data', (d: Buffer) => { got.update(d); received += d.length; });
  const ended = once(s, 'end');
  for (let i = 0; i < total / chunk.length; i++) {
    sent.update(chunk);
    if (!s.write(chunk)) await once(s, 'drain');
  }
  s.end();
  await ended;
  assert.equal(received, total);
  assert.equal(got.digest('hex'), sent.digest('hex'));
  s.destroy();
  await dp.close(0);
  await be.close();
});

test('half-close: the client FIN reaches the backend and its reply still arrives', async () => {
  const be = await tcpBackend('a', { byeOnEnd: true });
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  const s = await connect(dp.boundPort('tcp/a'));
  s.end('ping');
  const all = await readBytes(s, 1 << 20);
  assert.equal(all.toString(), 'pingbye');
  assert.ok(await closesWithin(s, 2000));
  await dp.close(0);
  await be.close();
});

test('a refusing endpoint is skipped; when every attempt fails the client is closed', async () => {
  const be = await tcpBackend('a');
  const dead = makeEndpoint('127.0.0.1', await refusedPort());
  const { dp, metrics } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, [dead, be.endpoint].sort((x, y) => (x.id < y.id ? -1 : 1))]]));
  const port = dp.boundPort('tcp/a');
  for (let i = 0; i < 4; i++) {
    const s = await connect(port);
    s.write('x');
    assert.equal((await readBytes(s, 1)).toString(), 'x');
    s.destroy();
  }
  assert.equal(be.accepted, 4);
  assert.ok(await metricValue(metrics, 'portico_l4_connect_errors_total') >= 1);
  dp.updateEndpoints(CID, [dead]);
  const s = await connect(port);
  assert.ok(await closesWithin(s, 3000), 'client closed after the attempts failed');
  // One endpoint, four attempts (SPEC §5.1): errors grew by 4.
  await dp.close(0);
  await be.close();
});

test('round-robin and least-connections distribute new connections', async () => {
  const bes = await Promise.all(['a', 'b', 'c'].map((n) => tcpBackend(n)));
  const eps = bes.map((b) => b.endpoint).sort((x, y) => (x.id < y.id ? -1 : 1));
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, eps]]));
  const port = dp.boundPort('tcp/a');
  for (let i = 0; i < 9; i++) {
    const s = await connect(port);
    s.write('x');
    await readBytes(s, 1);
    s.destroy();
  }
  assert.deepEqual(bes.map((b) => b.accepted), [3, 3, 3]);

  // least-connections: hold two connections open on whichever endpoints get them, then the next
  // ones must go to the endpoint without any.
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID, 'TCP', 'least-connections')], new Map([[CID, eps]]));
  for (const b of bes) b.accepted = 0;
  const held = [];
  for (let i = 0; i < 2; i++) {
    const s = await connect(port);
    s.write('x');
    await readBytes(s, 1);
    held.push(s);
  }
  const third = await connect(port);
  third.write('x');
  await readBytes(third, 1);
  assert.deepEqual(bes.map((b) => b.accepted).sort(), [1, 1, 1]);
  for (const s of [...held, third]) s.destroy();
  await dp.close(0);
  await Promise.all(bes.map((b) => b.close()));
});

test('source-hash keeps one client IP on one endpoint', async () => {
  const bes = await Promise.all(['a', 'b', 'c'].map((n) => tcpBackend(n)));
  const eps = bes.map((b) => b.endpoint).sort((x, y) => (x.id < y.id ? -1 : 1));
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID, 'TCP', 'source-hash')], new Map([[CID, eps]]));
  for (let i = 0; i < 6; i++) {
    const s = await connect(dp.boundPort('tcp/a'));
    s.write('x');
    await readBytes(s, 1);
    s.destroy();
  }
  assert.deepEqual(bes.map((b) => b.accepted).sort(), [0, 0, 6]);
  await dp.close(0);
  await Promise.all(bes.map((b) => b.close()));
});

test('endpoint removal: connections to remaining endpoints untouched, removed ones closed after the drain timeout', async () => {
  const a = await tcpBackend('a', { greet: true });
  const b = await tcpBackend('b', { greet: true });
  const eps = [a.endpoint, b.endpoint].sort((x, y) => (x.id < y.id ? -1 : 1));
  const { dp } = dataplane({ drainTimeoutMs: 300 });
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, eps]]));
  const port = dp.boundPort('tcp/a');
  const s1 = await connect(port);
  const s2 = await connect(port);
  const n1 = (await readBytes(s1, 2)).toString().trim();
  const n2 = (await readBytes(s2, 2)).toString().trim();
  assert.deepEqual([n1, n2].sort(), ['a', 'b']);
  const [toA, toB] = n1 === 'a' ? [s1, s2] : [s2, s1];
  dp.updateEndpoints(CID, [b.endpoint]);
  // Still working inside the drain window.
  toA.write('still');
  assert.equal((await readBytes(toA, 5)).toString(), 'still');
  assert.ok(await closesWithin(toA, 2000), 'connection to the removed endpoint closed after drain');
  toB.write('alive');
  assert.equal((await readBytes(toB, 5)).toString(), 'alive');
  assert.equal(toB.destroyed, false);
  toB.destroy();
  await dp.close(0);
  await a.close();
  await b.close();
});

test('apply keeps unchanged ports and their connections; a removed mapping stops accepting and drains', async () => {
  const a = await tcpBackend('a');
  const { dp } = dataplane({ drainTimeoutMs: 300 });
  const eps = new Map([[CID, [a.endpoint]]]);
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a'), route('TCP', 0, CID, 'none', 'tcp/b')], [cluster(CID)], eps);
  const pa = dp.boundPort('tcp/a');
  const pb = dp.boundPort('tcp/b');
  const sa = await connect(pa);
  const sb = await connect(pb);
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], eps);
  assert.equal(dp.boundPort('tcp/a'), pa);
  await assert.rejects(connect(pb), /ECONNREFUSED/);
  sb.write('drain');
  assert.equal((await readBytes(sb, 5)).toString(), 'drain');
  assert.ok(await closesWithin(sb, 2000));
  sa.write('kept');
  assert.equal((await readBytes(sa, 4)).toString(), 'kept');
  sa.destroy();
  await dp.close(0);
  await a.close();
});

test('a port that fails to bind is reported while another port works', async () => {
  const a = await tcpBackend('a');
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const busy = (blocker.address() as net.AddressInfo).port;
  const { dp } = dataplane();
  const fails = await dp.applyRoutes([route('TCP', busy, CID), route('TCP', 0, CID, 'none', 'tcp/ok')], [cluster(CID)], new Map([[CID, [a.endpoint]]]));
  assert.equal(fails.length, 1);
  assert.equal(fails[0].routeId, `tcp/${busy}`);
  assert.match(fails[0].error, /EADDRINUSE/);
  const s = await connect(dp.boundPort('tcp/ok'));
  s.write('ok');
  assert.equal((await readBytes(s, 2)).toString(), 'ok');
  s.destroy();
  await dp.close(0);
  blocker.close();
  await a.close();
});

test('idle timeout closes a silent connection', async () => {
  const a = await tcpBackend('a');
  const { dp } = dataplane({ tcpIdleTimeoutMs: 200 });
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/a')], [cluster(CID)], new Map([[CID, [a.endpoint]]]));
  const s = await connect(dp.boundPort('tcp/a'));
  s.write('x');
  await readBytes(s, 1);
  assert.ok(await closesWithin(s, 3000));
  await dp.close(0);
  await a.close();
});

test('a route without a resolvable cluster closes connections at once', async () => {
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, null, 'none', 'tcp/none')], [], new Map());
  const s = await connect(dp.boundPort('tcp/none'));
  assert.ok(await closesWithin(s, 2000));
  await dp.close(0);
});
