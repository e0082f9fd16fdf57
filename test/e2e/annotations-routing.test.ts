// End to end through the real gateway: the ingress-nginx routing annotations Portico honours.
// Each test names the ingress-nginx behaviour it copies (docs/user-guide/nginx-configuration/
// annotations.md, internal/ingress/annotations/*, the nginx template) or the deliberate difference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, service } from '../support/manifests.ts';

const N = 'nginx.ingress.kubernetes.io/';
const P = 'portico.io/';
const names = ['main', 'canary', 'fallback', 'other', 'regex'] as const;
const echo: Record<string, EchoServer> = {};
let gw: TestGateway;

const rule = (host: string, path: string, svc: string, pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific' = 'Prefix') =>
  ({ host, paths: [{ path, pathType, service: svc, port: 8080 }] });

before(async () => {
  for (const n of names) echo[n] = await startEchoServer({ name: n });
  gw = await startGateway([
    ingressClass(),
    ...names.flatMap((n) => backendFor('app', n, [echo[n].port], 8080)),
    service('app', 'empty', [{ name: 'http', port: 8080 }]),
    ingress('app', 'rewrite', [{ host: 'rw.example', paths: [
      { path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'main', port: 8080 },
    ] }], { annotations: { [N + 'use-regex']: 'true', [N + 'rewrite-target']: '/$2' } }),
    ingress('app', 'strip', [rule('strip.example', '/api', 'main')], { annotations: { [N + 'rewrite-target']: '/v2/$1?x=1', [N + 'x-forwarded-prefix']: '/api' } }),
    ingress('app', 'same', [rule('same.example', '/keep', 'main')], { annotations: { [N + 'rewrite-target']: '/keep' } }),
    ingress('app', 'plain', [rule('rw.example', '/plain', 'other')]),
    ingress('app', 'approot', [rule('root.example', '/', 'main')], { annotations: { [N + 'app-root']: '/app1' } }),
    ingress('app', 'perm', [rule('perm.example', '/', 'main')], { annotations: { [N + 'permanent-redirect']: 'https://new.example$request_uri', [N + 'permanent-redirect-code']: '308' } }),
    ingress('app', 'permbad', [rule('permbad.example', '/', 'main')], { annotations: { [N + 'permanent-redirect']: 'https://new.example/', [N + 'permanent-redirect-code']: '310' } }),
    ingress('app', 'temp', [rule('temp.example', '/', 'main')], { annotations: {
      [N + 'permanent-redirect']: 'https://perm.example/', [N + 'temporal-redirect']: 'https://temp.example/x', [N + 'temporal-redirect-code']: '307' } }),
    ingress('app', 'www', [rule('www.example.org', '/', 'main')], { annotations: { [N + 'from-to-www-redirect']: 'true' } }),
    ingress('app', 'force', [rule('force.example', '/', 'main')], { annotations: { [N + 'force-ssl-redirect']: 'true' } }),
    ingress('app', 'vhost', [rule('vhost.example', '/', 'main')], { annotations: { [N + 'upstream-vhost']: 'internal.svc:8443', [P + 'upstream-vhost']: 'internal.svc' } }),
    ingress('app', 'alias', [rule('alias.example', '/', 'main')], { annotations: { [N + 'server-alias']: 'alias2.example, *.alias3.example, plain-taken.example' } }),
    ingress('app', 'taken', [rule('plain-taken.example', '/', 'other')]),
    ingress('app', 'dflt', [rule('dflt.example', '/', 'empty')], { annotations: { [N + 'default-backend']: 'fallback' } }),
    ingress('app', 'web', [rule('canary.example', '/', 'main')], { created: '2020-01-01T00:00:00Z' }),
    ingress('app', 'web-canary', [rule('canary.example', '/', 'canary')], { created: '2019-01-01T00:00:00Z', annotations: {
      [N + 'canary']: 'true', [N + 'canary-by-header']: 'X-Canary', [N + 'canary-by-cookie']: 'canary_ck', [N + 'canary-weight']: '0' } }),
    ingress('app', 'web2', [rule('canary2.example', '/', 'main')]),
    ingress('app', 'web2-canary', [rule('canary2.example', '/', 'canary')], { annotations: {
      [N + 'canary']: 'true', [N + 'canary-by-header']: 'X-Env', [N + 'canary-by-header-value']: 'staging', [N + 'canary-weight']: '1', [N + 'canary-weight-total']: '1' } }),
    ingress('app', 'web3', [rule('canary3.example', '/', 'main')]),
    ingress('app', 'web3-canary', [rule('canary3.example', '/', 'canary')], { annotations: {
      [N + 'canary']: 'true', [N + 'canary-by-header']: 'X-Env', [N + 'canary-by-header-pattern']: '^(beta|rc)[0-9]+$' } }),
    ingress('app', 'web4', [rule('canary4.example', '/', 'main')]),
    ingress('app', 'web4-canary', [rule('canary4.example', '/', 'canary')], { annotations: { [N + 'canary']: 'true', [N + 'canary-weight']: '30' } }),
  ], { trustProxy: ['127.0.0.1/32'] });
});

after(async () => {
  await gw?.close();
  for (const e of Object.values(echo)) await e.close();
});

const get = (host: string, path: string, headers: Record<string, string> = {}) => request(gw.url + path, { host, headers });

test('use-regex + rewrite-target: captures replace the whole path, the query is kept (docs "Rewrite", nginx rewrite ... break)', async () => {
  const r = await get('rw.example', '/something/new/path?a=1&b=2');
  assert.equal(r.status, 200);
  assert.equal(r.json().name, 'main');
  assert.equal(r.json().path, '/new/path?a=1&b=2');
  assert.equal((await get('rw.example', '/something')).json().path, '/');
  // ingress-nginx location ~* : case-insensitive regex.
  assert.equal((await get('rw.example', '/SOMETHING/x')).json().path, '/x');
  // The host's other Ingress keeps its literal Prefix path (Portico: regex is per Ingress).
  const plain = await get('rw.example', '/plain/y');
  assert.equal(plain.json().name, 'other');
  assert.equal(plain.json().path, '/plain/y');
  assert.equal((await get('rw.example', '/PLAIN/y')).status, 404);
});

test('rewrite-target alone makes the paths regexes; target args come first, then the original ones; equal target = no rewrite', async () => {
  const r = await get('strip.example', '/api/users?id=7');
  // Prefix path /api as regex ^/api, no group 1 → '' (nginx: an unset capture is empty).
  assert.equal(r.json().path, '/v2/?x=1&id=7');
  assert.equal(r.json().headers['x-forwarded-prefix'], '/api');
  // ingress-nginx location ~* "^/api" also matches /apiary.
  assert.equal((await get('strip.example', '/apiary')).status, 200);
  assert.equal((await get('same.example', '/keep/this?q')).json().path, '/keep/this?q');
});

test('app-root: exactly / gets 302 to the app root (template: if ($uri = /) return 302)', async () => {
  const r = await get('root.example', '/');
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'http://root.example/app1');
  assert.equal((await get('root.example', '/app1')).status, 200);
});

