// Active health checks of one cluster (`portico.io/health-check-*`): one timer per cluster (not
// per endpoint), jittered ±10 % so many clusters do not probe in step; each round probes every
// current endpoint with at most `concurrency` probes in flight, in a shuffled order. An endpoint
// turns unhealthy after `unhealthyThreshold` failed probes in a row and healthy again after
// `healthyThreshold` passed ones (Envoy health checking, "unhealthy_threshold"/"healthy_threshold").
// Only endpoint addresses are probed — the ip:port pairs the cluster got from EndpointSlices;
// endpoints of an ExternalName cluster (a DNS name) are never probed.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HealthCheck } from '../../model/balancing.ts';
import type { Endpoint } from '../../model/endpoint.ts';

export interface HealthTarget {
  readonly id: string;
  /** The cluster's current endpoints (read at every round, so the fast path is followed). */
  currentEndpoints(): readonly Endpoint[];
  /** The checks' verdict for one endpoint. */
  setHealthy(endpointId: string, healthy: boolean): void;
}

export interface CheckerOptions {
  /** Probes in flight per cluster. */
  readonly concurrency?: number;
  readonly random?: () => number;
  /** Every endpoint of the cluster failing its checks (true) or one back (false). */
  readonly onPanic?: (cluster: string, panic: boolean) => void;
  readonly onResult?: (cluster: string, healthy: boolean) => void;
}

interface Verdict {
  healthy: boolean;
  passes: number;
  fails: number;
}

export class ClusterHealthChecker {
  readonly target: HealthTarget;
  cfg: HealthCheck;
  /** 'http' probes `cfg.path`; 'tcp' only connects (L4 clusters, or no path). */
  private readonly mode: 'http' | 'tcp';
  private readonly opts: CheckerOptions;
  private readonly verdicts = new Map<string, Verdict>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private panic = false;
  /** Rounds completed, for tests. */
  rounds = 0;

  constructor(target: HealthTarget, cfg: HealthCheck, mode: 'http' | 'tcp', opts: CheckerOptions = {}) {
    this.target = target;
    this.cfg = cfg;
    this.mode = mode;
    this.opts = opts;
  }

  start(): void {
    this.schedule(this.jitter(this.cfg.intervalMs) * (this.opts.random ?? Math.random)());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Checks gone: nothing vouches against an endpoint any more.
    for (const [id, v] of this.verdicts) if (!v.healthy) this.target.setHealthy(id, true);
    this.verdicts.clear();
  }

  healthy(id: string): boolean {
    return this.verdicts.get(id)?.healthy ?? true;
  }

  private jitter(ms: number): number {
    return ms * (0.9 + 0.2 * (this.opts.random ?? Math.random)());
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.round();
    }, ms);
    this.timer.unref();
  }

  /** One round: every endpoint once, `concurrency` at a time; the next round is scheduled after. */
  async round(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const eps = this.target.currentEndpoints().filter((e) => e.hostname === undefined);
      const ids = new Set(eps.map((e) => e.id));
      for (const id of this.verdicts.keys()) if (!ids.has(id)) this.verdicts.delete(id);
      const order = [...eps];
      const rnd = this.opts.random ?? Math.random;
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < order.length && !this.stopped) {
          const e = order[next++];
          this.record(e.id, await this.probe(e));
        }
      };
      const n = Math.max(1, Math.min(this.opts.concurrency ?? 8, order.length));
      await Promise.all(Array.from({ length: n }, worker));
      this.rounds++;
      this.checkPanic(eps);
    } finally {
      this.running = false;
      this.schedule(this.jitter(this.cfg.intervalMs));
    }
  }

  private record(id: string, pass: boolean): void {
    if (this.stopped) return;
    let v = this.verdicts.get(id);
    if (v === undefined) this.verdicts.set(id, (v = { healthy: true, passes: 0, fails: 0 }));
    this.opts.onResult?.(this.target.id, pass);
    if (pass) {
      v.passes++;
      v.fails = 0;
      if (!v.healthy && v.passes >= this.cfg.healthyThreshold) {
        v.healthy = true;
        this.target.setHealthy(id, true);
      }
    } else {
      v.fails++;
      v.passes = 0;
      if (v.healthy && v.fails >= this.cfg.unhealthyThreshold) {
        v.healthy = false;
        this.target.setHealthy(id, false);
      }
    }
  }

  private checkPanic(eps: readonly Endpoint[]): void {
    const all = eps.length > 0 && eps.every((e) => !this.healthy(e.id));
    if (all !== this.panic) {
      this.panic = all;
      this.opts.onPanic?.(this.target.id, all);
    }
  }

  /** One probe: true when healthy. Never throws. */
  probe(e: Endpoint): Promise<boolean> {
    return this.mode === 'tcp' ? tcpProbe(e, this.cfg.timeoutMs) : httpProbe(e, this.cfg);
  }
}

function tcpProbe(e: Endpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: e.address, port: e.port });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function httpProbe(e: Endpoint, cfg: HealthCheck): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      req.destroy();
      resolve(ok);
    };
    // A fresh connection per probe (agent: false): a probe says whether the endpoint accepts
    // connections now, not whether an old kept-alive socket still works.
    const opts = {
      host: e.address, port: e.port, path: cfg.path ?? '/', method: 'GET', agent: false,
      headers: { 'user-agent': 'portico-health-check', connection: 'close' },
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const code = res.statusCode ?? 0;
      res.resume();
      finish(cfg.expectedStatuses.some(([lo, hi]) => code >= lo && code <= hi));
    };
    const req = cfg.scheme === 'https'
      ? https.request({ ...opts, rejectUnauthorized: false }, onResponse)
      : http.request(opts, onResponse);
    const t = setTimeout(() => finish(false), cfg.timeoutMs);
    req.once('error', () => finish(false));
    req.end();
  });
}
