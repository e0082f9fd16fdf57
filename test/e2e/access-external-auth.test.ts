// External auth end to end (ingress-nginx auth-url = nginx auth_request): an auth server run here
// that allows, denies, asks to sign in, is slow or is down; the real gateway in between.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;
let auth: http.Server;
let authPort: number;
let closedPort: number;
let objs: KubeObject[];
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: number }[] = [];

function startAuth(): Promise<void> {
  auth = http.createServer((req, res) => {
    let body = 0;
    req.on('data', (c: Buffer) => (body += c.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/allow') {
        res.writeHead(200, { 'x-user': 'alice', 'x-groups': 'admins', 'set-cookie': 'session=abc; HttpOnly' });
      } else if (path === '/deny') res.writeHead(403);
      else if (path === '/login') res.writeHead(401, { 'www-authenticate': 'Bearer realm="sso"', 'set-cookie': 'csrf=1' });
      else if (path === '/slow') return void setTimeout(() => res.end('late'), 1500);
      else res.writeHead(500);
      res.end('auth says');
    });
  });
  return new Promise((r) => auth.listen(0, '127.0.0.1', () => {
    authPort = (auth.address() as AddressInfo).port;
    r();
  }));
}

const protectedBy = (name: string, annotations: Record<string, string>): KubeObject =>
  ingress('default', name, [{ host: `${name}.example`, paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations });

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  await startAuth();
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const base = `http://127.0.0.1:${authPort}`;
  objs = [
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    service('auth', 'oauth', [{ name: 'http', port: 4180, targetPort: authPort }]),
    endpointSlice('auth', 'oauth', 'oauth-1', ['127.0.0.1'], authPort),
    protectedBy('allow', { [`${A}auth-url`]: `${base}/allow?orig=$escaped_request_uri&t=$arg_t`, [`${A}auth-response-headers`]: 'X-User, X-Groups, X-Missing' }),
    protectedBy('deny', { [`${A}auth-url`]: `${base}/deny` }),
    protectedBy('login', { [`${A}auth-url`]: `${base}/login` }),
    protectedBy('signin', { [`${A}auth-url`]: `${base}/login`, [`${A}auth-signin`]: 'https://sso.example/start?app=$host', [`${A}auth-always-set-cookie`]: 'true' }),
    protectedBy('param', { [`${A}auth-url`]: `${base}/login`, [`${A}auth-signin`]: 'https://sso.example/start', [`${A}auth-signin-redirect-param`]: 'return_to' }),
    protectedBy('slow', { [`${A}auth-url`]: `${base}/slow` }),
    protectedBy('broken', { [`${A}auth-url`]: `${base}/status/500` }),
    protectedBy('down', { [`${A}auth-url`]: `http://127.0.0.1:${closedPort}/allow` }),
    protectedBy('method', { [`${A}auth-url`]: `${base}/allow`, [`${A}auth-method`]: 'GET' }),
    protectedBy('cached', { [`${A}auth-url`]: `${base}/allow`, [`${A}auth-cache-key`]: '$http_authorization', [`${A}auth-cache-duration`]: '200 1m' }),
    protectedBy('svc', { [`${A}auth-url`]: 'http://oauth.auth.svc.cluster.local:4180/allow', [`${A}auth-response-headers`]: 'X-User' }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'htpasswd', namespace: 'default' }, type: 'Opaque', stringData: { auth: `ann:{PLAIN}pw` } } as KubeObject,
    protectedBy('order', { [`${A}allowlist-source-range`]: '127.0.0.1', [`${A}auth-type`]: 'basic', [`${A}auth-secret`]: 'htpasswd', [`${A}auth-url`]: `${base}/allow` }),
    protectedBy('order-deny', { [`${A}denylist-source-range`]: '127.0.0.0/8', [`${A}auth-type`]: 'basic', [`${A}auth-secret`]: 'htpasswd', [`${A}auth-url`]: `${base}/allow` }),
    protectedBy('forbidden-var', { [`${A}auth-url`]: `${base}/allow?ip=$remote_addr` }),
    protectedBy('snippet', { [`${A}auth-url`]: `${base}/allow`, [`${A}auth-snippet`]: 'proxy_set_header X-Evil 1;' }),
    protectedBy('late', { [`${A}auth-url`]: 'http://late.auth.svc.cluster.local:4180/allow' }),
  ];
  gw = await startGateway(objs, { authTimeoutMs: 400 });
});

