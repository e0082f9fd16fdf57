// Certificate choice per SNI through the real HTTPS listener (README "TLS";
// SPEC §7): exact, wildcard (one label), default, no SNI, hot swap, handshake-error metrics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { generateDefaultCertificate, DEFAULT_CERTIFICATE_CN } from '../../src/dataplane/tls/default-certificate.ts';
import { makeCert } from '../support/certs.ts';
import { certificate, snapshot, handshake, plainHandler, connect, requestOn } from './tls-fixtures.ts';

const fooCert = makeCert({ sans: ['foo.com'], cn: 'foo' });
const wildCert = makeCert({ sans: ['*.foo.com'], cn: 'wild' });
const barCert = makeCert({ sans: ['bar.com'], cn: 'bar-1' });
const bar2Cert = makeCert({ sans: ['bar.com'], cn: 'bar-2' });
const defCert = makeCert({ sans: ['default.example'], cn: 'configured-default' });

const certs = {
  foo: certificate('default/foo', fooCert, ['foo.com']),
  wild: certificate('default/wild', wildCert, ['*.foo.com']),
  bar: certificate('default/bar', barCert, ['bar.com']),
  bar2: certificate('default/bar', bar2Cert, ['bar.com']),
  def: certificate('portico/default', defCert, ['default.example']),
};

const metrics = new Metrics({ defaultMetrics: false });
const builder = new SniTableBuilder({ generatedDefault: generateDefaultCertificate() });
const snap1 = snapshot(1, [['foo.com', 'default/foo'], ['*.foo.com', 'default/wild'], ['bar.com', 'default/bar'], ['plain.com', null], ['', null]],
  [certs.bar, certs.foo, certs.wild]);
let listener: HttpsListener;
let port: number;

before(async () => {
  listener = new HttpsListener(plainHandler(), { host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, sni: builder.build(snap1) });
  port = await listener.listen();
});
after(async () => {
  await listener.close(1000);
});

test('exact, wildcard (one label only), default and no SNI', async () => {
  assert.equal((await handshake(port, 'foo.com')).cn, 'foo');
  assert.equal((await handshake(port, 'x.foo.com')).cn, 'wild');
  assert.equal((await handshake(port, 'bar.com')).cn, 'bar-1');
  // `*.foo.com` never serves the bare parent nor two labels.
  assert.equal((await handshake(port, 'a.b.foo.com')).cn, DEFAULT_CERTIFICATE_CN);
  assert.equal((await handshake(port, 'plain.com')).cn, DEFAULT_CERTIFICATE_CN);
  assert.equal((await handshake(port, 'unknown.org')).cn, DEFAULT_CERTIFICATE_CN);
  assert.equal((await handshake(port, undefined)).cn, DEFAULT_CERTIFICATE_CN);
});

test('SNI is lower-cased and a trailing dot removed', async () => {
  assert.equal((await handshake(port, 'FOO.com')).cn, 'foo');
  assert.equal((await handshake(port, 'foo.com.')).cn, 'foo');
  assert.equal((await handshake(port, 'Y.Foo.Com')).cn, 'wild');
});

test('resolve explains the choice', () => {
  const t = listener.sniTable;
  assert.deepEqual(t.resolve('x.foo.com'), { match: 'wildcard', key: '*.foo.com', certificateId: 'default/wild', notAfter: certs.wild.notAfter });
  assert.equal(t.resolve('foo.com').match, 'exact');
  assert.equal(t.resolve('a.b.foo.com').match, 'default');
  assert.equal(t.resolve(undefined).certificateId, null);
});

test('openssl s_client sees the same choices', { skip: spawnSync('openssl', ['version']).status !== 0 }, async () => {
  const subject = (servername: string | null): Promise<string> => new Promise((resolve, reject) => {
    const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(servername ? ['-servername', servername] : ['-noservername'])];
    const child = execFile('openssl', args, { timeout: 10_000 }, (err, stdout) => {
      const m = /subject=.*CN\s*=\s*([^,\n]+)/.exec(stdout);
      if (m) resolve(m[1].trim());
      else reject(err ?? new Error('no subject in openssl output'));
    });
    child.stdin?.end();
  });
  assert.equal(await subject('foo.com'), 'foo');
  assert.equal(await subject('x.foo.com'), 'wild');
  assert.equal(await subject('foo.com.x'), DEFAULT_CERTIFICATE_CN);
  assert.equal(await subject(null), DEFAULT_CERTIFICATE_CN);
});

test('ALPN offers h2 and http/1.1', async () => {
  assert.equal((await handshake(port, 'foo.com', { alpn: ['h2', 'http/1.1'] })).alpn, 'h2');
  assert.equal((await handshake(port, 'x.foo.com', { alpn: ['http/1.1'] })).alpn, 'http/1.1');
});

test('hot swap: new handshakes get the new certificate, an established connection keeps working', async () => {
  const old = await connect(port, 'bar.com');
  try {
    assert.match(await requestOn(old, 'bar.com'), /bar\.com/);
    const snap2 = snapshot(2, [['foo.com', 'default/foo'], ['*.foo.com', 'default/wild'], ['bar.com', 'default/bar'], ['', null]],
      [certs.bar2, certs.foo, certs.wild], 'portico/default');
    listener.setSniTable(builder.build({ ...snap2, certificates: [...snap2.certificates, certs.def] }));
    assert.equal((await handshake(port, 'bar.com')).cn, 'bar-2');
    // The configured default replaces the generated one, with and without SNI.
    assert.equal((await handshake(port, 'unknown.org')).cn, 'configured-default');
    assert.equal((await handshake(port, undefined)).cn, 'configured-default');
    // Unchanged certificates keep their secure context (built once per certificate).
    assert.equal(listener.sniTable.exact.get('foo.com')!.context, builder.build(snap1).exact.get('foo.com')!.context);
    // The connection made before the swap still carries requests with its old certificate.
    assert.match(await requestOn(old, 'bar.com', '/again'), /bar\.com/);
    assert.equal(((old.getPeerCertificate().subject as { CN?: string }).CN), 'bar-1');
  } finally {
    old.destroy();
    listener.setSniTable(builder.build(snap1));
  }
  assert.equal((await handshake(port, undefined)).cn, DEFAULT_CERTIFICATE_CN);
});

test('handshake errors are counted by reason; expiry gauge per host', async () => {
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: foo.com\r\n\r\n'));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.resume();
  });
  const text = await metrics.registry.metrics();
  const m = /portico_tls_handshake_errors_total\{reason="([a-z0-9_]+)"\} (\d+)/.exec(text);
  assert.ok(m, text);
  assert.ok(Number(m[2]) >= 1);
  const expiry = `portico_certificate_expiry_timestamp_seconds{secret="default/foo",host="foo.com"} ${Math.floor(Date.parse(certs.foo.notAfter) / 1000)}`;
  assert.ok(text.includes(expiry), text);
  assert.ok(!text.includes('PRIVATE'));
});
