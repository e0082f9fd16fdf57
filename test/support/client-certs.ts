// Client-certificate material for mutual TLS tests, generated at run time: CA chains (node-forge,
// test/support/certs.ts) and X.509 v2 CRLs (RFC 5280 §5.1) signed by a CA, built with node-forge's
// ASN.1 since it has no CRL writer.
import forge from 'node-forge';
import { makeCert, newKey, type TestCert } from './certs.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const asn1 = forge.asn1;
const SHA256_RSA = '1.2.840.113549.1.1.11';

function algorithm(): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_RSA).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
}

const utc = (d: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));

/** A PEM CRL issued by `ca` revoking the given certificates (by serial number). */
export function makeCrl(ca: TestCert, revoked: readonly TestCert[], opts: { nextUpdate?: Date } = {}): string {
  const now = new Date(Date.now() - 60_000);
  const entries = revoked.map((c) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(c.cert.serialNumber)),
    utc(now),
  ]));
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)), // v2
    algorithm(),
    forge.pki.distinguishedNameToAsn1(ca.cert.subject),
    utc(now),
    utc(opts.nextUpdate ?? new Date(Date.now() + 7 * 86_400_000)),
    ...(entries.length > 0 ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, entries)] : []),
  ]);
  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const sig = ca.key.privateKey.sign(md);
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs, algorithm(), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + sig),
  ]);
  return forge.pem.encode({ type: 'X509 CRL', body: asn1.toDer(crl).getBytes() }, { maxline: 64 }).replace(/\r\n/g, '\n');
}

/** A CA with its own key (distinct from the shared test key, so another CA never verifies it). */
export function makeOwnCa(cn: string, issuer?: TestCert): TestCert {
  return makeCert({ cn, isCa: true, key: newKey(), notAfter: new Date(Date.now() + 365 * 86_400_000), ...(issuer ? { issuer } : {}) });
}

/** A client certificate (EKU clientAuth) signed by `issuer`. */
export function makeClientCert(cn: string, issuer: TestCert): TestCert {
  return makeCert({ cn, issuer, clientAuth: true });
}

/** An Opaque Secret with ca.crt (and ca.crl), as ingress-nginx's auth-tls-secret reads it. */
export function caSecret(namespace: string, name: string, caPem: string, crlPem?: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque',
    data: { 'ca.crt': Buffer.from(caPem).toString('base64'), ...(crlPem !== undefined ? { 'ca.crl': Buffer.from(crlPem).toString('base64') } : {}) },
  } as KubeObject;
}
