import type { KubeConfig } from '@kubernetes/client-node';
import type { Kind } from '../../k8s/types.ts';
import type { Diagnostic } from '../../model/diagnostic.ts';
import { compareDiagnostics, diagnostic } from '../../model/diagnostic.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { Source, SourceSink } from '../source.ts';
import type { BackoffOptions } from './kind-watcher.ts';
import { DEFAULT_BACKOFF, KindWatcher, errorCode, errorMessage } from './kind-watcher.ts';
import { DEFAULT_WATCHED_KINDS, WATCHED_RESOURCES, type WatchedResource } from './resources.ts';
import { GatewayDiscovery } from './gateway-discovery.ts';
import { ReferencedSecrets } from './referenced-secrets.ts';
import { objectKey } from '../../k8s/keys.ts';

export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  /** --watch-namespace: limits every namespaced kind; null = all namespaces. */
  namespace: string | null;
  logger: Logger;
  metrics: Metrics;
  onSyncStateChange?: (kind: Kind, synced: boolean) => void;
  /** Kinds to watch; default DEFAULT_WATCHED_KINDS (add 'Endpoints' for the legacy fallback). */
  kinds?: readonly Kind[];
  /** Page size of the initial and re-lists. Default 500. */
  listPageSize?: number;
  /** Restart backoff of a failed informer (defaults 1 s doubling to 30 s, jittered). */
  backoff?: Partial<BackoffOptions>;
  /** How long a cold start waits for a kind the API server denies (403) before syncing without it. Default 10000 ms. */
  deniedGraceMs?: number;
  /**
   * Gateway API kinds, watched while their CRDs are installed (gateway-discovery.ts); `false` never
   * looks. `intervalMs`: how often discovery runs again to notice CRDs installed or removed (default 30000).
   */
  gatewayApi?: false | { intervalMs?: number };
}

/** A watcher started because discovery found its kind: stopped, and its objects removed, when the CRD goes. */
interface DiscoveredWatcher {
  readonly watcher: KindWatcher;
  readonly resource: WatchedResource;
  readonly keys: Set<string>;
}

export type KindSyncState = 'pending' | 'synced' | 'failing' | 'denied';

interface KindStatus {
  state: KindSyncState;
  listed: boolean;
  lastError?: string;
}

/**
 * The Kubernetes source (README "Run in a cluster"): one informer per kind, feeding the sink with plain
 * JSON objects. `synced('kube')` fires once every kind has listed once.
 *
 * A kind the API server forbids (403, a missing RBAC rule) does not hold the cold start forever:
 * after `deniedGraceMs` (long enough for a ClusterRoleBinding applied in the same `kubectl apply`
 * to land) the source reports synced without it, with a Diagnostic, an error log and
 * portico_source_synced{kind}=0, and keeps retrying it at the backoff cap. One missing rule then
 * degrades that kind only instead of keeping every replica unready. Any other failure (API server
 * unreachable, 5xx) keeps blocking the cold start: serving before the state is known would answer
 * 404 for routes that exist. Once synced, nothing makes the source unsynced again: the last state
 * keeps serving while informers retry (README "Run in a cluster").
 */
export class KubeSource implements Source {
  readonly name = 'kube';
  private readonly opts: KubeSourceOptions;
  private readonly kinds: readonly Kind[];
  private readonly status = new Map<Kind, KindStatus>();
  private readonly deniedDiagnostics = new Map<Kind, Diagnostic>();
  private watchers: KindWatcher[] = [];
  private readonly discovered = new Map<Kind, DiscoveredWatcher>();
  private discovery: GatewayDiscovery | null = null;
  private sink: SourceSink | undefined;
  private startedAt = 0;
  private initialSyncDone = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Secrets named by access annotations, watched one name each (referenced-secrets.ts). */
  private refs: ReferencedSecrets | null = null;

  constructor(opts: KubeSourceOptions) {
    this.opts = opts;
    this.kinds = opts.kinds ?? DEFAULT_WATCHED_KINDS;
    for (const k of this.kinds) this.status.set(k, { state: 'pending', listed: false });
  }

  /** True once `synced('kube')` has been delivered. */
  get synced(): boolean {
    return this.initialSyncDone;
  }

