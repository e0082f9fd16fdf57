// Cookie affinity and hashing through a canary split, end to end (ingress-nginx balancer.lua
// route_to_alternative_balancer + sticky.lua is_affinitized: a request affinitized to the main
// backend stays there, one affinitized to the canary goes there, before any canary rule; the
// canary balances with the main Ingress's affinity unless `affinity-canary-behavior: legacy`;
// controller.go mergeAlternativeBackend). Hashing: a key keeps its side (canary-affinity.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const N = 'nginx.ingress.kubernetes.io/';
const echo: Record<string, EchoServer> = {};
let gw: TestGateway;
const rule = (host: string, svc: string) => ({ host, paths: [{ path: '/', pathType: 'Prefix' as const, service: svc, port: 8080 }] });
const pair = (name: string, host: string, main: Record<string, string>, canary: Record<string, string>) => [
  ingress('app', name, [rule(host, 'main')], { annotations: main }),
  ingress('app', `${name}-canary`, [rule(host, 'canary')], { annotations: { [N + 'canary']: 'true', [N + 'canary-by-header']: 'X-Canary', ...canary } }),
];
const cookie = { [N + 'affinity']: 'cookie', [N + 'session-cookie-name']: 'STICK' };

before(async () => {
  for (const n of ['main-a', 'main-b', 'canary-a', 'canary-b']) echo[n] = await startEchoServer({ name: n });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('app', 'main', [echo['main-a'].port, echo['main-b'].port], 8080),
    ...backendFor('app', 'canary', [echo['canary-a'].port, echo['canary-b'].port], 8080),
    ...pair('sticky', 'sticky.example', cookie, { [N + 'canary-weight']: '50' }),
    ...pair('persist', 'persist.example', { ...cookie, [N + 'affinity-mode']: 'persistent' }, { [N + 'canary-weight']: '50' }),
    ...pair('legacy', 'legacy.example', cookie, { [N + 'canary-weight']: '50', [N + 'affinity-canary-behavior']: 'legacy' }),
    ...pair('hash', 'hash.example', { [N + 'upstream-hash-by']: '$http_x_user' }, { [N + 'canary-weight']: '40', [N + 'upstream-hash-by']: '$http_x_user' }),
    // Only the canary hashes: its own upstream-hash-by is one of the keys a canary keeps.
    ...pair('ownhash', 'ownhash.example', {}, { [N + 'canary-weight']: '100', [N + 'upstream-hash-by']: '$http_x_user' }),
  ]);
});

after(async () => {
  await gw?.close();
  for (const e of Object.values(echo)) await e.close();
});

async function get(host: string, headers: Record<string, string> = {}): Promise<{ name: string; setCookie: string | null }> {
  const r = await request(`${gw.url}/`, { host, headers });
  assert.equal(r.status, 200);
  return { name: r.json().name, setCookie: r.headers.get('set-cookie') };
}

const valueOf = (setCookie: string): string => setCookie.split(';')[0].split('=')[1];

for (const host of ['sticky.example', 'persist.example']) {
  test(`${host}: a client stays on the side and the endpoint its cookie was issued for; the cookie wins over canary rules`, async () => {
    const sides = new Set<string>();
    for (let client = 0; client < 12; client++) {
      const first = await get(host);
      assert.ok(first.setCookie !== null, 'a new client gets a cookie on either side');
      const c = `STICK=${valueOf(first.setCookie)}`;
      sides.add(first.name.split('-')[0]);
      for (let i = 0; i < 6; i++) {
        const again = await get(host, { cookie: c });
        assert.equal(again.name, first.name, `client ${client} request ${i}`);
        assert.equal(again.setCookie, null, 'no new cookie while it holds');
      }
      // is_affinitized comes before the header rule (balancer.lua).
      assert.equal((await get(host, { cookie: c, 'x-canary': first.name.startsWith('main') ? 'always' : 'never' })).name, first.name);
    }
    assert.deepEqual([...sides].sort(), ['canary', 'main'], 'weight 50: new clients land on both sides');
    // A value nobody issued is no affinity: the canary rules decide and a new cookie is set.
    const forged = await get(host, { cookie: `STICK=${'0'.repeat(32)}-deadbeef`, 'x-canary': 'always' });
    assert.match(forged.name, /^canary-/);
    assert.ok(forged.setCookie !== null);
  });
}

test('affinity-canary-behavior: legacy: canary answers carry no cookie; a main cookie still holds', async () => {
  let mainCookie = '';
  let canaryAnswers = 0;
  for (let i = 0; i < 40 && (mainCookie === '' || canaryAnswers === 0); i++) {
    const r = await get('legacy.example');
    if (r.name.startsWith('canary')) {
      canaryAnswers++;
      assert.equal(r.setCookie, null, 'the canary side is not sticky in legacy mode');
    } else {
      assert.ok(r.setCookie !== null);
      mainCookie = `STICK=${valueOf(r.setCookie)}`;
    }
  }
  assert.ok(canaryAnswers > 0 && mainCookie !== '');
  const first = (await get('legacy.example', { cookie: mainCookie })).name;
  for (let i = 0; i < 10; i++) assert.equal((await get('legacy.example', { cookie: mainCookie, 'x-canary': 'always' })).name, first);
});

test('upstream-hash-by through a canary split: a key keeps its side and its endpoint; keys spread over both sides', async () => {
  const sides = new Set<string>();
  for (let u = 0; u < 20; u++) {
    const user = `user-${u}`;
    const first = (await get('hash.example', { 'x-user': user })).name;
    sides.add(first.split('-')[0]);
    for (let i = 0; i < 5; i++) assert.equal((await get('hash.example', { 'x-user': user })).name, first, user);
  }
  assert.deepEqual([...sides].sort(), ['canary', 'main']);
  // The header rule still comes first for a hashed key.
  assert.match((await get('hash.example', { 'x-user': 'user-1', 'x-canary': 'always' })).name, /^canary-/);
  assert.match((await get('hash.example', { 'x-user': 'user-1', 'x-canary': 'never' })).name, /^main-/);
});

test("a canary Ingress's own upstream-hash-by balances its side (ingress-nginx keeps it on canaries)", async () => {
  const seen = new Set<string>();
  for (let u = 0; u < 12; u++) {
    const user = `user-${u}`;
    const first = (await get('ownhash.example', { 'x-user': user })).name;
    assert.match(first, /^canary-/);
    seen.add(first);
    for (let i = 0; i < 4; i++) assert.equal((await get('ownhash.example', { 'x-user': user })).name, first, user);
  }
  assert.equal(seen.size, 2, 'keys spread over both canary endpoints');
});
