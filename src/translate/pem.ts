// Reading and checking the PEM texts of a kubernetes.io/tls Secret (SPEC §7).
//
// Choice: node-forge reads the PEM armour (which blocks, in which order); node:crypto
// (X509Certificate, createPrivateKey) parses the DER and checks that the key belongs to the leaf,
// because node-forge only understands RSA keys and real Secrets also hold EC (cert-manager's
// default is RSA, but ECDSA is common). Both are pure computation: no I/O, no clock.
//
// Messages produced here never contain key material, nor the text of a third-party error that
// could echo input (ARCHITECTURE.md "Certificates and keys never reach logs, diagnostics…").

import forge from 'node-forge';
import type { DiagnosticReason } from '../model/diagnostic.ts';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Secret } from '../k8s/types.ts';

export interface ParsedTls {
  /** Certificate blocks only, leaf first, re-armoured (no text between blocks). */
  readonly certPem: string;
  /** The private key as PKCS#8 PEM, whatever format it came in. */
  readonly keyPem: string;
  /** DNS SANs (CN when the certificate has no DNS SAN), lower-case, sorted, unique. */
  readonly names: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  /** Non-fatal findings (served anyway), e.g. chain order. */
  readonly warnings: readonly { reason: DiagnosticReason; message: string }[];
}

export type TlsParseResult = { ok: true; tls: ParsedTls } | { ok: false; reason: DiagnosticReason; message: string };

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/**
 * Value of a Secret key as text: `stringData` wins over `data` (the API server merges stringData
 * over data on write; files may carry either, SPEC §7). `data` is base64.
 */
export function secretText(secret: Secret, key: string): string | undefined {
  const s = secret.stringData?.[key];
  if (typeof s === 'string') return s;
  const d = secret.data?.[key];
  if (typeof d !== 'string') return undefined;
  return Buffer.from(d, 'base64').toString('utf8');
}

function invalid(message: string, reason: DiagnosticReason = 'TLSSecretInvalid'): TlsParseResult {
  return { ok: false, reason, message };
}

interface PemBlock { type: string; body: string }

function decodePem(text: string): PemBlock[] | null {
  try {
    return forge.pem.decode(text).map((m) => ({ type: m.type, body: m.body }));
  } catch {
    return null;
  }
}

function encode(type: string, body: string): string {
  return forge.pem.encode({ type, body }, { maxline: 64 }).replace(/\r\n/g, '\n');
}

/** Parse and cross-check a Secret's tls.crt / tls.key. Pure; memoised by the caller. */
export function parseTlsSecret(secret: Secret): TlsParseResult {
  if (secret.type !== TLS_SECRET_TYPE) {
    return invalid(`Secret type is ${JSON.stringify(secret.type ?? '')}, expected "${TLS_SECRET_TYPE}"`);
  }
  const crtText = secretText(secret, 'tls.crt');
  const keyText = secretText(secret, 'tls.key');
  if (!crtText) return invalid('Secret has no tls.crt');
  if (!keyText) return invalid('Secret has no tls.key');

  const crtBlocks = decodePem(crtText);
  if (!crtBlocks) return invalid('tls.crt is not valid PEM');
  const certBlocks = crtBlocks.filter((b) => b.type === 'CERTIFICATE');
  if (certBlocks.length === 0) return invalid('tls.crt holds no CERTIFICATE block');
  const certs: X509Certificate[] = [];
  for (let i = 0; i < certBlocks.length; i++) {
    try {
      certs.push(new X509Certificate(Buffer.from(certBlocks[i].body, 'binary')));
    } catch {
      return invalid(`tls.crt certificate #${i + 1} cannot be parsed`);
    }
  }

  const keyBlocks = decodePem(keyText);
  if (!keyBlocks) return invalid('tls.key is not valid PEM');
  const keyBlock = keyBlocks.find((b) => b.type.endsWith('PRIVATE KEY'));
  if (!keyBlock) return invalid('tls.key holds no PRIVATE KEY block');
  if (keyBlock.type === 'ENCRYPTED PRIVATE KEY') return invalid('tls.key is encrypted; an unencrypted key is required');
  let key;
  try {
    key = createPrivateKey({ key: encode(keyBlock.type, keyBlock.body), format: 'pem' });
  } catch {
    return invalid('tls.key cannot be parsed as a private key');
  }

  // SPEC §7: the chain is leaf first, so the key must belong to the first certificate.
  if (!certs[0].checkPrivateKey(key)) {
    const later = certs.findIndex((c, i) => i > 0 && c.checkPrivateKey(key));
    return later > 0
      ? invalid(`tls.crt must start with the leaf certificate; the key matches certificate #${later + 1}`)
      : invalid('tls.key does not match the certificate in tls.crt', 'TLSKeyMismatch');
  }

  const warnings: { reason: DiagnosticReason; message: string }[] = [];
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].checkIssued(certs[i + 1])) {
      warnings.push({ reason: 'TLSChainOrder', message: `tls.crt certificate #${i + 1} is not issued by certificate #${i + 2}; clients may fail to build the chain` });
      break;
    }
  }

  const leaf = certs[0];
  return {
    ok: true,
    tls: {
      certPem: certBlocks.map((b) => encode('CERTIFICATE', b.body)).join(''),
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
      names: certificateNames(leaf),
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      warnings,
    },
  };
}

/** DNS SANs, else the subject CN (SPEC §7 "SAN incl. wildcard SAN; CN fallback"). */
export function certificateNames(cert: X509Certificate): string[] {
  const names = new Set<string>();
  for (const part of splitSan(cert.subjectAltName ?? '')) {
    if (part.startsWith('DNS:')) names.add(unquote(part.slice(4)).toLowerCase());
  }
  if (names.size === 0) {
    for (const line of cert.subject.split('\n')) {
      if (line.startsWith('CN=')) names.add(unquote(line.slice(3)).toLowerCase());
    }
  }
  return [...names].filter((n) => n.length > 0).sort();
}

function splitSan(s: string): string[] {
  // Node quotes entries that contain a comma, so splitting on ", " outside quotes is exact.
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ',' && s[i + 1] === ' ') {
      out.push(cur);
      cur = '';
      i++;
      continue;
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function unquote(s: string): string {
  if (s.startsWith('"') && s.endsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}

/**
 * Does a certificate with these names serve `host`? RFC 6125 style (SPEC §7): `*` only as the
 * whole left-most label, matching exactly one label, never the bare parent. A wildcard rule host
 * (`*.foo.com`) is covered only by the same wildcard name.
 */
export function namesCover(names: readonly string[], host: string): boolean {
  if (names.includes(host)) return true;
  if (host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  if (dot <= 0) return false;
  const rest = host.slice(dot + 1);
  // `*.com` style wildcards (a single label after `*.`) are not honoured.
  if (!rest.includes('.')) return false;
  return names.includes('*.' + rest);
}