test('permanent-redirect with its code and $request_uri; a code outside 300-308 falls back to 301', async () => {
  const r = await get('perm.example', '/a/b?c=d');
  assert.equal(r.status, 308);
  assert.equal(r.headers.get('location'), 'https://new.example/a/b?c=d');
  const bad = await get('permbad.example', '/');
  assert.equal(bad.status, 301);
  const diags = (await request(gw.adminUrl + '/debug/diagnostics')).json() as { object: { name: string }; reason: string; message: string }[];
  const inv = diags.find((d) => d.object.name === 'permbad' && d.reason === 'InvalidAnnotation');
  assert.match(inv!.message, /permanent-redirect-code.*"310".*301/);
});

test('temporal-redirect wins over permanent-redirect and takes temporal-redirect-code', async () => {
  const r = await get('temp.example', '/');
  assert.equal(r.status, 307);
  assert.equal(r.headers.get('location'), 'https://temp.example/x');
});

test('from-to-www-redirect: the other name answers 308 to the declared host, request URI kept', async () => {
  const r = await get('example.org', '/p?q=1');
  assert.equal(r.status, 308);
  assert.equal(r.headers.get('location'), `http://www.example.org/p?q=1`);
  assert.equal((await get('www.example.org', '/p')).status, 200);
});

