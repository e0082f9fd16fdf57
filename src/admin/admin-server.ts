import Fastify, { type FastifyInstance } from 'fastify';
import type { Snapshot } from '../model/snapshot.ts';
import { redactDefault, redactHosts } from './redact-access.ts';
import { redactCertificate } from '../model/certificate.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import type { ApiSources } from './api-v1.ts';
import { registerDashboard } from './dashboard.ts';

export interface AdminState {
  /** Liveness: the process is able to answer. */
  isLive(): boolean;
  /** Readiness: every source synced and the first snapshot applied, not draining. */
  isReady(): boolean;
  snapshot(): Snapshot;
  /** Dataplane name → the snapshot version it serves (behind `snapshot().version` after a failed apply). */
  servedBy(): Readonly<Record<string, number>>;
  endpoints(): ReadonlyMap<string, readonly { id: string; ready: boolean }[]>;
  diagnostics(): readonly Diagnostic[];
  /** Extra debug views registered by other parts (`/debug/<name>`), e.g. certificates, explain. */
  readonly debugViews?: Readonly<Record<string, (query: Record<string, string>) => unknown>>;
  /** `/dashboard` and `/api/v1/` (README "Dashboard and /api/v1"); absent: not served. */
  readonly dashboard?: Omit<ApiSources, 'snapshot' | 'endpoints' | 'diagnostics' | 'isReady'>;
}

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly state: AdminState;
  /** Worker processes (README "Worker processes"): /metrics is the merge of every process's registry. */
  readonly metricsText?: () => Promise<{ contentType: string; body: string }>;
  /** `POST /<name>` operations (`workers/restart`); each answers 200 once done, 409 when it failed. */
  readonly actions?: Readonly<Record<string, () => Promise<unknown>>>;
}

/**
 * Admin endpoints on their own port, bound to 127.0.0.1 unless configured otherwise: they expose
 * configuration and must not be reachable through the data listeners.
 */
export class AdminServer {
  private readonly o: AdminOptions;
  private readonly app: FastifyInstance;

  constructor(opts: AdminOptions) {
    this.o = opts;
    this.app = Fastify({ logger: false });
    const { state, metrics } = opts;
    this.app.get('/healthz', async (_req, reply) => {
      const live = state.isLive();
      return reply.code(live ? 200 : 503).type('text/plain').send(live ? 'ok\n' : 'not live\n');
    });
    this.app.get('/readyz', async (_req, reply) => {
      const ready = state.isReady();
      return reply.code(ready ? 200 : 503).type('text/plain').send(ready ? 'ready\n' : 'not ready\n');
    });
    this.app.get('/metrics', async (_req, reply) => {
      if (opts.metricsText) {
        const merged = await opts.metricsText();
        return reply.type(merged.contentType).send(merged.body);
      }
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
    for (const [name, action] of Object.entries(opts.actions ?? {})) {
      this.app.post(`/${name}`, async (_req, reply) => {
        try {
          return reply.code(200).send({ done: name, result: (await action()) ?? null });
        } catch (err) {
          return reply.code(409).send({ failed: name, error: (err as Error).message });
        }
      });
    }
    this.app.get('/debug/snapshot', async () => debugSnapshot(state.snapshot(), state.endpoints(), state.servedBy()));
    this.app.get('/debug/diagnostics', async () => state.diagnostics());
    if (state.dashboard) {
      const d = state.dashboard;
      registerDashboard(this.app, {
        snapshot: () => state.snapshot(), endpoints: () => state.endpoints(), diagnostics: () => state.diagnostics(), isReady: () => state.isReady(),
        endpointHealth: (id) => d.endpointHealth(id), certificates: () => d.certificates(), explain: (h, p, t) => d.explain(h, p, t), sources: () => d.sources(),
      }, metrics);
    }
    for (const [name, view] of Object.entries(state.debugViews ?? {})) {
      this.app.get(`/debug/${name}`, async (req) => view((req.query ?? {}) as Record<string, string>));
    }
  }

  async listen(): Promise<number> {
    await this.app.listen({ host: this.o.host, port: this.o.port });
    const addr = this.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.o.port;
    this.o.logger.info({ address: this.o.host, port }, 'admin listening');
    return port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/** The snapshot as JSON with certificate material removed (ARCHITECTURE.md: keys never shown). */
export function debugSnapshot(s: Snapshot, endpoints: ReadonlyMap<string, readonly { id: string; ready: boolean }[]>, servedBy: Readonly<Record<string, number>>): unknown {
  return {
    ...s,
    servedBy,
    virtualHosts: redactHosts(s.virtualHosts),
    defaultRoute: redactDefault(s.defaultRoute),
    certificates: s.certificates.map(redactCertificate),
    endpoints: Object.fromEntries([...endpoints].map(([k, v]) => [k, v.map((e) => ({ id: e.id, ready: e.ready }))])),
  };
}
