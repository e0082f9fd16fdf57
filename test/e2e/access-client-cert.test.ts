// Client-certificate authentication end to end (ingress-nginx auth-tls-*): a CA chain generated
// here, real TLS clients (node:https, node:http2) through the real gateway's HTTPS port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { caSecret, makeClientCert, makeCrl, makeOwnCa } from '../support/client-certs.ts';
import type { TestCert } from '../support/certs.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;
let port: number;

const ca = makeOwnCa('Client Root CA');
const inter1 = makeOwnCa('Client Intermediate 1', ca);
const inter2 = makeOwnCa('Client Intermediate 2', inter1);
const other = makeOwnCa('Other CA');
const alice = makeClientCert('alice', ca);
const revoked = makeClientCert('mallory', ca);
const deep1 = makeClientCert('deep-one', inter1);
const deep2 = makeClientCert('deep-two', inter2);
const stranger = makeClientCert('stranger', other);
const carol = makeClientCert('carol', ca);
const crl = makeCrl(ca, [revoked]);

const route = (name: string, host: string, ann: Record<string, string>, created?: string): KubeObject =>
  ingress('default', name, [{ host, paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: ann, ...(created ? { created } : {}) });

function objects(caPem = ca.certPem, crlPem = crl): KubeObject[] {
  return [
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    caSecret('default', 'client-ca', caPem, crlPem),
    // No CRL: with ca.crl every CA of the chain needs one (OpenSSL X509_V_FLAG_CRL_CHECK_ALL, as nginx ssl_crl).
    caSecret('default', 'chain-ca', ca.certPem + inter1.certPem + inter2.certPem),
    caSecret('default', 'root-only', ca.certPem),
    caSecret('default', 'other-ca', other.certPem),
    caSecret('default', 'bad-ca', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'),
    route('mtls', 'mtls.test', { [`${A}auth-tls-secret`]: 'default/client-ca', [`${A}auth-tls-pass-certificate-to-upstream`]: 'true' }, '2024-01-01T00:00:00Z'),
    // A second Ingress on the host, without auth-tls: client certificates are a host setting.
    ingress('default', 'mtls-more', [{ host: 'mtls.test', paths: [{ path: '/more', service: 'web', port: 80 }] }], { created: '2024-02-01T00:00:00Z' }),
    route('chain', 'chain.test', { [`${A}auth-tls-secret`]: 'chain-ca' }),
    route('deep', 'deep.test', { [`${A}auth-tls-secret`]: 'chain-ca', [`${A}auth-tls-verify-depth`]: '2' }),
    route('rootonly', 'rootonly.test', { [`${A}auth-tls-secret`]: 'root-only', [`${A}auth-tls-verify-depth`]: '5' }),
    route('optional', 'optional.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-verify-client`]: 'optional' }),
    route('noca', 'noca.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-verify-client`]: 'optional_no_ca' }),
    route('cn', 'cn.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-match-cn`]: 'CN=(alice|bob)$' }),
    route('errpage', 'errpage.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-error-page`]: 'https://login.example/cert-help' }),
    route('others', 'others.test', { [`${A}auth-tls-secret`]: 'other-ca' }),
    route('open', 'open.test', {}),
    route('off', 'off.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-verify-client`]: 'off' }),
    route('wild', '*.wild.test', { [`${A}auth-tls-secret`]: 'client-ca' }),
    route('broken', 'broken.test', { [`${A}auth-tls-secret`]: 'bad-ca' }, '2024-01-01T00:00:00Z'),
    // A newer Ingress on the same host, without auth-tls: not served open either.
    ingress('default', 'broken-more', [{ host: 'broken.test', paths: [{ path: '/more', service: 'web', port: 80 }] }], { created: '2024-02-01T00:00:00Z' }),
    route('missing', 'missing.test', { [`${A}auth-tls-secret`]: 'nope' }),
    route('typo', 'typo.test', { [`${A}auth-tls-secret`]: 'client-ca', [`${A}auth-tls-verify-client`]: 'yes' }),
  ];
}

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  gw = await startGateway(objects(), { httpsPort: 0 });
  port = gw.app.ports.https!;
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

interface Got { status: number; text: string; headers: Record<string, string | string[] | undefined>; upstream: Record<string, string> | null; reused: boolean }

/** One HTTPS/1.1 request on a fresh connection: SNI `sni`, Host `host`, optional client certificate. */
function get(sni: string, opts: { host?: string; cert?: TestCert; chain?: TestCert[]; path?: string; headers?: Record<string, string>; session?: Buffer; onSession?: (s: Buffer) => void } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: opts.path ?? '/', servername: sni, rejectUnauthorized: false, agent: false,
      headers: { host: opts.host ?? sni, ...opts.headers },
      ...(opts.cert ? { cert: [opts.cert, ...(opts.chain ?? [])].map((c) => c.certPem).join(''), key: opts.cert.keyPem } : {}),
      ...(opts.session ? { session: opts.session } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let upstream: Record<string, string> | null = null;
        try {
          upstream = JSON.parse(text).headers;
        } catch { /* not the echo server */ }
        resolve({ status: res.statusCode ?? 0, text, headers: res.headers, upstream, reused: (res.socket as tls.TLSSocket).isSessionReused() });
      });
    });
    req.on('socket', (s: tls.TLSSocket) => s.on('session', (b: Buffer) => opts.onSession?.(b)));
    req.on('error', reject);
    req.end();
  });
}

test('a certificate from the CA: 200, and the upstream gets ssl-client-verify, the DNs and the escaped PEM', async () => {
  const r = await get('mtls.test', { cert: alice, headers: { 'ssl-client-verify': 'SPOOFED', 'ssl-client-subject-dn': 'CN=admin' } });
  assert.equal(r.status, 200, r.text);
  const h = r.upstream!;
  assert.equal(h['ssl-client-verify'], 'SUCCESS');
  // RFC 2253: most specific RDN first (nginx $ssl_client_s_dn).
  assert.equal(h['ssl-client-subject-dn'], 'O=Portico tests,CN=alice');
  assert.equal(h['ssl-client-issuer-dn'], 'O=Portico tests,CN=Client Root CA');
  assert.equal(decodeURIComponent(h['ssl-client-cert']), new (await import('node:crypto')).X509Certificate(alice.certPem).toString());
  assert.doesNotMatch(h['ssl-client-cert'], /[\s+/=]/, 'URL-escaped');
});

test('no certificate: the handshake completes and the request gets 400; nothing reaches the backend', async () => {
  const before = echo.requests;
  const r = await get('mtls.test');
  assert.equal(r.status, 400);
  assert.match(r.text, /No required SSL certificate was sent/);
  // The other Ingress on the host is behind the same check.
  assert.equal((await get('mtls.test', { path: '/more' })).status, 400);
  assert.equal((await get('mtls.test', { path: '/more', cert: alice })).status, 200);
  assert.equal(echo.requests, before + 1);
});

test('a certificate from another CA, or revoked by the CRL: 400 "The SSL certificate error"', async () => {
  const wrong = await get('mtls.test', { cert: stranger });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /The SSL certificate error/);
  const rev = await get('mtls.test', { cert: revoked });
  assert.equal(rev.status, 400);
  assert.match(rev.text, /The SSL certificate error/);
  // A self-signed client certificate is no better.
  assert.equal((await get('mtls.test', { cert: other })).status, 400);
});

test('auth-tls-verify-depth: intermediates beyond the depth are refused (default 1)', async () => {
  assert.equal((await get('chain.test', { cert: deep1, chain: [inter1] })).status, 200, 'one intermediate, depth 1');
  const tooDeep = await get('chain.test', { cert: deep2, chain: [inter2, inter1] });
  assert.equal(tooDeep.status, 400, 'two intermediates, depth 1');
  const ok = await get('deep.test', { cert: deep2, chain: [inter2, inter1] });
  assert.equal(ok.status, 200, 'two intermediates, depth 2');
  assert.equal(ok.upstream!['ssl-client-issuer-dn'], 'O=Portico tests,CN=Client Intermediate 2');
  assert.equal(ok.upstream!['ssl-client-cert'], undefined, 'not passed without auth-tls-pass-certificate-to-upstream');
  // The client sends its intermediate and ca.crt has only the root: Node does not show the
  // server the client's chain (nodejs/node#65579), so the depth cannot be counted — refused.
  assert.equal((await get('rootonly.test', { cert: deep1, chain: [inter1] })).status, 400, 'uncounted intermediate');
  assert.equal((await get('rootonly.test', { cert: alice })).status, 200);
  // With a CRL of the root only, the intermediate's certificates cannot be checked: refused.
  assert.equal((await get('mtls.test', { cert: deep1, chain: [inter1] })).status, 400, 'CRL_CHECK_ALL');
});

test('optional: no certificate passes with NONE and client copies of the headers removed; a bad one is still 400', async () => {
  const r = await get('optional.test', { headers: { 'ssl-client-verify': 'SUCCESS', 'ssl-client-subject-dn': 'CN=admin', 'ssl-client-cert': 'x' } });
  assert.equal(r.status, 200);
  assert.equal(r.upstream!['ssl-client-verify'], 'NONE');
  assert.equal(r.upstream!['ssl-client-subject-dn'], undefined);
  assert.equal(r.upstream!['ssl-client-cert'], undefined);
  assert.equal((await get('optional.test', { cert: alice })).upstream!['ssl-client-verify'], 'SUCCESS');
  assert.equal((await get('optional.test', { cert: stranger })).status, 400);
  assert.equal((await get('optional.test', { cert: revoked })).status, 400);
});

test('optional_no_ca: an unknown issuer passes with FAILED:reason; a revoked certificate does not', async () => {
  const r = await get('noca.test', { cert: stranger });
  assert.equal(r.status, 200);
  // OpenSSL's reason for a lone certificate whose issuer is unknown.
  assert.equal(r.upstream!['ssl-client-verify'], 'FAILED:unable to verify the first certificate');
  assert.equal(r.upstream!['ssl-client-subject-dn'], 'O=Portico tests,CN=stranger');
  assert.equal((await get('noca.test', { cert: revoked })).status, 400);
});

test('auth-tls-match-cn: a subject DN that does not match is 403', async () => {
  assert.equal((await get('cn.test', { cert: alice })).status, 200);
  const r = await get('cn.test', { cert: carol });
  assert.equal(r.status, 403);
  assert.match(r.text, /client certificate unauthorized/);
  assert.equal((await get('cn.test')).status, 400, 'the certificate check comes first');
});

test('auth-tls-error-page: a missing or bad certificate is redirected (302)', async () => {
  for (const cert of [undefined, stranger]) {
    const r = await get('errpage.test', cert ? { cert } : {});
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://login.example/cert-help');
  }
  assert.equal((await get('errpage.test', { cert: alice })).status, 200);
});

test('Host ≠ SNI cannot skip the check: 421 over HTTP/1.1 and over a coalesced HTTP/2 connection', async () => {
  // SNI of a host without client certificates, Host of one with them.
  const r = await get('open.test', { host: 'mtls.test' });
  assert.equal(r.status, 421);
  // A certificate verified for one CA does not open a host of another CA.
  assert.equal((await get('mtls.test', { host: 'others.test', cert: alice })).status, 421);
  assert.equal((await get('others.test', { cert: stranger })).status, 200);
  // No SNI at all: the default server, whose connections are verified for nobody.
  assert.equal((await get('', { host: 'mtls.test', cert: alice })).status, 421);
  // The other way round is fine: a host without client certificates on a verified connection.
  assert.equal((await get('mtls.test', { host: 'open.test', cert: alice })).status, 200);

  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'open.test', rejectUnauthorized: false });
  try {
    const ask = (authority: string) => new Promise<number>((resolve, reject) => {
      const s = session.request({ ':path': '/', ':authority': authority });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.resume();
      s.end();
    });
    assert.equal(await ask('open.test'), 200);
    assert.equal(await ask('mtls.test'), 421);
  } finally {
    session.close();
  }
  const h2mtls = http2.connect(`https://127.0.0.1:${port}`, { servername: 'mtls.test', rejectUnauthorized: false, cert: alice.certPem, key: alice.keyPem });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const s = h2mtls.request({ ':path': '/', ':authority': 'mtls.test' });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.resume();
      s.end();
    });
    assert.equal(status, 200, 'HTTP/2 with a certificate');
  } finally {
    h2mtls.close();
  }
});

