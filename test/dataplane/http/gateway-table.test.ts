// GatewayTable keeps the compiled rules of listener hosts whose rules did not change
// (src/dataplane/http/gateway-table.ts), as RouteTable keeps unchanged hosts: one route change
// compiles only its hosts, and a kept rule keeps its weighted round-robin position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayTable } from '../../../src/dataplane/http/gateway-table.ts';
import { CompiledRoute } from '../../../src/dataplane/http/compiled-route.ts';
import type { Route } from '../../../src/model/route.ts';
import type { GatewayRule, GatewaySnapshot } from '../../../src/model/gateway.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { EndpointRegistry } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { cluster } from './helpers.ts';

const metrics = new Metrics({ defaultMetrics: false });
const NO_FILTERS = { requestHeaders: null, responseHeaders: null, redirect: null, rewrite: null };

function rule(route: string, prefix: string, backends: [string, number][]): GatewayRule {
  return {
    id: `${route}#0.0`, route, kind: 'HTTPRoute', filters: NO_FILTERS,
    match: { path: { type: 'PathPrefix', value: prefix }, method: null, headers: [], queryParams: [] },
    backends: backends.map(([clusterId, weight]) => ({ clusterId, reason: null, service: clusterId.split(':')[0], weight })),
  };
}

function gw(hosts: Record<string, GatewayRule[]>, port = 8080): GatewaySnapshot {
  return { listeners: [{ id: 'ns/gw/http', scheme: 'http', port, hostname: '', hosts: Object.entries(hosts).map(([hostname, rules]) => ({ hostname, kind: 'exact', rules })) }], sni: [] } as unknown as GatewaySnapshot;
}

const resolve = (t: GatewayTable, host: string, port = 8080) => t.resolve('http', port, host, '/', 'GET', () => ({}), '/');

test('a new table keeps the compiled rules of unchanged hosts, their listener re-pointed and their round-robin state kept', () => {
  const runtimes = new ClusterRuntimes(new EndpointRegistry());
  const ids = ['ns/a:80', 'ns/b:80', 'ns/c:80'];
  runtimes.reconcile(ids.map(cluster), new Map());
  const compile = (r: Route) => new CompiledRoute(r, r.backend.kind === 'cluster' ? runtimes.get(r.backend.clusterId) ?? null : null, metrics);
  const runtimeOf = (id: string) => runtimes.get(id);
  const weighted = (): GatewayRule => rule('ns/a', '/', [['ns/a:80', 1], ['ns/b:80', 2]]);

  const t1 = new GatewayTable(gw({ 'a.test': [weighted()], 'c.test': [rule('ns/c', '/', [['ns/c:80', 1]])] }), compile);
  const a1 = resolve(t1, 'a.test')!;
  const picked = [a1.pick()!.route.route.service];

  // New objects with the same content for a.test (as a worker receives them), c.test changed.
  const t2 = new GatewayTable(gw({ 'a.test': [weighted()], 'c.test': [rule('ns/c', '/c', [['ns/c:80', 1]])] }), compile, t1, runtimeOf);
  const a2 = resolve(t2, 'a.test')!;
  assert.equal(a2, a1, 'unchanged host: the compiled rule is kept');
  assert.equal(a2.listener, t2.listenerFor('http', 8080, 'a.test'), 'and points at the new listener');
  assert.notEqual(t2.listenerFor('http', 8080, 'c.test')!.hosts.get('c.test')![0], t1.listenerFor('http', 8080, 'c.test')!.hosts.get('c.test')![0], 'changed host recompiled');
  picked.push(a2.pick()!.route.route.service, a2.pick()!.route.route.service);
  // Smooth weighted round-robin 1:2 (nginx's order b, a, b) goes on across the swap; a recompiled rule would restart at b.
  assert.deepEqual(picked, ['ns/b', 'ns/a', 'ns/b']);

  // A cluster whose runtime was replaced (gone and back): rules pointing at the old one are recompiled.
  runtimes.reconcile([cluster('ns/b:80'), cluster('ns/c:80')], new Map());
  runtimes.reconcile(ids.map(cluster), new Map());
  const t3 = new GatewayTable(gw({ 'a.test': [weighted()], 'c.test': [rule('ns/c', '/c', [['ns/c:80', 1]])] }), compile, t2, runtimeOf);
  const a3 = resolve(t3, 'a.test')!;
  assert.notEqual(a3, a2);
  assert.equal(a3.backends[0].route.cluster, runtimes.get('ns/a:80'));

  // The listener moved to another port: nothing is kept (redirects and 421 checks read the port).
  const t4 = new GatewayTable(gw({ 'a.test': [weighted()] }, 9090), compile, t3, runtimeOf);
  assert.notEqual(resolve(t4, 'a.test', 9090), a3);
  assert.equal(resolve(t4, 'a.test', 9090)!.listener.bindPort, 9090);
});

test('a port that was a Gateway listener\'s own never serves Ingress rules, also once the snapshot drops it (its connections drain)', async () => {
  const { startProxy, request, snapshot: snap, vhost, route: ingressRoute, eps } = await import('./helpers.ts');
  const { HttpListener } = await import('../../../src/dataplane/http/listener.ts');
  const { startEchoServer } = await import('../../support/echo-server.ts');
  const { freePort } = await import('../../support/gateway-api.ts');
  const echo = await startEchoServer({ name: 'ingress' });
  const h = await startProxy();
  const own = await freePort();
  // The listener GatewayPortListeners keeps open while a removed port drains, on the same dataplane.
  const { silentLogger } = await import('../../../src/util/logger.ts');
  const draining = new HttpListener(h.dp, { host: '127.0.0.1', port: own, logger: silentLogger(), metrics: h.metrics, engine: 'node' });
  await draining.listen();
  try {
    const base = snap(1, [vhost('x.test', [ingressRoute('Prefix', '/', 'ns/app:80')])], ['ns/app:80']);
    const endpoints = new Map([['ns/app:80', eps(echo.port)]]);
    h.dp.apply({ ...base, gateway: { listeners: [], sni: [], ports: [{ scheme: 'http', port: own, listeners: [] }] } } as never, endpoints);
    assert.equal((await request(h.port, '/', { host: 'x.test' })).status, 200, 'the main port serves the Ingress');
    assert.equal((await request(own, '/', { host: 'x.test' })).status, 404, 'a Gateway port of its own serves no Ingress');
    h.dp.apply({ ...base, version: 2 }, endpoints);
    assert.equal((await request(own, '/', { host: 'x.test' })).status, 404, 'nor once the port left the snapshot');
    assert.equal((await request(h.port, '/', { host: 'x.test' })).status, 200);
  } finally {
    await draining.close(0);
    await h.close();
    await echo.close();
  }
});
