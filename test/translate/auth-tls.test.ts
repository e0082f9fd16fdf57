// auth-tls-* → ClientCertPolicy (src/translate/auth-tls.ts): annotation grammar, the CA/CRL checks
// that refuse an Ingress, and the host-level choice (the oldest Ingress's settings for every route).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Ingress, KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';
import { readAuthTls } from '../../src/k8s/annotations/auth-tls.ts';
import { accessSecretRefs } from '../../src/k8s/annotations/access-policy.ts';
import { caSecret, makeCrl, makeOwnCa } from '../support/client-certs.ts';

const A = 'nginx.ingress.kubernetes.io/';
const P = 'portico.io/';
const ca = makeOwnCa('Unit CA');
const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { ports: [{ name: 'http', port: 80 }] } };
function ing(name: string, ts: string, host: string, path: string, annotations: Record<string, string> = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'ns', creationTimestamp: ts, annotations },
    spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  };
}
function run(objs: KubeObject[]) {
  const s = new Store();
  for (const o of [CLASS, svc, ...objs] as KubeObject[]) s.upsert(o.kind as Kind, o);
  return translate(s, defaultTranslateOptions());
}
const meta = (annotations: Record<string, string>) => ({ metadata: { name: 'x', namespace: 'ns', annotations } }) as KubeObject;
const errorsOf = (annotations: Record<string, string>): string[] => {
  const r = readAuthTls(meta(annotations), 'ns');
  return 'errors' in r ? r.errors : [];
};

