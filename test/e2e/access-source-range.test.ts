// Source ranges end to end (ingress-nginx ipallowlist/ipdenylist): real gateway from files, real
// backend, clients simulated by a trusted proxy (--trust-proxy 127.0.0.0/8) and X-Forwarded-For.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;
let untrusted: TestGateway;

const objects = () => [
  ingressClass(),
  ...backendFor('default', 'web', [echo.port]),
  ingress('default', 'allow', [{ host: 'allow.example', paths: [{ path: '/', service: 'web', port: 80 }] }],
    { annotations: { [`${A}whitelist-source-range`]: '198.51.100.0/24, 2001:db8::/32' } }),
  ingress('default', 'deny', [{ host: 'deny.example', paths: [{ path: '/', service: 'web', port: 80 }] }],
    { annotations: { [`${A}denylist-source-range`]: '198.51.100.7' } }),
  ingress('default', 'bad', [{ host: 'bad.example', paths: [{ path: '/', service: 'web', port: 80 }] }],
    { annotations: { [`${A}allowlist-source-range`]: '198.51.100.0/24,not-an-ip' } }),
  ingress('default', 'open', [{ host: 'open.example', paths: [{ path: '/', service: 'web', port: 80 }] }]),
];

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  gw = await startGateway(objects(), { trustProxy: ['127.0.0.0/8'], denylistSourceRange: ['192.0.2.0/24'] });
  untrusted = await startGateway(objects());
});

after(async () => {
  await gw?.close();
  await untrusted?.close();
  await echo?.close();
});

const from = (g: TestGateway, host: string, xff?: string) =>
  request(g.url + '/', { host, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });

test('allow list: inside → proxied with X-Real-IP = the client; outside → 403; spoofed leftmost entry ignored', async () => {
  const ok = await from(gw, 'allow.example', '198.51.100.20');
  assert.equal(ok.status, 200);
  assert.equal(ok.json().headers['x-real-ip'], '198.51.100.20');
  assert.equal(ok.json().headers['x-forwarded-for'], '198.51.100.20, 127.0.0.1');
  assert.equal((await from(gw, 'allow.example', '203.0.113.5')).status, 403);
  // The client writes an allowed address first; the proxy appends the real one: not allowed.
  assert.equal((await from(gw, 'allow.example', '198.51.100.20, 203.0.113.5')).status, 403);
  assert.equal((await from(gw, 'allow.example', '2001:db8::42')).status, 200);
  assert.equal((await from(gw, 'allow.example')).status, 403, 'the proxy itself (127.0.0.1) is not in the list');
});

test('deny list and the global --denylist-source-range default', async () => {
  assert.equal((await from(gw, 'deny.example', '198.51.100.7')).status, 403);
  assert.equal((await from(gw, 'deny.example', '198.51.100.8')).status, 200);
  // The annotation replaces the global deny list for that Ingress (ingress-nginx: the default
  // applies where no annotation does).
  assert.equal((await from(gw, 'deny.example', '192.0.2.1')).status, 200);
  assert.equal((await from(gw, 'open.example', '192.0.2.1')).status, 403);
  assert.equal((await from(gw, 'open.example', '203.0.113.1')).status, 200);
});

test('without --trust-proxy X-Forwarded-For is never believed', async () => {
  assert.equal((await from(untrusted, 'allow.example', '198.51.100.20')).status, 403);
  const open = await from(untrusted, 'open.example', '198.51.100.20');
  assert.equal(open.json().headers['x-real-ip'], '127.0.0.1');
});

test('one bad entry: the Ingress is refused (not served open) with a diagnostic', async () => {
  assert.equal((await from(gw, 'bad.example', '198.51.100.20')).status, 404);
  const diags = (await request(`${gw.adminUrl}/debug/diagnostics`)).json();
  const d = (Array.isArray(diags) ? diags : diags.diagnostics).find((x: { object: { name: string } }) => x.object.name === 'bad');
  assert.equal(d.reason, 'AccessPolicyInvalid');
  assert.match(d.message, /not-an-ip.*Ingress not served/);
});

test('explain lists the policies in order', async () => {
  const e = gw.app.http.explain('allow.example', '/');
  assert.deepEqual(e.policies.map((p) => p.step), ['source-range']);
  assert.match(e.policies[0].detail, /allow 198\.51\.100\.0\/24, 2001:db8::\/32 \(annotation\); deny 192\.0\.2\.0\/24 \(default\)/);
});
