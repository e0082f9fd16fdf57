// Cluster mode: an Opaque client-CA Secret named by auth-tls-secret is read through its own
// metadata.name watch (never a watch of every Secret's data), served from the first request, and a
// rotated CA applies without restart. Real @kubernetes/client-node against the fake API server,
// real TLS clients with certificates generated here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startEchoServer } from '../support/echo-server.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { startClusterGateway, eventually } from '../support/cluster-gateway.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { caSecret, makeClientCert, makeOwnCa } from '../support/client-certs.ts';
import type { TestCert } from '../support/certs.ts';

const A = 'nginx.ingress.kubernetes.io/';

function status(port: number, cert?: TestCert): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/', servername: 'staff.example', headers: { host: 'staff.example' }, rejectUnauthorized: false, agent: false,
      ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

test('auth-tls-secret in cluster mode: per-name watch, enforced from the first request, CA rotation applies live', async () => {
  const api = new FakeApiServer();
  await api.start();
  const echo = await startEchoServer({ name: 'web' });
  const ca1 = makeOwnCa('Cluster CA 1');
  const ca2 = makeOwnCa('Cluster CA 2');
  const ann = makeClientCert('ann', ca1);
  const ben = makeClientCert('ben', ca2);
  api.apply(ingressClass());
  api.apply(service('app', 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('app', 'web', 'web-1', ['127.0.0.1'], echo.port));
  api.apply(caSecret('app', 'client-ca', ca1.certPem));
  api.apply(ingress('app', 'staff', [{ host: 'staff.example', paths: [{ path: '/', service: 'web', port: 80 }] }],
    { annotations: { [`${A}auth-tls-secret`]: 'client-ca' } }));
  const gw = await startClusterGateway(api, { httpsPort: 0 });
  const port = gw.app.ports.https!;
  try {
    // Ready means the referenced Secret was listed: the first request is already checked.
    assert.equal(await status(port), 400);
    assert.equal(await status(port, ann), 200);
    assert.equal(await status(port, ben), 400);
    const secretCalls = api.requests.filter((r) => r.path.endsWith('/secrets'));
    assert.ok(secretCalls.some((r) => decodeURIComponent(r.query).includes('fieldSelector=metadata.name=client-ca')));
    for (const r of secretCalls) {
      const q = decodeURIComponent(r.query);
      assert.ok(q.includes('type=kubernetes.io/tls') || q.includes('metadata.name=client-ca'), `unexpected Secret request ${r.path}${q}`);
    }

    // Rotation: the new CA opens the host, the old one no longer does.
    api.apply(caSecret('app', 'client-ca', ca2.certPem));
    assert.equal(await eventually(() => status(port, ben), (s) => s === 200), 200);
    assert.equal(await status(port, ann), 400);

    // The Secret goes away: the Ingress is refused (404), never served open.
    api.delete('Secret', 'app', 'client-ca');
    assert.equal(await eventually(() => status(port, ben), (s) => s === 404), 404);
    assert.equal(await status(port), 404);
  } finally {
    await gw.close();
    await echo.close();
    await api.stop();
  }
});
