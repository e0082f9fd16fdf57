// Test certificates generated at run time with node-forge (README "TLS": no committed keys).
// RSA key generation is the slow part, so one key pair per process is shared by every certificate
// unless a test asks for a fresh one (e.g. to build a mismatched key).

import forge from 'node-forge';
import type { Secret } from '../../src/k8s/types.ts';

export interface TestKey {
  readonly keyPem: string;
  readonly privateKey: forge.pki.rsa.PrivateKey;
  readonly publicKey: forge.pki.rsa.PublicKey;
}

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
  /** For signing further certificates when this one is a CA. */
  readonly cert: forge.pki.Certificate;
  readonly key: TestKey;
}

export interface CertOptions {
  /** DNS SANs; none → no SAN extension (CN only). */
  sans?: string[];
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Signed by this CA; self-signed otherwise. */
  issuer?: TestCert;
  key?: TestKey;
  isCa?: boolean;
  /** Extended key usage clientAuth as well (a client certificate for mutual TLS). */
  clientAuth?: boolean;
}

let shared: TestKey | undefined;
let serial = 1;

/** A new 2048-bit RSA key (node-forge uses node:crypto to generate it, so ~0.1 s). */
export function newKey(): TestKey {
  const kp = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  return { keyPem: forge.pki.privateKeyToPem(kp.privateKey), privateKey: kp.privateKey, publicKey: kp.publicKey };
}

/** The key pair shared by every certificate of this process unless one is given. */
export function sharedKey(): TestKey {
  shared ??= newKey();
  return shared;
}

const DAY = 86_400_000;

export function makeCert(opts: CertOptions = {}): TestCert {
  const key = opts.key ?? sharedKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 30 * DAY);
  const cn = opts.cn ?? opts.sans?.[0] ?? 'portico-test';
  const subject = [{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'Portico tests' }];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  const ext: object[] = [{ name: 'basicConstraints', cA: opts.isCa ?? false }];
  if (opts.isCa) ext.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true });
  else ext.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true, ...(opts.clientAuth ? { clientAuth: true } : {}) });
  if (opts.sans && opts.sans.length > 0) ext.push({ name: 'subjectAltName', altNames: opts.sans.map((value) => ({ type: 2, value })) });
  cert.setExtensions(ext);
  cert.sign(opts.issuer ? opts.issuer.key.privateKey : key.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem, cert, key };
}

export function makeCa(cn = 'Portico Test CA', key?: TestKey): TestCert {
  return makeCert({ cn, isCa: true, key: key ?? sharedKey(), notAfter: new Date(Date.now() + 365 * DAY) });
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** A kubernetes.io/tls Secret holding the given PEM texts (base64 `data`, or `stringData`). */
export function tlsSecret(namespace: string, name: string, certPem: string | undefined, keyPem: string | undefined,
  opts: { stringData?: boolean; type?: string; creationTimestamp?: string } = {}): Secret {
  const values: Record<string, string> = {};
  if (certPem !== undefined) values['tls.crt'] = opts.stringData ? certPem : b64(certPem);
  if (keyPem !== undefined) values['tls.key'] = opts.stringData ? keyPem : b64(keyPem);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: opts.type ?? 'kubernetes.io/tls',
    ...(opts.stringData ? { stringData: values } : { data: values }),
  };
}

/** Common name and DNS SANs of a peer certificate as node:tls reports it. */
export function describePeer(c: { subject?: { CN?: string | string[] }; subjectaltname?: string }): { cn: string; sans: string[] } {
  const cnRaw = c.subject?.CN;
  const cn = Array.isArray(cnRaw) ? cnRaw[0] : cnRaw ?? '';
  const sans = (c.subjectaltname ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  return { cn, sans };
}
