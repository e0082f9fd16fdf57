// BackendTLSPolicy v1 in file mode (gateway-api apis/v1/backendtlspolicy_types.go; conformance
// backendtlspolicy.go): an HTTPRoute backend reached over TLS, verified against the CA of a
// ConfigMap with `hostname` as SNI and certificate name; a wrong CA, a wrong hostname or a policy
// Portico cannot honour answer 500 — never plaintext, never unverified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { request, startGateway } from '../support/gateway.ts';
import { backendFor } from '../support/manifests.ts';
import { makeCa, makeCert } from '../support/certs.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const NS = 'btls';
const policy = (name: string, service: string, validation: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name, namespace: NS }, spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation, ...extra } }) as KubeObject;
const caMap = (name: string, pem: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { 'ca.crt': pem } }) as KubeObject;

test('BackendTLSPolicy: TLS to the pods verified with the ConfigMap CA and hostname (SNI); anything unverifiable answers 500', async () => {
  const ca = makeCa('Backend CA');
  const other = makeCa('Other CA');
  const pod = makeCert({ sans: ['secure.backend.test'], issuer: ca });
  const sni: string[] = [];
  const backend = https.createServer({ cert: pod.certPem, key: pod.keyPem }, (req, res) => {
    sni.push(String((req.socket as TLSSocket).servername));
    res.end(JSON.stringify({ tls: true, path: req.url }));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const bport = (backend.address() as { port: number }).port;
  const port = await freePort();
  const services = ['good', 'wrong-ca', 'wrong-name', 'san', 'no-map', 'system'];
  const gw = await startGateway([
    gatewayClass(),
    caMap('backend-ca', ca.certPem),
    caMap('other-ca', other.certPem),
    ...services.flatMap((s) => backendFor(NS, s, [bport], 443)),
    gateway(NS, 'web', [{ name: 'http', port, protocol: 'HTTP' }]),
    httpRoute(NS, 'all', {
      parentRefs: [{ name: 'web' }],
      rules: [
        ...services.map((s) => ({ matches: [{ path: { value: `/${s}` } }], backendRefs: [{ name: s, port: 443 }] })),
        // A mirror copy would go out as plain HTTP/1.1: not to a Service reached over TLS.
        { matches: [{ path: { value: '/mirrored' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'good', port: 443 } } }], backendRefs: [{ name: 'good', port: 443 }] },
      ],
    }),
    policy('good', 'good', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'secure.backend.test' }),
    policy('wrong-ca', 'wrong-ca', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'other-ca' }], hostname: 'secure.backend.test' }),
    policy('wrong-name', 'wrong-name', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'other.backend.test' }),
    policy('san', 'san', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'secure.backend.test', subjectAltNames: [{ type: 'Hostname', hostname: 'x.test' }] }),
    policy('no-map', 'no-map', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'missing' }], hostname: 'secure.backend.test' }),
    // The system trust store does not know the test CA: verification fails, 502.
    policy('system', 'system', { wellKnownCACertificates: 'System', hostname: 'secure.backend.test' }),
  ], { httpPort: port });
  try {
    const ok = await request(`http://127.0.0.1:${port}/good`, { host: 'any.test' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { tls: true, path: '/good' });
    assert.equal(sni.at(-1), 'secure.backend.test', 'hostname is the SNI');
    for (const s of ['wrong-ca', 'wrong-name', 'system']) {
      const r = await request(`http://127.0.0.1:${port}/${s}`, { host: 'any.test' });
      assert.equal(r.status, 502, `${s}: the handshake is refused, nothing is sent unverified`);
    }
    for (const s of ['san', 'no-map']) assert.equal((await request(`http://127.0.0.1:${port}/${s}`, { host: 'any.test' })).status, 500, s);
    assert.equal((await request(`http://127.0.0.1:${port}/mirrored`, { host: 'any.test' })).status, 200);
    assert.equal(sni.length, 2, 'the request reached the pod once over TLS, and no copy was sent');
    const d = gw.app.controller.diagnostics();
    assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /RequestMirror: Service btls\/good is reached over HTTPS/.test(x.message)));
    assert.ok(d.some((x) => x.reason === 'BackendTLSPolicyInvalid' && x.object.name === 'san' && /subjectAltNames is not supported/.test(x.message)));
    assert.ok(d.some((x) => x.reason === 'BackendTLSPolicyInvalid' && x.object.name === 'no-map' && /InvalidCACertificateRef/.test(x.message)));
    assert.ok(d.some((x) => x.reason === 'BackendTLSPolicyInvalid' && x.object.kind === 'HTTPRoute' && /answers 500/.test(x.message)));
  } finally {
    await gw.close();
    backend.close();
  }
});
