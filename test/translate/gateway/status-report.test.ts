// The Gateway API status the translator reports (README "Gateway API" "Status"), for the cases the
// cluster test does not reach: HTTPS certificate refs (conformance gateway-invalid-tls-configuration,
// gateway-secret-missing-reference-grant), listener conflicts, a Gateway without usable listeners,
// invalid routes (UnsupportedValue) and a listener that admits no HTTPRoute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.ts';
import { defaultTranslateOptions, translate } from '../../../src/translate/index.ts';
import { isKind, type KubeObject } from '../../../src/k8s/types.ts';
import { gateway, gatewayClass, httpRoute } from '../../support/gateway-api.ts';
import { makeCert, tlsSecret } from '../../support/certs.ts';
import type { ConditionReport } from '../../../src/translate/gateway/status-report.ts';

function run(objs: KubeObject[]) {
  const store = new Store();
  for (const o of objs) if (isKind(o.kind)) store.upsert(o.kind, o);
  return translate(store, { ...defaultTranslateOptions(), gatewayPorts: { http: 8080, https: 8443, offset: 0 } }).gatewayStatus;
}
const conds = (list: readonly ConditionReport[] | undefined) => Object.fromEntries((list ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

test('HTTPS listeners: missing Secret → InvalidCertificateRef, cross-namespace without grant → RefNotPermitted; neither is programmed', () => {
  const cert = makeCert({ sans: ['ok.test'] });
  const report = run([
    gatewayClass(),
    tlsSecret('gw', 'good', cert.certPem, cert.keyPem),
    tlsSecret('certs', 'far', cert.certPem, cert.keyPem),
    gateway('gw', 'web', [
      { name: 'ok', protocol: 'HTTPS', port: 8443, hostname: 'ok.test', tls: { certificateRefs: [{ name: 'good' }] } },
      { name: 'missing', protocol: 'HTTPS', port: 8443, hostname: 'missing.test', tls: { certificateRefs: [{ name: 'nope' }] } },
      { name: 'far', protocol: 'HTTPS', port: 8443, hostname: 'far.test', tls: { certificateRefs: [{ name: 'far', namespace: 'certs' }] } },
      { name: 'passthrough', protocol: 'HTTPS', port: 8443, hostname: 'pt.test', tls: { mode: 'Passthrough' } },
    ]),
  ]);
  const l = (name: string) => conds(report.gateways[0].listeners.find((x) => x.name === name)?.conditions);
  assert.deepEqual(l('ok'), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts', Programmed: 'True/Programmed' });
  assert.equal(l('missing').ResolvedRefs, 'False/InvalidCertificateRef');
  assert.equal(l('missing').Programmed, 'False/Invalid');
  assert.equal(l('far').ResolvedRefs, 'False/RefNotPermitted');
  assert.equal(l('passthrough').Accepted, 'False/UnsupportedProtocol');
  assert.deepEqual(conds(report.gateways[0].conditions), { Accepted: 'True/ListenersNotValid', Programmed: 'True/Programmed' });
});

test('listener conflicts (gateway_types.go ListenerConditionConflicted): both listeners of a pair are Conflicted and neither is programmed', () => {
  const cert = makeCert({ sans: ['ok.test'] });
  const report = run([
    gatewayClass(),
    tlsSecret('gw', 'good', cert.certPem, cert.keyPem),
    gateway('gw', 'web', [
      { name: 'a', protocol: 'HTTPS', port: 8443, hostname: 'ok.test', tls: { certificateRefs: [{ name: 'good' }] } },
      { name: 'a-again', protocol: 'HTTPS', port: 8443, hostname: 'ok.test', tls: { certificateRefs: [{ name: 'good' }] } },
      { name: 'other-host', protocol: 'HTTPS', port: 8443, hostname: 'other.test', tls: { certificateRefs: [{ name: 'good' }] } },
      { name: 'tcp', protocol: 'TCP', port: 8080 },
      { name: 'http', protocol: 'HTTP', port: 8080 },
      { name: 'tcp9000', protocol: 'TCP', port: 9000 },
      { name: 'udp9000', protocol: 'UDP', port: 9000 },
      { name: 'tcp9001', protocol: 'TCP', port: 9001 },
      { name: 'tcp9001-again', protocol: 'TCP', port: 9001 },
    ]),
  ]);
  const l = (name: string) => conds(report.gateways[0].listeners.find((x) => x.name === name)?.conditions);
  assert.equal(l('a').Conflicted, 'True/HostnameConflict');
  assert.equal(l('a-again').Conflicted, 'True/HostnameConflict');
  assert.equal(l('a').Programmed, 'False/Invalid');
  assert.equal(l('a-again').Programmed, 'False/Invalid');
  assert.deepEqual(l('other-host'), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts', Programmed: 'True/Programmed' });
  // TCP owns its port: HTTP next to it is a ProtocolConflict; TCP with UDP may share a port number.
  assert.equal(l('tcp').Conflicted, 'True/ProtocolConflict');
  assert.equal(l('http').Conflicted, 'True/ProtocolConflict');
  assert.equal(l('tcp9000').Conflicted, 'False/NoConflicts');
  assert.equal(l('udp9000').Programmed, 'True/Programmed');
  assert.equal(l('tcp9001').Conflicted, 'True/ProtocolConflict');
  assert.equal(l('tcp9001-again').Conflicted, 'True/ProtocolConflict');
  const kinds = (name: string) => report.gateways[0].listeners.find((x) => x.name === name)?.supportedKinds.map((k) => k.kind);
  assert.deepEqual(kinds('other-host'), ['HTTPRoute', 'GRPCRoute']);
  assert.deepEqual(kinds('tcp9000'), ['TCPRoute']);
  assert.deepEqual(kinds('udp9000'), ['UDPRoute']);
});

test('a Gateway without listeners, or with none valid, is not accepted; another class is not reported', () => {
  const report = run([
    gatewayClass(), gatewayClass('other', 'example.com/x'),
    gateway('gw', 'empty', []),
    gateway('gw', 'bad', [{ name: 'sctp', protocol: 'SCTP', port: 53 }, { name: 'h', protocol: 'HTTP', port: 8080, hostname: 'no_underscores.test' }]),
    gateway('gw', 'theirs', [{ name: 'http', protocol: 'HTTP', port: 8080 }], 'other'),
  ]);
  assert.deepEqual(report.classes.map((c) => c.name), ['portico']);
  assert.deepEqual(report.gateways.map((g) => g.key), ['gw/bad', 'gw/empty']);
  for (const g of report.gateways) assert.deepEqual(conds(g.conditions), { Accepted: 'False/ListenersNotValid', Programmed: 'False/Invalid' });
  assert.equal(conds(report.gateways[0].listeners.find((x) => x.name === 'h')!.conditions).Accepted, 'False/UnsupportedValue');
});

test('routes: invalid hostnames or no servable rule → Accepted False UnsupportedValue; a listener admitting only other kinds → NotAllowedByListeners', () => {
  const report = run([
    gatewayClass(),
    gateway('gw', 'web', [
      { name: 'http', protocol: 'HTTP', port: 8080 },
      { name: 'foo', protocol: 'HTTP', port: 8080, hostname: 'foo.test', allowedRoutes: { kinds: [{ kind: 'FooRoute' }] } },
    ]),
    httpRoute('gw', 'badhost', { parentRefs: [{ name: 'web' }], hostnames: ['1.2.3.4'] }),
    httpRoute('gw', 'badrules', { parentRefs: [{ name: 'web' }], rules: [{ filters: [{ type: 'CORS' }], backendRefs: [{ name: 'x', port: 80 }] }] }),
    httpRoute('gw', 'foo', { parentRefs: [{ name: 'web', sectionName: 'foo' }] }),
    httpRoute('gw', 'twice', { parentRefs: [{ name: 'web' }, { name: 'web', sectionName: 'http' }] }),
  ]);
  const route = (name: string) => report.routes.find((r) => r.key === `gw/${name}`)!;
  assert.equal(conds(route('badhost').parents[0].conditions).Accepted, 'False/UnsupportedValue');
  assert.equal(conds(route('badrules').parents[0].conditions).Accepted, 'False/UnsupportedValue');
  assert.equal(conds(route('foo').parents[0].conditions).Accepted, 'False/NotAllowedByListeners');
  const foo = report.gateways[0].listeners.find((x) => x.name === 'foo')!;
  assert.deepEqual(foo.supportedKinds, []);
  assert.equal(conds(foo.conditions).ResolvedRefs, 'False/InvalidRouteKinds');
  // Two parentRefs onto one listener: one parents[] entry each, the route counted once.
  assert.equal(route('twice').parents.length, 2);
  assert.equal(report.gateways[0].listeners.find((x) => x.name === 'http')!.attachedRoutes, 1);
});