test('annotation grammar: defaults as ingress-nginx, malformed values are errors (never a silent default)', () => {
  const r = readAuthTls(meta({ [A + 'auth-tls-secret']: 'ca' }), 'ns');
  assert.deepEqual(r, { value: { secret: 'ns/ca', verify: 'on', depth: 1, errorPage: null, passCertificate: false, matchCn: null } });
  assert.deepEqual(readAuthTls(meta({}), 'ns'), { value: null });
  // portico.io/ wins over nginx.ingress.kubernetes.io/; depth 0 means the default 1 (authtls).
  const p = readAuthTls(meta({ [A + 'auth-tls-secret']: 'ns/ca', [A + 'auth-tls-verify-client']: 'bogus', [P + 'auth-tls-verify-client']: 'optional', [A + 'auth-tls-verify-depth']: '0' }), 'ns');
  assert.ok('value' in p && p.value !== null && p.value.verify === 'optional' && p.value.depth === 1);
  assert.match(errorsOf({ [A + 'auth-tls-verify-client']: 'on' }).join(), /auth-tls-secret: required/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'other/ca' }).join(), /must be in the Ingress namespace/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'a/b/c' }).join(), /expected name or namespace\/name/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-verify-client']: 'On' }).join(), /auth-tls-verify-client/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-verify-depth']: '-1' }).join(), /auth-tls-verify-depth/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-pass-certificate-to-upstream']: 'yes' }).join(), /true or false/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-match-cn']: 'alice' }).join(), /must start with "CN="/);
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-match-cn']: 'CN=(a' }).join(), /not an RE2 regex/);
  // Backreferences are not linear-time: RE2 refuses them.
  assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-match-cn']: 'CN=(a)\\1' }).join(), /not an RE2 regex/);
  for (const bad of ['/cert-error', 'ftp://x.example/e', 'https://x.example/e?next=$request_uri', 'https://x.example/"><']) {
    assert.match(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-error-page']: bad }).join(), /auth-tls-error-page/, bad);
  }
  assert.deepEqual(errorsOf({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-tls-error-page']: 'https://login.example:8443/help/cert' }), []);
});

test('the cluster source reads the auth-tls-secret (and auth-secret) by name', () => {
  assert.deepEqual(accessSecretRefs(meta({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-secret']: 'ns/htpasswd' })), ['ns/htpasswd', 'ns/ca']);
  assert.deepEqual(accessSecretRefs(meta({ [A + 'auth-tls-secret']: 'ca', [A + 'auth-secret']: 'ca' })), ['ns/ca']);
});

test('a Secret without ca.crt, a CA or CRL that does not parse: the Ingress is refused with AccessPolicyInvalid', () => {
  const noCa = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'noca', namespace: 'ns' }, type: 'Opaque', data: { 'tls.crt': 'eA==' } };
  const r = run([
    noCa,
    caSecret('ns', 'badcrl', ca.certPem, '-----BEGIN X509 CRL-----\nMAMCAQE=\n-----END X509 CRL-----\n'),
    caSecret('ns', 'notcrl', ca.certPem, ca.certPem),
    caSecret('ns', 'good', ca.certPem, makeCrl(ca, [])),
    ing('a', '2024-01-01T00:00:00Z', 'a.test', '/', { [A + 'auth-tls-secret']: 'noca' }),
    ing('b', '2024-01-01T00:00:00Z', 'b.test', '/', { [A + 'auth-tls-secret']: 'badcrl' }),
    ing('c', '2024-01-01T00:00:00Z', 'c.test', '/', { [A + 'auth-tls-secret']: 'notcrl' }),
    ing('d', '2024-01-01T00:00:00Z', 'd.test', '/', { [A + 'auth-tls-secret']: 'good' }),
  ]);
  const msgs = r.diagnostics.filter((d) => d.reason === 'AccessPolicyInvalid').map((d) => `${d.object.name}: ${d.message}`);
  assert.deepEqual(msgs, [
    'a: auth-tls-secret: Secret ns/noca has no key "ca.crt"; Ingress not served',
    'b: auth-tls-secret: Secret ns/badcrl: ca.crl CRL #1 cannot be parsed; Ingress not served',
    'c: auth-tls-secret: Secret ns/notcrl: ca.crl holds no X509 CRL block; Ingress not served',
  ]);
  assert.deepEqual(r.snapshot.virtualHosts.map((v) => v.hostname), ['d.test']);
  const p = r.snapshot.virtualHosts[0].clientCertificate!;
  assert.equal(p.secret, 'ns/good');
  assert.match(p.crlPem ?? '', /^-----BEGIN X509 CRL-----\n/);
  // Never a private key or anything but the CA certificates in the policy.
  assert.doesNotMatch(JSON.stringify(p), /PRIVATE KEY/);
});

test('a host setting: the oldest Ingress decides for every route of the host; a differing later one is warned', () => {
  const other = makeOwnCa('Other unit CA');
  const r = run([
    caSecret('ns', 'ca1', ca.certPem),
    caSecret('ns', 'ca2', other.certPem),
    ing('late', '2024-03-01T00:00:00Z', 'h.test', '/late', { [A + 'auth-tls-secret']: 'ca2' }),
    ing('plain', '2024-02-01T00:00:00Z', 'h.test', '/plain'),
    ing('early', '2024-01-01T00:00:00Z', 'h.test', '/early', { [A + 'auth-tls-secret']: 'ca1', [A + 'auth-tls-match-cn']: 'CN=ok' }),
    ing('same', '2024-04-01T00:00:00Z', 'h.test', '/same', { [A + 'auth-tls-secret']: 'ca1', [A + 'auth-tls-match-cn']: 'CN=ok' }),
  ]);
  const vh = r.snapshot.virtualHosts.find((v) => v.hostname === 'h.test')!;
  assert.equal(vh.clientCertificate?.ingress, 'ns/early');
  assert.deepEqual(vh.routes.map((x) => [x.id, x.access?.clientCert?.ingress]).sort(), [
    ['ns/early#0.0', 'ns/early'], ['ns/late#0.0', 'ns/early'], ['ns/plain#0.0', 'ns/early'], ['ns/same#0.0', 'ns/early'],
  ]);
  const warned = r.diagnostics.filter((d) => d.reason === 'ClientCertificateShared');
  assert.deepEqual(warned.map((d) => [d.object.name, d.severity]), [['late', 'warning']]);
  assert.match(warned[0].message, /host h\.test: client certificates are checked with the settings of Ingress ns\/early/);
});

test('the oldest Ingress asking for client certificates is refused: no Ingress of that host is served; a newer refused one changes nothing', () => {
  const r = run([
    caSecret('ns', 'ca1', ca.certPem),
    // h1: the oldest auth-tls Ingress names a missing Secret; an older and a newer plain Ingress share the host.
    ing('plain-old', '2023-01-01T00:00:00Z', 'h1.test', '/old'),
    ing('broken', '2024-01-01T00:00:00Z', 'h1.test', '/b', { [A + 'auth-tls-secret']: 'missing' }),
    ing('plain-new', '2024-02-01T00:00:00Z', 'h1.test', '/new'),
    // h2: a valid older policy, a broken newer one: served with the older's.
    ing('good', '2024-01-01T00:00:00Z', 'h2.test', '/g', { [A + 'auth-tls-secret']: 'ca1' }),
    ing('broken-late', '2024-03-01T00:00:00Z', 'h2.test', '/l', { [A + 'auth-tls-verify-client']: 'maybe', [A + 'auth-tls-secret']: 'ca1' }),
    ing('other', '2024-01-01T00:00:00Z', 'h3.test', '/'),
  ]);
  assert.deepEqual(r.snapshot.virtualHosts.map((v) => v.hostname), ['h2.test', 'h3.test']);
  assert.deepEqual(r.snapshot.virtualHosts[0].routes.map((x) => x.id), ['ns/good#0.0']);
  const host = r.diagnostics.filter((d) => d.reason === 'ClientCertificateHostRefused');
  assert.deepEqual(host.map((d) => [d.object.name, d.severity]), [['plain-new', 'error'], ['plain-old', 'error']]);
  assert.match(host[0].message, /host h1\.test is not served: Ingress ns\/broken asks for client certificates/);
  assert.deepEqual(r.diagnostics.filter((d) => d.reason === 'AccessPolicyInvalid').map((d) => d.object.name), ['broken', 'broken-late']);
});