after(async () => {
  await gw?.close();
  await echo?.close();
  await new Promise((r) => auth?.close(r));
});

const last = () => seen[seen.length - 1];

test('2xx: allowed; listed headers replace (or remove) the client\'s; subrequest carries the original request', async () => {
  const r = await request(`${gw.url}/app/page?t=tok%201`, { host: 'allow.example', headers: { 'x-user': 'mallory', 'x-missing': 'spoofed', cookie: 'c=1' } });
  assert.equal(r.status, 200);
  const up = r.json().headers;
  assert.equal(up['x-user'], 'alice');
  assert.equal(up['x-groups'], 'admins');
  assert.equal(up['x-missing'], undefined, 'a listed header the auth server did not send is removed');
  assert.equal(r.headers.get('set-cookie'), 'session=abc; HttpOnly');
  const s = last();
  assert.equal(s.method, 'GET');
  assert.equal(s.url, `/allow?orig=${encodeURIComponent('/app/page?t=tok%201')}&t=tok%201`);
  assert.equal(s.headers['x-original-url'], 'http://allow.example/app/page?t=tok%201');
  assert.equal(s.headers['x-original-method'], 'GET');
  assert.equal(s.headers['x-auth-request-redirect'], '/app/page?t=tok%201');
  assert.equal(s.headers['x-forwarded-proto'], 'http');
  assert.equal(s.headers['x-forwarded-host'], 'allow.example');
  assert.equal(s.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(s.headers.host, `127.0.0.1:${authPort}`);
  assert.equal(s.headers.cookie, 'c=1');
});

test('the subrequest has no body; the original method goes, or auth-method; the backend still gets the body', async () => {
  const r = await request(`${gw.url}/submit`, { host: 'allow.example', method: 'POST', body: 'hello body' });
  assert.equal(r.status, 200);
  assert.equal(r.json().body, 'hello body');
  assert.equal(last().method, 'POST');
  assert.equal(last().body, 0);
  assert.ok([undefined, '0'].includes(last().headers['content-length']), 'the client\'s Content-Length is not passed');
  await request(`${gw.url}/submit`, { host: 'method.example', method: 'POST', body: 'x' });
  assert.equal(last().method, 'GET');
  assert.equal(last().headers['x-original-method'], 'POST');
});

test('401 → 401 with the auth server\'s WWW-Authenticate; with auth-signin → 302 carrying rd', async () => {
  const before = echo.requests;
  const r = await request(`${gw.url}/x`, { host: 'login.example' });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="sso"');
  assert.equal(r.headers.get('set-cookie'), null, 'no auth cookie on a denial without auth-always-set-cookie');
  const s = await request(`${gw.url}/deep/link?q=1`, { host: 'signin.example' });
  assert.equal(s.status, 302);
  assert.equal(s.headers.get('location'), `https://sso.example/start?app=signin.example&rd=${encodeURIComponent('http://signin.example/deep/link?q=1')}`);
  assert.equal(s.headers.get('set-cookie'), 'csrf=1', 'auth-always-set-cookie');
  const p = await request(`${gw.url}/a`, { host: 'param.example' });
  assert.equal(p.headers.get('location'), `https://sso.example/start?return_to=${encodeURIComponent('http://param.example/a')}`);
  assert.equal(echo.requests, before, 'nothing reached the backend');
});

test('403 → 403; other statuses, a slow and an unreachable auth server → 500 (fail closed)', async () => {
  assert.equal((await request(`${gw.url}/`, { host: 'deny.example' })).status, 403);
  assert.equal((await request(`${gw.url}/`, { host: 'broken.example' })).status, 500);
  const t0 = performance.now();
  assert.equal((await request(`${gw.url}/`, { host: 'slow.example' })).status, 500);
  assert.ok(performance.now() - t0 < 1400, 'answered at the --auth-timeout, not when the auth server is done');
  assert.equal((await request(`${gw.url}/`, { host: 'down.example' })).status, 500);
});

test('auth-cache-key: a cached 200 skips the subrequest; another key asks again', async () => {
  const n = seen.length;
  for (let i = 0; i < 3; i++) assert.equal((await request(`${gw.url}/`, { host: 'cached.example', headers: { authorization: 'Bearer one' } })).status, 200);
  assert.equal(seen.length, n + 1);
  await request(`${gw.url}/`, { host: 'cached.example', headers: { authorization: 'Bearer two' } });
  assert.equal(seen.length, n + 2);
});

test('a cluster Service auth-url goes to the Service\'s endpoints from the store (no DNS)', async () => {
  const r = await request(`${gw.url}/`, { host: 'svc.example' });
  assert.equal(r.status, 200);
  assert.equal(r.json().headers['x-user'], 'alice');
  assert.equal(last().headers.host, 'oauth.auth.svc.cluster.local:4180');
});

test('a WebSocket upgrade meets the same check', async () => {
  const sock = net.connect(gw.app.ports.http, '127.0.0.1');
  sock.write('GET /ws HTTP/1.1\r\nHost: deny.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const text = await new Promise<string>((r) => {
    let b = '';
    sock.on('data', (c: Buffer) => (b += c.toString('latin1')));
    sock.on('close', () => r(b));
  });
  assert.match(text, /^HTTP\/1\.1 403 /);
});

