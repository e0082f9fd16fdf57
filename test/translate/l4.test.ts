import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import { translateL4, parseL4Target } from '../../src/translate/l4.ts';
import type { ConfigMap, Service } from '../../src/k8s/types.ts';

function svc(name: string, ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never, extra: Partial<NonNullable<Service['spec']>> = {}, annotations?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name, annotations }, spec: { ports, ...extra } };
}

function cm(name: string, data: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'portico', name }, data };
}

function store(...objs: (Service | ConfigMap)[]): Store {
  const s = new Store();
  for (const o of objs) {
    if (o.kind === 'Service') s.upsert('Service', o);
    else s.upsert('ConfigMap', o);
  }
  return s;
}

const OPTS = { tcpServicesConfigMap: 'portico/tcp', udpServicesConfigMap: 'portico/udp', allowExternalName: false };

test('tcp and udp entries become routes and clusters; port by number or name; PROXY modes', () => {
  const s = store(
    svc('db', [{ name: 'pg', port: 5432, targetPort: 5432 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, { 'portico.io/l4-balance': 'least-connections' }),
    svc('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
    cm('tcp', { '5432': 'default/db:5432', '6432': 'default/db:pg:PROXY', '7432': 'default/db:pg:PROXYv2', '8432': 'default/db:5432::PROXY', '53': 'default/dns:dns-tcp' }),
    cm('udp', { '53': 'default/dns:53' }),
  );
  const r = translateL4(s, OPTS);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.routes.map((x) => [x.id, x.clusterId, x.proxyProtocol]), [
    ['tcp/53', 'default/dns:53', 'none'],
    ['tcp/5432', 'default/db:5432', 'none'],
    ['tcp/6432', 'default/db:5432', 'v1'],
    ['tcp/7432', 'default/db:5432', 'v2'],
    ['tcp/8432', 'default/db:5432', 'v1'],
    ['udp/53', 'default/dns:53/udp', 'none'],
  ]);
  assert.deepEqual(r.clusters.map((c) => [c.id, c.protocol, c.portName]), [
    ['default/db:5432', 'TCP', 'pg'],
    ['default/dns:53', 'TCP', 'dns-tcp'],
    ['default/dns:53/udp', 'UDP', 'dns'],
  ]);
  const db = r.clusters[0];
  assert.equal(db.balancer, 'least-connections');
  assert.deepEqual(db.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 60 });
  assert.equal(r.routes[1].source, 'default/db:5432');
});

test('bad entries are dropped with a Diagnostic on the ConfigMap; the others stay', () => {
  const s = store(
    svc('db', [{ name: 'pg', port: 5432 }]),
    cm('tcp', {
      '5432': 'default/db:5432',
      '0': 'default/db:5432',
      '70000': 'default/db:5432',
      'abc': 'default/db:5432',
      '1001': 'db:5432',
      '1002': 'default/db',
      '1003': 'default/db:99999',
      '1004': 'default/db:5432:BOGUS',
      '1005': 'default/db:5432:PROXY:PROXY',
      '1006': 'Default/db:5432',
      '1007': 'default/db:5432:a:b:c',
      '1008': 'default/missing:80',
      '1009': 'default/db:80',
    }),
  );
  const r = translateL4(s, { ...OPTS, udpServicesConfigMap: null });
  assert.deepEqual(r.routes.map((x) => [x.id, x.clusterId]), [['tcp/1008', null], ['tcp/1009', null], ['tcp/5432', 'default/db:5432']]);
  const reasons = r.diagnostics.map((d) => `${d.reason}`).sort();
  assert.deepEqual(reasons, [
    'InvalidL4Target', 'InvalidL4Target', 'InvalidL4Target', 'InvalidL4Target', 'InvalidL4Target', 'InvalidL4Target', 'InvalidL4Target',
    'InvalidListenPort', 'InvalidListenPort', 'InvalidListenPort',
    'ServiceNotFound', 'ServicePortNotFound',
  ]);
  for (const d of r.diagnostics) assert.deepEqual(d.object, { kind: 'ConfigMap', namespace: 'portico', name: 'tcp' });
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error').length, r.diagnostics.length);
});

test('missing ConfigMap is a warning; PROXY on UDP is ignored with a warning; protocol must match', () => {
  const s = store(
    svc('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }]),
    cm('udp', { '53': 'default/dns:53:PROXY' }),
    cm('tcp', { '53': 'default/dns:53' }),
  );
  const r = translateL4(s, OPTS);
  assert.deepEqual(r.routes.map((x) => [x.id, x.clusterId, x.proxyProtocol]), [['tcp/53', null, 'none'], ['udp/53', 'default/dns:53/udp', 'none']]);
  assert.deepEqual(r.diagnostics.map((d) => [d.object.name, d.reason, d.severity]), [['tcp', 'ServicePortNotFound', 'error'], ['udp', 'UnsupportedOption', 'warning']]);
  const none = translateL4(store(), { ...OPTS, udpServicesConfigMap: null });
  assert.deepEqual(none.diagnostics.map((d) => [d.reason, d.severity]), [['ConfigMapNotFound', 'warning']]);
  assert.deepEqual(translateL4(store(), { ...OPTS, tcpServicesConfigMap: null, udpServicesConfigMap: null }), { routes: [], clusters: [], diagnostics: [] });
});

test('parseL4Target', () => {
  assert.deepEqual(parseL4Target(' ns/svc:http '), { target: { namespace: 'ns', service: 'svc', port: { name: 'http' }, proxyProtocol: 'none' } });
  assert.deepEqual(parseL4Target('ns/svc:80:proxy'), { target: { namespace: 'ns', service: 'svc', port: { number: 80 }, proxyProtocol: 'v1' } });
  assert.ok('error' in parseL4Target('ns/svc:-x'));
  assert.ok('error' in parseL4Target('/svc:80'));
  assert.ok('error' in parseL4Target(''));
});
