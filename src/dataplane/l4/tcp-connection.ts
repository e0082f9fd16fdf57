// One proxied TCP connection (SPEC §5.1): pick an endpoint, dial with growing
// timeouts past refusing endpoints, then relay bytes both ways with backpressure and half-close.

import net, { type Socket } from 'node:net';
import type { ProxyProtocolMode } from '../../model/l4.ts';
import type { ClusterState, Flow } from './cluster-state.ts';
import type { L4Stats } from './l4-metrics.ts';
import { encodeV1, encodeV2, parseProxyHeader, unmapIPv4 } from './proxy-protocol.ts';

/** SPEC §5.1: the userspace proxier's successive dial timeouts, one per attempt. */
export const DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];
/** How long a client may take to send its inbound PROXY header. */
const PROXY_HEADER_TIMEOUT_MS = 5000;
const PROXY_HEADER_MAX = 16 + 2048;

export interface TcpConnectionOptions {
  readonly idleTimeoutMs: number;
  readonly acceptProxyProtocol: boolean;
  readonly proxyProtocol: ProxyProtocolMode;
  /** Called once when both sockets are closed. */
  readonly onDone: (c: TcpConnection) => void;
}

export class TcpConnection implements Flow {
  readonly kind = 'tcp' as const;
  readonly client: Socket;
  upstream: Socket | null = null;
  private readonly cluster: ClusterState;
  private readonly stats: L4Stats;
  private readonly opts: TcpConnectionOptions;
  endpointId = '';
  clientIp: string;
  private clientPort: number;
  private dstIp: string;
  private dstPort: number;
  private attempt = 0;
  private tried: Set<string> | null = null;
  private head: Buffer | null = null;
  private dialTimer: NodeJS.Timeout | null = null;
  private connected = false;
  private clientEof = false;
  private upstreamEof = false;
  private clientClosed = false;
  private upstreamClosed = true;
  private done = false;

  constructor(client: Socket, cluster: ClusterState, stats: L4Stats, opts: TcpConnectionOptions) {
    this.client = client;
    this.cluster = cluster;
    this.stats = stats;
    this.opts = opts;
    this.clientIp = unmapIPv4(client.remoteAddress ?? '');
    this.clientPort = client.remotePort ?? 0;
    this.dstIp = unmapIPv4(client.localAddress ?? '');
    this.dstPort = client.localPort ?? 0;
    stats.opened++;
    stats.active++;
    client.on('error', noop);
    client.on('close', () => this.onClientClose());
    if (opts.acceptProxyProtocol) this.readProxyHeader();
    else this.dial();
  }

