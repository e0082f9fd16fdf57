// CORS end to end (ingress-nginx enable-cors / cors-*): preflights answered 204 by the gateway,
// simple requests get the headers, a non-matching Origin gets none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  const route = (name: string, annotations: Record<string, string>) =>
    ingress('default', name, [{ host: `${name}.example`, paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    route('defaults', { [`${A}enable-cors`]: 'true' }),
    route('listed', { [`${A}enable-cors`]: 'true', [`${A}cors-allow-origin`]: 'https://app.example.com, https://*.partner.example',
      [`${A}cors-allow-methods`]: 'GET, POST', [`${A}cors-expose-headers`]: 'X-Total', [`${A}cors-allow-credentials`]: 'false', [`${A}cors-max-age`]: '600' }),
    route('bad', { [`${A}enable-cors`]: 'true', [`${A}cors-allow-origin`]: 'javascript:alert(1)' }),
  ]);
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

test('preflight with the ingress-nginx defaults: 204 from the gateway, nothing reaches the backend', async () => {
  const before = echo.requests;
  const r = await request(gw.url + '/api', { host: 'defaults.example', method: 'OPTIONS', headers: { origin: 'https://any.example', 'access-control-request-method': 'PUT' } });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://any.example');
  assert.equal(r.headers.get('access-control-allow-methods'), 'GET, PUT, POST, DELETE, PATCH, OPTIONS');
  assert.match(r.headers.get('access-control-allow-headers') ?? '', /^DNT,Keep-Alive,User-Agent/);
  assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
  assert.equal(r.headers.get('access-control-max-age'), '1728000');
  assert.equal(echo.requests, before);
});

test('listed and wildcard origins; a simple request gets the headers; a foreign origin gets none', async () => {
  const ok = await request(gw.url + '/x', { host: 'listed.example', headers: { origin: 'https://app.example.com' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(ok.headers.get('access-control-expose-headers'), 'X-Total');
  assert.equal(ok.headers.get('access-control-allow-credentials'), null);
  const wild = await request(gw.url + '/x', { host: 'listed.example', method: 'OPTIONS', headers: { origin: 'https://eu.partner.example' } });
  assert.equal(wild.status, 204);
  assert.equal(wild.headers.get('access-control-max-age'), '600');
  assert.equal(wild.headers.get('access-control-allow-methods'), 'GET, POST');
  for (const origin of ['https://evil.example', 'https://a.b.partner.example', 'http://app.example.com']) {
    const no = await request(gw.url + '/x', { host: 'listed.example', method: 'OPTIONS', headers: { origin } });
    assert.equal(no.status, 200, `${origin}: proxied, not answered`);
    assert.equal(no.headers.get('access-control-allow-origin'), null, origin);
  }
  const none = await request(gw.url + '/x', { host: 'listed.example' });
  assert.equal(none.headers.get('access-control-allow-origin'), null);
});

test('a malformed origin refuses the Ingress; explain shows the step last', async () => {
  assert.equal((await request(gw.url + '/', { host: 'bad.example' })).status, 404);
  assert.deepEqual(gw.app.http.explain('listed.example', '/').policies.map((p) => p.step), ['cors-preflight']);
});
