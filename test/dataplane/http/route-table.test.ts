import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from '../../../src/dataplane/http/route-table.ts';
import { CompiledRoute } from '../../../src/dataplane/http/compiled-route.ts';
import { normalizeHost, parseTarget } from '../../../src/dataplane/http/request-target.ts';
import type { Route } from '../../../src/model/route.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { EndpointRegistry } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { route, snapshot, vhost } from './helpers.ts';

const metrics = new Metrics({ defaultMetrics: false });
const compile = (r: Route) => new CompiledRoute(r, null, metrics);
function table(...args: Parameters<typeof snapshot>): (host: string | undefined, url: string) => string | null {
  const t = new RouteTable(snapshot(...args), compile);
  return (host, url) => {
    const target = parseTarget(url);
    return t.resolve(normalizeHost(target.authority ?? host), target.path)?.route.service ?? null;
  };
}

test('normalizeHost: case, port, IPv6, trailing dot, absent', () => {
  assert.equal(normalizeHost('Foo.COM:8080'), 'foo.com');
  assert.equal(normalizeHost('foo.com.'), 'foo.com');
  assert.equal(normalizeHost('[::1]:80'), '[::1]');
  assert.equal(normalizeHost('[::1]'), '[::1]');
  assert.equal(normalizeHost(undefined), null);
  assert.equal(normalizeHost(''), null);
});

test('parseTarget: origin, absolute and asterisk forms', () => {
  assert.deepEqual(parseTarget('/a/b?c=d'), { authority: null, path: '/a/b', forward: '/a/b?c=d', error: null });
  assert.deepEqual(parseTarget('http://h:8/x?y'), { authority: 'h:8', path: '/x', forward: '/x?y', error: null });
  assert.deepEqual(parseTarget('http://h'), { authority: 'h', path: '/', forward: '/', error: null });
  assert.deepEqual(parseTarget('http://h?q'), { authority: 'h', path: '/', forward: '/?q', error: null });
  assert.deepEqual(parseTarget('*'), { authority: null, path: '*', forward: '*', error: null });
});

// SPEC §1.4 E1–E18, each as (rules, request, expected winner or null).
const E: [string, [string, string][], string, string | null][] = [
  ['E1', [['Prefix', '/']], '/anything/at/all', 'Prefix /'],
  ['E2', [['Exact', '/foo']], '/foo', 'Exact /foo'],
  ['E3', [['Exact', '/foo']], '/bar', null],
  ['E4', [['Exact', '/foo']], '/foo/', null],
  ['E5', [['Exact', '/foo/']], '/foo', null],
  ['E6a', [['Prefix', '/foo']], '/foo', 'Prefix /foo'],
  ['E6b', [['Prefix', '/foo']], '/foo/', 'Prefix /foo'],
  ['E7a', [['Prefix', '/foo/']], '/foo', 'Prefix /foo/'],
  ['E7b', [['Prefix', '/foo/']], '/foo/', 'Prefix /foo/'],
  ['E8', [['Prefix', '/aaa/bb']], '/aaa/bbb', null],
  ['E9', [['Prefix', '/aaa/bbb']], '/aaa/bbb', 'Prefix /aaa/bbb'],
  ['E10', [['Prefix', '/aaa/bbb/']], '/aaa/bbb', 'Prefix /aaa/bbb/'],
  ['E11', [['Prefix', '/aaa/bbb']], '/aaa/bbb/', 'Prefix /aaa/bbb'],
  ['E12', [['Prefix', '/aaa/bbb']], '/aaa/bbb/ccc', 'Prefix /aaa/bbb'],
  ['E13', [['Prefix', '/aaa/bbb']], '/aaa/bbbxyz', null],
  ['E14', [['Prefix', '/'], ['Prefix', '/aaa']], '/aaa/ccc', 'Prefix /aaa'],
  ['E15', [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], '/aaa/bbb', 'Prefix /aaa/bbb'],
  ['E16', [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], '/ccc', 'Prefix /'],
  ['E17', [['Prefix', '/aaa']], '/ccc', null],
  ['E18', [['Prefix', '/foo'], ['Exact', '/foo']], '/foo', 'Exact /foo'],
];

test('SPEC §1.4 examples E1–E18 through the table', () => {
  for (const [name, rules, path, want] of E) {
    const routes = rules.map(([type, p]) => route(type as 'Exact' | 'Prefix', p, `${type} ${p}:80`));
    const t = new RouteTable(snapshot(1, [vhost('h', routes)], []), compile);
    const got = t.resolve('h', path);
    assert.equal(got === null ? null : `${got.route.match.type} ${got.route.match.path}`, want, name);
  }
});

test('conformance host_rules (SPEC §2.2)', () => {
  const r = table(1, [
    vhost('foo.bar.com', [route('Prefix', '/', 'foo-bar-com:80')]),
    vhost('*.foo.com', [route('Prefix', '/', 'wildcard-foo-com:80')]),
  ], []);
  assert.equal(r('foo.bar.com', '/'), 'foo-bar-com');
  assert.equal(r('subdomain.bar.com', '/'), null);
  assert.equal(r('bar.foo.com', '/'), 'wildcard-foo-com');
  assert.equal(r('baz.bar.foo.com', '/'), null);
  assert.equal(r('foo.com', '/'), null);
});

