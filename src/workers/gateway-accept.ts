// `--worker-accept primary` and Gateway HTTP/HTTPS listeners on ports of their own
// (src/dataplane/http/gateway-ports.ts): the primary binds those ports too and hands their
// connections to the workers, whose listeners for them register under the port
// (handed-connections.ts) as the HTTP and HTTPS ones do. Applied after the pool (app.ts), so
// the workers' listeners exist before the primary accepts a connection for them. A port that
// cannot be bound is a ListenFailed on its listeners, as in one process.
import type { ApplyResult, Dataplane } from '../model/dataplane.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { Logger } from '../util/logger.ts';
import type { PrimaryAccept } from './primary-accept.ts';

export class GatewayPortAccept implements Dataplane {
  readonly name = 'gateway-accept';
  private readonly bound = new Set<number>();
  private readonly acceptor: PrimaryAccept;
  private readonly host: string;
  private readonly logger: Logger;

  constructor(acceptor: PrimaryAccept, host: string, logger: Logger) {
    this.acceptor = acceptor;
    this.host = host;
    this.logger = logger;
  }

  async apply(snapshot: Snapshot): Promise<ApplyResult> {
    const ports = snapshot.gateway?.ports ?? [];
    const wanted = new Set(ports.map((p) => p.port));
    for (const port of this.bound) {
      if (wanted.has(port)) continue;
      this.bound.delete(port);
      await this.acceptor.closePort(port);
    }
    const diagnostics: Diagnostic[] = [];
    for (const p of ports) {
      if (this.bound.has(p.port)) continue;
      try {
        await this.acceptor.listen(this.host, p.port);
        this.bound.add(p.port);
        this.logger.info({ port: p.port, scheme: p.scheme }, 'gateway listener bound (primary accepts)');
      } catch (err) {
        // `listener "name": ` as translate's listener diagnostics (translate/gateway/listen-failures.ts).
        for (const l of p.listeners) {
          const [namespace, name] = l.gateway.split('/');
          diagnostics.push(diagnostic({ kind: 'Gateway', namespace, name }, 'ListenFailed', `listener ${JSON.stringify(l.name)}: ${p.scheme.toUpperCase()} port ${p.port}: cannot listen: ${(err as Error).message}`));
        }
      }
    }
    return { diagnostics };
  }

  updateEndpoints(): void {}

  /** The acceptor's close() stops these too (app.ts); this is for a target closed alone. */
  async close(): Promise<void> {
    const all = [...this.bound];
    this.bound.clear();
    await Promise.all(all.map((p) => this.acceptor.closePort(p)));
  }
}
