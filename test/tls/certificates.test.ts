// translateCertificates: validation, host assignment (SPEC §7), oldest-wins, key material never
// in diagnostics (README "TLS").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Ingress, IngressTLS, Secret } from '../../src/k8s/types.ts';
import { translateCertificates } from '../../src/translate/certificates.ts';
import { makeCert, makeCa, newKey, tlsSecret, sharedKey } from '../support/certs.ts';

let ts = 0;
function ingress(name: string, hosts: string[], tls: IngressTLS[], ns = 'default'): Ingress {
  ts++;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, ts)).toISOString() },
    spec: {
      tls,
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } }] } })),
    },
  };
}

function storeWith(secrets: Secret[], ingresses: Ingress[]): Store {
  const s = new Store();
  for (const x of secrets) s.upsert('Secret', x);
  for (const i of ingresses) s.upsert('Ingress', i);
  return s;
}

const foo = makeCert({ sans: ['foo.com', 'www.foo.com'] });
const wild = makeCert({ sans: ['*.foo.com'] });
const bar = makeCert({ sans: ['bar.com'] });

test('listed host gets its Secret; data and stringData both read', () => {
  const secrets = [tlsSecret('default', 'foo', foo.certPem, foo.keyPem), tlsSecret('default', 'bar', bar.certPem, bar.keyPem, { stringData: true })];
  const ings = [ingress('a', ['Foo.com', 'bar.com'], [{ hosts: ['foo.COM'], secretName: 'foo' }, { hosts: ['bar.com'], secretName: 'bar' }])];
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual([...r.hostCertificate], [['foo.com', 'default/foo'], ['bar.com', 'default/bar']]);
  assert.deepEqual(r.certificates.map((c) => c.id), ['default/bar', 'default/foo']);
  assert.deepEqual(r.certificates[1].names, ['foo.com', 'www.foo.com']);
  assert.deepEqual([...r.tlsHosts].sort(), ['bar.com', 'foo.com']);
  assert.equal(r.defaultCertificateId, null);
  assert.match(r.certificates[0].keyPem, /BEGIN PRIVATE KEY/);
});

test('unlisted host: any entry whose certificate covers it (wildcard, one label only)', () => {
  const secrets = [tlsSecret('default', 'wild', wild.certPem, wild.keyPem)];
  const ings = [ingress('a', ['x.foo.com', 'foo.com', 'a.b.foo.com', '*.foo.com'], [{ secretName: 'wild' }])];
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual([...r.hostCertificate], [['x.foo.com', 'default/wild'], ['*.foo.com', 'default/wild']]);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.tlsHosts.size, 0);
});

test('listed host not covered by its Secret → TLSCertificateMismatch, default certificate', () => {
  const secrets = [tlsSecret('default', 'foo', foo.certPem, foo.keyPem)];
  const ings = [ingress('a', ['other.com', 'foo.com'], [{ hosts: ['other.com', 'foo.com'], secretName: 'foo' }])];
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual([...r.hostCertificate], [['foo.com', 'default/foo']]);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].reason, 'TLSCertificateMismatch');
  assert.deepEqual(r.diagnostics[0].object, { kind: 'Ingress', namespace: 'default', name: 'a' });
  assert.ok(r.tlsHosts.has('other.com'));
});

test('entry without secretName: host listed for redirect, default certificate, no diagnostic', () => {
  const ings = [ingress('a', ['foo.com'], [{ hosts: ['foo.com'] }])];
  const r = translateCertificates(storeWith([], ings), ings, { defaultTlsSecret: null });
  assert.equal(r.hostCertificate.size, 0);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual([...r.tlsHosts], ['foo.com']);
});

test('broken Secrets are reported on the Ingress and fall back to the default', () => {
  const other = newKey();
  const chained = makeCert({ sans: ['chain.com'], issuer: makeCa() });
  const secrets = [
    tlsSecret('default', 'badpem', '-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n', foo.keyPem),
    tlsSecret('default', 'garbage', 'hello', foo.keyPem),
    tlsSecret('default', 'mismatch', foo.certPem, other.keyPem),
    tlsSecret('default', 'nokey', foo.certPem, undefined),
    tlsSecret('default', 'opaque', foo.certPem, foo.keyPem, { type: 'Opaque' }),
    tlsSecret('default', 'reversed', makeCa('Other CA', other).certPem + chained.certPem, chained.keyPem),
  ];
  // `reversed` carries a CA first whose key differs from the leaf's: the key matches certificate #2.
  const names = ['badpem', 'garbage', 'mismatch', 'nokey', 'opaque', 'missing', 'reversed'];
  const ings = names.map((n) => ingress(n, [`${n}.foo.com`], [{ hosts: [`${n}.foo.com`], secretName: n }]));
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.equal(r.hostCertificate.size, 0);
  assert.equal(r.certificates.length, 0);
  const byIngress = Object.fromEntries(r.diagnostics.map((d) => [d.object.name, d.reason]));
  assert.deepEqual(byIngress, {
    badpem: 'TLSSecretInvalid', garbage: 'TLSSecretInvalid', mismatch: 'TLSKeyMismatch', nokey: 'TLSSecretInvalid',
    opaque: 'TLSSecretInvalid', missing: 'TLSSecretNotFound', reversed: 'TLSSecretInvalid',
  });
  assert.ok(r.diagnostics.every((d) => d.severity === 'error'));
  assert.match(r.diagnostics.find((d) => d.object.name === 'reversed')!.message, /leaf/);
});

