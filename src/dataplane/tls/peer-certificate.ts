// What the handshake learned of a client certificate, read once per TLS connection and kept on
// the socket: the key of the client-certificate policy the handshake was verified for (set by the
// mutual server's SNI callback, https-listener.ts) and the verification outcome as nginx's
// variables (ngx_event_openssl.c: $ssl_client_verify, $ssl_client_s_dn, $ssl_client_i_dn,
// $ssl_client_escaped_cert).

import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';

/** Set on a TLSSocket by the mutual server: `{ key }` of the policy its handshake used. */
export const kClientCert = Symbol('portico.clientCert');

export interface PeerVerdict {
  readonly state: 'none' | 'success' | 'failed';
  /** Node's authorizationError code (e.g. CERT_REVOKED), null on success or without certificate. */
  readonly code: string | null;
  /** nginx $ssl_client_verify: SUCCESS, FAILED:<OpenSSL reason>, NONE. */
  readonly verify: string;
  /** RFC 2253, most specific RDN first (nginx $ssl_client_s_dn since 1.11.6). */
  readonly subject: string;
  readonly issuer: string;
  /** The certificate PEM, URL-escaped (nginx $ssl_client_escaped_cert). */
  readonly escapedPem: string;
  /** Certificates between the client's and the trust anchor in the verified chain; null when not knowable. */
  readonly intermediates: number | null;
}

export interface ClientCertTag {
  readonly key: string;
  verdict?: PeerVerdict;
}

/** What a request can see of its TLS connection (a TLSSocket, or the HTTP/2 session's proxy of it). */
export interface PeerSocket {
  readonly authorized: boolean;
  readonly authorizationError?: Error | string;
  getPeerCertificate(detailed: true): DetailedPeerCertificate;
  [kClientCert]?: ClientCertTag;
}

const NONE: PeerVerdict = { state: 'none', code: null, verify: 'NONE', subject: '', issuer: '', escapedPem: '', intermediates: 0 };

/** X509_verify_cert_error_string texts (OpenSSL 3 crypto/x509/x509_txt.c) for Node's codes. */
const REASONS: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "unable to decrypt certificate's signature",
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: "unable to decrypt CRL's signature",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'unable to decode issuer public key',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_HAS_EXPIRED: 'CRL has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
};

export function verifyReason(code: string): string {
  return REASONS[code] ?? code.toLowerCase().replace(/_/g, ' ');
}

/**
 * ngx_ssl_verify_error_optional: the errors `optional_no_ca` lets through (the issuer is unknown
 * or the certificate is self-signed); revocation, expiry or a bad signature still fail.
 */
export const NO_CA_ERRORS: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * RFC 2253 form of a name as Node prints it (one RDN per line, certificate order, values already
 * escaped with ASN1_STRFLGS_ESC_2253; a multi-valued RDN joined by " + "): reversed, comma-joined.
 */
export function rfc2253(multiline: string): string {
  if (multiline === '') return '';
  return multiline.split('\n').reverse().map((rdn) => rdn.replaceAll(' + ', '+')).join(',');
}

/**
 * Intermediates between the client certificate and its self-signed trust anchor, as OpenSSL counts
 * them for ssl_verify_depth (X509_VERIFY_PARAM_set_depth: neither the leaf nor the anchor count).
 * Each issuer is taken from the peer chain Node reports, else from the CA bundle (checked by name
 * and signature). Node 24 reports no chain on the server side (nodejs/node#65579), so an
 * intermediate the client sent and ca.crt lacks cannot be counted: null, and the request is
 * refused rather than let through unchecked (README "Client certificates").
 */
function chainIntermediates(peer: DetailedPeerCertificate, leaf: X509Certificate, bundle: readonly X509Certificate[]): number | null {
  let cur = leaf;
  let det: DetailedPeerCertificate | undefined = peer;
  for (let n = 0; n < 16; n++) {
    if (cur.checkIssued(cur) && cur.verify(cur.publicKey)) return Math.max(0, n - 1);
    let next: X509Certificate | undefined;
    const up: DetailedPeerCertificate | undefined = det?.issuerCertificate;
    if (up !== undefined && up.raw !== undefined && up.fingerprint256 !== det?.fingerprint256) {
      next = new X509Certificate(up.raw);
      det = up;
    } else det = undefined;
    const c = cur;
    next ??= bundle.find((b) => c.checkIssued(b) && c.verify(b.publicKey));
    if (next === undefined) return null;
    cur = next;
  }
  return null;
}

/** The verdict of a socket, computed on its first request and kept on its tag. */
export function peerVerdict(s: PeerSocket, tag: ClientCertTag, bundle: readonly X509Certificate[]): PeerVerdict {
  if (tag.verdict !== undefined) return tag.verdict;
  let v = NONE;
  const cert = s.getPeerCertificate(true);
  if (cert !== null && cert !== undefined && cert.raw !== undefined) {
    const x = new X509Certificate(cert.raw);
    // Node sets authorizationError to the OpenSSL code name (a string), typed as an Error.
    const err: unknown = s.authorizationError;
    const errCode: unknown = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : err;
    const code = s.authorized ? null : typeof errCode === 'string' && errCode !== '' ? errCode : 'CERT_REJECTED';
    v = {
      state: code === null ? 'success' : 'failed',
      code,
      verify: code === null ? 'SUCCESS' : `FAILED:${verifyReason(code)}`,
      subject: rfc2253(x.subject),
      issuer: rfc2253(x.issuer),
      // ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT) on the PEM: on its alphabet (base64, "-", space,
      // newline) the same set as encodeURIComponent.
      escapedPem: encodeURIComponent(x.toString()),
      intermediates: code === null ? chainIntermediates(cert, x, bundle) : 0,
    };
  }
  tag.verdict = v;
  return v;
}
