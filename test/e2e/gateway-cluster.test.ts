// Gateway API in cluster mode end to end (README "Gateway API"): the real app watching the fake API
// server, real echo backends. The Gateway API kinds are read when their CRDs are installed, picked
// up when the CRDs appear after start, and dropped when the CRDs go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer } from '../support/echo-server.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { endpointSlice, service } from '../support/manifests.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import { eventually, servedBy, startClusterGateway } from '../support/cluster-gateway.ts';

function seed(api: FakeApiServer, port: number, echoPort: number): void {
  api.apply(service('shop', 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('shop', 'web', 'web-a', ['127.0.0.1'], echoPort));
  api.apply(gatewayClass());
  api.apply(gateway('shop', 'gw', [{ name: 'http', protocol: 'HTTP', port }]));
  api.apply(httpRoute('shop', 'front', { parentRefs: [{ name: 'gw' }], hostnames: ['shop.test'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }));
}

test('cluster mode: an HTTPRoute is served from the first ready, and follows route changes', async () => {
  const api = new FakeApiServer();
  await api.start();
  const echo = await startEchoServer({ name: 'a' });
  const other = await startEchoServer({ name: 'b' });
  const port = await freePort();
  api.installGatewayApi();
  seed(api, port, echo.port);
  const gw = await startClusterGateway(api, { httpPort: port });
  try {
    assert.equal(await servedBy(gw.url, 'shop.test'), 'a', 'served as soon as ready');
    api.apply(service('shop', 'other', [{ name: 'http', port: 80 }]));
    api.apply(endpointSlice('shop', 'other', 'other-a', ['127.0.0.1'], other.port));
    api.apply(httpRoute('shop', 'front', { parentRefs: [{ name: 'gw' }], hostnames: ['shop.test'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/b' } }], backendRefs: [{ name: 'other', port: 80 }] }, { backendRefs: [{ name: 'web', port: 80 }] }] }));
    assert.equal(await eventually(() => servedBy(gw.url, 'shop.test', '/b/x'), (v) => v === 'b'), 'b');
    assert.equal(await servedBy(gw.url, 'shop.test', '/a'), 'a');
  } finally {
    await gw.close();
    await echo.close();
    await other.close();
    await api.stop();
  }
});

test('cluster mode: CRDs installed after start are picked up; deleting them stops serving their routes', async () => {
  const api = new FakeApiServer();
  await api.start();
  const echo = await startEchoServer({ name: 'a' });
  const port = await freePort();
  const gw = await startClusterGateway(api, { httpPort: port }, { discoveryMs: 100 });
  try {
    assert.equal(await servedBy(gw.url, 'shop.test'), 404);
    assert.ok(gw.logs.some((l) => l.includes('Gateway API CRDs not installed')), 'said once why Gateway API objects are not read');
    api.installGatewayApi();
    seed(api, port, echo.port);
    assert.equal(await eventually(() => servedBy(gw.url, 'shop.test'), (v) => v === 'a'), 'a');
    api.uninstallGatewayApi();
    assert.equal(await eventually(() => servedBy(gw.url, 'shop.test'), (v) => v === 404), 404);
    // The DELETED events can stop the serving before discovery notices the CRDs went.
    const notInstalled = (): number => gw.logs.filter((l) => l.includes('Gateway API CRDs not installed')).length;
    assert.equal(await eventually(notInstalled, (n) => n >= 2), 2, 'logged on each change');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(notInstalled(), 2, 'not on every look-up');
  } finally {
    await gw.close();
    await echo.close();
    await api.stop();
  }
});