test('key material never appears in diagnostics', () => {
  const other = newKey();
  const secrets = [
    tlsSecret('default', 'mismatch', foo.certPem, other.keyPem),
    tlsSecret('default', 'swapped', foo.keyPem, foo.certPem),
    tlsSecret('default', 'keyascert', foo.keyPem, foo.keyPem),
    tlsSecret('default', 'expired', makeCert({ sans: ['e.com'], notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') }).certPem, foo.keyPem),
  ];
  const ings = ['mismatch', 'swapped', 'keyascert', 'expired'].map((n) => ingress(n, ['e.com'], [{ hosts: ['e.com'], secretName: n }]));
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: 'default/keyascert', now: new Date().toISOString() });
  assert.ok(r.diagnostics.length >= 4);
  const text = JSON.stringify(r.diagnostics);
  assert.ok(!text.includes('PRIVATE KEY'));
  for (const k of [other.keyPem, sharedKey().keyPem]) {
    const b64 = Buffer.from(k).toString('base64');
    const body = k.split('\n').filter((l) => l && !l.startsWith('-----'));
    assert.ok(!text.includes(b64.slice(0, 40)));
    for (const line of body) assert.ok(!text.includes(line), 'a key line leaked');
  }
});

test('expired certificate is still served, reported as a warning when `now` is given', () => {
  const old = makeCert({ sans: ['old.com'], notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
  const secrets = [tlsSecret('default', 'old', old.certPem, old.keyPem)];
  const ings = [ingress('a', ['old.com'], [{ hosts: ['old.com'], secretName: 'old' }])];
  const withoutClock = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual(withoutClock.diagnostics, []);
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null, now: '2024-06-01T00:00:00Z' });
  assert.deepEqual([...r.hostCertificate], [['old.com', 'default/old']]);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].reason, 'TLSCertificateExpired');
  assert.equal(r.diagnostics[0].severity, 'warning');
  assert.equal(r.certificates[0].notAfter, '2021-01-01T00:00:00.000Z');
});

test('oldest Ingress wins a host claimed with different Secrets; same Secret is no conflict', () => {
  const foo2 = makeCert({ sans: ['foo.com'], cn: 'second' });
  const secrets = [tlsSecret('default', 'foo', foo.certPem, foo.keyPem), tlsSecret('team', 'foo2', foo2.certPem, foo2.keyPem), tlsSecret('x', 'foo', foo.certPem, foo.keyPem)];
  const older = ingress('older', ['foo.com'], [{ hosts: ['foo.com'], secretName: 'foo' }]);
  const newer = ingress('newer', ['foo.com'], [{ hosts: ['foo.com'], secretName: 'foo2' }], 'team');
  const r = translateCertificates(storeWith(secrets, [older, newer]), [older, newer], { defaultTlsSecret: null });
  assert.deepEqual([...r.hostCertificate], [['foo.com', 'default/foo']]);
  assert.deepEqual(r.diagnostics.map((d) => [d.object.name, d.reason, d.severity]), [['newer', 'TLSHostConflict', 'warning']]);
  assert.deepEqual(r.certificates.map((c) => c.id), ['default/foo']);
  // An older Ingress with a broken Secret does not block a newer valid one.
  const broken = ingress('broken', ['foo.com'], [{ hosts: ['foo.com'], secretName: 'nope' }]);
  const r2 = translateCertificates(storeWith(secrets, [broken, newer]), [broken, newer], { defaultTlsSecret: null });
  assert.deepEqual([...r2.hostCertificate], [['foo.com', 'team/foo2']]);
});

test('default TLS Secret: id when valid, diagnostic on the Secret otherwise', () => {
  const secrets = [tlsSecret('portico', 'default-cert', foo.certPem, foo.keyPem)];
  const r = translateCertificates(storeWith(secrets, []), [], { defaultTlsSecret: 'portico/default-cert' });
  assert.equal(r.defaultCertificateId, 'portico/default-cert');
  assert.deepEqual(r.certificates.map((c) => c.id), ['portico/default-cert']);
  const r2 = translateCertificates(storeWith(secrets, []), [], { defaultTlsSecret: 'portico/missing' });
  assert.equal(r2.defaultCertificateId, null);
  assert.deepEqual(r2.diagnostics.map((d) => [d.object.kind, d.object.name, d.reason]), [['Secret', 'missing', 'TLSSecretNotFound']]);
});

test('CA-signed leaf with chain; CN used when there is no SAN; output is deterministic', () => {
  const ca = makeCa();
  const leaf = makeCert({ sans: ['chain.com'], issuer: ca });
  const cnOnly = makeCert({ cn: 'Legacy.COM' });
  const secrets = [tlsSecret('default', 'chain', leaf.certPem + ca.certPem, leaf.keyPem), tlsSecret('default', 'cn', cnOnly.certPem, cnOnly.keyPem)];
  const ings = [ingress('a', ['chain.com', 'legacy.com'], [{ hosts: ['chain.com'], secretName: 'chain' }, { hosts: ['legacy.com'], secretName: 'cn' }])];
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual(r.diagnostics, []);
  assert.equal((r.certificates[0].certPem.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  assert.deepEqual(r.certificates[1].names, ['legacy.com']);
  const again = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.equal(JSON.stringify(again.certificates), JSON.stringify(r.certificates));
});

test('chain out of order is a warning, still served', () => {
  const ca = makeCa();
  const leaf = makeCert({ sans: ['c.com'], issuer: ca });
  const unrelated = makeCa('Unrelated CA');
  const secrets = [tlsSecret('default', 'c', leaf.certPem + unrelated.certPem, leaf.keyPem)];
  const ings = [ingress('a', ['c.com'], [{ hosts: ['c.com'], secretName: 'c' }])];
  const r = translateCertificates(storeWith(secrets, ings), ings, { defaultTlsSecret: null });
  assert.deepEqual([...r.hostCertificate], [['c.com', 'default/c']]);
  assert.deepEqual(r.diagnostics.map((d) => [d.reason, d.severity]), [['TLSChainOrder', 'warning']]);
});
