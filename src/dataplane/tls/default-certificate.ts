// The certificate served when SNI finds nothing and no `--default-tls-secret` is valid: a
// self-signed certificate generated at start, in memory only (README "TLS", SPEC §7 — the
// equivalent of ingress-nginx's "Fake Certificate").

import forge from 'node-forge';

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
  /** ISO-8601. */
  readonly notAfter: string;
}

export const DEFAULT_CERTIFICATE_CN = 'Portico Default Certificate';
/** The generated certificate's only SAN: clients match names against SANs alone (RFC 6125 §6.4.4),
 * so a CN-only certificate is malformed to them; '.invalid' (RFC 6761 §6.4) can never be a real
 * host, so no client can take this certificate for some site's. */
export const DEFAULT_CERTIFICATE_SAN = 'default.portico.invalid';

export function generateDefaultCertificate(opts: { commonName?: string; days?: number } = {}): PemPair {
  // node-forge delegates RSA key generation to node:crypto when it is available, so this is fast.
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + (opts.days ?? 365) * 86_400_000);
  const subject = [{ name: 'commonName', value: opts.commonName ?? DEFAULT_CERTIFICATE_CN }, { name: 'organizationName', value: 'Portico' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2 /* dNSName */, value: DEFAULT_CERTIFICATE_SAN }] },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}
