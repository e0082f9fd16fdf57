// The embedded L4 proxy (README "TCP and UDP services (L4)"): one listener per L4Route, a balancer per Cluster, kube-proxy
// userspace semantics (SPEC §5). apply() diffs listeners so that unchanged ports keep their
// sockets and connections; endpoint changes never touch flows to endpoints that remain.

import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { ApplyResult, Dataplane } from '../../model/dataplane.ts';
import { diagnostic } from '../../model/diagnostic.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import { l4Backends, type L4Route } from '../../model/l4.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import { ClusterState } from './cluster-state.ts';
import { l4Metrics, type L4Metrics, type L4Stats } from './l4-metrics.ts';
import { L4Targets } from './l4-targets.ts';
import { TcpListener } from './tcp-listener.ts';
import { UdpListener } from './udp-listener.ts';
import { HealthCheckers, type HealthSource } from '../health/health-checkers.ts';
import { TlsPorts } from './tls-ports.ts';

export interface L4DataplaneOptions {
  logger: Logger;
  metrics: Metrics;
  bindAddress: string;
  tcpIdleTimeoutMs: number;
  udpSessionTimeoutMs: number;
  udpMaxSessions: number;
  drainTimeoutMs: number;
  acceptProxyProtocol: boolean;
  /** Clock for affinity and UDP sessions; tests inject one. */
  now?: () => number;
  /** 'remote' in worker processes: the primary probes, this dataplane applies its verdicts (health-checkers.ts). */
  healthChecks?: HealthSource;
}

type Listener = TcpListener | UdpListener;

interface Draining {
  readonly listener: Listener;
  readonly timer: NodeJS.Timeout;
}

export class L4Dataplane implements Dataplane {
  readonly name = 'l4';
  private readonly opts: L4DataplaneOptions;
  private readonly metrics: L4Metrics;
  private readonly clusters = new Map<string, ClusterState>();
  private readonly listeners = new Map<string, Listener>();
  /** Removed mappings still finishing their flows, by route id. */
  private readonly draining = new Map<string, Draining[]>();
  private closed = false;
  private readonly health: HealthCheckers;
  /** Gateway TLS passthrough listeners on their own ports. */
  private readonly tlsPorts: TlsPorts;

  constructor(opts: L4DataplaneOptions) {
    this.opts = opts;
    this.health = new HealthCheckers('tcp', {}, opts.healthChecks);
    this.metrics = l4Metrics(opts.metrics);
    this.tlsPorts = new TlsPorts({ logger: opts.logger, metrics: opts.metrics, bindAddress: opts.bindAddress, drainTimeoutMs: opts.drainTimeoutMs });
  }

  /** Bound port of a route's listener (0 when not bound), for tests and the admin view. */
  boundPort(routeId: string): number {
    return this.listeners.get(routeId)?.port ?? 0;
  }

  /** The snapshot's L4 routes; a port that cannot be bound is a ListenFailed on its ConfigMap. */
  async apply(snapshot: Snapshot, endpoints: EndpointSet): Promise<ApplyResult> {
    const failures = await this.applyRoutes(snapshot.l4, snapshot.clusters, endpoints);
    const byId = new Map(snapshot.l4.map((r) => [r.id, r] as const));
    // Gateway TLS passthrough listeners on their own ports (tls-ports.ts).
    const tlsFailures = this.closed ? [] : await this.tlsPorts.apply(snapshot.tlsPorts ?? [], snapshot.clusters, endpoints);
    return {
      diagnostics: [
        ...failures.map((f) => diagnostic(byId.get(f.routeId)!.origin, 'ListenFailed', `${f.routeId}: cannot listen: ${f.error}`)),
        ...tlsFailures.map((f) => { const [namespace, name] = f.port.gateway.split('/'); return diagnostic({ kind: 'Gateway', namespace, name }, 'ListenFailed', `TLS listener port ${f.port.port}: cannot listen: ${f.error}`); }),
      ],
    };
  }

