// HTTP/HTTPS Gateway listeners on ports of their own, as the translator hands them to the
// dataplane (model/gateway.ts GatewayHttpPort) and reports them: bind ports with the offset, the
// --https-port SNI table kept to its own listeners, one protocol per port (within a Gateway a
// ProtocolConflict, across Gateways the oldest keeps it), TLS passthrough sharing an HTTPS port, and
// a ListenFailed listener's status (src/translate/gateway/listen-failures.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.ts';
import { defaultTranslateOptions, translate } from '../../../src/translate/index.ts';
import { isKind, type KubeObject } from '../../../src/k8s/types.ts';
import { gateway, gatewayClass, httpRoute } from '../../support/gateway-api.ts';
import { makeCert, tlsSecret } from '../../support/certs.ts';
import { service } from '../../support/manifests.ts';
import { withListenFailures } from '../../../src/translate/gateway/listen-failures.ts';
import { diagnostic } from '../../../src/model/diagnostic.ts';
import type { ConditionReport } from '../../../src/translate/gateway/status-report.ts';

function run(objs: KubeObject[], offset = 0) {
  const store = new Store();
  for (const o of objs) if (isKind(o.kind)) store.upsert(o.kind, o);
  return translate(store, { ...defaultTranslateOptions(), gatewayPorts: { http: 8080, https: 8443, offset } });
}
const conds = (list: readonly ConditionReport[] | undefined) => Object.fromEntries((list ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
const created = (o: KubeObject, t: string): KubeObject => ({ ...o, metadata: { ...o.metadata, creationTimestamp: t } });

test('own ports: bound at port + offset, one entry per port with its listeners and its SNI; the main ports have none', () => {
  const a = makeCert({ sans: ['a.test'] });
  const b = makeCert({ sans: ['b.test'] });
  const r = run([
    gatewayClass(),
    service('gw', 'web', [{ name: 'http', port: 80 }]),
    tlsSecret('gw', 'a', a.certPem, a.keyPem),
    tlsSecret('gw', 'b', b.certPem, b.keyPem),
    gateway('gw', 'edge', [
      { name: 'main', protocol: 'HTTP', port: 80 },
      { name: 'main-tls', protocol: 'HTTPS', port: 443, hostname: 'a.test', tls: { certificateRefs: [{ name: 'a' }] } },
      { name: 'alt', protocol: 'HTTP', port: 1080 },
      { name: 'alt-tls', protocol: 'HTTPS', port: 1443, hostname: 'b.test', tls: { certificateRefs: [{ name: 'b' }] } },
      { name: 'alt-any', protocol: 'HTTPS', port: 1443, tls: { certificateRefs: [{ name: 'a' }] } },
    ]),
    httpRoute('gw', 'all', { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
  ], 8000);
  const g = r.snapshot.gateway!;
  assert.deepEqual(g.ports?.map((p) => ({ port: p.port, scheme: p.scheme, listeners: p.listeners.map((l) => l.name), sni: p.sni.map((s) => s.hostname), any: p.anyHostCertificateId !== null })), [
    { port: 9080, scheme: 'http', listeners: ['alt'], sni: [], any: false },
    { port: 9443, scheme: 'https', listeners: ['alt-tls', 'alt-any'], sni: ['b.test'], any: true },
  ]);
  // --https-port's table: only the listener bound there; the hostless one of port 9443 is not its default.
  assert.deepEqual(g.sni.map((s) => s.hostname), ['a.test']);
  assert.equal(r.snapshot.defaultCertificateId, null);
  assert.deepEqual(Object.fromEntries(g.listeners.map((l) => [l.id, l.bindPort ?? l.port])), {
    'gw/edge/main': 8080, 'gw/edge/main-tls': 8443, 'gw/edge/alt': 9080, 'gw/edge/alt-tls': 9443, 'gw/edge/alt-any': 9443,
  });
  assert.deepEqual(r.diagnostics.filter((d) => d.reason === 'PortUnavailable'), []);
});

test('one protocol per port: HTTP beside HTTPS in a Gateway conflicts; across Gateways the oldest keeps the port; main ports keep theirs', () => {
  const c = makeCert({ sans: ['c.test'] });
  const r = run([
    gatewayClass(),
    tlsSecret('gw', 'c', c.certPem, c.keyPem),
    gateway('gw', 'mixed', [
      { name: 'plain', protocol: 'HTTP', port: 9000 },
      { name: 'secure', protocol: 'HTTPS', port: 9000, hostname: 'c.test', tls: { certificateRefs: [{ name: 'c' }] } },
      { name: 'http-on-https', protocol: 'HTTP', port: 8443 },
    ]),
    created(gateway('gw', 'newer', [{ name: 'tls', protocol: 'HTTPS', port: 9100, tls: { certificateRefs: [{ name: 'c' }] } }]), '2026-02-01T00:00:00Z'),
    created(gateway('gw', 'older', [{ name: 'web', protocol: 'HTTP', port: 9100 }]), '2026-01-01T00:00:00Z'),
  ]);
  const st = (gw: string, l: string) => conds(r.gatewayStatus.gateways.find((g) => g.key === `gw/${gw}`)?.listeners.find((x) => x.name === l)?.conditions);
  assert.equal(st('mixed', 'plain').Conflicted, 'True/ProtocolConflict');
  assert.equal(st('mixed', 'secure').Conflicted, 'True/ProtocolConflict');
  assert.equal(st('mixed', 'http-on-https').Accepted, 'False/PortUnavailable');
  assert.equal(st('older', 'web').Programmed, 'True/Programmed');
  assert.deepEqual(st('newer', 'tls'), { Accepted: 'False/PortUnavailable', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts', Programmed: 'False/Invalid' });
  assert.deepEqual(r.snapshot.gateway?.ports?.map((p) => [p.port, p.scheme, p.listeners.map((l) => l.gateway)]), [[9100, 'http', ['gw/older']]]);
});

test('TLS passthrough on an HTTPS listener\'s own port joins that port; alone on a port it stays the L4 module\'s', () => {
  const c = makeCert({ sans: ['web.test'] });
  const tlsRoute = (name: string, section: string, host: string): KubeObject => ({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name, namespace: 'gw' },
    spec: { parentRefs: [{ name: 'edge', sectionName: section }], hostnames: [host], rules: [{ backendRefs: [{ name: 'pod', port: 443 }] }] } }) as KubeObject;
  const r = run([
    gatewayClass(),
    service('gw', 'pod', [{ name: 'https', port: 443 }]),
    tlsSecret('gw', 'c', c.certPem, c.keyPem),
    gateway('gw', 'edge', [
      { name: 'https', protocol: 'HTTPS', port: 9443, hostname: 'web.test', tls: { certificateRefs: [{ name: 'c' }] } },
      { name: 'shared', protocol: 'TLS', port: 9443, hostname: 'pass.test', tls: { mode: 'Passthrough' } },
      { name: 'alone', protocol: 'TLS', port: 9444, hostname: 'other.test', tls: { mode: 'Passthrough' } },
    ]),
    tlsRoute('shared', 'shared', 'pass.test'),
    tlsRoute('alone', 'alone', 'other.test'),
  ]);
  const p = r.snapshot.gateway?.ports?.find((x) => x.port === 9443);
  assert.deepEqual(p?.passthrough?.map((h) => h.hostname), ['pass.test']);
  assert.deepEqual(r.snapshot.tlsPorts?.map((t) => t.port), [9444]);
});

test('ListenFailed on a listener: Accepted False/PortUnavailable, Programmed False/Invalid; the Gateway stays Programmed while another listener is', () => {
  const r = run([gatewayClass(), gateway('gw', 'edge', [{ name: 'main', protocol: 'HTTP', port: 8080 }, { name: 'busy', protocol: 'HTTP', port: 9080 }])]);
  const failed = diagnostic({ kind: 'Gateway', namespace: 'gw', name: 'edge' }, 'ListenFailed', 'listener "busy": HTTP port 9080: cannot listen: listen EADDRINUSE');
  const g = withListenFailures(r.gatewayStatus, [failed]).gateways[0];
  assert.deepEqual(conds(g.listeners.find((l) => l.name === 'busy')?.conditions), { Accepted: 'False/PortUnavailable', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts', Programmed: 'False/Invalid' });
  assert.equal(conds(g.listeners.find((l) => l.name === 'main')?.conditions).Programmed, 'True/Programmed');
  assert.deepEqual(conds(g.conditions), { Accepted: 'True/ListenersNotValid', Programmed: 'True/Programmed' });
  // Every listener failed: the Gateway is not Programmed.
  const both = withListenFailures(r.gatewayStatus, [failed, diagnostic(failed.object, 'ListenFailed', 'listener "main": HTTP port 8080: cannot listen: x')]).gateways[0];
  assert.equal(conds(both.conditions).Programmed, 'False/Invalid');
  assert.equal(withListenFailures(r.gatewayStatus, []), r.gatewayStatus);
});
