// Gateway API HTTP and HTTPS listeners on ports other than --http-port / --https-port
// (model/gateway.ts GatewayHttpPort; gateway_types.go Listener.Port): one HttpListener or one
// HTTPS server (TlsDataplane: SNI, the certificates of that port's listeners) per port, mounted on
// the same HttpDataplane, which routes a request only by the listeners of the port it arrived on
// (gateway-table.ts). As the L4 module's ports (src/dataplane/l4/tls-ports.ts), ports are diffed
// on apply: an unchanged port keeps its socket and connections, a removed one drains and closes,
// and a port that cannot be bound is a ListenFailed diagnostic on its Gateways while every other
// port keeps serving. Applied after the HttpDataplane (the targets run in order), so a new port
// accepts connections with its routes already in the table, before /readyz says ready. Under
// --worker-accept primary a worker's listeners register instead of binding (listenOn) and the
// primary binds the port (src/workers/gateway-accept.ts).
import type { ApplyResult, Dataplane } from '../../model/dataplane.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import type { GatewayHttpPort } from '../../model/gateway.ts';
import { diagnostic, type Diagnostic } from '../../model/diagnostic.ts';
import { emptySnapshot, type Snapshot } from '../../model/snapshot.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import { TlsDataplane, type TlsDataplaneOptions } from '../tls/tls-dataplane.ts';
import { generateDefaultCertificate, type PemPair } from '../tls/default-certificate.ts';
import type { HttpDataplane } from './dataplane.ts';
import { HttpListener, type HttpListenerOptions } from './listener.ts';

interface GatewayPortsOptions {
  readonly bindAddress: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly drainTimeoutMs: number;
  /** As the --http-port listener's (app.ts buildHttpListener). */
  readonly http: Pick<HttpListenerOptions, 'limits' | 'engine'>;
  /** As the --https-port server's (app.ts buildDataplanes); host and port are the listener's. */
  readonly tls: Omit<TlsDataplaneOptions, 'host' | 'port' | 'logger' | 'metrics'>;
}

interface OpenPort {
  readonly scheme: 'http' | 'https';
  readonly http: HttpListener | null;
  readonly tls: TlsDataplane | null;
}

export class GatewayPortListeners implements Dataplane {
  readonly name = 'gateway-ports';
  private readonly open = new Map<number, OpenPort>();
  private readonly opts: GatewayPortsOptions;
  private readonly dataplane: HttpDataplane;
  private generated: PemPair | null = null;
  private closed = false;

  constructor(dataplane: HttpDataplane, opts: GatewayPortsOptions) {
    this.dataplane = dataplane;
    this.opts = opts;
  }

  async apply(snapshot: Snapshot, endpoints: EndpointSet): Promise<ApplyResult> {
    if (this.closed) return { diagnostics: [] };
    const wanted = new Map((snapshot.gateway?.ports ?? []).map((p) => [p.port, p]));
    for (const [port, o] of this.open) {
      const w = wanted.get(port);
      if (w !== undefined && w.scheme === o.scheme) continue;
      this.open.delete(port);
      // Stops accepting at once (the port can be bound again); in-flight requests drain meanwhile.
      void this.closePort(port, o, this.opts.drainTimeoutMs);
    }
    const diagnostics: Diagnostic[] = [];
    const failed = (p: GatewayHttpPort, why: string): void => {
      // `listener "name": ` as translate's listener diagnostics: the status reads the listener from it (listen-failures.ts).
      for (const l of p.listeners) {
        const [namespace, name] = l.gateway.split('/');
        diagnostics.push(diagnostic({ kind: 'Gateway', namespace, name }, 'ListenFailed', `listener ${JSON.stringify(l.name)}: ${p.scheme.toUpperCase()} port ${p.port}: cannot listen: ${why}`));
      }
    };
    for (const p of wanted.values()) {
      let o = this.open.get(p.port);
      if (o === undefined) {
        o = this.create(p);
        try {
          await (o.http ?? o.tls!).listen();
        } catch (err) {
          failed(p, (err as Error).message);
          await this.closePort(p.port, o, 0);
          continue;
        }
        this.open.set(p.port, o);
        this.opts.logger.info({ port: p.port, scheme: p.scheme, listeners: p.listeners.map((l) => `${l.gateway}/${l.name}`) }, 'gateway listener bound');
      }
      o.tls?.apply(portSnapshot(snapshot, p), endpoints);
    }
    return { diagnostics };
  }

  /** Only passthrough hosts depend on endpoints here (the HttpDataplane holds the HTTP clusters). */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    for (const o of this.open.values()) o.tls?.updateEndpoints(clusterId, endpoints);
  }

  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const all = [...this.open.entries()];
    this.open.clear();
    await Promise.all(all.map(([port, o]) => this.closePort(port, o, drainMs)));
  }

  private create(p: GatewayHttpPort): OpenPort {
    const { bindAddress: host, logger, metrics } = this.opts;
    // node:http on these ports: Gateway routes are always served there (the lean engine hands them
    // over, http1/lean-view.ts), and a late request on a removed port that still drains then meets
    // HttpDataplane's port check, never the lean engine's Ingress table.
    if (p.scheme === 'http') return { scheme: 'http', http: new HttpListener(this.dataplane, { host, port: p.port, logger, metrics, ...this.opts.http, engine: 'node' }), tls: null };
    // One in-memory default certificate for every extra HTTPS port (served when SNI finds nothing).
    this.generated ??= this.opts.tls.generatedDefault ?? generateDefaultCertificate();
    const http1 = this.opts.tls.http1 === undefined ? {} : { http1: { ...this.opts.tls.http1, engine: 'node' as const } };
    return { scheme: 'https', http: null, tls: new TlsDataplane(this.dataplane, { ...this.opts.tls, ...http1, generatedDefault: this.generated, host, port: p.port, logger, metrics }) };
  }

  private async closePort(port: number, o: OpenPort, drainMs: number): Promise<void> {
    await (o.http ?? o.tls!).close(drainMs).catch((err: unknown) => this.opts.logger.warn({ err, port }, 'gateway listener close failed'));
  }
}

/**
 * What the HTTPS server of one port serves: the certificates of that port's listeners by SNI, the
 * hostless listener's for any other name (else the generated one), the TLS passthrough listeners
 * of the same port; no Ingress host.
 */
function portSnapshot(s: Snapshot, p: GatewayHttpPort): Snapshot {
  return {
    ...emptySnapshot(s.version),
    certificates: s.certificates,
    clusters: s.clusters,
    defaultCertificateId: p.anyHostCertificateId,
    gateway: { listeners: [], sni: p.sni },
    ...(p.passthrough === undefined ? {} : { passthrough: p.passthrough }),
  };
}
