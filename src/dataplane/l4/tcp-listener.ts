// One TCP listen port of an L4Route (README "TCP and UDP services (L4)"). The target (route, its clusters and stats) can be swapped
// in place by apply(): the listening socket and the connections stay (README "TCP and UDP services (L4)").
// Each connection is given one cluster at accept (l4-targets.ts: by weight when the route has several).

import { listenOn } from '../listen.ts';
import net, { type Server, type Socket } from 'node:net';
import type { L4Route } from '../../model/l4.ts';
import type { L4Targets } from './l4-targets.ts';
import { TcpConnection } from './tcp-connection.ts';

export interface TcpListenerOptions {
  readonly bindAddress: string;
  readonly idleTimeoutMs: number;
  readonly acceptProxyProtocol: boolean;
}

export class TcpListener {
  route: L4Route;
  targets: L4Targets;
  readonly conns = new Set<TcpConnection>();
  private readonly server: Server;
  private readonly opts: TcpListenerOptions;
  private readonly onDone = (c: TcpConnection): void => { this.conns.delete(c); };
  private accepting = false;

  constructor(route: L4Route, targets: L4Targets, opts: TcpListenerOptions) {
    this.route = route;
    this.targets = targets;
    this.opts = opts;
    // allowHalfOpen: a client's FIN is forwarded as a FIN upstream while replies keep flowing.
    // pauseOnConnect: nothing is read before an endpoint is connected (backpressure from the start).
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) => this.onConnection(s));
  }

  get port(): number {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  async listen(): Promise<void> {
    await listenOn(this.server, { host: this.opts.bindAddress, port: this.route.listenPort, backlog: 4096 });
    this.server.on('error', noop);
    this.accepting = true;
  }

  setTarget(route: L4Route, targets: L4Targets): void {
    this.route = route;
    this.targets = targets;
  }

  private onConnection(s: Socket): void {
    const target = this.accepting ? this.targets.pick() : null;
    const cluster = target?.cluster ?? null;
    if (target === null || cluster === null || cluster.endpoints.length === 0) {
      // SPEC §5.1: no endpoints ⇒ the connection is closed immediately; so is an unresolved
      // backendRef's share (tcproute_types.go TCPRouteRule.BackendRefs: "actively reject").
      s.on('error', noop);
      s.destroy();
      return;
    }
    const c = new TcpConnection(s, cluster, target.stats, {
      idleTimeoutMs: this.opts.idleTimeoutMs,
      acceptProxyProtocol: this.opts.acceptProxyProtocol,
      proxyProtocol: this.route.proxyProtocol,
      onDone: this.onDone,
    });
    this.conns.add(c);
  }

  /** Stop accepting at once (removed mapping, shutdown); open connections are left to the caller. */
  stopAccepting(): void {
    if (!this.accepting) return;
    this.accepting = false;
    // close() releases the listening socket now; its callback would wait for every connection.
    this.server.close();
  }

  closeAll(): void {
    for (const c of [...this.conns]) c.close();
  }
}

function noop(): void {}