  /** Per-kind state, for logs and debug views. */
  syncState(): Record<string, { state: KindSyncState; lastError?: string }> {
    const out: Record<string, { state: KindSyncState; lastError?: string }> = {};
    for (const [k, s] of this.status) out[k] = s.lastError ? { state: s.state, lastError: s.lastError } : { state: s.state };
    return out;
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    this.startedAt = Date.now();
    const { kubeConfig, namespace, logger, metrics } = this.opts;
    const backoff = { ...DEFAULT_BACKOFF, ...this.opts.backoff };
    logger.info({ source: 'kube', server: kubeConfig.getCurrentCluster()?.server, namespace: namespace ?? '(all)', kinds: this.kinds }, 'watching the Kubernetes API');
    for (const kind of this.kinds) metrics.sourceSynced.set({ source: 'kube', kind }, 0);
    const refs = new ReferencedSecrets(kubeConfig, logger, {
      upsert: (obj) => sink.upsert('Secret', obj),
      remove: (key) => sink.remove('Secret', key),
      listed: () => this.checkInitialSync(),
    }, { pageSize: this.opts.listPageSize ?? 500, backoff, namespace });
    this.refs = refs;
    this.watchers = this.kinds.map((kind) => this.makeWatcher(kind, WATCHED_RESOURCES[kind], backoff, null));
    const grace = this.opts.deniedGraceMs ?? 10000;
    this.graceTimer = setTimeout(() => this.checkInitialSync(), grace);
    const gw = this.opts.gatewayApi;
    if (gw !== false) {
      this.discovery = new GatewayDiscovery({ kubeConfig, logger, backoff, intervalMs: gw?.intervalMs ?? 30000,
        onChange: (found) => this.onDiscovered(found, backoff) });
    }
    await Promise.all([...this.watchers.map((w) => w.start()), this.discovery?.start()]);
  }

  private makeWatcher(kind: Kind, resource: WatchedResource, backoff: BackoffOptions, keys: Set<string> | null): KindWatcher {
    const sink = this.sink!;
    const refs = this.refs!;
    return new KindWatcher(this.opts.kubeConfig, resource, this.opts.namespace, {
      upsert: (obj) => {
        sink.upsert(kind, obj);
        keys?.add(objectKey(obj));
        if (kind === 'Ingress') refs.ingress(objectKey(obj), obj);
      },
      remove: (key) => {
        sink.remove(kind, key);
        keys?.delete(key);
        if (kind === 'Ingress') refs.ingress(key, undefined);
      },
      listed: () => this.onHealthy(kind, true),
      watching: () => this.onHealthy(kind, false),
      failed: (err, retryInMs) => this.onFailed(kind, err, retryInMs),
    }, { pageSize: this.opts.listPageSize ?? 500, backoff });
  }

  /**
   * Discovery's answer (README "Gateway API"): start a watcher per kind newly served, stop the ones
   * whose CRD went (or moved version) and remove what they delivered, so a deleted CRD does not
   * leave its routes served.
   */
  private onDiscovered(found: ReadonlyMap<Kind, WatchedResource>, backoff: BackoffOptions): void {
    if (this.stopped) return;
    for (const [kind, d] of [...this.discovered]) {
      const now = found.get(kind);
      if (now && now.version === d.resource.version) continue;
      this.discovered.delete(kind);
      this.status.delete(kind);
      void d.watcher.stop();
      for (const key of d.keys) this.sink?.remove(kind, key);
      this.opts.metrics.sourceSynced.set({ source: 'kube', kind }, 0);
      if (this.deniedDiagnostics.delete(kind)) this.publishDiagnostics();
    }
    for (const [kind, resource] of found) {
      if (this.discovered.has(kind) || this.status.has(kind)) continue; // a kind also watched statically stays as it is
      const keys = new Set<string>();
      const watcher = this.makeWatcher(kind, resource, backoff, keys);
      this.discovered.set(kind, { watcher, resource, keys });
      this.status.set(kind, { state: 'pending', listed: false });
      this.opts.metrics.sourceSynced.set({ source: 'kube', kind }, 0);
      void watcher.start();
    }
    this.checkInitialSync();
  }

