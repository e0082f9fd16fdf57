// Starts the real Portico app in-process on 127.0.0.1 with ephemeral ports over a temp directory of
// manifests, the way `portico serve --resources DIR` runs it.
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startApp, type AppOptions, type RunningApp } from '../../src/app.ts';
import { DEFAULTS, type PorticoConfig } from '../../src/config/config.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { toYaml } from './manifests.ts';

export interface TestGateway {
  readonly app: RunningApp;
  readonly dir: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: string[];
  /** Replace the manifest file `name` atomically (write + rename) and wait until a newer snapshot is applied. */
  write(objs: readonly KubeObject[], name?: string): Promise<void>;
  /** Wait until the controller applied a snapshot newer than `version`. */
  waitForVersion(version: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(objs: readonly KubeObject[], overrides: Partial<PorticoConfig> = {}, appOptions: Pick<AppOptions, 'workers'> = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-gw-'));
  await writeFile(join(dir, 'main.yaml'), toYaml(objs));
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const config: PorticoConfig = {
    ...DEFAULTS,
    resources: [dir],
    bindAddress: '127.0.0.1',
    httpPort: 0,
    httpsPort: null,
    adminPort: 0,
    drainTimeoutMs: 2000,
    logLevel: 'info',
    // PORTICO_HTTP1_ENGINE=node|lean runs the suite on that HTTP/1.1 engine (README "Lean HTTP/1.1 engine"); default the flag's.
    ...(process.env.PORTICO_HTTP1_ENGINE === 'node' || process.env.PORTICO_HTTP1_ENGINE === 'lean' ? { http1Engine: process.env.PORTICO_HTTP1_ENGINE } : {}),
    ...overrides,
  };
  const app = await startApp(config, { ...appOptions, logger: createLogger({ level: config.logLevel, destination: stream }), metrics: new Metrics({ defaultMetrics: false }) });
  await app.ready();
  const waitForVersion = async (version: number, timeoutMs = 5000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (app.controller.snapshot.version <= version) {
      if (Date.now() > end) throw new Error(`no snapshot after version ${version} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  let n = 0;
  return {
    app,
    dir,
    url: `http://127.0.0.1:${app.ports.http}`,
    adminUrl: `http://127.0.0.1:${app.ports.admin}`,
    logs,
    write: async (next, name = 'main.yaml') => {
      const before = app.controller.snapshot.version;
      const tmp = join(dir, `.tmp-${n++}`);
      await writeFile(tmp, toYaml(next));
      await rename(tmp, join(dir, name));
      await waitForVersion(before);
    },
    waitForVersion,
    close: async () => {
      await app.stop(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** GET/POST through Portico with a Host header; returns status, headers and text body. */
export async function request(url: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const { request: undiciRequest } = await import('undici');
  const res = await undiciRequest(url, {
    method: (opts.method ?? 'GET') as 'GET',
    headers: { ...(opts.host ? { host: opts.host } : {}), ...(opts.headers ?? {}) },
    body: opts.body,
  });
  const text = await res.body.text();
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
  return { status: res.statusCode, headers, text, json: () => JSON.parse(text) };
}
