// README "Run in a cluster" end to end: the real app in cluster mode, through the real @kubernetes/client-node,
// against the fake API server (test/support/fake-apiserver.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as undiciRequest } from 'undici';
import { startEchoServer } from '../support/echo-server.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { eventually, servedBy, startClusterGateway } from '../support/cluster-gateway.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The IngressClass, Service `web` (port 80 named http) and one EndpointSlice every test starts from. */
function seedWeb(api: FakeApiServer, ns: string, slice: string, port: number): void {
  api.apply(ingressClass());
  api.apply(service(ns, 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice(ns, 'web', slice, ['127.0.0.1'], port));
}

test('routing follows Ingress, Service and EndpointSlice changes within 1 s, and status is written', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  const b = await startEchoServer({ name: 'b' });
  seedWeb(api, 'shop', 'web-a', a.port);
  api.apply(ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  const gw = await startClusterGateway(api);
  try {
    assert.equal(await servedBy(gw.url, 'shop.test'), 'a');

    // EndpointSlice change → fast path.
    let t = Date.now();
    api.apply(endpointSlice('shop', 'web', 'web-a', ['127.0.0.1'], b.port));
    assert.equal(await eventually(() => servedBy(gw.url, 'shop.test'), (v) => v === 'b'), 'b');
    assert.ok(Date.now() - t < 1000, `endpoint change served in ${Date.now() - t} ms`);

    // New Ingress → slow path.
    t = Date.now();
    api.apply(ingress('shop', 'second', [{ host: 'two.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
    assert.equal(await eventually(() => servedBy(gw.url, 'two.test'), (v) => v === 'b'), 'b');
    assert.ok(Date.now() - t < 1000, `ingress change served in ${Date.now() - t} ms`);

    // Service port renamed away → 503; delete Ingress → 404.
    api.apply(service('shop', 'web', [{ name: 'http', port: 81 }]));
    assert.equal(await eventually(() => servedBy(gw.url, 'shop.test'), (v) => v === 503), 503);
    api.delete('Ingress', 'shop', 'second');
    assert.equal(await eventually(() => servedBy(gw.url, 'two.test'), (v) => v === 404), 404);

    // Status: the leader publishes the address on the Ingress it serves.
    const st = await eventually(() => api.get('Ingress', 'shop', 'front')?.status?.loadBalancer?.ingress, (v) => Array.isArray(v) && v.length > 0, 5000);
    assert.deepEqual(st, [{ ip: '203.0.113.7' }]);

    const metrics = await gw.app.metrics.registry.metrics();
    assert.match(metrics, /portico_config_propagation_seconds_count\{kind="EndpointSlice"\} [1-9]/);
    assert.match(metrics, /portico_config_propagation_seconds_count\{kind="Ingress"\} [1-9]/);
  } finally {
    await gw.app.stop(500);
    await api.stop();
    await a.close();
    await b.close();
  }
});

test('API server stopped and restarted while traffic flows: zero failed requests, later changes arrive', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  seedWeb(api, 'ns', 'web-1', a.port);
  api.apply(ingress('ns', 'i', [{ host: 'up.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  const gw = await startClusterGateway(api);
  const agent = new Agent({ connections: 4 });
  const failures: string[] = [];
  let ok = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const r = await undiciRequest(gw.url + '/', { headers: { host: 'up.test' }, dispatcher: agent });
        await r.body.dump();
        if (r.statusCode === 200) ok++;
        else failures.push(String(r.statusCode));
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  try {
    const workers = [worker(), worker()];
    await sleep(200);
    await api.stop();
    await sleep(1500);
    const readyz = await undiciRequest(`http://127.0.0.1:${gw.app.ports.admin}/readyz`);
    await readyz.body.dump();
    assert.equal(readyz.statusCode, 200, 'an already-ready replica stays ready while the API is away');
    await api.restart();
    api.apply(ingress('ns', 'j', [{ host: 'after.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
    assert.equal(await eventually(() => servedBy(gw.url, 'after.test'), (v) => v === 'a', 15000), 'a', 'a change after the restart arrives');
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(ok > 10);
  } finally {
    stop = true;
    await agent.close();
    await gw.app.stop(500);
    await api.stop();
    await a.close();
  }
});

test('410 Expired relists and notices deletions made while the watch was gone', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  seedWeb(api, 'ns', 'web-1', a.port);
  api.apply(ingress('ns', 'gone', [{ host: 'gone.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  const gw = await startClusterGateway(api);
  try {
    assert.equal(await servedBy(gw.url, 'gone.test'), 'a');
    await api.stop();
    // While nobody can watch: delete, then compact history so every watcher's resourceVersion is
    // too old; on reconnect the watch gets ERROR 410 and the informer must relist.
    api.delete('Ingress', 'ns', 'gone');
    api.apply(ingress('ns', 'new', [{ host: 'new.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
    api.compact();
    const before = api.requests.length;
    await api.restart();
    assert.equal(await eventually(() => servedBy(gw.url, 'gone.test'), (v) => v === 404, 15000), 404);
    assert.equal(await servedBy(gw.url, 'new.test'), 'a');
    const after = api.requests.slice(before);
    assert.ok(after.some((q) => q.path.endsWith('/ingresses') && !/watch=/.test(q.query)), 'the Ingress informer relisted');
  } finally {
    await gw.app.stop(500);
    await api.stop();
    await a.close();
  }
});

test('two replicas: both serve, exactly one writes status; a 403 kind is reported and the rest served', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  seedWeb(api, 'ns', 'web-1', a.port);
  api.apply(ingress('ns', 'i', [{ host: 'r.test', paths: [{ path: '/', service: 'web', port: 80 }, { path: 'bad', service: 'web', port: 80 }] }]));
  api.deny('Secret');
  const r1 = await startClusterGateway(api, {}, { identity: 'replica-1' });
  const r2 = await startClusterGateway(api, {}, { identity: 'replica-2' });
  try {
    assert.equal(await servedBy(r1.url, 'r.test'), 'a');
    assert.equal(await servedBy(r2.url, 'r.test'), 'a');
    await eventually(() => api.get('Ingress', 'ns', 'i')?.status?.loadBalancer?.ingress?.length ?? 0, (n) => n > 0, 5000);
    const leaders = [r1, r2].filter((r) => r.app.status?.elector.isLeader);
    assert.equal(leaders.length, 1, 'exactly one leader');
    const patches = api.requests.filter((q) => q.method === 'PATCH' && q.path.endsWith('/status'));
    assert.ok(patches.length >= 1);
    // The denied kind is reported clearly, in diagnostics and logs.
    assert.ok(r1.app.controller.diagnostics().some((d) => d.object.kind === 'Secret' && d.reason === 'Forbidden'));
    assert.ok(r1.logs.some((l) => /Secret/.test(l) && /403|[Ff]orbidden/.test(l)));
    // The invalid path became a Warning Event on the Ingress, from the leader only.
    const events = await eventually(() => api.list('Event', 'ns'), (e) => e.length > 0, 5000);
    assert.ok(events.some((e) => e.involvedObject?.name === 'i' && e.type === 'Warning'));
    assert.equal(new Set(events.map((e) => e.reportingInstance)).size, 1);
  } finally {
    await r1.app.stop(500);
    await r2.app.stop(500);
    await api.stop();
    await a.close();
  }
});
