// Helpers for the L4 tests: real TCP/UDP backends on 127.0.0.1 and an L4Dataplane with small
// timeouts. Nothing on the traffic path is mocked.

import net, { type AddressInfo, type Socket } from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { L4Dataplane, type L4DataplaneOptions } from '../../../src/dataplane/l4/l4-dataplane.ts';
import type { Cluster, BalancerPolicy, SessionAffinity } from '../../../src/model/cluster.ts';
import { makeEndpoint, type Endpoint } from '../../../src/model/endpoint.ts';
import type { L4Route, ProxyProtocolMode } from '../../../src/model/l4.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { Metrics } from '../../../src/util/metrics.ts';

export interface TcpBackend {
  readonly name: string;
  readonly port: number;
  readonly endpoint: Endpoint;
  /** Connections accepted so far. */
  accepted: number;
  readonly sockets: Set<Socket>;
  /** First bytes of each connection (up to 256), in accept order. */
  readonly heads: Buffer[];
  close(): Promise<void>;
}

/**
 * Echo backend: every byte is sent back; a FIN is answered with `bye`+FIN when `byeOnEnd`, else
 * with a plain FIN (half-close test). `prefix` is written first on each connection (identifies
 * the backend).
 */
export async function tcpBackend(name: string, opts: { byeOnEnd?: boolean; greet?: boolean } = {}): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  const heads: Buffer[] = [];
  const b: TcpBackend = {
    name, port: 0, endpoint: makeEndpoint('127.0.0.1', 1), accepted: 0, sockets, heads,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    b.accepted++;
    sockets.add(s);
    const idx = heads.length;
    heads.push(Buffer.alloc(0));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (opts.greet) s.write(`${name}\n`);
    s.on('data', (d: Buffer) => {
      if (heads[idx].length < 256) heads[idx] = Buffer.concat([heads[idx], d]).subarray(0, 256);
      if (!s.write(d)) { s.pause(); s.once('drain', () => s.resume()); }
    });
    s.on('end', () => { if (opts.byeOnEnd) s.end('bye'); else s.end(); });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return Object.assign(b, { port, endpoint: makeEndpoint('127.0.0.1', port) });
}

/** A port nobody listens on (connection refused). */
export async function refusedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface UdpBackend {
  readonly name: string;
  readonly port: number;
  readonly endpoint: Endpoint;
  /** `address:port` of every datagram's sender, in order. */
  readonly senders: string[];
  close(): Promise<void>;
}

/** Replies `<name>:<payload>` to each datagram. */
export async function udpBackend(name: string): Promise<UdpBackend> {
  const sock = dgram.createSocket('udp4');
  const senders: string[] = [];
  sock.on('message', (m, r) => {
    senders.push(`${r.address}:${r.port}`);
    sock.send(Buffer.concat([Buffer.from(`${name}:`), m]), r.port, r.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const port = sock.address().port;
  return { name, port, endpoint: makeEndpoint('127.0.0.1', port), senders, close: () => new Promise((r) => sock.close(() => r())) };
}

/** A UDP client socket with a request/response helper. */
export async function udpClient(): Promise<{ ask(port: number, msg: string, timeoutMs?: number): Promise<string | null>; port: number; close(): void }> {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const queue: string[] = [];
  let waiter: ((s: string) => void) | null = null;
  sock.on('message', (m) => { if (waiter) { const w = waiter; waiter = null; w(m.toString()); } else queue.push(m.toString()); });
  return {
    port: sock.address().port,
    ask(port, msg, timeoutMs = 1000) {
      return new Promise((resolve) => {
        const t = setTimeout(() => { waiter = null; resolve(null); }, timeoutMs);
        waiter = (s) => { clearTimeout(t); resolve(s); };
        sock.send(msg, port, '127.0.0.1');
      });
    },
    close: () => sock.close(),
  };
}

export function cluster(id: string, protocol: 'TCP' | 'UDP' = 'TCP', balancer: BalancerPolicy = 'round-robin',
  affinity: SessionAffinity = { type: 'None', timeoutSeconds: 10800 }): Cluster {
  const [ns, rest] = id.split('/');
  const [svc, port] = rest.split(':');
  return { id, namespace: ns, service: svc, port: Number(port), portName: '', protocol, kind: 'endpoints', externalName: null, balancer, sessionAffinity: affinity };
}

export function route(protocol: 'TCP' | 'UDP', listenPort: number, clusterId: string | null, proxyProtocol: ProxyProtocolMode = 'none', name?: string): L4Route {
  return { id: name ?? `${protocol.toLowerCase()}/${listenPort}`, protocol, listenPort, clusterId, proxyProtocol, source: `${clusterId}`, origin: { kind: 'ConfigMap', namespace: 'default', name: 'tcp-services' } };
}

export function dataplane(opts: Partial<L4DataplaneOptions> = {}): { dp: L4Dataplane; metrics: Metrics } {
  const metrics = new Metrics({ defaultMetrics: false });
  const dp = new L4Dataplane({
    logger: silentLogger(), metrics, bindAddress: '127.0.0.1', tcpIdleTimeoutMs: 60_000,
    udpSessionTimeoutMs: 30_000, udpMaxSessions: 1000, drainTimeoutMs: 30_000, acceptProxyProtocol: false, ...opts,
  });
  return { dp, metrics };
}

/** Connect, optionally write, and collect everything until the server closes. */
export function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Read until `n` bytes or the end; resolves with what arrived. */
export function readBytes(s: Socket, n: number, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const done = (): void => { clearTimeout(t); s.removeListener('data', onData); s.removeListener('end', done); s.removeListener('close', done); resolve(Buffer.concat(chunks)); };
    const onData = (d: Buffer): void => { chunks.push(d); len += d.length; if (len >= n) done(); };
    const t = setTimeout(done, timeoutMs);
    s.on('data', onData);
    s.once('end', done);
    s.once('close', done);
  });
}

/** Resolves true when the peer ends or the socket closes within `ms` (clients are half-open capable). */
export function closesWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed || s.closed || s.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    const done = (): void => { clearTimeout(t); resolve(true); };
    s.once('close', done);
    s.once('end', done);
    s.on('error', () => {});
    s.resume();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  let sum = 0;
  for (const v of m?.values ?? []) {
    if (Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x)) sum += v.value;
  }
  return sum;
}
