import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Service } from '../../src/k8s/types.ts';
import { resolveServiceBackend } from '../../src/translate/backends.ts';

const svc = (name: string, spec: Service['spec'], annotations?: Record<string, string>): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) }, spec });

function store(...services: Service[]): Store {
  const s = new Store();
  for (const x of services) s.upsert('Service', x);
  return s;
}

const NO_EXT = { allowExternalName: false };

test('port number matches spec.ports[].port, name matches spec.ports[].name; id uses the service port number', () => {
  const s = store(svc('web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000, targetPort: 'admin' }] }));
  const byNumber = resolveServiceBackend(s, 'ns', 'web', { number: 80 }, NO_EXT);
  const byName = resolveServiceBackend(s, 'ns', 'web', { name: 'http' }, NO_EXT);
  assert.ok(byNumber.ok && byName.ok);
  assert.deepEqual(byNumber.cluster, byName.cluster);
  assert.deepEqual(byNumber.cluster, {
    id: 'ns/web:80', namespace: 'ns', service: 'web', port: 80, portName: 'http', protocol: 'TCP', kind: 'endpoints',
    externalName: null, balancer: 'round-robin', sessionAffinity: { type: 'None', timeoutSeconds: 10800 },
  });
  // targetPort is not a backend port (SPEC §1.1).
  const byTarget = resolveServiceBackend(s, 'ns', 'web', { number: 8080 }, NO_EXT);
  assert.deepEqual(byTarget, { ok: false, reason: 'ServicePortNotFound', message: 'Service ns/web has no TCP port 8080' });
  assert.equal(resolveServiceBackend(s, 'ns', 'web', { name: 'nope' }, NO_EXT).ok, false);
});

test('missing Service, other namespace', () => {
  const s = store(svc('web', { ports: [{ port: 80 }] }));
  const r = resolveServiceBackend(s, 'other', 'web', { number: 80 }, NO_EXT);
  assert.deepEqual(r, { ok: false, reason: 'ServiceNotFound', message: 'Service other/web not found' });
});

test('protocol must match (UDP port of the same number is not a TCP backend)', () => {
  const s = store(svc('dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
  assert.equal(resolveServiceBackend(s, 'ns', 'dns', { number: 53 }, NO_EXT).ok, false);
  const udp = resolveServiceBackend(s, 'ns', 'dns', { number: 53 }, { allowExternalName: false, protocol: 'UDP' });
  assert.ok(udp.ok && udp.cluster.protocol === 'UDP' && udp.cluster.id === 'ns/dns:53');
});

test('ExternalName only when allowed; a numbered port is used as is when the Service lists none', () => {
  const s = store(svc('ext', { type: 'ExternalName', externalName: 'Example.COM' }));
  assert.deepEqual(resolveServiceBackend(s, 'ns', 'ext', { number: 443 }, NO_EXT),
    { ok: false, reason: 'ExternalNameNotAllowed', message: 'Service ns/ext is of type ExternalName, which is disabled (--allow-external-name)' });
  const r = resolveServiceBackend(s, 'ns', 'ext', { number: 443 }, { allowExternalName: true });
  assert.ok(r.ok);
  assert.equal(r.cluster.kind, 'external-name');
  assert.equal(r.cluster.externalName, 'example.com');
  assert.equal(r.cluster.id, 'ns/ext:443');
  assert.equal(resolveServiceBackend(s, 'ns', 'ext', { name: 'https' }, { allowExternalName: true }).ok, false);
});

test('balancer annotation and session affinity', () => {
  const s = store(
    svc('a', { ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, { 'portico.io/l4-balance': 'least-connections' }),
    svc('b', { ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }, { 'portico.io/l4-balance': 'bogus' }),
  );
  const a = resolveServiceBackend(s, 'ns', 'a', { number: 80 }, NO_EXT);
  const b = resolveServiceBackend(s, 'ns', 'b', { number: 80 }, NO_EXT);
  assert.ok(a.ok && b.ok);
  assert.equal(a.cluster.balancer, 'least-connections');
  assert.deepEqual(a.cluster.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 60 });
  assert.equal(b.cluster.balancer, 'round-robin');
  assert.deepEqual(b.cluster.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 10800 });
});

test('malformed Service spec does not throw', () => {
  const s = store(svc('x', 'junk' as unknown as Service['spec']), svc('y', { ports: 'junk' as unknown as [] }));
  assert.equal(resolveServiceBackend(s, 'ns', 'x', { number: 80 }, NO_EXT).ok, false);
  assert.equal(resolveServiceBackend(s, 'ns', 'y', { number: 80 }, NO_EXT).ok, false);
});
