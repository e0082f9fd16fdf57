// One UDP listen port of an L4Route (SPEC §5.1/§5.4 [choice]): a session per
// client address:port, bound to one endpoint through its own connected socket; replies go back
// from the listen socket. Sessions expire after the idle timeout; the table is bounded and the
// least recently active session is evicted first. A new session is given one cluster (l4-targets.ts:
// by weight when the route has several) and keeps it.

import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { L4Route } from '../../model/l4.ts';
import type { ClusterState, Flow } from './cluster-state.ts';
import type { L4Stats } from './l4-metrics.ts';
import type { L4Targets } from './l4-targets.ts';
import { unmapIPv4 } from './proxy-protocol.ts';
import { listenDefaults } from '../listen.ts';

export interface UdpListenerOptions {
  readonly bindAddress: string;
  readonly sessionTimeoutMs: number;
  readonly maxSessions: number;
  readonly now?: () => number;
}

/** Datagrams held while a new session's socket connects. */
const PENDING_MAX = 64;

class UdpSession implements Flow {
  readonly kind = 'udp' as const;
  readonly key: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** Used by the balancer as PickContext. */
  readonly clientIp: string;
  readonly socket: Socket;
  readonly cluster: ClusterState;
  readonly stats: L4Stats;
  endpointId = '';
  lastSeen: number;
  /** When the entry last moved to the end of the table (LRU order, refreshed coarsely). */
  touched: number;
  pending: Buffer[] | null = [];
  closed = false;
  private readonly owner: UdpListener;

  constructor(owner: UdpListener, key: string, rinfo: RemoteInfo, cluster: ClusterState, stats: L4Stats, t: number) {
    this.owner = owner;
    this.key = key;
    this.clientAddress = rinfo.address;
    this.clientPort = rinfo.port;
    this.clientIp = unmapIPv4(rinfo.address);
    this.cluster = cluster;
    this.stats = stats;
    this.lastSeen = t;
    this.touched = t;
    this.socket = dgram.createSocket(isIPv6(cluster.endpoints[0]?.address ?? '') ? 'udp6' : 'udp4');
  }

  close(): void {
    this.owner.dropSession(this);
  }
}

export class UdpListener {
  route: L4Route;
  targets: L4Targets;
  readonly sessions = new Map<string, UdpSession>();
  /**
   * Client flows given an unresolved backendRef's share of a weighted route, by key → last
   * datagram: their datagrams are dropped until idle like a session's, so the split is per flow,
   * not per datagram. Cleared when the target changes; bounded like the session table.
   */
  readonly rejected = new Map<string, number>();
  private readonly socket: Socket;
  private readonly opts: UdpListenerOptions;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | null = null;
  accepting = false;
  private closed = false;

