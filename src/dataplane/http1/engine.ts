// The lean HTTP/1.1 engine (README "Lean HTTP/1.1 engine", `--http1-engine lean`): client
// connections on net.Socket (client-conn.ts), upstream keep-alive pools per endpoint
// (upstream-pool.ts), one timer wheel for every timeout. It routes with the HTTP dataplane's own
// table (lean-view.ts) and hands what it does not implement to the listener's node:http server.
import type { Socket } from 'node:net';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Counter } from 'prom-client';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import { ClientConn } from './client-conn.ts';
import type { LeanView } from './lean-view.ts';
import { TimerWheel, tickFor } from './timer-wheel.ts';
import type { Http1Limits } from './types.ts';
import type { Http1Limits as ListenerLimits } from '../http/http1-limits.ts';
import { LeanPool } from './upstream-pool.ts';

export interface LeanEngineOptions {
  view: LeanView;
  /**
   * Gives a connection to the listener's node:http (or node:http2 allowHTTP1) server with `raw`
   * (the current message and what followed) unread: requests the engine does not serve go there.
   */
  handOff: (socket: Socket, raw: Buffer) => void;
  scheme: 'http' | 'https';
  limits: Http1Limits;
  headerTimeoutMs: number;
  keepaliveTimeoutMs: number;
}

/** The engine's bounds from a listener's (--max-header-size, --max-header-count, timeouts). */
export function leanLimits(lim: ListenerLimits | undefined): Pick<LeanEngineOptions, 'limits' | 'headerTimeoutMs' | 'keepaliveTimeoutMs'> {
  return {
    limits: { maxRequestLineBytes: lim?.maxHeaderSize ?? 16 * 1024, maxHeaderBytes: lim?.maxHeaderSize ?? 16 * 1024, maxHeaderCount: lim?.maxHeaderCount ?? 100 },
    headerTimeoutMs: lim?.headerTimeoutMs ?? 60_000, keepaliveTimeoutMs: lim?.keepaliveTimeoutMs ?? 5_000,
  };
}

type CounterChild = ReturnType<Counter<'engine'>['labels']>;

export class LeanEngine {
  readonly view: LeanView;
  readonly scheme: 'http' | 'https';
  readonly limits: Http1Limits;
  readonly headerTimeoutMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly keepAliveSeconds: number;
  readonly wheel: TimerWheel;
  readonly served: CounterChild;
  readonly handedOver: CounterChild;
  private readonly handOff: (socket: Socket, raw: Buffer) => void;
  private readonly conns = new Set<ClientConn>();
  private readonly sockets = new WeakSet<Socket>();
  /** Pools of endpoints that have no shared state (their cluster left the snapshot mid-request). */
  private readonly loose = new Map<string, LeanPool>();
  draining = false;

  constructor(o: LeanEngineOptions) {
    this.view = o.view;
    this.handOff = o.handOff;
    this.scheme = o.scheme;
    this.limits = o.limits;
    this.headerTimeoutMs = o.headerTimeoutMs;
    this.keepaliveTimeoutMs = o.keepaliveTimeoutMs;
    this.keepAliveSeconds = Math.max(1, Math.round(o.keepaliveTimeoutMs / 1000));
    this.wheel = new TimerWheel(tickFor(o.headerTimeoutMs, o.keepaliveTimeoutMs, o.view.upstreamTimeoutMs, o.view.connectTimeoutMs,
      o.view.clientBodyTimeoutMs, o.view.clientSendTimeoutMs));
    this.served = o.view.metrics.http1EngineRequests.labels('lean');
    this.handedOver = o.view.metrics.http1EngineRequests.labels('node');
  }

  /** A classified HTTP/1.1 connection (h2c-front.ts). */
  accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    this.conns.add(new ClientConn(this, socket));
  }

  forget(c: ClientConn): void {
    this.conns.delete(c);
    this.sockets.delete(c.socket);
    this.wheel.delete(c);
  }

  handToNode(socket: Socket, raw: Buffer): void {
    this.handOff(socket, raw);
  }

  /** A WebSocket splice holds the connection (ws-splice.ts): busy until it closes, as for drain. */
  track(socket: Socket): void {
    this.sockets.add(socket);
  }

  untrack(socket: Socket): void {
    this.sockets.delete(socket);
  }

  /** Whether the engine is serving this connection (a request or a splice; not handed over, not closed). */
  owns(socket: Socket): boolean {
    return this.sockets.has(socket);
  }

  /** The endpoint's pool, on its reference-counted state (closed with it). */
  pool(state: EndpointState | null, ep: Endpoint): LeanPool {
    let p: LeanPool | undefined;
    if (state !== null) {
      p = state.leanPool as LeanPool | null ?? undefined;
      if (p === undefined) state.leanPool = p = this.newPool(ep);
    } else {
      p = this.loose.get(ep.id);
      if (p === undefined) this.loose.set(ep.id, (p = this.newPool(ep)));
    }
    return p;
  }

  private newPool(ep: Endpoint): LeanPool {
    return new LeanPool(ep.hostname ?? ep.address, ep.port, this.wheel, this.view.connectTimeoutMs, this.view.maxConnectionsPerEndpoint);
  }

  /** Drain: idle connections close now, busy ones after their response. */
  drain(): void {
    this.draining = true;
    for (const c of this.conns) c.drain();
  }

  close(): void {
    this.drain();
    for (const p of this.loose.values()) p.destroy();
    this.wheel.close();
  }
}