  /**
   * SIGHUP (README "Run in a cluster"): list every watched kind from the API again and deliver the
   * difference, for a change a watch missed. Resolves once every list is delivered; a kind whose
   * list fails keeps its last state and retries with its backoff, and the reload reports it.
   */
  async reload(): Promise<void> {
    if (this.stopped || this.sink === undefined) return;
    const watchers = [...this.watchers, ...[...this.discovered.values()].map((d) => d.watcher)];
    const results = await Promise.allSettled([...watchers.map((w) => w.relist()), this.refs?.relist()]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length !== 0) throw new Error(`re-list failed for ${failed.length} of ${results.length} collections: ${errorMessage(failed[0].reason)}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.discovery?.stop();
    await Promise.all([...this.watchers, ...[...this.discovered.values()].map((d) => d.watcher)].map((w) => w.stop()));
    await this.refs?.stop();
  }

  private onHealthy(kind: Kind, listed: boolean): void {
    const s = this.status.get(kind);
    if (this.stopped || !s) return;
    if (listed) s.listed = true;
    if (!s.listed) return; // watching without a list cannot happen, but never claim sync without one
    const was = s.state;
    s.state = 'synced';
    delete s.lastError;
    if (was !== 'synced') {
      this.opts.metrics.sourceSynced.set({ source: 'kube', kind }, 1);
      this.opts.onSyncStateChange?.(kind, true);
      if (was !== 'pending') this.opts.logger.info({ source: 'kube', kind }, 'watch recovered');
      else this.opts.logger.debug({ source: 'kube', kind }, 'listed');
    }
    if (this.deniedDiagnostics.delete(kind)) this.publishDiagnostics();
    this.checkInitialSync();
  }

  private onFailed(kind: Kind, err: unknown, retryInMs: number): void {
    const s = this.status.get(kind);
    if (this.stopped || !s) return;
    const was = s.state;
    const code = errorCode(err);
    const message = errorMessage(err);
    s.state = code === 403 ? 'denied' : 'failing';
    s.lastError = message;
    const log = { source: 'kube', kind, code, err: message, retryInMs };
    if (code === 403) {
      this.opts.logger.error(log, `access to ${kind} denied by the API server; check the ClusterRole (deploy/rbac.yaml)`);
      const ns = WATCHED_RESOURCES[kind].namespaced ? (this.opts.namespace ?? '') : '';
      this.deniedDiagnostics.set(kind, diagnostic({ kind, namespace: ns, name: '*' }, 'Forbidden',
        `Portico may not list/watch ${kind}: ${message}. ${kind} objects are not read until the RBAC rule is fixed.`));
      this.publishDiagnostics();
    } else {
      this.opts.logger.warn(log, `watch of ${kind} failed; retrying`);
    }
    if (was === 'synced' || was === 'pending') {
      this.opts.metrics.sourceSynced.set({ source: 'kube', kind }, 0);
      if (was === 'synced') this.opts.onSyncStateChange?.(kind, false);
    }
    this.checkInitialSync();
  }

  private publishDiagnostics(): void {
    this.sink?.sourceDiagnostics('kube', [...this.deniedDiagnostics.values()].sort(compareDiagnostics));
  }

  private checkInitialSync(): void {
    if (this.initialSyncDone || this.stopped || !this.sink) return;
    const graceOver = Date.now() - this.startedAt >= (this.opts.deniedGraceMs ?? 10000);
    // Referenced Secrets listed too: an Ingress would otherwise be refused until its Secret came.
    if (this.refs?.pending) return;
    // Gateway API discovery answered once: the kinds it found are in `status` and waited for.
    if (this.discovery?.pending) return;
    const skipped: Kind[] = [];
    for (const [kind, s] of this.status) {
      if (s.listed) continue;
      // A denied Gateway API kind does not wait for the grace: a cluster with the CRDs installed for
      // another controller and Portico deployed without deploy/gateway-api/ would otherwise start
      // every replica 10 s late (README "Gateway API").
      if (s.state === 'denied' && (graceOver || this.discovered.has(kind))) skipped.push(kind);
      else return;
    }
    this.initialSyncDone = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (skipped.length) this.opts.logger.error({ source: 'kube', denied: skipped }, 'initial sync complete without the kinds the API server denies');
    else this.opts.logger.info({ source: 'kube', ms: Date.now() - this.startedAt }, 'initial sync complete');
    this.sink.synced('kube');
  }
}
