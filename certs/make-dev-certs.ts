// node-forge fallback of certs/make-dev-certs.sh for machines without openssl.
// Usage: node certs/make-dev-certs.ts <out-dir> <name>... (first name is the CN).

import forge from 'node-forge';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...names] = process.argv.slice(2);
if (!out || names.length === 0) {
  console.error('usage: make-dev-certs.ts <out-dir> <name>...');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const DAY = 86_400_000;
function make(cn: string, opts: { ca?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }; days: number; sans?: string[] }) {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + opts.days * DAY);
  const subject = [{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'Portico development' }];
  cert.setSubject(subject);
  cert.setIssuer(opts.ca ? opts.ca.cert.subject.attributes : subject);
  cert.setExtensions(opts.ca
    ? [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: (opts.sans ?? []).map((value) => ({ type: 2, value })) }]
    : [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  cert.sign(opts.ca ? opts.ca.key : keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey, certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

const ca = make('Portico Development CA', { days: 365 });
const leaf = make(names[0], { ca, days: 90, sans: names });
const w = (f: string, s: string): void => writeFileSync(join(out, f), s, { mode: 0o600 });
w('ca.crt', ca.certPem);
w('ca.key', ca.keyPem);
w('tls.crt', leaf.certPem + ca.certPem);
w('tls.key', leaf.keyPem);
const b64 = (s: string): string => Buffer.from(s).toString('base64');
w('secret.yaml', `# Development certificate for: ${names.join(' ')}. Made by certs/make-dev-certs.ts; never commit.
apiVersion: v1
kind: Secret
metadata:
  name: dev-tls
  namespace: default
type: kubernetes.io/tls
data:
  tls.crt: ${b64(leaf.certPem + ca.certPem)}
  tls.key: ${b64(leaf.keyPem)}
`);
console.log(`wrote ${out}/{ca.crt,ca.key,tls.crt,tls.key,secret.yaml} for: ${names.join(' ')}`);
