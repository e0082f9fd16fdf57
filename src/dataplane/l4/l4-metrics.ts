// L4 metrics per protocol, listen port and Service (README "TCP and UDP services (L4)"). The hot path only bumps
// plain numbers on an L4Stats object; prom-client reads them at scrape time through `collect`,
// so no label lookup happens per chunk or per datagram.

import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../util/metrics.ts';

/** Counters of one (protocol, listen port, Service) triple. Fields only grow, except the actives. */
export class L4Stats {
  readonly protocol: string;
  readonly port: string;
  readonly service: string;
  opened = 0;
  active = 0;
  /** Client → upstream bytes. */
  bytesUp = 0;
  /** Upstream → client bytes. */
  bytesDown = 0;
  connectErrors = 0;
  udpActive = 0;
  udpEvicted = 0;

  constructor(protocol: string, port: number, service: string) {
    this.protocol = protocol;
    this.port = String(port);
    this.service = service;
  }
}

type Labels = { protocol: string; port: string; service: string };

export class L4Metrics {
  private readonly stats = new Map<string, L4Stats>();

  constructor(metrics: Metrics) {
    const all = (): Iterable<L4Stats> => this.stats.values();
    const labels = (s: L4Stats): Labels => ({ protocol: s.protocol, port: s.port, service: s.service });
    const counter = (name: string, help: string, field: (s: L4Stats) => number): void => {
      new Counter({
        name, help, labelNames: ['protocol', 'port', 'service'] as const, registers: [metrics.registry],
        collect() {
          // Counters are absolute numbers kept by L4Stats; reset then set the total.
          this.reset();
          for (const s of all()) { const v = field(s); if (v > 0) this.inc(labels(s), v); }
        },
      });
    };
    const gauge = (name: string, help: string, field: (s: L4Stats) => number): void => {
      new Gauge({
        name, help, labelNames: ['protocol', 'port', 'service'] as const, registers: [metrics.registry],
        collect() {
          this.reset();
          for (const s of all()) this.set(labels(s), field(s));
        },
      });
    };
    counter('portico_l4_connections_total', 'L4 connections accepted (TCP) or sessions opened (UDP).', (s) => s.opened);
    gauge('portico_l4_connections_active', 'Open L4 TCP connections and UDP sessions.', (s) => s.active);
    counter('portico_l4_received_bytes_total', 'Bytes from clients forwarded upstream.', (s) => s.bytesUp);
    counter('portico_l4_sent_bytes_total', 'Bytes from upstreams forwarded to clients.', (s) => s.bytesDown);
    counter('portico_l4_connect_errors_total', 'Failed upstream dials (each attempt).', (s) => s.connectErrors);
    gauge('portico_l4_udp_sessions_active', 'UDP sessions in the session table.', (s) => s.udpActive);
    counter('portico_l4_udp_sessions_evicted_total', 'UDP sessions evicted because the table was full.', (s) => s.udpEvicted);
  }

  /** The stats object for a triple; the same object for the same triple, so numbers never go back. */
  for(protocol: 'TCP' | 'UDP', port: number, service: string): L4Stats {
    const key = `${protocol}/${port}/${service}`;
    let s = this.stats.get(key);
    if (!s) {
      s = new L4Stats(protocol, port, service);
      this.stats.set(key, s);
    }
    return s;
  }
}

const byMetrics = new WeakMap<Metrics, L4Metrics>();

/** One L4Metrics per Metrics registry (metric names may be registered only once). */
export function l4Metrics(metrics: Metrics): L4Metrics {
  let m = byMetrics.get(metrics);
  if (!m) {
    m = new L4Metrics(metrics);
    byMetrics.set(metrics, m);
  }
  return m;
}