  /** Flow: drain deadline reached or shutdown. */
  close(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  private readProxyHeader(): void {
    const c = this.client;
    let buf: Buffer | null = null;
    c.setTimeout(PROXY_HEADER_TIMEOUT_MS, () => c.destroy());
    const onData = (chunk: Buffer): void => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf);
      if (r.state === 'partial' && buf.length <= PROXY_HEADER_MAX) return;
      c.removeListener('data', onData);
      c.pause();
      c.setTimeout(0);
      if (r.state !== 'done') {
        c.destroy();
        return;
      }
      const a = r.addresses;
      if (a.family !== 'UNKNOWN') {
        // The real client from the header drives affinity/hash and our own PROXY header (README "TCP and UDP services (L4)").
        this.clientIp = a.srcAddress;
        this.clientPort = a.srcPort;
        this.dstIp = a.dstAddress;
        this.dstPort = a.dstPort;
      }
      if (r.consumed < buf.length) this.head = buf.subarray(r.consumed);
      this.dial();
    };
    c.on('data', onData);
    c.resume();
  }

  /** The local address the client connected to (PickContext for ipvs `dh`). */
  get destination(): string {
    return this.dstIp;
  }

  private dial(): void {
    if (this.clientClosed) return;
    const cl = this.cluster;
    const ctx = this;
    let ep = cl.pick(ctx, this.tried);
    if (ep === null && this.tried !== null && this.tried.size > 0) {
      // Every endpoint failed once: try them again with the next, longer timeout (SPEC §5.1).
      this.tried.clear();
      ep = cl.pick(ctx, null);
    }
    if (ep === null) {
      this.client.destroy();
      return;
    }
    this.endpointId = ep.id;
    this.cluster.add(ep.id, this);
    const u = net.connect({ host: ep.hostname ?? ep.address, port: ep.port, allowHalfOpen: true, noDelay: true });
    this.upstream = u;
    this.upstreamClosed = false;
    this.dialTimer = setTimeout(() => this.dialFailed(u), DIAL_TIMEOUTS_MS[this.attempt]);
    u.once('connect', () => this.onConnect(u));
    u.on('error', (err) => { if (!this.connected && this.upstream === u) this.dialFailed(u, err); });
    u.on('close', () => { if (this.upstream === u) this.onUpstreamClose(); });
  }

  private dialFailed(u: Socket, _err?: Error): void {
    if (this.dialTimer) { clearTimeout(this.dialTimer); this.dialTimer = null; }
    this.stats.connectErrors++;
    this.cluster.remove(this.endpointId, this);
    // SPEC §5.2: a dial failure resets the client's affinity so that the retry goes elsewhere.
    this.cluster.balancer.forget?.(this.clientIp);
    (this.tried ??= new Set()).add(this.endpointId);
    this.upstream = null;
    this.upstreamClosed = true;
    u.destroy();
    this.attempt++;
    if (this.attempt < DIAL_TIMEOUTS_MS.length && !this.clientClosed) this.dial();
    else this.client.destroy();
  }

  private onConnect(u: Socket): void {
    if (this.dialTimer) { clearTimeout(this.dialTimer); this.dialTimer = null; }
    this.connected = true;
    const c = this.client;
    if (this.opts.proxyProtocol !== 'none') {
      const enc = this.opts.proxyProtocol === 'v2' ? encodeV2 : encodeV1;
      u.write(enc(this.clientIp, this.clientPort, this.dstIp, this.dstPort));
    }
    if (this.head !== null) {
      this.stats.bytesUp += this.head.length;
      u.write(this.head);
      this.head = null;
    }
    const stats = this.stats;
    // Manual relay rather than pipe(): the same backpressure (pause on a full write buffer, resume
    // on 'drain') with less per-chunk work, and half-close handled explicitly (README "TCP and UDP services (L4)").
    c.on('data', (chunk: Buffer) => {
      stats.bytesUp += chunk.length;
      if (!u.write(chunk)) c.pause();
    });
    u.on('data', (chunk: Buffer) => {
      stats.bytesDown += chunk.length;
      if (!c.write(chunk)) u.pause();
    });
    u.on('drain', () => c.resume());
    c.on('drain', () => u.resume());
    c.on('end', () => { this.clientEof = true; u.end(); });
    u.on('end', () => { this.upstreamEof = true; c.end(); });
    if (this.opts.idleTimeoutMs > 0) {
      // Activity on the client socket covers both directions: every upstream byte is written to it.
      c.setTimeout(this.opts.idleTimeoutMs, () => this.close());
    }
    c.resume();
  }

  private onClientClose(): void {
    this.clientClosed = true;
    if (this.dialTimer) { clearTimeout(this.dialTimer); this.dialTimer = null; }
    // A close without both half-closes seen is an abort: take the upstream down with it.
    if (this.upstream && (!this.clientEof || !this.upstreamEof || !this.connected)) this.upstream.destroy();
    this.maybeDone();
  }

  private onUpstreamClose(): void {
    this.upstreamClosed = true;
    if (this.connected && (!this.clientEof || !this.upstreamEof)) this.client.destroy();
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.done || !this.clientClosed || !this.upstreamClosed) return;
    this.done = true;
    this.stats.active--;
    if (this.endpointId !== '') this.cluster.remove(this.endpointId, this);
    this.opts.onDone(this);
  }
}

function noop(): void {}
