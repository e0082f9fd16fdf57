// Snapshot builders and a proxy harness for the HTTP dataplane tests.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../../../src/model/cluster.ts';
import { makeEndpoint, type Endpoint } from '../../../src/model/endpoint.ts';
import type { PathMatchType } from '../../../src/model/match.ts';
import type { Route, VirtualHost } from '../../../src/model/route.ts';
import { emptySnapshot, type Snapshot } from '../../../src/model/snapshot.ts';
import { HttpDataplane, type HttpDataplaneOptions } from '../../../src/dataplane/http/dataplane.ts';
import { HttpListener } from '../../../src/dataplane/http/listener.ts';
import type { Http1Limits } from '../../../src/dataplane/http/http1-limits.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { DEFAULTS } from '../../../src/config/config.ts';

export function cluster(id: string): Cluster {
  const [ns, rest] = id.split('/');
  const [svc, port] = rest.split(':');
  return { id, namespace: ns, service: svc, port: Number(port), portName: '', protocol: 'TCP', kind: 'endpoints',
    externalName: null, balancer: 'round-robin', sessionAffinity: { type: 'None', timeoutSeconds: 10800 } };
}

let seq = 0;
export function route(type: PathMatchType, path: string, backend: string | { unavailable: string }, opts: { sslRedirect?: boolean } = {}): Route {
  const n = seq++;
  return {
    id: `default/ing#0.${n}`,
    origin: { ingress: 'default/ing', rule: 0, path: n },
    match: { type, path },
    backend: typeof backend === 'string' ? { kind: 'cluster', clusterId: backend } : { kind: 'unavailable', reason: backend.unavailable },
    service: typeof backend === 'string' ? backend.split(':')[0] : '',
    sslRedirect: opts.sslRedirect ?? false,
  };
}

export function vhost(hostname: string, routes: Route[], fallback: Route | null = null): VirtualHost {
  const kind = hostname === '' ? 'any' : hostname.startsWith('*.') ? 'wildcard' : 'exact';
  return { hostname, kind, routes, fallback, certificateId: null };
}

export function snapshot(version: number, vhosts: VirtualHost[], clusters: string[], defaultRoute: Route | null = null): Snapshot {
  return { ...emptySnapshot(version), virtualHosts: vhosts, clusters: clusters.map(cluster), defaultRoute };
}

export function eps(...ports: number[]): Endpoint[] {
  return ports.map((p) => makeEndpoint('127.0.0.1', p));
}

export interface Harness {
  dp: HttpDataplane;
  listener: HttpListener;
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startProxy(opts: Partial<HttpDataplaneOptions> = {}, limits?: Http1Limits,
  engine: 'node' | 'lean' = process.env.PORTICO_HTTP1_ENGINE === 'node' ? 'node' : DEFAULTS.http1Engine): Promise<Harness> {
  const metrics = new Metrics({ defaultMetrics: false });
  const logger = opts.logger ?? silentLogger();
  // verboseErrors: these tests read the detail in error bodies (test/abuse checks the default).
  const dp = new HttpDataplane({ logger, metrics, trustProxy: [], connectTimeoutMs: 2000, upstreamTimeoutMs: 10000,
    httpsPort: null, hsts: null, verboseErrors: true, ...opts });
  const listener = new HttpListener(dp, { host: '127.0.0.1', port: 0, logger, metrics, limits,
    engine });
  const port = await listener.listen();
  return { dp, listener, port, metrics, close: async () => { await listener.close(500); await dp.close(); } };
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; json: any }

/** One request through the proxy (new agent per call unless given). */
export function request(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>;
  body?: string | Buffer; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.host !== undefined) headers.host = opts.host;
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: any = null;
        try { json = JSON.parse(body); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A port on 127.0.0.1 that refuses connections (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