  constructor(route: L4Route, targets: L4Targets, opts: UdpListenerOptions) {
    this.route = route;
    this.targets = targets;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    // Worker processes share the port (listen.ts); the kernel hashes a client's datagrams to one socket.
    this.socket = dgram.createSocket({ type: isIPv6(opts.bindAddress) ? 'udp6' : 'udp4', ...(listenDefaults.reusePort ? { reusePort: true } : {}) });
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  get port(): number {
    try { return this.socket.address().port; } catch { return 0; }
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.socket.once('error', onError);
      this.socket.bind({ address: this.opts.bindAddress, port: this.route.listenPort }, () => {
        this.socket.removeListener('error', onError);
        this.socket.on('error', noop);
        this.accepting = true;
        // One sweeper per port, not a timer per session.
        const every = Math.max(50, Math.min(1000, Math.floor(this.opts.sessionTimeoutMs / 4)));
        this.sweeper = setInterval(() => this.sweep(), every);
        this.sweeper.unref();
        resolve();
      });
    });
  }

  setTarget(route: L4Route, targets: L4Targets): void {
    if (targets.key !== this.targets.key) this.rejected.clear();
    this.route = route;
    this.targets = targets;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const t = this.now();
    let s = this.sessions.get(key);
    if (s === undefined) {
      if (this.rejected.size > 0 && this.rejected.has(key)) {
        this.rejected.set(key, t);
        return;
      }
      s = this.openSession(key, rinfo, t);
      if (s === undefined) return;
    } else {
      s.lastSeen = t;
      // Keep LRU order without a Map reshuffle per datagram.
      if (t - s.touched > this.opts.sessionTimeoutMs / 16) {
        s.touched = t;
        this.sessions.delete(key);
        this.sessions.set(key, s);
      }
    }
    s.stats.bytesUp += msg.length;
    if (s.pending !== null) {
      if (s.pending.length < PENDING_MAX) s.pending.push(msg);
    } else {
      s.socket.send(msg);
    }
  }

  private openSession(key: string, rinfo: RemoteInfo, t: number): UdpSession | undefined {
    // A draining (removed) mapping opens no session.
    const target = this.accepting ? this.targets.pick() : null;
    const cluster = target?.cluster ?? null;
    // SPEC §5.1: no endpoints ⇒ datagram dropped; so for an unresolved backendRef's share
    // (udproute_types.go UDPRouteRule.BackendRefs: "actively reject"). No session is kept: the
    // client's next datagram picks again.
    if (target === null || cluster === null || cluster.endpoints.length === 0) {
      if (target !== null && cluster === null && this.targets.list.length > 1) this.reject(key, t);
      return undefined;
    }
    const s = new UdpSession(this, key, rinfo, cluster, target.stats, t);
    const ep = cluster.pick(s, null);
    if (ep === null) {
      s.socket.close();
      return undefined;
    }
    if (this.sessions.size >= this.opts.maxSessions) {
      const oldest = this.sessions.values().next().value;
      if (oldest !== undefined) {
        oldest.stats.udpEvicted++;
        this.dropSession(oldest);
      }
    }
    s.endpointId = ep.id;
    cluster.add(ep.id, s);
    this.sessions.set(key, s);
    s.stats.opened++;
    s.stats.active++;
    s.stats.udpActive++;
    const sock = s.socket;
    sock.on('error', () => {
      // ICMP unreachable and the like: count it and let the next datagram pick again.
      s.stats.connectErrors++;
      s.cluster.balancer.forget?.(s.clientIp);
      this.dropSession(s);
    });
    sock.on('message', (reply) => {
      if (s.closed) return;
      s.stats.bytesDown += reply.length;
      this.socket.send(reply, s.clientPort, s.clientAddress);
    });
    sock.connect(ep.port, ep.hostname ?? ep.address, () => {
      const p = s.pending;
      s.pending = null;
      if (s.closed || p === null) return;
      for (const m of p) sock.send(m);
    });
    return s;
  }

  private reject(key: string, t: number): void {
    if (this.rejected.size >= this.opts.maxSessions) {
      const oldest = this.rejected.keys().next().value;
      if (oldest !== undefined) this.rejected.delete(oldest);
    }
    this.rejected.set(key, t);
  }

  dropSession(s: UdpSession): void {
    if (s.closed) return;
    s.closed = true;
    if (this.sessions.get(s.key) === s) this.sessions.delete(s.key);
    s.cluster.remove(s.endpointId, s);
    s.stats.active--;
    s.stats.udpActive--;
    try { s.socket.close(); } catch { /* already closed */ }
  }

  /** Expire idle sessions: the table is in LRU order, so stop at the first live one. */
  sweep(t: number = this.now()): void {
    const limit = this.opts.sessionTimeoutMs;
    for (const s of this.sessions.values()) {
      if (t - s.lastSeen >= limit) this.dropSession(s);
      else if (t - s.touched < limit) break;
    }
    // Rejected flows are few (weighted routes with an unresolved backendRef): a full pass.
    for (const [key, last] of this.rejected) if (t - last >= limit) this.rejected.delete(key);
  }

  /** Removed mapping or shutdown: no new sessions; existing ones keep going until closeAll. */
  stopAccepting(): void {
    this.accepting = false;
  }

  closeAll(): void {
    for (const s of [...this.sessions.values()]) this.dropSession(s);
    this.rejected.clear();
    if (this.sweeper) { clearInterval(this.sweeper); this.sweeper = null; }
    if (!this.closed) {
      this.closed = true;
      try { this.socket.close(); } catch { /* not bound */ }
    }
  }
}

function noop(): void {}
