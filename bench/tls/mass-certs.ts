// Many distinct certificates quickly, for the SNI-scale benchmark (README "TLS"). One RSA key
// is shared (memory scale is about secure contexts and names, not key variety); node-forge builds
// each certificate and node:crypto signs it (~0.5 ms each instead of ~20 ms in pure JS).

import forge from 'node-forge';
import { createPrivateKey, privateEncrypt, constants } from 'node:crypto';
import type { Certificate } from '../../src/model/certificate.ts';

// DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function massCertificates(names: readonly string[]): Certificate[] {
  const kp = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const keyPem = forge.pki.privateKeyToPem(kp.privateKey);
  const key = createPrivateKey(keyPem);
  const signer = {
    sign: (md: forge.md.MessageDigest): string => {
      const di = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')]);
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, di).toString('binary');
    },
  } as unknown as forge.pki.rsa.PrivateKey;
  const notBefore = new Date(Date.now() - 86_400_000);
  const notAfter = new Date(Date.now() + 30 * 86_400_000);
  const issuer = [{ name: 'commonName', value: 'Portico bench CA' }];
  return names.map((name, i) => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = kp.publicKey;
    cert.serialNumber = (0x100000 + i).toString(16);
    cert.validity.notBefore = notBefore;
    cert.validity.notAfter = notAfter;
    cert.setSubject([{ name: 'commonName', value: name }]);
    cert.setIssuer(issuer);
    cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: name }] }]);
    cert.sign(signer, forge.md.sha256.create());
    return {
      id: `bench/tls-${i}`, certPem: forge.pki.certificateToPem(cert), keyPem, names: [name],
      notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(),
    };
  });
}
