// SPEC §2.1 default-backend conformance scenario and the §1.8 fallback order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

let echo: EchoServer;
let hostDefault: EchoServer;
let api: EchoServer;
let gw: TestGateway;

before(async () => {
  echo = await startEchoServer({ name: 'echo-service' });
  hostDefault = await startEchoServer({ name: 'host-default' });
  api = await startEchoServer({ name: 'api' });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('default', 'echo-service', [echo.port], 8080),
    ...backendFor('default', 'host-default', [hostDefault.port], 8080),
    ...backendFor('default', 'api', [api.port], 8080),
    ingress('default', 'default-backend', [], { defaultBackend: { service: 'echo-service', port: 8080 }, created: '2024-01-01T00:00:00Z' }),
    ingress('default', 'site', [{ host: 'site.example', paths: [{ path: '/api', service: 'api', port: 8080 }] }],
      { defaultBackend: { service: 'host-default', port: 8080 }, created: '2024-02-01T00:00:00Z' }),
  ]);
});

after(async () => {
  await gw?.close();
  await echo?.close();
  await hostDefault?.close();
  await api?.close();
});

test('every method, host and path of the scenario reaches the default backend unchanged', async () => {
  const rows: [string, string | undefined, string][] = [
    ['GET', 'my-host', '/'], ['GET', 'my-host', '/sub-path'], ['POST', 'some-host', '/'],
    ['PUT', undefined, '/resource'], ['DELETE', 'some-host', '/resource'], ['PATCH', 'my-host', '/resource'],
  ];
  for (const [method, host, path] of rows) {
    const r = await request(gw.url + path, { method, ...(host ? { host } : {}) });
    assert.equal(r.status, 200, `${method} ${host} ${path}`);
    const b = r.json();
    assert.equal(b.name, 'echo-service');
    assert.equal(b.method, method);
    assert.equal(b.path, path);
  }
});

test('a matched host with no matching path uses that host\'s defaultBackend first (SPEC §1.8 choice)', async () => {
  assert.equal((await request(gw.url + '/api/x', { host: 'site.example' })).json().name, 'api');
  assert.equal((await request(gw.url + '/other', { host: 'site.example' })).json().name, 'host-default');
  assert.equal((await request(gw.url + '/other', { host: 'elsewhere' })).json().name, 'echo-service');
});
