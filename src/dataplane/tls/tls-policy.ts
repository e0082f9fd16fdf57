// Which TLS versions, cipher suites and key-exchange groups every Portico TLS context offers
// (`--tls-min-version`, `--tls-ciphers`, `--tls-curves`). Default: TLS 1.2 and 1.3, forward-secret
// AEAD suites only — the Mozilla "intermediate" configuration (ssl-config.mozilla.org, v5.7) minus
// its DHE suites (finite-field DHE needs a parameter file and is slower than ECDHE for the same
// clients). No RSA key exchange (no forward secrecy), no CBC (Lucky13-style padding oracles), no
// SHA-1 MACs. TLS 1.3 suites are all AEAD and are left at OpenSSL's defaults.
import type { SecureContextOptions } from 'node:tls';

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

export interface TlsPolicy {
  minVersion: TlsMinVersion;
  /** OpenSSL cipher list for TLS 1.2 (and TLS 1.3 names when they start with TLS_). */
  ciphers: string;
  /** ECDH groups, ':'-separated, most preferred first. */
  curves: string;
}

export const DEFAULT_TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const DEFAULT_TLS_CURVES = 'X25519:prime256v1:secp384r1';

export const DEFAULT_TLS_POLICY: TlsPolicy = { minVersion: 'TLSv1.2', ciphers: DEFAULT_TLS_CIPHERS, curves: DEFAULT_TLS_CURVES };

/** The policy as secure-context options (for tls.createSecureContext and the server itself). */
export function tlsContextOptions(p: TlsPolicy): SecureContextOptions {
  return { minVersion: p.minVersion, ciphers: p.ciphers, ecdhCurve: p.curves, honorCipherOrder: true };
}
