// Gateway API TLS passthrough listeners on ports other than the HTTPS one (model/gateway.ts
// GatewayTlsPort; gateway-api tlsroute_types.go, listener tls.mode Passthrough): one TLS front per
// port (src/dataplane/tls/tls-front.ts) that reads the ClientHello's SNI and relays the
// connection undecrypted to the TLSRoute's backend. Nothing is terminated here: a name no route
// lists, or no SNI at all, closes the connection. Ports are diffed on apply: an unchanged port
// keeps its socket and its relayed connections.
import type { Socket } from 'node:net';
import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import type { GatewayTlsPort } from '../../model/gateway.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import { TlsFront } from '../tls/tls-front.ts';

export class TlsPorts {
  private readonly fronts = new Map<number, TlsFront>();
  private readonly opts: { logger: Logger; metrics: Metrics; bindAddress: string; drainTimeoutMs: number };

  constructor(opts: { logger: Logger; metrics: Metrics; bindAddress: string; drainTimeoutMs: number }) {
    this.opts = opts;
  }

  /** Bind new ports, update hosts, close removed ports; the ports that could not be bound. */
  async apply(ports: readonly GatewayTlsPort[], clusters: readonly Cluster[], endpoints: EndpointSet): Promise<{ port: GatewayTlsPort; error: string }[]> {
    const wanted = new Set(ports.map((p) => p.port));
    for (const [port, f] of this.fronts) {
      if (wanted.has(port)) continue;
      this.fronts.delete(port);
      void f.close(this.opts.drainTimeoutMs);
    }
    const failures: { port: GatewayTlsPort; error: string }[] = [];
    for (const p of ports) {
      let f = this.fronts.get(p.port);
      if (f === undefined) {
        f = new TlsFront({ logger: this.opts.logger, metrics: this.opts.metrics, terminate: refuse, terminateMutual: refuse, drainTimeoutMs: this.opts.drainTimeoutMs });
        try {
          await f.listen(this.opts.bindAddress, p.port);
        } catch (err) {
          failures.push({ port: p, error: (err as Error).message });
          void f.close(0);
          continue;
        }
        this.fronts.set(p.port, f);
        this.opts.logger.info({ port: p.port, gateway: p.gateway }, 'gateway tls passthrough listener bound');
      }
      f.apply(p.hosts, clusters, endpoints);
    }
    return failures;
  }

  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    for (const f of this.fronts.values()) f.updateEndpoints(clusterId, endpoints);
  }

  async close(drainMs: number): Promise<void> {
    const all = [...this.fronts.values()];
    this.fronts.clear();
    await Promise.all(all.map((f) => f.close(drainMs)));
  }
}

/** No route names this SNI (or there is none): nothing here terminates TLS, so the connection closes. */
function refuse(s: Socket): void {
  s.on('error', () => {});
  s.destroy();
}
