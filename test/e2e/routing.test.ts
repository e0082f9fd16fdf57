// End to end: manifests in files → real gateway → real echo backends, per SPEC §1 and the
// conformance scenarios of SPEC §2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, service } from '../support/manifests.ts';

const names = ['wildcard-foo-com', 'foo-bar-com', 'foo-exact', 'foo-prefix', 'aaa-slash-bbb-prefix', 'aaa-prefix', 'aaa-slash-bbb-slash-prefix', 'foo-slash-exact', 'echo-service', 'other-class'] as const;
const echo: Record<string, EchoServer> = {};
let gw: TestGateway;

before(async () => {
  for (const n of names) echo[n] = await startEchoServer({ name: n });
  const backends = names.flatMap((n) => backendFor('conf', n, [echo[n].port], 8080));
  gw = await startGateway([
    ingressClass(),
    ...backends,
    service('conf', 'no-endpoints', [{ name: 'http', port: 8080 }]),
    // SPEC §2.2 host rules
    ingress('conf', 'host-rules', [
      { host: '*.foo.com', paths: [{ path: '/', service: 'wildcard-foo-com', port: 8080 }] },
      { host: 'foo.bar.com', paths: [{ path: '/', service: 'foo-bar-com', port: 'http' }] },
    ]),
    // SPEC §2.3 path rules
    ingress('conf', 'path-rules', [
      { host: 'exact-path-rules', paths: [{ path: '/foo', pathType: 'Exact', service: 'foo-exact', port: 8080 }] },
      { host: 'prefix-path-rules', paths: [
        { path: '/foo', service: 'foo-prefix', port: 8080 },
        { path: '/aaa/bbb', service: 'aaa-slash-bbb-prefix', port: 8080 },
        { path: '/aaa', service: 'aaa-prefix', port: 8080 },
      ] },
      { host: 'mixed-path-rules', paths: [
        { path: '/foo', service: 'foo-prefix', port: 8080 },
        { path: '/foo', pathType: 'Exact', service: 'foo-exact', port: 8080 },
      ] },
      { host: 'trailing-slash-path-rules', paths: [
        { path: '/aaa/bbb/', service: 'aaa-slash-bbb-slash-prefix', port: 8080 },
        { path: '/foo/', pathType: 'Exact', service: 'foo-slash-exact', port: 8080 },
      ] },
      { host: 'unavailable', paths: [
        { path: '/missing-service', service: 'nope', port: 8080 },
        { path: '/missing-port', service: 'foo-exact', port: 9999 },
        { path: '/no-endpoints', service: 'no-endpoints', port: 8080 },
      ] },
    ]),
    // SPEC §2.4: an unknown class is not ours; its rules must not serve.
    ingress('conf', 'other', [{ host: 'ingress-class', paths: [{ path: '/', service: 'other-class', port: 8080 }] }], { className: 'some-invalid-class-name' }),
  ]);
});

after(async () => {
  await gw?.close();
  for (const e of Object.values(echo)) await e.close();
});

async function servedBy(host: string, path: string): Promise<string | number> {
  const r = await request(gw.url + path, { host });
  return r.status === 200 ? r.json().name : r.status;
}

test('host rules (SPEC §2.2): exact, one-label wildcard, no match → 404', async () => {
  assert.equal(await servedBy('foo.bar.com', '/'), 'foo-bar-com');
  assert.equal(await servedBy('FOO.Bar.com:8080', '/'), 'foo-bar-com', 'Host compared case-insensitively, port stripped');
  assert.equal(await servedBy('foo.bar.com.', '/'), 'foo-bar-com', 'trailing dot stripped');
  assert.equal(await servedBy('subdomain.bar.com', '/'), 404);
  assert.equal(await servedBy('bar.foo.com', '/'), 'wildcard-foo-com');
  assert.equal(await servedBy('baz.bar.foo.com', '/'), 404);
  assert.equal(await servedBy('foo.com', '/'), 404);
});

test('path rules (SPEC §2.3)', async () => {
  const cases: [string, string, string | number][] = [
    ['exact-path-rules', '/foo', 'foo-exact'],
    ['exact-path-rules', '/foo/', 404],
    ['exact-path-rules', '/FOO', 404],
    ['exact-path-rules', '/bar', 404],
    ['prefix-path-rules', '/foo', 'foo-prefix'],
    ['prefix-path-rules', '/foo/', 'foo-prefix'],
    ['prefix-path-rules', '/FOO', 404],
    ['prefix-path-rules', '/aaa/bbb', 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/bbb/ccc', 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/ccc', 'aaa-prefix'],
    ['prefix-path-rules', '/aaaccc', 404],
    ['prefix-path-rules', '/foo?x=/aaa', 'foo-prefix'],
    ['mixed-path-rules', '/foo', 'foo-exact'],
    ['mixed-path-rules', '/foo/x', 'foo-prefix'],
    ['trailing-slash-path-rules', '/aaa/bbb', 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/aaa/bbb/', 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/foo', 404],
    ['trailing-slash-path-rules', '/foo/', 'foo-slash-exact'],
  ];
  for (const [host, path, want] of cases) assert.equal(await servedBy(host, path), want, `${host}${path}`);
});

test('the backend sees method, path with query, Host and body unchanged', async () => {
  const r = await request(gw.url + '/foo/a%2Fb//c?q=1&r=%20', { host: 'prefix-path-rules', method: 'PATCH', body: 'payload', headers: { 'user-agent': 'Go-http-client/1.1', 'content-type': 'text/plain' } });
  assert.equal(r.status, 200);
  const b = r.json();
  assert.equal(b.method, 'PATCH');
  assert.equal(b.path, '/foo/a%2Fb//c?q=1&r=%20');
  assert.equal(b.host, 'prefix-path-rules');
  assert.equal(b.body, 'payload');
  assert.equal(b.headers['user-agent'], 'Go-http-client/1.1');
  // SPEC §2: response carries Content-Length, Content-Type, Date and Server.
  for (const h of ['content-length', 'content-type', 'date', 'server']) assert.ok(r.headers.get(h), `response header ${h}`);
});

test('503 with the reason for a missing Service, a missing port, and no endpoints; 404 says no rule matched', async () => {
  for (const p of ['/missing-service', '/missing-port', '/no-endpoints']) {
    const r = await request(gw.url + p, { host: 'unavailable' });
    assert.equal(r.status, 503, p);
    assert.ok(r.text.length > 0 && r.text.length < 1000, 'a small body');
  }
  // Error bodies name no Service unless --verbose-errors: the code and a request id only.
  const missing = await request(gw.url + '/missing-service', { host: 'unavailable' });
  assert.match(missing.text, /code: PORTICO_ERR_BACKEND_UNAVAILABLE\nrequest-id: \S+/);
  assert.doesNotMatch(missing.text, /nope/);
  const nf = await request(gw.url + '/x', { host: 'nowhere.example' });
  assert.equal(nf.status, 404);
  assert.ok(nf.text.length > 0 && nf.text.length < 1000);
});

test('an Ingress of another class is not served (SPEC §2.4)', async () => {
  assert.equal(await servedBy('ingress-class', '/'), 404);
  assert.equal(echo['other-class'].requests, 0);
});