test('forbidden variables and auth-snippet refuse the Ingress; explain lists the step', async () => {
  assert.equal((await request(`${gw.url}/`, { host: 'forbidden-var.example' })).status, 404);
  assert.equal((await request(`${gw.url}/`, { host: 'snippet.example' })).status, 404);
  const e = gw.app.http.explain('signin.example', '/');
  assert.deepEqual(e.policies.map((p) => p.step), ['external-auth']);
});

test('order: source range, then basic auth, then external auth, then the backend', async () => {
  const basicAuth = { authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` };
  const n = seen.length;
  const b = echo.requests;
  // Denied address with good credentials: 403 before any credential is looked at.
  assert.equal((await request(`${gw.url}/`, { host: 'order-deny.example', headers: basicAuth })).status, 403);
  // Allowed address without credentials: basic auth answers 401; the auth service is not asked.
  const r = await request(`${gw.url}/`, { host: 'order.example' });
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.equal(seen.length, n);
  assert.equal(echo.requests, b);
  // Everything passes: the auth service is asked once, then the backend answers.
  const ok = await request(`${gw.url}/`, { host: 'order.example', headers: basicAuth });
  assert.equal(ok.status, 200);
  assert.equal(seen.length, n + 1);
  assert.equal(ok.json().headers['x-real-ip'], '127.0.0.1');
  assert.deepEqual(gw.app.http.explain('order.example', '/').policies.map((p) => p.step), ['source-range', 'basic-auth', 'external-auth']);
});

test('an auth Service that appears later is picked up (its name in auth-url counts as a reference)', async () => {
  // Unknown Service: the URL goes to DNS, which does not know it: 500, never open.
  assert.equal((await request(`${gw.url}/`, { host: 'late.example' })).status, 500);
  await gw.write([...objs, service('auth', 'late', [{ name: 'http', port: 4180, targetPort: authPort }]), endpointSlice('auth', 'late', 'late-1', ['127.0.0.1'], authPort)]);
  const r = await request(`${gw.url}/`, { host: 'late.example' });
  assert.equal(r.status, 200);
  assert.equal(last().headers.host, 'late.auth.svc.cluster.local:4180');
});
