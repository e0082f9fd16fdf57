// The front of the HTTPS port (README "TLS passthrough"): the one socket that accepts TCP
// connections and decides, per connection, whether TLS is terminated here (the HTTPS listener's
// tls.Server, handed the socket with `emit('connection')`) or relayed undecrypted to a backend
// (L4 splice through TcpConnection, the bytes already read written first). The decision needs the
// SNI of the ClientHello (client-hello.ts), so the hello is peeked — only when some host is
// passed through or asks for client certificates (those go to the TLS server that requests them,
// https-listener.ts): with none, every connection goes straight to TLS and nothing is read here.
// A hello that is malformed, too large or too slow closes the connection (ingress-nginx
// pkg/tcpproxy does the same); bytes that are not TLS at all go on to TLS, which answers them.

import net, { type Server, type Socket } from 'node:net';
import { listenOn } from '../listen.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import type { PassthroughHost } from '../../model/passthrough.ts';
import { normalizeHostName } from '../../model/host.ts';
import { ClusterState } from '../l4/cluster-state.ts';
import { l4Metrics, type L4Metrics } from '../l4/l4-metrics.ts';
import { TcpConnection } from '../l4/tcp-connection.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { Logger } from '../../util/logger.ts';
import { MAX_HELLO_BYTES, parseClientHello } from './client-hello.ts';

export interface TlsFrontOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Hand a socket to TLS termination (the HTTPS listener's server). */
  readonly terminate: (s: Socket) => void;
  /** Hand a socket to the TLS server that asks for client certificates (mutual-table.ts). */
  readonly terminateMutual: (s: Socket) => void;
  /** A ClientHello must arrive within this (default 10 s, the handshake timeout). */
  readonly helloTimeoutMs?: number;
  /** Idle timeout of passed-through connections (default 1 h, as L4 TCP). */
  readonly idleTimeoutMs?: number;
  /** Flows of a removed endpoint are closed after this (default 30 s). */
  readonly drainTimeoutMs?: number;
  /** Counts hellos that closed the connection (reason label). */
  readonly onRejected?: (reason: string) => void;
}

interface Target {
  readonly host: PassthroughHost;
  readonly cluster: ClusterState | null;
}

export class TlsFront {
  private readonly opts: TlsFrontOptions;
  private readonly server: Server;
  private readonly l4: L4Metrics;
  private readonly clusters = new Map<string, ClusterState>();
  private readonly conns = new Set<TcpConnection>();
  private readonly peeking = new Set<Socket>();
  /** Null when nothing is passed through: with no mutual host either, the peek is skipped entirely. */
  private targets: ReadonlyMap<string, Target> | null = null;
  /** Whether some target is a '*.' wildcard (the lookup then tries suffixes). */
  private wildcards = false;
  /** Whether an SNI name asks for client certificates; null when none does. */
  private mutual: ((servername: string) => boolean) | null = null;
  private port = 0;

  constructor(opts: TlsFrontOptions) {
    this.opts = opts;
    this.l4 = l4Metrics(opts.metrics);
    // allowHalfOpen: a passed-through client's FIN travels upstream while replies keep flowing.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.onConnection(s));
    this.server.on('error', (err: Error) => opts.logger.error({ err: err.message }, 'https listener error'));
  }

  async listen(host: string, port: number): Promise<number> {
    this.port = await listenOn(this.server, { host, port });
    return this.port;
  }

  /** Passthrough hosts of a Snapshot; the clusters' balancers and flows survive while still used. */
  apply(hosts: readonly PassthroughHost[], clusters: readonly Cluster[], endpoints: EndpointSet): void {
    const byId = new Map(clusters.map((c) => [c.id, c] as const));
    const used = new Set<string>();
    const targets = new Map<string, Target>();
    for (const h of hosts) {
      const c = h.clusterId === null ? undefined : byId.get(h.clusterId);
      let st: ClusterState | null = null;
      if (c !== undefined) {
        st = this.clusters.get(c.id) ?? null;
        if (st === null) {
          st = new ClusterState(c, this.opts.drainTimeoutMs ?? 30_000);
          this.clusters.set(c.id, st);
        } else st.reconfigure(c);
        if (!used.has(c.id)) st.update(endpoints.get(c.id) ?? []);
        used.add(c.id);
      }
      targets.set(h.hostname, { host: h, cluster: st });
    }
    for (const [id, st] of this.clusters) {
      if (used.has(id)) continue;
      // Connections of a host no longer passed through drain like those of a removed endpoint.
      st.retire();
      this.clusters.delete(id);
    }
    this.targets = targets.size === 0 ? null : targets;
    this.wildcards = hosts.some((h) => h.hostname.startsWith('*.'));
  }

