// Route balancers across applies: reused while nothing changes, rebuilt when the Service's policy
// they follow changes, dropped when no route asks for them any more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpDataplane } from '../../../src/dataplane/http/dataplane.ts';
import { PersistentCookieBalancer } from '../../../src/dataplane/balancer/cookie-persistent.ts';
import type { RouteBalancing } from '../../../src/model/balancing.ts';
import type { Snapshot } from '../../../src/model/snapshot.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { cluster, eps, route, snapshot, vhost } from './helpers.ts';

const sticky: RouteBalancing = { policy: null, hashBy: null, cookie: {
  mode: 'persistent', name: 'S', path: null, domain: null, maxAgeSeconds: null, expiresSeconds: null,
  sameSite: null, conditionalSameSiteNone: false, secure: false, changeOnFailure: false,
} };

function snap(version: number, policy: 'round-robin' | 'least-request', balancing: RouteBalancing | null): Snapshot {
  const r = { ...route('Prefix', '/', 'ns/web:80'), id: 'ns/ing#0.0', ...(balancing ? { balancing } : {}) };
  const s = snapshot(version, [vhost('a.test', [r])], []);
  return { ...s, clusters: [{ ...cluster('ns/web:80'), balancer: policy }] };
}

test('a cookie route follows the Service policy across applies; unused route balancers are dropped', () => {
  const dp = new HttpDataplane({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), trustProxy: [],
    connectTimeoutMs: 1000, upstreamTimeoutMs: 1000, httpsPort: null, hsts: null });
  const endpoints = new Map([['ns/web:80', eps(1001, 1002)]]);
  const balancerOf = () => {
    const x = dp.explain('a.test', '/');
    return x.balancer;
  };
  dp.apply(snap(1, 'round-robin', sticky), endpoints);
  assert.deepEqual(balancerOf(), { policy: 'round-robin', hashBy: false, affinity: 'cookie' });
  const runtimes = (dp as unknown as { runtimes: { get(id: string): { balancers: { count: number; get(s: unknown): unknown } } } }).runtimes;
  const rt = runtimes.get('ns/web:80');
  assert.equal(rt.balancers.count, 2);
  dp.apply(snap(2, 'round-robin', sticky), endpoints);
  assert.equal(rt.balancers.count, 2, 'same config: the same two balancers');
  dp.apply(snap(3, 'least-request', sticky), endpoints);
  assert.deepEqual(balancerOf(), { policy: 'least-request', hashBy: false, affinity: 'cookie' }, 'the reused host router was recompiled');
  const b = rt.balancers.get({ policy: 'least-request', affinity: null, subsetSize: 0, cookie: 'persistent' });
  assert.ok(b instanceof PersistentCookieBalancer);
  assert.equal(rt.balancers.count, 2, 'the round-robin cookie balancer was dropped');
  dp.apply(snap(4, 'least-request', null), endpoints);
  assert.equal(rt.balancers.count, 1, 'no route asks for its own balancer');
  assert.deepEqual(balancerOf(), { policy: 'least-request', hashBy: false, affinity: null });
  void dp.close();
});

test('a sticky route with a canary keeps its canary-side balancer across applies, and drops it with the canary', () => {
  const dp = new HttpDataplane({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), trustProxy: [],
    connectTimeoutMs: 1000, upstreamTimeoutMs: 1000, httpsPort: null, hsts: null });
  const endpoints = new Map([['ns/web:80', eps(1001, 1002)], ['ns/web-canary:80', eps(1003, 1004)]]);
  const base = { ...route('Prefix', '/', 'ns/web:80'), id: 'ns/ing#0.0' };
  const snapWith = (version: number, withCanary: boolean): Snapshot => {
    const canary = { ingress: 'ns/ing-canary', backend: { kind: 'cluster' as const, clusterId: 'ns/web-canary:80' }, service: 'web-canary',
      header: null, headerValue: null, headerPattern: null, cookie: null, weight: 50, weightTotal: 100 };
    // The same values each time (translate builds new objects): the host router is reused.
    const r = { ...base, balancing: sticky,
      ...(withCanary ? { actions: { appRoot: null, redirect: null, hostRedirect: null, rewrite: null, upstreamHost: null, forwardedPrefix: null, canary, defaultBackend: null } } : {}) };
    return { ...snapshot(version, [vhost('a.test', [r])], []), clusters: [cluster('ns/web:80'), cluster('ns/web-canary:80')] };
  };
  const runtimes = (dp as unknown as { runtimes: { get(id: string): { balancers: { count: number } } } }).runtimes;
  dp.apply(snapWith(1, true), endpoints);
  const canaryRt = runtimes.get('ns/web-canary:80');
  assert.equal(canaryRt.balancers.count, 2, 'the canary cluster holds the route\'s cookie balancer');
  dp.apply(snapWith(2, true), endpoints);
  assert.equal(canaryRt.balancers.count, 2, 'kept by the reused route');
  dp.apply(snapWith(3, false), endpoints);
  assert.equal(canaryRt.balancers.count, 1, 'dropped with the canary');
  void dp.close();
});
