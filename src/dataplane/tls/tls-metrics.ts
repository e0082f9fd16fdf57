// TLS metrics (README "TLS"), registered on the shared registry from this file (listed in
// scripts/metrics-catalog.ts). Labels never carry certificate contents: only Secret ids, host names and reasons.

import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../util/metrics.ts';

export class TlsMetrics {
  readonly handshakeErrors: Counter<'reason'>;
  readonly certificateExpiry: Gauge<'secret' | 'host'>;

  constructor(metrics: Metrics) {
    this.handshakeErrors = new Counter({
      name: 'portico_tls_handshake_errors_total',
      help: 'TLS handshakes that failed, by reason.',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
    this.certificateExpiry = new Gauge({
      name: 'portico_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the certificate served for a host, as a Unix timestamp. host="" is the default certificate.',
      labelNames: ['secret', 'host'] as const,
      registers: [metrics.registry],
    });
  }
}

// One TlsMetrics per Metrics: prom-client refuses a second registration of the same name.
const perRegistry = new WeakMap<Metrics, TlsMetrics>();

export function tlsMetrics(metrics: Metrics): TlsMetrics {
  let m = perRegistry.get(metrics);
  if (!m) perRegistry.set(metrics, (m = new TlsMetrics(metrics)));
  return m;
}

/**
 * A bounded label value for a handshake error: the OpenSSL/Node error code without its prefix,
 * lower-case (`wrong_version_number`, `handshake_timeout`, `econnreset`…), else `other`.
 */
export function handshakeErrorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[A-Z0-9_]{1,80}$/.test(code)) return 'other';
  return code.replace(/^ERR_(SSL|TLS)_/, '').toLowerCase();
}