test('conformance path_rules (SPEC §2.3)', () => {
  const r = table(1, [
    vhost('exact-path-rules', [route('Exact', '/foo', 'foo-exact:80')]),
    vhost('prefix-path-rules', [route('Prefix', '/foo', 'foo-prefix:80'), route('Prefix', '/aaa/bbb', 'aaa-slash-bbb-prefix:80'),
      route('Prefix', '/aaa', 'aaa-prefix:80')]),
    vhost('mixed-path-rules', [route('Prefix', '/foo', 'foo-prefix:80'), route('Exact', '/foo', 'foo-exact:80')]),
    vhost('trailing-slash-path-rules', [route('Prefix', '/aaa/bbb/', 'aaa-slash-bbb-slash-prefix:80'),
      route('Exact', '/foo/', 'foo-slash-exact:80')]),
  ], []);
  const rows: [string, string, string | null][] = [
    ['exact-path-rules', '/foo', 'foo-exact'], ['exact-path-rules', '/foo/', null], ['exact-path-rules', '/FOO', null],
    ['exact-path-rules', '/bar', null], ['prefix-path-rules', '/foo', 'foo-prefix'], ['prefix-path-rules', '/foo/', 'foo-prefix'],
    ['prefix-path-rules', '/FOO', null], ['prefix-path-rules', '/aaa/bbb', 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/bbb/ccc', 'aaa-slash-bbb-prefix'], ['prefix-path-rules', '/aaa/ccc', 'aaa-prefix'],
    ['prefix-path-rules', '/aaaccc', null], ['mixed-path-rules', '/foo', 'foo-exact'],
    ['trailing-slash-path-rules', '/aaa/bbb', 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/aaa/bbb/', 'aaa-slash-bbb-slash-prefix'], ['trailing-slash-path-rules', '/foo', null],
  ];
  for (const [host, path, want] of rows) assert.equal(r(host, path), want, `${host}${path}`);
});

test('no fall-through: host bucket fallback, then default route; no Host → hostless only', () => {
  const r = table(1, [
    vhost('a.example', [route('Prefix', '/a', 'a:80')], route('Prefix', '/', 'a-fallback:80')),
    vhost('b.example', [route('Prefix', '/b', 'b:80')]),
    vhost('*.example', [route('Prefix', '/w', 'w:80')]),
    vhost('', [route('Prefix', '/', 'hostless:80')]),
  ], [], route('Prefix', '/', 'default:80'));
  assert.equal(r('a.example', '/a/1'), 'a');
  assert.equal(r('a.example', '/zzz'), 'a-fallback');
  assert.equal(r('b.example', '/zzz'), 'default'); // not the hostless rule (SPEC §1.5)
  assert.equal(r('c.example', '/w'), 'w');
  assert.equal(r('c.example', '/x'), 'default');
  assert.equal(r('unknown', '/x'), 'hostless');
  assert.equal(r(undefined, '/x'), 'hostless');
  assert.equal(r('x', 'http://a.example/a'), 'a');
  const none = table(1, [vhost('a.example', [route('Prefix', '/', 'a:80')])], []);
  assert.equal(none(undefined, '/'), null);
});

test('apply reuses the compiled router of every host whose VirtualHost did not change', () => {
  const runtimes = new ClusterRuntimes(new EndpointRegistry());
  const build = (version: number, bPath: string, clusters: string[]) => {
    const snap = snapshot(version, [
      vhost('a.test', [route('Prefix', '/', 'ns/a:80')]),
      vhost('b.test', [route('Prefix', bPath, 'ns/b:80')]),
    ], clusters);
    runtimes.reconcile(snap.clusters, new Map());
    return snap;
  };
  const compileRt = (r: Route) => new CompiledRoute(r, r.backend.kind === 'cluster' ? runtimes.get(r.backend.clusterId) ?? null : null, metrics);
  const t1 = new RouteTable(build(1, '/b', ['ns/a:80', 'ns/b:80']), compileRt);
  // Same content, new objects (translate never reuses), b's path changed.
  const s2 = build(2, '/b2', ['ns/a:80', 'ns/b:80']);
  // Route ids come from a counter in the helper; give the unchanged host its old ids back.
  (s2.virtualHosts[0].routes as Route[])[0] = { ...t1.exact.get('a.test')!.vh.routes[0] };
  const t2 = new RouteTable(s2, compileRt, t1, (id) => runtimes.get(id));
  assert.equal(t2.exact.get('a.test'), t1.exact.get('a.test'), 'unchanged host kept');
  assert.notEqual(t2.exact.get('b.test'), t1.exact.get('b.test'), 'changed host recompiled');
  assert.equal(t2.resolve('b.test', '/b2/x')?.route.match.path, '/b2');
  // A cluster that disappears and comes back gets a new runtime: routers pointing at the old one rebuild.
  runtimes.reconcile([], new Map());
  const s3 = build(3, '/b2', ['ns/a:80', 'ns/b:80']);
  (s3.virtualHosts[0].routes as Route[])[0] = { ...t2.exact.get('a.test')!.vh.routes[0] };
  const t3 = new RouteTable(s3, compileRt, t2, (id) => runtimes.get(id));
  assert.notEqual(t3.exact.get('a.test'), t2.exact.get('a.test'));
  assert.equal(t3.resolve('a.test', '/')?.cluster, runtimes.get('ns/a:80'));
});
