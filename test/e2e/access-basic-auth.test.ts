// Basic auth end to end (ingress-nginx auth-type basic): htpasswd Secrets with each hash kind,
// generated here with the same libraries, through the real gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import apacheMd5 from 'apache-md5';
import apacheCrypt from 'apache-crypt';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;

const secret = (name: string, stringData: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', stringData }) as KubeObject;
const basic = (name: string, host: string, extra: Record<string, string>) =>
  ingress('default', name, [{ host, paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}auth-type`]: 'basic', ...extra } });

const htpasswd = [
  `bob:${bcrypt.hashSync('bcrypt-pw', 4).replace(/^\$2b\$/, '$2y$')}`,
  `ann:${apacheMd5('apr1-pw')}`,
  `sam:{SHA}${createHash('sha1').update('sha-pw').digest('base64')}`,
  `cid:${apacheCrypt('crypt-pw', 'ab')}`,
].join('\n');

function objects(auth = htpasswd): KubeObject[] {
  return [
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    secret('creds', { auth }),
    secret('map', { alice: `{SHA}${createHash('sha1').update('map-pw').digest('base64')}` }),
    basic('file', 'file.example', { [`${A}auth-secret`]: 'creds', [`${A}auth-realm`]: 'Staff only' }),
    basic('map', 'map.example', { [`${A}auth-secret`]: 'default/map', [`${A}auth-secret-type`]: 'auth-map' }),
    basic('digest', 'digest.example', { [`${A}auth-type`]: 'digest', [`${A}auth-secret`]: 'creds' }),
    basic('missing', 'missing.example', { [`${A}auth-secret`]: 'nope' }),
    secret('broken', { auth: 'eve:$6$salt$sha512crypt' }),
    basic('broken', 'broken.example', { [`${A}auth-secret`]: 'broken' }),
  ];
}

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  gw = await startGateway(objects());
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

const get = (host: string, user?: string, pw?: string) =>
  request(gw.url + '/', { host, headers: user === undefined ? {} : { authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` } });

test('no or wrong credentials: 401 with WWW-Authenticate and the realm; nothing reaches the backend', async () => {
  const before = echo.requests;
  const r = await get('file.example');
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="Staff only"');
  assert.equal((await get('file.example', 'bob', 'wrong')).status, 401);
  assert.equal((await get('file.example', 'nobody', 'bcrypt-pw')).status, 401);
  assert.equal((await request(gw.url + '/', { host: 'file.example', headers: { authorization: 'Bearer abc' } })).status, 401);
  assert.equal(echo.requests, before);
});

test('each hash kind verifies: bcrypt ($2y$), apr1, {SHA}, crypt; Authorization is passed upstream', async () => {
  for (const [u, p] of [['bob', 'bcrypt-pw'], ['ann', 'apr1-pw'], ['sam', 'sha-pw'], ['cid', 'crypt-pw']]) {
    const r = await get('file.example', u, p);
    assert.equal(r.status, 200, u);
    assert.match(r.json().headers.authorization, /^Basic /);
  }
  // A second bcrypt request hits the verification cache: fast.
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) assert.equal((await get('file.example', 'bob', 'bcrypt-pw')).status, 200);
  assert.ok(performance.now() - t0 < 2000);
});

test('auth-map and ns/name Secret references', async () => {
  assert.equal((await get('map.example', 'alice', 'map-pw')).status, 200);
  assert.equal((await get('map.example', 'alice', 'nope')).status, 401);
});

test('digest, a missing Secret and an unverifiable htpasswd line refuse the Ingress', async () => {
  for (const h of ['digest.example', 'missing.example', 'broken.example']) assert.equal((await get(h, 'eve', 'x')).status, 404, h);
  const diags = (await request(`${gw.adminUrl}/debug/diagnostics`)).json();
  const list = (Array.isArray(diags) ? diags : diags.diagnostics) as { object: { name: string }; reason: string; message: string }[];
  const msg = (n: string) => list.filter((d) => d.object.name === n && d.reason === 'AccessPolicyInvalid').map((d) => d.message).join(' ');
  assert.match(msg('digest'), /digest/);
  assert.match(msg('missing'), /Secret default\/nope not found/);
  assert.match(msg('broken'), /user "eve": unsupported password hash/);
  assert.doesNotMatch(JSON.stringify(list), /sha512crypt|\$2y\$\d|\{SHA\}[A-Za-z0-9]/, 'no hash in diagnostics');
});

test('a changed Secret is re-read: old password stops working, new one works', async () => {
  await gw.write(objects(`bob:{SHA}${createHash('sha1').update('new-pw').digest('base64')}`));
  assert.equal((await get('file.example', 'bob', 'bcrypt-pw')).status, 401);
  assert.equal((await get('file.example', 'bob', 'new-pw')).status, 200);
  assert.equal((await get('file.example', 'ann', 'apr1-pw')).status, 401);
});

test('/debug/snapshot shows users but never their hashes', async () => {
  const text = (await request(`${gw.adminUrl}/debug/snapshot`)).text;
  assert.match(text, /"user":"bob"/);
  assert.doesNotMatch(text, /\{SHA\}[A-Za-z0-9]|\$apr1\$[a-z]/);
});
