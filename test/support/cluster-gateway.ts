// Starts the real Portico app in cluster mode against the fake API server (test/support/fake-apiserver.ts),
// with short leader-election and status timings, as test/e2e/cluster.test.ts does.
import { PassThrough } from 'node:stream';
import { startApp, type RunningApp } from '../../src/app.ts';
import { DEFAULTS, type PorticoConfig } from '../../src/config/config.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import type { FakeApiServer } from './fake-apiserver.ts';
import { request as undiciRequest } from 'undici';

export interface ClusterGateway {
  readonly app: RunningApp;
  readonly url: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startClusterGateway(api: FakeApiServer, overrides: Partial<PorticoConfig> = {}, opts: { identity?: string; discoveryMs?: number } = {}): Promise<ClusterGateway> {
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const config: PorticoConfig = {
    ...DEFAULTS, kubeconfig: '(test)', bindAddress: '127.0.0.1', httpPort: 0, httpsPort: null, adminPort: 0,
    drainTimeoutMs: 1000, publishAddress: ['203.0.113.7'], ...overrides,
  };
  const app = await startApp(config, {
    logger: createLogger({ level: 'info', destination: stream }),
    metrics: new Metrics({ defaultMetrics: false }),
    kubeConfig: kubeConfigForServer(api.url),
    leaderElection: { ...(opts.identity ? { identity: opts.identity } : {}), leaseDurationSeconds: 2, renewDeadlineMs: 1500, retryPeriodMs: 200, resyncMs: 500 },
    deniedGraceMs: 500,
    gatewayDiscoveryIntervalMs: opts.discoveryMs ?? 200,
  });
  await app.ready();
  return { app, url: `http://127.0.0.1:${app.ports.http}`, logs, close: () => app.stop(500) };
}

export async function eventually<T>(fn: () => Promise<T> | T, want: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const last = await fn();
    if (want(last) || Date.now() > end) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The echo backend's name for a 200, else the status (or the error text when the request failed). */
export async function servedBy(url: string, host: string, path = '/'): Promise<string | number> {
  try {
    const r = await undiciRequest(url + path, { headers: { host } });
    const text = await r.body.text();
    return r.statusCode === 200 ? (JSON.parse(text) as { name: string }).name : r.statusCode;
  } catch (err) {
    return String(err);
  }
}