test('force-ssl-redirect: 308 even without spec.tls; X-Forwarded-Proto https from a trusted peer counts as https', async () => {
  const r = await get('force.example', '/x?y');
  assert.equal(r.status, 308);
  assert.equal(r.headers.get('location'), 'https://force.example/x?y');
  assert.equal((await get('force.example', '/x', { 'x-forwarded-proto': 'https' })).status, 200);
  assert.equal((await get('force.example', '/x', { 'x-forwarded-proto': 'http' })).status, 308);
});

test('upstream-vhost sets the upstream Host (portico.io/ wins over nginx), X-Forwarded-Host keeps the client host', async () => {
  const r = await get('vhost.example', '/');
  assert.equal(r.json().host, 'internal.svc');
  assert.equal(r.json().headers['x-forwarded-host'], 'vhost.example');
});

test('server-alias serves the same rules under more names; a name with rules of its own keeps them', async () => {
  assert.equal((await get('alias2.example', '/')).json().name, 'main');
  assert.equal((await get('a.alias3.example', '/')).json().name, 'main');
  assert.equal((await get('plain-taken.example', '/')).json().name, 'other');
});

test('default-backend: answers when the path Service has no ready endpoint', async () => {
  const r = await get('dflt.example', '/z');
  assert.equal(r.status, 200);
  assert.equal(r.json().name, 'fallback');
});

test('canary: by-header always/never, by-cookie, weight; header before cookie; the canary pair is no conflict', async () => {
  const seen = async (headers: Record<string, string>) => (await get('canary.example', '/', headers)).json().name;
  assert.equal(await seen({}), 'main');
  assert.equal(await seen({ 'x-canary': 'always' }), 'canary');
  assert.equal(await seen({ 'x-canary': 'never', cookie: 'canary_ck=always' }), 'main');
  assert.equal(await seen({ cookie: 'a=b; canary_ck=always' }), 'canary');
  assert.equal(await seen({ 'x-canary': 'other', cookie: 'canary_ck=never' }), 'main');
  // by-header-value replaces always; weight 1 of 1 sends everything else to the canary.
  const seen2 = async (headers: Record<string, string>) => (await get('canary2.example', '/', headers)).json().name;
  assert.equal(await seen2({ 'x-env': 'staging' }), 'canary');
  assert.equal(await seen2({}), 'canary');
  const seen3 = async (headers: Record<string, string>) => (await get('canary3.example', '/', headers)).json().name;
  assert.equal(await seen3({ 'x-env': 'beta12' }), 'canary');
  assert.equal(await seen3({ 'x-env': 'prod' }), 'main');
  const diags = (await request(gw.adminUrl + '/debug/diagnostics')).json() as { object: { name: string }; reason: string }[];
  assert.equal(diags.filter((d) => d.reason === 'RouteConflict' && d.object.name.startsWith('web')).length, 0);
  // Weight 30 of 100 (balancer.lua: math.random(total) <= weight): about 30 % go to the canary.
  let toCanary = 0;
  for (let i = 0; i < 100; i++) if ((await get('canary4.example', '/')).json().name === 'canary') toCanary++;
  assert.ok(toCanary >= 10 && toCanary <= 55, `${toCanary} of 100 went to the canary`);
});