test('TLS sessions are not resumed on client-certificate hosts (a session verified for one CA never opens another host)', async () => {
  // Contrast: an ordinary host hands out a resumable session, which the client can use.
  let open: Buffer | undefined;
  assert.equal((await get('open.test', { onSession: (s) => { open = s; } })).status, 200);
  assert.ok(open !== undefined, 'ordinary hosts issue session tickets');
  assert.equal((await get('open.test', { session: open })).reused, true);
  let saved: Buffer | undefined;
  assert.equal((await get('mtls.test', { cert: alice, onSession: (s) => { saved = s; } })).status, 200);
  if (saved !== undefined) {
    const again = await get('others.test', { session: saved });
    assert.equal(again.reused, false);
    assert.equal(again.status, 400);
    assert.equal((await get('mtls.test', { session: saved })).reused, false);
  }
  // A session of an ordinary host does not resume on a client-certificate host either.
  const cross = await get('mtls.test', { session: open });
  assert.equal(cross.reused, false);
  assert.equal(cross.status, 400);
});

test('off asks for no certificate (NONE); a wildcard host asks for one; hosts without client certificates drop client-sent ssl-client-*', async () => {
  const off = await get('off.test', { cert: alice });
  assert.equal(off.status, 200);
  assert.equal(off.upstream!['ssl-client-verify'], 'NONE');
  assert.equal((await get('a.wild.test')).status, 400);
  assert.equal((await get('a.wild.test', { cert: alice })).upstream!['ssl-client-verify'], 'SUCCESS');
  assert.equal((await get('a.b.wild.test', { host: 'a.b.wild.test' })).status, 404, 'one label only, as SNI');
  const open = await get('open.test', { headers: { 'ssl-client-verify': 'SUCCESS', 'ssl-client-subject-dn': 'CN=admin', 'ssl-client-issuer-dn': 'CN=x', 'ssl-client-cert': 'x' } });
  assert.equal(open.status, 200);
  for (const h of ['ssl-client-verify', 'ssl-client-subject-dn', 'ssl-client-issuer-dn', 'ssl-client-cert']) assert.equal(open.upstream![h], undefined, h);
  const plain = await request(gw.url + '/', { host: 'open.test', headers: { 'ssl-client-verify': 'SUCCESS' } });
  assert.equal(plain.json().headers['ssl-client-verify'], undefined);
});

