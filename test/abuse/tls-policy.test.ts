// Abuse suite, TLS defaults: only TLS 1.2+ with forward-secret AEAD suites; the generated default
// certificate has a SAN. Checked with Node's own TLS client and, when installed, with sslscan
// (Debian package; .ci/run installs it).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { route, snapshot } from '../dataplane/http/helpers.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { DEFAULT_CERTIFICATE_SAN, generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import type { VirtualHost } from '../../src/model/route.ts';

let dp: HttpDataplane;
let listener: HttpsListener;
let port: number;

before(async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  dp = new HttpDataplane({ logger: silentLogger(), metrics, trustProxy: [], connectTimeoutMs: 1000, upstreamTimeoutMs: 1000, httpsPort: null, hsts: null });
  const any: VirtualHost = { hostname: '', kind: 'any', routes: [route('Prefix', '/', { unavailable: 'none' })], fallback: null, certificateId: null };
  const snap = snapshot(1, [any], []);
  dp.apply(snap, new Map());
  const builder = new SniTableBuilder({ generatedDefault: generateDefaultCertificate() });
  listener = new HttpsListener(dp, { host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, sni: builder.build(snap), tlsPolicy: builder.policyOptions });
  port = await listener.listen();
});
after(async () => {
  await listener.close(500);
  await dp.close();
});

/** Handshake with these client options: the negotiated protocol and cipher, or the error. */
function hello(opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'x.test', ...opts }, () => {
      resolve(`${s.getProtocol()} ${s.getCipher().name}`);
      s.destroy();
    });
    s.on('error', (e) => resolve(`refused: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

test('TLS 1.0/1.1, RSA key exchange and CBC suites are refused; ECDHE+AEAD and TLS 1.3 are offered', async (t) => {
  const cases: Array<[string, tls.ConnectionOptions, boolean]> = [
    ['TLS 1.1', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, false],
    ['TLS 1.2 RSA kx AES128-GCM-SHA256', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }, false],
    ['TLS 1.2 ECDHE-RSA-AES128-SHA (CBC)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }, false],
    ['TLS 1.2 ECDHE-RSA-AES256-SHA384 (CBC)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-SHA384' }, false],
    ['TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, true],
    ['TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }, true],
    ['TLS 1.3', { minVersion: 'TLSv1.3' }, true],
  ];
  for (const [what, opts, ok] of cases) {
    const got = await hello(opts);
    t.diagnostic(`sent: ClientHello ${what}`);
    t.diagnostic(`got:  ${got}`);
    assert.equal(!got.startsWith('refused'), ok, `${what}: ${got}`);
  }
});

test('the generated default certificate carries a DNS SAN', async () => {
  const pem = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()!.toString());
      s.destroy();
    });
    s.on('error', reject);
  });
  assert.equal(new X509Certificate(pem).subjectAltName, `DNS:${DEFAULT_CERTIFICATE_SAN}`);
});

test('sslscan: no SSLv3/TLS 1.0/1.1, no accepted non-ECDHE or non-AEAD TLS 1.2 cipher', async (t) => {
  const out = await new Promise<string | null>((resolve) => {
    execFile('sslscan', ['--no-colour', '--no-heartbleed', `127.0.0.1:${port}`], { timeout: 60_000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
      else resolve(stdout);
    });
  });
  if (out === null) {
    t.skip('sslscan is not installed (apt-get install sslscan; .ci/run does it)');
    return;
  }
  const accepted = out.split('\n').filter((l) => /^(Preferred|Accepted)\s/.test(l));
  t.diagnostic(`sent: sslscan --no-colour 127.0.0.1:${port}`);
  t.diagnostic(`got:  ${accepted.map((l) => l.replace(/\s+/g, ' ').trim()).join(' | ')}`);
  assert.ok(accepted.length > 0, 'sslscan saw the accepted suites');
  for (const l of accepted) {
    assert.match(l, /TLSv1\.[23]/, l);
    if (/TLSv1\.2/.test(l)) assert.match(l, /ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)/, l);
  }
  assert.match(out, /TLSv1\.0\s+disabled/);
  assert.match(out, /TLSv1\.1\s+disabled/);
});
