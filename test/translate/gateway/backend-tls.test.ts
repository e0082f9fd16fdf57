// BackendTLSPolicy → upstream TLS of Gateway backends (src/translate/gateway/backend-tls.ts), and
// the policy status the translator reports (backendtlspolicy_types.go reasons; policy_types.go
// PolicyAncestorStatus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.ts';
import { defaultTranslateOptions, translate } from '../../../src/translate/index.ts';
import { isKind, type KubeObject } from '../../../src/k8s/types.ts';
import { gateway, gatewayClass, httpRoute } from '../../support/gateway-api.ts';
import { makeCa } from '../../support/certs.ts';
import { service } from '../../support/manifests.ts';

const G = 'gateway.networking.k8s.io/v1';
const ca = makeCa('Policy CA');

function run(policies: Record<string, unknown>[], extra: KubeObject[] = []) {
  const store = new Store();
  const objs: KubeObject[] = [
    gatewayClass(),
    gateway('ns', 'gw', [{ name: 'http', protocol: 'HTTP', port: 8080 }]),
    service('ns', 'app', [{ name: 'https', port: 443 }, { name: 'admin', port: 8443 }]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'ns' }, data: { 'ca.crt': ca.certPem } } as KubeObject,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty', namespace: 'ns' }, data: { 'ca.crt': 'no pem here' } } as KubeObject,
    httpRoute('ns', 'r', { parentRefs: [{ name: 'gw' }], rules: [
      { matches: [{ path: { value: '/a' } }], backendRefs: [{ name: 'app', port: 443 }] },
      { matches: [{ path: { value: '/b' } }], backendRefs: [{ name: 'app', port: 8443 }] },
    ] }),
    ...policies.map((p, i) => ({ apiVersion: G, kind: 'BackendTLSPolicy', metadata: { name: `p${i}`, namespace: 'ns', creationTimestamp: `2024-01-0${i + 1}T00:00:00Z` }, spec: p }) as KubeObject),
    ...extra,
  ];
  for (const o of objs) if (isKind(o.kind)) store.upsert(o.kind, o);
  const r = translate(store, { ...defaultTranslateOptions(), gatewayPorts: { http: 8080, https: null, offset: 0 } });
  const rules = r.snapshot.gateway!.listeners[0].hosts[0].rules;
  const backend = (path: string) => rules.find((x) => x.match.path.value === path)!.backends[0];
  const policy = (i: number) => r.gatewayStatus.policies?.find((p) => p.key === `ns/p${i}`);
  const conds = (i: number) => Object.fromEntries((policy(i)?.ancestors[0]?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  return { backend, policy, conds, diags: r.diagnostics };
}

const target = (sectionName?: string) => [{ group: '', kind: 'Service', name: 'app', ...(sectionName ? { sectionName } : {}) }];

test('a valid policy sets verified TLS with the hostname as SNI; sectionName narrows it to one port', () => {
  const r = run([{ targetRefs: target('https'), validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'app.internal' } }]);
  const up = r.backend('/a').upstream!;
  assert.equal(up.protocol, 'HTTPS');
  assert.equal(up.tls?.verify, true);
  assert.equal(up.tls?.name, 'app.internal');
  assert.equal(up.tls?.serverName, true);
  assert.match(up.tls?.caPem ?? '', /BEGIN CERTIFICATE/);
  assert.equal(r.backend('/b').upstream, undefined, 'the admin port is not targeted');
  assert.deepEqual(r.conds(0), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
  assert.deepEqual(r.policy(0)?.ancestors.map((a) => a.ancestorRef), [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'gw' }]);
});

test('System trust store; the older of two policies wins, the other is Conflicted', () => {
  const r = run([
    { targetRefs: target(), validation: { wellKnownCACertificates: 'System', hostname: 'app.internal' } },
    { targetRefs: target(), validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'other.internal' } },
  ]);
  assert.equal(r.backend('/a').upstream?.tls?.caPem, null, 'the default trust store');
  assert.equal(r.backend('/a').upstream?.tls?.name, 'app.internal');
  assert.equal(r.conds(1).Accepted, 'False/Conflicted');
});

test('what cannot be honoured makes the backend answer 500, with the spec\'s reasons on the policy', () => {
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [{ caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'missing' }], hostname: 'a.internal' }, { Accepted: 'False/NoValidCACertificate', ResolvedRefs: 'False/InvalidCACertificateRef' }],
    [{ caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'empty' }], hostname: 'a.internal' }, { Accepted: 'False/NoValidCACertificate', ResolvedRefs: 'False/InvalidCACertificateRef' }],
    [{ caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }], hostname: 'a.internal' }, { Accepted: 'False/NoValidCACertificate', ResolvedRefs: 'False/InvalidKind' }],
    [{ wellKnownCACertificates: 'Mozilla', hostname: 'a.internal' }, { Accepted: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' }],
    [{ wellKnownCACertificates: 'System', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'a.internal' }, { Accepted: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' }],
    [{ wellKnownCACertificates: 'System', hostname: '*.internal' }, { Accepted: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' }],
    [{ wellKnownCACertificates: 'System', hostname: 'a.internal', subjectAltNames: [{ type: 'URI', uri: 'spiffe://x' }] }, { Accepted: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' }],
  ];
  for (const [validation, want] of cases) {
    const r = run([{ targetRefs: target(), validation }]);
    assert.equal(r.backend('/a').clusterId, null, JSON.stringify(validation));
    assert.equal(r.backend('/a').reason, 'BackendTLSPolicyInvalid');
    assert.deepEqual(r.conds(0), want, JSON.stringify(validation));
  }
});