test('a WebSocket upgrade meets the same check: 400 without a certificate, 101 with one', async () => {
  const upgrade = (cert?: TestCert) => new Promise<number>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'mtls.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) }, () => {
      s.write('GET / HTTP/1.1\r\nHost: mtls.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    });
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m) {
        resolve(Number(m[1]));
        s.destroy();
      }
    });
    s.on('error', reject);
  });
  assert.equal(await upgrade(), 400);
  assert.equal(await upgrade(alice), 101);
});

test('plain HTTP to a client-certificate host: 400 with verify on, NONE with optional', async () => {
  assert.equal((await request(gw.url + '/', { host: 'mtls.test' })).status, 400);
  const r = await request(gw.url + '/', { host: 'optional.test', headers: { 'ssl-client-verify': 'SUCCESS' } });
  assert.equal(r.status, 200);
  assert.equal(r.json().headers['ssl-client-verify'], 'NONE');
});

test('a CA that does not parse, a missing Secret or a malformed mode: the Ingress is not served, with a diagnostic', async () => {
  for (const host of ['broken.test', 'missing.test', 'typo.test']) assert.equal((await get(host, { cert: alice })).status, 404, host);
  assert.equal((await get('broken.test', { path: '/more' })).status, 404, 'the host\'s other Ingress is not served without certificates');
  assert.equal((await request(gw.url + '/more', { host: 'broken.test' })).status, 404);
  const diags = gw.app.controller.diagnostics().filter((d) => d.reason === 'AccessPolicyInvalid').map((d) => `${d.object.name}: ${d.message}`).join('\n');
  assert.match(diags, /broken: auth-tls-secret: Secret default\/bad-ca: ca.crt certificate #1 cannot be parsed/);
  assert.match(diags, /missing: auth-tls-secret: Secret default\/nope not found/);
  assert.match(diags, /typo: annotation nginx.ingress.kubernetes.io\/auth-tls-verify-client: expected on, off, optional or optional_no_ca/);
  assert.ok(gw.app.controller.diagnostics().some((d) => d.reason === 'ClientCertificateHostRefused' && d.object.name === 'broken-more'));
  const e = gw.app.http.explain('mtls.test', '/');
  assert.ok(JSON.stringify(e).includes('client-certificate'), 'explain lists the step');
});

test('CA rotation applies without restart: the new CA opens the host, the old one no longer does', async () => {
  const next = makeOwnCa('Client Root CA 2');
  const bob = makeClientCert('bob', next);
  await gw.write(objects(next.certPem, makeCrl(next, [])));
  const end = Date.now() + 4000;
  let s = 0;
  while (Date.now() < end && (s = (await get('mtls.test', { cert: bob })).status) !== 200) await new Promise((r) => setTimeout(r, 20));
  assert.equal(s, 200);
  assert.equal((await get('mtls.test', { cert: alice })).status, 400);
  await gw.write(objects());
});
