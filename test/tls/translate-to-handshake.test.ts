// From objects to the served certificate: Store → translate → SniTable → real handshakes
// (README "TLS"). Broken Secrets are reported and their hosts get the default;
// an expired certificate is still served.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.ts';
import type { Ingress, IngressTLS } from '../../src/k8s/types.ts';
import { translate, defaultTranslateOptions } from '../../src/translate/index.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { generateDefaultCertificate, DEFAULT_CERTIFICATE_CN } from '../../src/dataplane/tls/default-certificate.ts';
import { makeCert, newKey, tlsSecret } from '../support/certs.ts';
import { handshake, plainHandler } from './tls-fixtures.ts';

function ingress(name: string, created: string, hosts: string[], tls: IngressTLS[]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: {
      ingressClassName: 'portico', tls,
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } })),
    },
  };
}

test('Secrets to served certificates, with diagnostics for the broken ones', async () => {
  const good = makeCert({ sans: ['good.test'], cn: 'good' });
  const wild = makeCert({ sans: ['*.wild.test'], cn: 'wild' });
  const expired = makeCert({ sans: ['old.test'], cn: 'old', notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
  const older = makeCert({ sans: ['shared.test'], cn: 'shared-older' });
  const newer = makeCert({ sans: ['shared.test'], cn: 'shared-newer' });
  const store = new Store();
  store.upsert('IngressClass', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
  store.upsert('Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
  for (const s of [
    tlsSecret('default', 'good', good.certPem, good.keyPem),
    tlsSecret('default', 'wild', wild.certPem, wild.keyPem, { stringData: true }),
    tlsSecret('default', 'expired', expired.certPem, expired.keyPem),
    tlsSecret('default', 'older', older.certPem, older.keyPem),
    tlsSecret('default', 'newer', newer.certPem, newer.keyPem),
    tlsSecret('default', 'badpem', 'not a certificate', good.keyPem),
    tlsSecret('default', 'mismatch', good.certPem, newKey().keyPem),
    tlsSecret('default', 'nokey', good.certPem, undefined),
  ]) store.upsert('Secret', s);
  store.upsert('Ingress', ingress('main', '2024-01-01T00:00:00Z', ['good.test', '*.wild.test', 'old.test', 'shared.test'], [
    { hosts: ['good.test'], secretName: 'good' }, { hosts: ['*.wild.test'], secretName: 'wild' },
    { hosts: ['old.test'], secretName: 'expired' }, { hosts: ['shared.test'], secretName: 'older' },
  ]));
  store.upsert('Ingress', ingress('later', '2024-02-01T00:00:00Z', ['shared.test'], [{ hosts: ['shared.test'], secretName: 'newer' }]));
  store.upsert('Ingress', ingress('broken', '2024-03-01T00:00:00Z', ['badpem.test', 'mismatch.test', 'nokey.test', 'missing.test'], [
    { hosts: ['badpem.test'], secretName: 'badpem' }, { hosts: ['mismatch.test'], secretName: 'mismatch' },
    { hosts: ['nokey.test'], secretName: 'nokey' }, { hosts: ['missing.test'], secretName: 'missing' },
  ]));

  const { snapshot, diagnostics } = translate(store, { ...defaultTranslateOptions(), version: 7 });
  const tlsDiags = diagnostics.filter((d) => d.reason.startsWith('TLS')).map((d) => `${d.object.name} ${d.reason}`);
  assert.deepEqual(tlsDiags.sort(), ['broken TLSKeyMismatch', 'broken TLSSecretInvalid', 'broken TLSSecretInvalid', 'broken TLSSecretNotFound', 'later TLSHostConflict'].sort());
  assert.ok(!JSON.stringify(diagnostics).includes('PRIVATE KEY'));

  const listener = new HttpsListener(plainHandler(), {
    host: '127.0.0.1', port: 0, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }),
    sni: new SniTableBuilder({ generatedDefault: generateDefaultCertificate() }).build(snapshot),
  });
  const port = await listener.listen();
  try {
    const served = async (name: string): Promise<string> => (await handshake(port, name)).cn;
    assert.equal(await served('good.test'), 'good');
    assert.equal(await served('a.wild.test'), 'wild');
    assert.equal(await served('wild.test'), DEFAULT_CERTIFICATE_CN);
    assert.equal(await served('old.test'), 'old', 'an expired certificate is still served');
    assert.equal(await served('shared.test'), 'shared-older', 'oldest Ingress wins');
    for (const h of ['badpem.test', 'mismatch.test', 'nokey.test', 'missing.test']) assert.equal(await served(h), DEFAULT_CERTIFICATE_CN, h);
  } finally {
    await listener.close(1000);
  }
});

test('session resumption is on by default and can be turned off', async () => {
  const c = makeCert({ sans: ['r.test'], cn: 'r' });
  const snap = {
    version: 1, virtualHosts: [{ hostname: 'r.test', kind: 'exact' as const, routes: [], fallback: null, certificateId: 'default/r' }],
    defaultRoute: null, clusters: [], l4: [], defaultCertificateId: null,
    certificates: [{ id: 'default/r', certPem: c.certPem, keyPem: c.keyPem, names: ['r.test'], notBefore: '2020-01-01T00:00:00Z', notAfter: '2099-01-01T00:00:00Z' }],
  };
  for (const resumption of [true, false]) {
    const b = new SniTableBuilder({ generatedDefault: generateDefaultCertificate(), sessionResumption: resumption });
    const l = new HttpsListener(plainHandler(), {
      host: '127.0.0.1', port: 0, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), sni: b.build(snap), secureOptions: b.secureOptions,
    });
    const port = await l.listen();
    try {
      const first = await handshake(port, 'r.test');
      const second = await handshake(port, 'r.test', first.session ? { session: first.session } : {});
      if (!second.reused) assert.equal(second.cn, 'r');
      assert.equal(second.reused, resumption, `resumption ${resumption}`);
    } finally {
      await l.close(1000);
    }
  }
});

test('EC keys (made by openssl) are accepted and served', { skip: spawnSync('openssl', ['version']).status !== 0 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-ec-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=ec.test', '-addext', 'subjectAltName=DNS:ec.test', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'k.pem'), 'utf8');
    const store = new Store();
    store.upsert('IngressClass', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
    store.upsert('Secret', tlsSecret('default', 'ec', certPem, keyPem));
    store.upsert('Ingress', ingress('ec', '2024-01-01T00:00:00Z', ['ec.test'], [{ hosts: ['ec.test'], secretName: 'ec' }]));
    const { snapshot, diagnostics } = translate(store, defaultTranslateOptions());
    assert.deepEqual(diagnostics.filter((d) => d.reason.startsWith('TLS')), []);
    assert.deepEqual(snapshot.certificates.map((c) => c.names), [['ec.test']]);
    const listener = new HttpsListener(plainHandler(), {
      host: '127.0.0.1', port: 0, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }),
      sni: new SniTableBuilder({ generatedDefault: generateDefaultCertificate() }).build(snapshot),
    });
    const port = await listener.listen();
    try {
      assert.equal((await handshake(port, 'ec.test')).cn, 'ec.test');
    } finally {
      await listener.close(1000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
