// The client-certificate host table (src/dataplane/tls/mutual-table.ts) and the DN formatting of
// peer-certificate.ts: lookup as the SNI table's, contexts reused while the PEM texts and policy
// do not change, and `off` hosts never asking for a certificate.
import { test } from 'node:test';
import tls from 'node:tls';
import assert from 'node:assert/strict';
import { MutualTableBuilder } from '../../src/dataplane/tls/mutual-table.ts';
import { rfc2253, verifyReason } from '../../src/dataplane/tls/peer-certificate.ts';
import { generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { emptySnapshot, type Snapshot } from '../../src/model/snapshot.ts';
import type { ClientCertPolicy } from '../../src/model/access.ts';
import type { VirtualHost } from '../../src/model/route.ts';
import { makeClientCert, makeOwnCa } from '../support/client-certs.ts';

const ca1 = makeOwnCa('Table CA 1');
const ca2 = makeOwnCa('Table CA 2');
const policy = (caPem: string, key: string, verify: ClientCertPolicy['verify'] = 'on'): ClientCertPolicy => ({
  secret: 'ns/ca', ingress: 'ns/i', caPem, crlPem: null, verify, depth: 1, errorPage: null, passCertificate: false, matchCn: null, key,
});
const host = (hostname: string, p: ClientCertPolicy | null, kind: VirtualHost['kind'] = 'exact'): VirtualHost =>
  ({ hostname, kind, routes: [], fallback: null, certificateId: null, ...(p ? { clientCertificate: p } : {}) });
const snap = (hosts: VirtualHost[]): Snapshot => ({ ...emptySnapshot(1), virtualHosts: hosts });

test('lookup: exact, then one-label wildcard; off and hostless hosts are not in the table', () => {
  const b = new MutualTableBuilder(generateDefaultCertificate(), {}, 0);
  const t = b.build(snap([
    host('a.test', policy(ca1.certPem, 'k1')), host('*.w.test', policy(ca1.certPem, 'k1'), 'wildcard'),
    host('off.test', policy(ca1.certPem, 'k0', 'off')), host('plain.test', null), host('', policy(ca1.certPem, 'k1'), 'any'),
  ]));
  assert.equal(t.size, 2);
  assert.equal(t.lookup('A.TEST.')?.key, 'k1');
  assert.equal(t.lookup('x.w.test')?.key, 'k1');
  assert.equal(t.lookup('y.x.w.test'), null);
  assert.equal(t.lookup('off.test'), null);
  assert.equal(t.lookup('plain.test'), null);
  assert.ok(t.lookup('a.test')?.materialise() !== null);
});

test('a secure context is kept across builds while nothing changed, and replaced when the CA rotates', () => {
  const b = new MutualTableBuilder(generateDefaultCertificate(), {}, 0);
  const first = b.build(snap([host('a.test', policy(ca1.certPem, 'k1'))])).lookup('a.test')!.materialise();
  const same = b.build(snap([host('a.test', policy(ca1.certPem, 'k1'))])).lookup('a.test')!.materialise();
  assert.equal(same, first);
  const rotated = b.build(snap([host('a.test', policy(ca2.certPem, 'k2'))])).lookup('a.test')!;
  assert.equal(rotated.key, 'k2');
  assert.notEqual(rotated.materialise(), first);
  assert.equal(b.build(snap([])).size, 0);
});

test('a CA bundle OpenSSL cannot read trusts nothing: never the public roots', async () => {
  const b = new MutualTableBuilder(generateDefaultCertificate(), {}, 0);
  const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  const ctx = b.build(snap([host('a.test', policy(garbage, 'bad'))])).lookup('a.test')!.materialise();
  const good = b.build(snap([host('a.test', policy(ca1.certPem, 'k1'))])).lookup('a.test')!.materialise();
  const client = makeClientCert('c', ca1);
  const authorized = (c: tls.SecureContext | null) => new Promise<boolean>((resolve, reject) => {
    const srv = tls.createServer({ requestCert: true, rejectUnauthorized: false, SNICallback: (_n, cb) => cb(null, c ?? undefined) }, (s) => {
      resolve(s.authorized);
      s.destroy();
      srv.close();
    });
    srv.listen(0, '127.0.0.1', () => {
      const s = tls.connect({ host: '127.0.0.1', port: (srv.address() as { port: number }).port, servername: 'a.test', rejectUnauthorized: false, cert: client.certPem, key: client.keyPem });
      s.on('error', () => {});
      s.resume();
    });
    srv.on('tlsClientError', reject);
  });
  assert.equal(await authorized(good), true);
  assert.equal(await authorized(ctx), false);
});

test('RFC 2253 names as nginx prints them: most specific first, multi-valued RDNs joined by +', () => {
  assert.equal(rfc2253('C=US\nO=Example\nCN=alice'), 'CN=alice,O=Example,C=US');
  assert.equal(rfc2253('O=A\\, Inc.\nCN=x + UID=7'), 'CN=x+UID=7,O=A\\, Inc.');
  assert.equal(rfc2253(''), '');
  assert.equal(verifyReason('CERT_REVOKED'), 'certificate revoked');
  assert.equal(verifyReason('SOME_NEW_CODE'), 'some new code');
});
