// A Certificate is a validated kubernetes.io/tls Secret (SPEC §7).
// The PEM key is here so that one process can build a Snapshot and ship it to workers; it must
// never reach logs, diagnostics, metrics or debug views (use `redactCertificate`).

export interface Certificate {
  /** `namespace/secretName`. */
  readonly id: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** DNS names from SAN (CN when no SAN), lower-case. */
  readonly names: readonly string[];
  /** ISO-8601. */
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface CertificateView {
  readonly id: string;
  readonly names: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
}

export function redactCertificate(c: Certificate): CertificateView {
  return { id: c.id, names: c.names, notBefore: c.notBefore, notAfter: c.notAfter };
}
