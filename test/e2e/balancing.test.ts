// End to end through the real gateway: cookie affinity (persistent and balanced), upstream-hash-by,
// Service ClientIP affinity for HTTP, and passive-health ejection of a failing endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toYaml } from '../support/manifests.ts';

const echo: EchoServer[] = [];
let failing: http.Server;
let failingPort = 0;
let gw: TestGateway;

const sticky = (mode: string, extra: Record<string, string> = {}) => ({
  'nginx.ingress.kubernetes.io/affinity': 'cookie',
  'nginx.ingress.kubernetes.io/affinity-mode': mode,
  'nginx.ingress.kubernetes.io/session-cookie-name': 'SID',
  'nginx.ingress.kubernetes.io/session-cookie-max-age': '60',
  'nginx.ingress.kubernetes.io/session-cookie-samesite': 'Lax',
  ...extra,
});

function objects(webPorts: number[]): KubeObject[] {
  return [
    ingressClass(),
    ...backendFor('bal', 'web', webPorts, 8080),
    ...backendFor('bal', 'mixed', [echo[0].port, failingPort], 8080).map((o) => o.kind === 'Service'
      ? { ...o, metadata: { ...o.metadata, annotations: { 'portico.io/outlier-eject-5xx': 'true' } } } : o),
    service('bal', 'pinned', [{ name: 'http', port: 8080 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    ...echo.map((e, i) => endpointSlice('bal', 'pinned', `pinned-${i}`, ['127.0.0.1'], e.port)),
    ingress('bal', 'persistent', [{ host: 'sticky.test', paths: [{ path: '/app', service: 'web', port: 8080 }] }], { annotations: sticky('persistent') }),
    ingress('bal', 'balanced', [{ host: 'balanced.test', paths: [{ path: '/', service: 'web', port: 8080 }] }], { annotations: sticky('balanced') }),
    ingress('bal', 'plain', [{ host: 'sticky.test', paths: [{ path: '/plain', service: 'web', port: 8080 }] }]),
    ingress('bal', 'hashed', [{ host: 'hash.test', paths: [{ path: '/', service: 'web', port: 8080 }] }],
      { annotations: { 'nginx.ingress.kubernetes.io/upstream-hash-by': '$http_x_user' } }),
    ingress('bal', 'mixed', [{ host: 'mixed.test', paths: [{ path: '/', service: 'mixed', port: 8080 }] }]),
    ingress('bal', 'pinned', [{ host: 'pinned.test', paths: [{ path: '/', service: 'pinned', port: 8080 }] }]),
  ];
}

before(async () => {
  for (let i = 0; i < 3; i++) echo.push(await startEchoServer({ name: `web-${i}` }));
  failing = http.createServer((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('broken\n'); });
  await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
  failingPort = (failing.address() as AddressInfo).port;
  gw = await startGateway(objects(echo.map((e) => e.port)));
});

after(async () => {
  await gw?.close();
  for (const e of echo) await e.close();
  failing?.close();
});

const name = (r: { json: () => any }) => r.json().name as string;

/** Replace the manifests and wait until `done()` (an endpoint-only change takes the fast path: no new snapshot). */
async function rewrite(objs: KubeObject[], done: () => Promise<boolean>): Promise<void> {
  const tmp = join(gw.dir, '.tmp-balancing');
  await writeFile(tmp, toYaml(objs));
  await rename(tmp, join(gw.dir, 'main.yaml'));
  const end = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('the change was not applied within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const endpointCount = async (host: string) => ((await request(`${gw.adminUrl}/debug/explain?host=${host}&path=/app/`)).json().endpoints as unknown[]).length;

test('persistent cookie affinity: opaque cookie with the configured attributes, every request sticks', async () => {
  const first = await request(`${gw.url}/app/x`, { host: 'sticky.test' });
  assert.equal(first.status, 200);
  const sc = first.headers.get('set-cookie') ?? '';
  const m = /^SID=([0-9a-f]{32}); Path=\/app; Max-Age=60; HttpOnly; SameSite=Lax$/.exec(sc);
  assert.ok(m, `Set-Cookie ${sc}`);
  for (const e of echo) assert.ok(!sc.includes(String(e.port)) && !sc.includes('127.0.0.1'), 'the cookie never carries the address');
  const home = name(first);
  for (let i = 0; i < 12; i++) {
    const r = await request(`${gw.url}/app/x`, { host: 'sticky.test', headers: { cookie: `other=1; SID=${m[1]}` } });
    assert.equal(name(r), home);
    assert.equal(r.headers.get('set-cookie'), null, 'a valid cookie is not re-issued');
  }
  // A tampered value is a normal pick and a fresh cookie.
  const t = await request(`${gw.url}/app/x`, { host: 'sticky.test', headers: { cookie: 'SID=1234<script>' } });
  assert.equal(t.status, 200);
  assert.match(t.headers.get('set-cookie') ?? '', /^SID=[0-9a-f]{32};/);
  // Only the paths of the Ingress carrying `affinity` are sticky.
  const plain = await request(`${gw.url}/plain`, { host: 'sticky.test' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('set-cookie'), null);
});

test('balanced cookie affinity sticks; the endpoint leaving gives a normal pick and a new persistent cookie', async () => {
  const first = await request(`${gw.url}/`, { host: 'balanced.test' });
  const sc = /^SID=([0-9a-f]{32}); Path=\/;/.exec(first.headers.get('set-cookie') ?? '');
  assert.ok(sc);
  for (let i = 0; i < 8; i++) {
    const r = await request(`${gw.url}/`, { host: 'balanced.test', headers: { cookie: `SID=${sc[1]}` } });
    assert.equal(name(r), name(first));
  }
  // Persistent session on an endpoint that leaves the EndpointSlices: next pick elsewhere, new cookie.
  const p = await request(`${gw.url}/app/`, { host: 'sticky.test' });
  const token = /^SID=([0-9a-f]{32})/.exec(p.headers.get('set-cookie') ?? '')![1];
  const gone = echo.find((e) => e.name === name(p))!;
  await rewrite(objects(echo.filter((e) => e !== gone).map((e) => e.port)), async () => (await endpointCount('sticky.test')) === 2);
  const after = await request(`${gw.url}/app/`, { host: 'sticky.test', headers: { cookie: `SID=${token}` } });
  assert.equal(after.status, 200);
  assert.notEqual(name(after), gone.name);
  const renewed = /^SID=([0-9a-f]{32})/.exec(after.headers.get('set-cookie') ?? '');
  assert.ok(renewed && renewed[1] !== token);
  await rewrite(objects(echo.map((e) => e.port)), async () => (await endpointCount('sticky.test')) === 3);
});

test('upstream-hash-by $http_x_user: one user one endpoint, users spread', async () => {
  const seen = new Set<string>();
  for (let u = 0; u < 12; u++) {
    const a = await request(`${gw.url}/`, { host: 'hash.test', headers: { 'x-user': `user-${u}` } });
    const b = await request(`${gw.url}/other`, { host: 'hash.test', headers: { 'x-user': `user-${u}` } });
    assert.equal(name(a), name(b));
    seen.add(name(a));
  }
  assert.ok(seen.size >= 2, `12 users on ${seen.size} endpoints`);
});

test('Service sessionAffinity ClientIP holds for HTTP', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 9; i++) names.add(name(await request(`${gw.url}/`, { host: 'pinned.test' })));
  assert.equal(names.size, 1);
});

test('passive health: an endpoint answering 5xx is ejected after 5 in a row, explained and counted', async () => {
  let fails = 0;
  for (let i = 0; i < 30; i++) {
    const r = await request(`${gw.url}/`, { host: 'mixed.test' });
    if (r.status === 500) fails++;
  }
  assert.equal(fails, 5, 'five consecutive 5xx, then no more traffic to it');
  const ex = await request(`${gw.adminUrl}/debug/explain?host=mixed.test&path=/`);
  const eps = ex.json().endpoints as { id: string; ejected: boolean; ejectionReason: string | null; ejectedForMs: number }[];
  const bad = eps.find((e) => e.id.endsWith(`:${failingPort}`))!;
  assert.equal(bad.ejected, true);
  assert.equal(bad.ejectionReason, '5xx');
  assert.ok(bad.ejectedForMs > 25_000 && bad.ejectedForMs <= 30_000);
  assert.equal(eps.filter((e) => e.ejected).length, 1);
  const metrics = (await request(`${gw.adminUrl}/metrics`)).text;
  assert.match(metrics, /portico_upstream_ejections_total\{cluster="bal\/mixed:8080",reason="5xx"\} 1/);
});