  /** Client-certificate hosts of a Snapshot (https-listener.ts setMutualTable). */
  setMutual(isMutual: ((servername: string) => boolean) | null): void {
    this.mutual = isMutual;
  }

  /** EndpointSlice fast path; unknown clusters are ignored. */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.clusters.get(clusterId)?.update(endpoints);
  }

  /** Passed-through connections open now. */
  get passthroughConnections(): number {
    return this.conns.size;
  }

  /** Stop accepting; passed-through connections get `drainMs`, then are closed. */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.peeking) s.destroy();
    const deadline = Date.now() + drainMs;
    while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    for (const c of this.conns) c.close();
    for (const st of this.clusters.values()) st.dispose();
    await closed;
  }

  private onConnection(s: Socket): void {
    if (this.targets === null && this.mutual === null) {
      this.opts.terminate(s);
      return;
    }
    this.peek(s);
  }

  private peek(s: Socket): void {
    this.peeking.add(s);
    let buf: Buffer | null = null;
    const done = (): void => {
      s.removeListener('data', onData);
      s.removeListener('error', onError);
      s.setTimeout(0);
      this.peeking.delete(s);
    };
    const reject = (reason: string): void => {
      done();
      this.opts.onRejected?.(reason);
      s.destroy();
    };
    const onError = (): void => reject('client_error');
    const onData = (chunk: Buffer): void => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      const r = parseClientHello(buf);
      if (r.state === 'partial') {
        if (buf.length > MAX_HELLO_BYTES * 2) reject('malformed_client_hello');
        return;
      }
      if (r.state === 'invalid') return reject('malformed_client_hello');
      done();
      s.pause();
      const head = buf;
      const name = r.state === 'done' && r.serverName !== null ? normalizeHostName(r.serverName) : null;
      const t = name === null ? undefined : this.target(name);
      s.unshift(head);
      if (t !== undefined) this.splice(s, t);
      else if (name !== null && this.mutual !== null && this.mutual(name)) this.opts.terminateMutual(s);
      else this.opts.terminate(s);
    };
    s.on('data', onData);
    s.on('error', onError);
    s.setTimeout(this.opts.helloTimeoutMs ?? 10_000, () => reject('hello_timeout'));
  }

  /**
   * The passthrough target of an SNI name: the exact host, else the longest '*.' suffix host
   * (only Gateway API TLSRoutes have those: a suffix match over one or more labels, gateway-api
   * shared_types.go Hostname).
   */
  private target(name: string): Target | undefined {
    const targets = this.targets;
    if (targets === null) return undefined;
    const exact = targets.get(name);
    if (exact !== undefined || !this.wildcards) return exact;
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
      const t = targets.get(`*${name.slice(i)}`);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** L4 splice: TcpConnection reads the unshifted hello first, so the backend sees the whole stream. */
  private splice(s: Socket, t: Target): void {
    if (t.cluster === null || t.cluster.endpoints.length === 0) {
      // SPEC §5.1: no endpoint ⇒ the connection is closed at once.
      s.on('error', noop);
      s.destroy();
      return;
    }
    const stats = this.l4.for('TCP', this.port, `${t.cluster.cluster.namespace}/${t.cluster.cluster.service}`);
    const c = new TcpConnection(s, t.cluster, stats, {
      idleTimeoutMs: this.opts.idleTimeoutMs ?? 3_600_000, acceptProxyProtocol: false, proxyProtocol: 'none',
      onDone: (x) => this.conns.delete(x),
    });
    this.conns.add(c);
  }
}

function noop(): void {}
