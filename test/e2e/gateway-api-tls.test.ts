// Gateway API HTTPS listeners in file mode: tls.mode Terminate with certificateRefs to Secrets
// (cross-namespace only with a ReferenceGrant: gateway-api conformance
// gateway-secret-reference-grant-*.go, gateway-secret-missing-reference-grant.go), SNI picks the
// listener's certificate, and a request whose Host belongs to another listener than the one the
// connection's SNI chose answers 421 (RFC 9110 §15.5.20).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway } from '../support/gateway.ts';
import { backendFor } from '../support/manifests.ts';
import { describePeer, makeCert, tlsSecret } from '../support/certs.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

function get(port: number, servername: string, host: string, path = '/'): Promise<{ status: number; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername, headers: { host }, rejectUnauthorized: false, agent: false }, (r) => {
      const peer = (r.socket as TLSSocket).getPeerCertificate();
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body, cn: describePeer(peer).cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS listeners: certificateRefs by SNI, ReferenceGrant for another namespace, 421 on a misdirected Host', async () => {
  const echo = await startEchoServer({ name: 'web' });
  const shop = makeCert({ sans: ['shop.test'], cn: 'shop-cert' });
  const api = makeCert({ sans: ['api.test'], cn: 'api-cert' });
  const port = await freePort();
  const grant: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant', metadata: { name: 'gateways', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gw' }], to: [{ group: '', kind: 'Secret' }] },
  } as KubeObject;
  const objs = (withGrant: boolean): KubeObject[] => [
    gatewayClass(),
    ...backendFor('gw', 'web', [echo.port]),
    tlsSecret('gw', 'shop-tls', shop.certPem, shop.keyPem),
    tlsSecret('certs', 'api-tls', api.certPem, api.keyPem),
    ...(withGrant ? [grant] : []),
    gateway('gw', 'edge', [
      { name: 'shop', port, protocol: 'HTTPS', hostname: 'shop.test', tls: { certificateRefs: [{ name: 'shop-tls' }] } },
      { name: 'api', port, protocol: 'HTTPS', hostname: 'api.test', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'api-tls', namespace: 'certs' }] } },
    ]),
    httpRoute('gw', 'all', { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
  ];
  const gw = await startGateway(objs(false), { httpsPort: port });
  try {
    const a = await get(port, 'shop.test', 'shop.test', '/x');
    assert.equal(a.status, 200);
    assert.equal(a.cn, 'shop-cert');
    assert.equal(JSON.parse(a.body).path, '/x');
    // Without the grant the api listener is not served: default certificate, no Gateway route.
    const diags = JSON.stringify(await (await fetch(`${gw.adminUrl}/debug/diagnostics`)).json());
    assert.match(diags, /RefNotPermitted/);
    assert.match(diags, /InvalidCertificateRef/);
    assert.notEqual((await get(port, 'api.test', 'api.test')).cn, 'api-cert');

    await gw.write(objs(true));
    const b = await get(port, 'api.test', 'api.test');
    assert.equal(b.status, 200);
    assert.equal(b.cn, 'api-cert');
    // The connection chose the shop listener by SNI; a Host of the api listener is misdirected.
    const c = await get(port, 'shop.test', 'api.test');
    assert.equal(c.status, 421);
    assert.equal((await get(port, 'shop.test', 'SHOP.test:443')).status, 200);
  } finally {
    await gw.close();
    await echo.close();
  }
});
