// Upstream annotation group → Route.upstream (src/translate/upstream.ts), ingress-nginx grammar:
// backend-protocol case-insensitive with HTTP on invalid values, appProtocol when no annotation,
// integer-seconds timeouts, nginx sizes, proxy-next-upstream tokens, proxy-ssl-* defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';
import { parseNextUpstream, parseSize, parseTlsProtocols } from '../../src/k8s/annotations/upstream.ts';
import type { Route } from '../../src/model/route.ts';

const A = 'nginx.ingress.kubernetes.io/';
const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = (name: string, appProtocol?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'u' },
  spec: { ports: [{ name: 'p', port: 80, ...(appProtocol ? { appProtocol } : {}) }] } });
const ing = (name: string, service: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'u', annotations },
  spec: { ingressClassName: 'portico', rules: [{ host: `${name}.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
});

function run(objs: object[]) {
  const s = new Store();
  for (const o of [CLASS, ...objs] as KubeObject[]) s.upsert(o.kind as Kind, o);
  const r = translate(s, defaultTranslateOptions());
  const route = (host: string): Route => r.snapshot.virtualHosts.find((v) => v.hostname === host)!.routes[0];
  return { route, diags: r.diagnostics };
}

test('backend-protocol: case-insensitive; invalid → warning and HTTP; FCGI refuses the Ingress', () => {
  const { route, diags } = run([svc('s'),
    ing('lower', 's', { [`${A}backend-protocol`]: 'grpcs' }),
    ing('bad', 's', { [`${A}backend-protocol`]: 'HTTP3' }),
    ing('fcgi', 's', { [`${A}backend-protocol`]: 'FCGI' }),
    ing('portico', 's', { [`${A}backend-protocol`]: 'HTTP', 'portico.io/backend-protocol': 'HTTPS' })]);
  assert.equal(route('lower.test').upstream?.protocol, 'GRPCS');
  assert.equal(route('lower.test').upstream?.protocolSource, 'annotation');
  assert.equal(route('bad.test').upstream, undefined, 'invalid value: plain defaults');
  assert.ok(diags.some((d) => d.object.name === 'bad' && d.reason === 'InvalidAnnotation' && /backend-protocol/.test(d.message)));
  assert.ok(diags.some((d) => d.object.name === 'fcgi' && d.reason === 'RefusedAnnotation'));
  assert.equal(route('portico.test').upstream?.protocol, 'HTTPS', 'portico.io wins over nginx');
});

test('appProtocol selects the protocol when no annotation does; unknown values are HTTP with an info diagnostic', () => {
  const { route, diags } = run([svc('tls', 'https'), svc('h2c', 'kubernetes.io/h2c'), svc('wss', 'kubernetes.io/wss'), svc('ws', 'kubernetes.io/ws'), svc('odd', 'mesh.example/thrift'),
    ing('a', 'tls'), ing('b', 'h2c'), ing('c', 'wss'), ing('d', 'ws'), ing('e', 'odd'), ing('f', 'tls', { [`${A}backend-protocol`]: 'HTTP' })]);
  assert.equal(route('a.test').upstream?.protocol, 'HTTPS');
  assert.equal(route('a.test').upstream?.protocolSource, 'appProtocol');
  assert.equal(route('a.test').upstream?.tls?.verify, false, 'no verification by default');
  assert.equal(route('a.test').upstream?.tls?.serverName, false, 'no SNI by default');
  assert.equal(route('b.test').upstream?.protocol, 'H2C');
  assert.equal(route('c.test').upstream?.protocol, 'HTTPS');
  assert.equal(route('d.test').upstream, undefined);
  assert.equal(route('e.test').upstream, undefined);
  const info = diags.find((d) => d.reason === 'UnknownAppProtocol');
  assert.equal(info?.severity, 'info');
  assert.equal(info?.object.name, 'odd');
  assert.equal(route('f.test').upstream?.protocol, 'HTTP', 'the annotation beats appProtocol');
});

test('timeouts are integer seconds, "60s" is invalid; sizes and retry tokens', () => {
  const { route, diags } = run([svc('s'), ing('t', 's', {
    [`${A}proxy-connect-timeout`]: '3', [`${A}proxy-read-timeout`]: '60s', [`${A}proxy-send-timeout`]: '120',
    [`${A}proxy-body-size`]: '8M', [`${A}proxy-next-upstream`]: 'http_502 error', [`${A}proxy-next-upstream-tries`]: '2',
  })]);
  const u = route('t.test').upstream!;
  assert.equal(u.connectTimeoutMs, 3000);
  assert.equal(u.readTimeoutMs, null);
  assert.equal(u.sendTimeoutMs, 120_000);
  assert.equal(u.maxBodyBytes, 8 * 1024 * 1024);
  assert.deepEqual(u.retry, { on: ['error', 'http_502'], tries: 2, timeoutMs: 0 });
  assert.ok(diags.some((d) => d.reason === 'InvalidAnnotation' && /proxy-read-timeout/.test(d.message)));
  assert.deepEqual(parseSize('0'), { value: 0 });
  assert.deepEqual(parseSize('1k'), { value: 1024 });
  assert.ok('error' in parseSize('1.5m'));
  assert.ok('error' in parseSize('10mb'));
  assert.deepEqual(parseNextUpstream('error off'), { value: [] });
  assert.ok('error' in parseNextUpstream('error http_418'));
  assert.deepEqual(parseTlsProtocols('TLSv1.3 TLSv1.2'), { value: ['TLSv1.2', 'TLSv1.3'] });
  assert.ok('error' in parseTlsProtocols('SSLv3'));
});

test('proxy-ssl-*: verify without a Secret uses the default trust store; a missing or foreign Secret makes the route 503', () => {
  const { route, diags } = run([svc('s'),
    ing('v', 's', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-verify-depth`]: '0' }),
    ing('m', 's', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-secret`]: 'u/none' }),
    ing('x', 's', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-secret`]: 'other/ca' }),
    ing('h', 's', { [`${A}proxy-ssl-verify`]: 'on' })]);
  const v = route('v.test').upstream!.tls!;
  assert.equal(v.verify, true);
  assert.equal(v.caPem, null);
  assert.equal(v.verifyDepth, 1, 'depth 0 means 1 (proxyssl/main.go)');
  assert.deepEqual(route('m.test').backend, { kind: 'unavailable', reason: 'SecretNotFound' });
  assert.deepEqual(route('x.test').backend, { kind: 'unavailable', reason: 'SecretInvalid' });
  assert.ok(diags.some((d) => d.object.name === 'x' && /cross-namespace/.test(d.message)));
  assert.ok(diags.some((d) => d.object.name === 'h' && d.reason === 'IgnoredAnnotation' && /no effect with upstream protocol HTTP/.test(d.message)));
});