  /** Diff listeners and clusters against these routes; the routes whose port failed to bind. */
  async applyRoutes(routes: readonly L4Route[], clusters: readonly Cluster[], endpoints: EndpointSet): Promise<{ routeId: string; error: string }[]> {
    if (this.closed) return [];
    // Clusters: keep the state of the ones still used (balancer, affinity, flow counts).
    const byId = new Map<string, Cluster>();
    for (const c of clusters) byId.set(c.id, c);
    const used = new Set<string>();
    // Every backend of a weighted Gateway API route (model/l4.ts l4Backends), not just the first.
    for (const r of routes) for (const b of l4Backends(r)) if (b.clusterId !== null && byId.has(b.clusterId)) used.add(b.clusterId);
    for (const id of used) {
      const c = byId.get(id)!;
      let st = this.clusters.get(id);
      if (st) st.reconfigure(c);
      else {
        st = new ClusterState(c, this.opts.drainTimeoutMs, this.opts.now);
        this.clusters.set(id, st);
      }
      st.update(endpoints.get(id) ?? []);
    }
    for (const [id, st] of this.clusters) {
      if (used.has(id)) continue;
      // Flows of a cluster no mapping uses any more drain like those of a removed endpoint.
      st.retire();
      this.clusters.delete(id);
    }
    // Active health checks: TCP connects (dataplane/health).
    this.health.sync(this.clusters.values());

    // Listeners: same id ⇒ same socket, new target.
    const wanted = new Map<string, L4Route>();
    for (const r of routes) wanted.set(r.id, r);
    for (const [id, l] of this.listeners) {
      if (wanted.has(id)) continue;
      this.listeners.delete(id);
      this.startDrain(id, l);
    }
    const failures: { routeId: string; error: string }[] = [];
    const binds: Promise<void>[] = [];
    for (const r of routes) {
      const existing = this.listeners.get(r.id);
      const revived = existing ? null : this.revive(r.id);
      // Same backends as before: the weighted round-robin goes on where it was (l4-targets.ts).
      const targets = new L4Targets(l4Backends(r).map((b) => {
        const cluster = b.clusterId !== null ? this.clusters.get(b.clusterId) ?? null : null;
        return { cluster, stats: this.statsFor(r, cluster), weight: b.weight };
      }), (existing ?? revived)?.targets);
      if (existing) {
        existing.setTarget(r, targets);
        continue;
      }
      if (revived) {
        revived.setTarget(r, targets);
        this.listeners.set(r.id, revived);
        continue;
      }
      const l: Listener = r.protocol === 'UDP'
        ? new UdpListener(r, targets, {
          bindAddress: this.opts.bindAddress, sessionTimeoutMs: this.opts.udpSessionTimeoutMs,
          maxSessions: this.opts.udpMaxSessions, now: this.opts.now,
        })
        : new TcpListener(r, targets, {
          bindAddress: this.opts.bindAddress, idleTimeoutMs: this.opts.tcpIdleTimeoutMs,
          acceptProxyProtocol: this.opts.acceptProxyProtocol,
        });
      this.listeners.set(r.id, l);
      binds.push(l.listen().then(
        () => this.opts.logger.info({ route: r.id, port: l.port }, 'l4 listener bound'),
        (err: Error) => {
          // README "TCP and UDP services (L4)": a port that fails to bind is reported; the others keep working.
          if (this.listeners.get(r.id) === l) this.listeners.delete(r.id);
          l.closeAll();
          failures.push({ routeId: r.id, error: err.message });
          this.opts.logger.warn({ route: r.id, err: err.message }, 'l4 listener bind failed');
        }));
    }
    await Promise.all(binds);
    return failures.sort((a, b) => (a.routeId < b.routeId ? -1 : a.routeId > b.routeId ? 1 : 0));
  }

  /** EndpointSlice fast path (ARCHITECTURE.md "EndpointSet"). Unknown clusters are ignored. */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.clusters.get(clusterId)?.update(endpoints);
    this.tlsPorts.updateEndpoints(clusterId, endpoints);
  }

  /** Verdicts of the active checks run by another process (worker processes, health-checkers.ts 'remote'). */
  setUnhealthy(clusterId: string, endpointIds: readonly string[]): void {
    this.health.setUnhealthy(clusterId, endpointIds);
  }

  async close(drainTimeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.close();
    const tls = this.tlsPorts.close(drainTimeoutMs);
    const all: Listener[] = [...this.listeners.values()];
    this.listeners.clear();
    for (const list of this.draining.values()) for (const d of list) { clearTimeout(d.timer); all.push(d.listener); }
    this.draining.clear();
    for (const l of all) l.stopAccepting();
    const deadline = Date.now() + drainTimeoutMs;
    while (Date.now() < deadline && all.some((l) => openFlows(l) > 0)) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    for (const l of all) l.closeAll();
    for (const st of this.clusters.values()) st.dispose();
    this.clusters.clear();
    await tls;
  }

  private statsFor(r: L4Route, cluster: ClusterState | null): L4Stats {
    const service = cluster ? `${cluster.cluster.namespace}/${cluster.cluster.service}` : '';
    return this.metrics.for(r.protocol, r.listenPort, service);
  }

  /** README "TCP and UDP services (L4)": a removed mapping stops accepting at once; its flows get drainTimeoutMs. */
  private startDrain(id: string, l: Listener): void {
    l.stopAccepting();
    if (openFlows(l) === 0 && l instanceof TcpListener) return;
    const timer = setTimeout(() => {
      const list = this.draining.get(id);
      if (list) {
        const rest = list.filter((d) => d.listener !== l);
        if (rest.length) this.draining.set(id, rest); else this.draining.delete(id);
      }
      l.closeAll();
    }, this.opts.drainTimeoutMs);
    timer.unref();
    const list = this.draining.get(id) ?? [];
    list.push({ listener: l, timer });
    this.draining.set(id, list);
  }

  /** A UDP mapping re-added while draining still owns its port: take it back instead of rebinding. */
  private revive(id: string): Listener | null {
    const list = this.draining.get(id);
    if (!list) return null;
    const i = list.findIndex((d) => d.listener instanceof UdpListener);
    if (i < 0) return null;
    const [d] = list.splice(i, 1);
    if (list.length === 0) this.draining.delete(id);
    clearTimeout(d.timer);
    (d.listener as UdpListener).accepting = true;
    return d.listener;
  }
}

function openFlows(l: Listener): number {
  return l instanceof TcpListener ? l.conns.size : l.sessions.size;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
