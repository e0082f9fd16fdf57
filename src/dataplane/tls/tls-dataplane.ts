// The TLS dataplane: the HTTPS listener plus its SNI table, rebuilt per Snapshot and swapped by
// reference (README "TLS", SPEC §7). Requests it terminates go to the HTTP dataplane.
import type { ApplyResult, Dataplane } from '../../model/dataplane.ts';
import { APPLIED } from '../../model/dataplane.ts';
import { emptySnapshot, type Snapshot } from '../../model/snapshot.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import { generateDefaultCertificate, type PemPair } from './default-certificate.ts';
import { HttpsListener, type HttpsListenerOptions, type HttpsRequestHandler } from './https-listener.ts';
import { SniTableBuilder, type SniTable } from './sni-table.ts';
import { MutualTableBuilder } from './mutual-table.ts';
import type { TlsPolicy } from './tls-policy.ts';
import type { Http1Limits } from '../http/http1-limits.ts';
import { leanLimits } from '../http1/engine.ts';

export interface TlsDataplaneOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly sessionResumption: boolean;
  /** Served when SNI finds nothing and no --default-tls-secret; generated in memory by default. */
  readonly generatedDefault?: PemPair;
  /** HTTP/2 limits of the listener. */
  readonly http2?: HttpsListenerOptions['http2'];
  /** TLS versions, ciphers and curves of every context (tls-policy.ts); the defaults when absent. */
  readonly policy?: TlsPolicy;
  /** --http1-engine and the HTTP/1 bounds: with `lean`, HTTP/1.1 over TLS is served by src/dataplane/http1. */
  readonly http1?: { engine: 'node' | 'lean'; limits?: Http1Limits };
}

export class TlsDataplane implements Dataplane {
  readonly name = 'tls';
  private readonly builder: SniTableBuilder;
  private readonly mutual: MutualTableBuilder;
  private readonly listener: HttpsListener;
  private table: SniTable;

  constructor(http: HttpsRequestHandler, opts: TlsDataplaneOptions) {
    const generated = opts.generatedDefault ?? generateDefaultCertificate();
    this.builder = new SniTableBuilder({ generatedDefault: generated, sessionResumption: opts.sessionResumption, policy: opts.policy });
    this.mutual = new MutualTableBuilder(generated, this.builder.policyOptions, this.builder.secureOptions);
    this.table = this.builder.build(emptySnapshot());
    this.listener = new HttpsListener(http, {
      host: opts.host, port: opts.port, logger: opts.logger, metrics: opts.metrics, sni: this.table, secureOptions: this.builder.secureOptions, tlsPolicy: this.builder.policyOptions,
      mutualSecureOptions: this.mutual.ticketlessOptions,
      ...(opts.http2 ? { http2: opts.http2 } : {}),
      ...(opts.http1?.engine === 'lean' && http.leanView !== undefined ? { lean: { view: http.leanView(), ...leanLimits(opts.http1.limits) } } : {}),
    });
  }

  /** The table new handshakes use (certificates view). */
  get sniTable(): SniTable {
    return this.table;
  }

  /** Bound port. */
  listen(): Promise<number> {
    return this.listener.listen();
  }

  apply(snapshot: Snapshot, endpoints: EndpointSet = new Map()): ApplyResult {
    this.table = this.builder.build(snapshot);
    this.listener.setSniTable(this.table);
    this.listener.setMutualTable(this.mutual.build(snapshot));
    this.listener.setPassthrough(snapshot.passthrough ?? [], snapshot.clusters, endpoints);
    return APPLIED;
  }

  /** Certificates do not depend on endpoints; passthrough hosts' clusters do. */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.listener.updatePassthroughEndpoints(clusterId, endpoints);
  }

  close(drainMs: number): Promise<void> {
    return this.listener.close(drainMs);
  }
}
