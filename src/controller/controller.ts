import { EMPTY_GATEWAY_STATUS, type GatewayStatusReport } from '../translate/gateway/status-report.ts';
import { isDeepStrictEqual } from 'node:util';
import { objectKey, nsName } from '../k8s/keys.ts';
import type { Kind, KubeObject } from '../k8s/types.ts';
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import { emptySnapshot, type Snapshot } from '../model/snapshot.ts';
import type { SourceSink } from '../sources/source.ts';
import { sliceService, type Store } from '../store/store.ts';
import { compareDiagnostics, refString, type Diagnostic } from '../model/diagnostic.ts';
import { endpointsForCluster, translateEndpoints } from '../translate/endpoints.ts';
import { translate, type TranslateOptions } from '../translate/index.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { Debouncer } from './debounce.ts';
import type { Dataplane } from '../model/dataplane.ts';

export interface ControllerOptions {
  readonly store: Store;
  readonly translateOptions: Omit<TranslateOptions, 'version'>;
  readonly targets: readonly Dataplane[];
  /** Names of the sources that must report `synced` before the first snapshot (readiness gate). */
  readonly sources: readonly string[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * `ns/name` of objects the process configuration names (`--default-tls-secret`, the webhook's
   * Secret…): always worth a rebuild. String options of translateOptions count without being listed.
   */
  readonly configuredRefs?: readonly string[];
  readonly debounceMs?: number;
  readonly maxDelayMs?: number;
}

/** Told about what the controller did (status writer, events recorder); see Controller.subscribe. */
export interface ControllerListener {
  /** After every applied snapshot, with the served Ingress keys. */
  onApplied?(snapshot: Snapshot, served: readonly string[]): void;
  /** When the set of diagnostics changes. */
  onDiagnostics?(all: readonly Diagnostic[], added: readonly Diagnostic[]): void;
}

const FAST_KINDS: ReadonlySet<Kind> = new Set<Kind>(['EndpointSlice', 'Endpoints']);

/**
 * The sync loop between store and dataplane (ARCHITECTURE.md "Controller"). Two speeds:
 * EndpointSlice/Endpoints changes update only the affected clusters' endpoints in place; every
 * other change is debounced into one translate → Snapshot → apply. A failed build or apply keeps
 * the last good snapshot serving.
 */
export class Controller implements SourceSink {
  private readonly o: ControllerOptions;
  private readonly debouncer: Debouncer;
  private readonly syncedSources = new Set<string>();
  private snapshotValue: Snapshot = emptySnapshot(0);
  private endpoints = new Map<string, Endpoint[]>();
  /** Service key (`ns/name`) → its clusters in the current snapshot: the fast path's lookup. */
  private clustersByService = new Map<string, Cluster[]>();
  private servedValue: readonly string[] = [];
  private gatewayStatusValue: GatewayStatusReport = EMPTY_GATEWAY_STATUS;
  private sourceDiags = new Map<string, readonly Diagnostic[]>();
  /** Each dataplane's own diagnostics from its last apply (ApplyResult). */
  private targetDiags = new Map<string, readonly Diagnostic[]>();
  /** Dataplane name → version of the snapshot it serves (a failed apply keeps the last good one). */
  private readonly servedVersions = new Map<string, number>();
  private translateDiags: readonly Diagnostic[] = [];
  private diagKeys = new Set<string>();
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private version = 0;
  /** Oldest unapplied slow-path event per kind, for portico_config_propagation_seconds. */
  private pendingSince = new Map<Kind, number>();
  private stopped = false;
  private applying: Promise<void> = Promise.resolve();
  private readonly listeners: ControllerListener[] = [];
  /** Objects named by the process configuration (`--default-tls-secret`, the L4 ConfigMaps…). */
  private readonly configuredRefs: ReadonlySet<string>;

  constructor(opts: ControllerOptions) {
    this.o = opts;
    this.debouncer = new Debouncer(() => void this.rebuild(), opts.debounceMs ?? 100, opts.maxDelayMs ?? 1000);
    this.readyPromise = new Promise((r) => (this.resolveReady = r));
    for (const t of opts.targets) this.servedVersions.set(t.name, 0);
    this.configuredRefs = new Set([
      ...Object.values(opts.translateOptions).filter((v): v is string => typeof v === 'string' && v.includes('/')),
      ...(opts.configuredRefs ?? []),
    ]);
  }

  subscribe(l: ControllerListener): void {
    this.listeners.push(l);
  }

  get snapshot(): Snapshot {
    return this.snapshotValue;
  }

  get endpointSet(): ReadonlyMap<string, readonly Endpoint[]> {
    return this.endpoints;
  }

  get served(): readonly string[] {
    return this.servedValue;
  }

  /** Gateway API status of the last applied snapshot (src/status/gateway-status.ts writes it). */
  get gatewayStatus(): GatewayStatusReport {
    return this.gatewayStatusValue;
  }

  /** Ready once every source synced and the first snapshot was applied; stays ready after. */
  isReady(): boolean {
    return this.ready;
  }

  /** Resolves when isReady() first becomes true. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Which snapshot version each dataplane serves (0: none applied yet). */
  servedBy(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.servedVersions);
  }

  /** Each source and whether it has delivered its initial state (dashboard overview). */
  sourceStatus(): { source: string; synced: boolean }[] {
    return this.o.sources.map((source) => ({ source, synced: this.syncedSources.has(source) }));
  }

  diagnostics(): Diagnostic[] {
    const all = [...this.translateDiags];
    for (const d of this.sourceDiags.values()) all.push(...d);
    for (const d of this.targetDiags.values()) all.push(...d);
    return all.sort(compareDiagnostics);
  }

  // ---- SourceSink

  upsert(kind: Kind, obj: KubeObject): void {
    const changed = this.o.store.upsert(kind, obj);
    if (changed) this.changed(kind, objectKey(obj), obj);
  }

  remove(kind: Kind, key: string): void {
    const old = this.o.store.get(kind, key);
    if (this.o.store.remove(kind, key)) this.changed(kind, key, old);
  }

  synced(source: string): void {
    this.syncedSources.add(source);
    this.o.logger.info({ source }, 'source synced');
    // The first snapshot is built as soon as every source has synced, not after the debounce.
    if (this.allSynced() && !this.ready) void this.flush();
  }

  sourceDiagnostics(source: string, diagnostics: readonly Diagnostic[]): void {
    this.sourceDiags.set(source, diagnostics);
    this.publishDiagnostics();
  }

  // ----

  /** Rebuild now (SIGHUP, tests) and wait for the apply. */
  async flush(): Promise<void> {
    this.debouncer.cancel();
    await this.rebuild();
  }

  stop(): void {
    this.stopped = true;
    this.debouncer.cancel();
  }

  private allSynced(): boolean {
    return this.o.sources.every((s) => this.syncedSources.has(s));
  }

  private changed(kind: Kind, key: string, obj: KubeObject | undefined): void {
    if (!this.allSynced()) return; // the first rebuild after sync sees everything
    if (FAST_KINDS.has(kind)) {
      this.fastPath(kind, key, obj);
      return;
    }
    // The store's reverse indexes say whether a Service, Secret or ConfigMap can matter; one that
    // nothing names costs no translate (ARCHITECTURE.md "Store").
    if (!this.o.store.isReferenced(kind, key) && !this.configuredRefs.has(key)) return;
    if (!this.pendingSince.has(kind)) this.pendingSince.set(kind, performance.now());
    this.debouncer.trigger();
  }

  /** EndpointSlice fast path: recompute only the clusters of that Service, no rebuild. */
  private fastPath(kind: Kind, key: string, obj: KubeObject | undefined): void {
    const started = performance.now();
    const svc = kind === 'EndpointSlice'
      ? (obj ? sliceService(obj) : undefined)
      : key; // Endpoints are named like their Service
    if (!svc) return;
    for (const c of this.clustersByService.get(svc) ?? []) this.pushEndpoints(c);
    this.o.metrics.propagation.observe({ kind }, (performance.now() - started) / 1000);
  }

  private pushEndpoints(c: Cluster): void {
    const eps = endpointsForCluster(this.o.store, c);
    const prev = this.endpoints.get(c.id);
    if (prev && isDeepStrictEqual(prev, eps)) return;
    this.endpoints.set(c.id, eps);
    for (const t of this.o.targets) {
      try {
        t.updateEndpoints(c.id, eps);
      } catch (err) {
        this.o.logger.error({ err, target: t.name, cluster: c.id }, 'endpoint update failed');
      }
    }
  }

  private rebuild(): Promise<void> {
    // Serialise applies: a slow target (L4 binding ports) must not interleave two snapshots.
    this.applying = this.applying.then(() => this.doRebuild());
    return this.applying;
  }

  private async doRebuild(): Promise<void> {
    if (this.stopped || !this.allSynced()) return;
    const pending = this.pendingSince;
    this.pendingSince = new Map();
    const version = this.version + 1;
    let result;
    try {
      result = translate(this.o.store, { ...this.o.translateOptions, version, now: new Date().toISOString() });
    } catch (err) {
      // Only programmer errors throw; keep serving and say so loudly.
      this.o.metrics.configReloadErrors.inc();
      this.o.logger.error({ err }, 'translation failed; the last good snapshot keeps serving');
      return;
    }
    const endpoints = translateEndpoints(this.o.store, result.snapshot.clusters);
    for (const t of this.o.targets) await this.applyTo(t, result.snapshot, endpoints);
    this.version = version;
    this.snapshotValue = result.snapshot;
    this.endpoints = endpoints;
    const bySvc = new Map<string, Cluster[]>();
    for (const c of result.snapshot.clusters) {
      const k = nsName(c.namespace, c.service);
      const list = bySvc.get(k);
      if (list) list.push(c);
      else bySvc.set(k, [c]);
    }
    this.clustersByService = bySvc;
    this.servedValue = result.served;
    this.gatewayStatusValue = result.gatewayStatus;
    this.translateDiags = result.diagnostics;
    this.o.metrics.snapshotVersion.set(version);
    this.o.metrics.configReloads.inc();
    const now = performance.now();
    for (const [kind, t] of pending) this.o.metrics.propagation.observe({ kind }, (now - t) / 1000);
    this.publishDiagnostics();
    this.o.logger.info({ version, virtualHosts: result.snapshot.virtualHosts.length, clusters: result.snapshot.clusters.length, served: result.served.length }, 'snapshot applied');
    if (!this.ready) {
      this.ready = true;
      this.o.logger.info('ready');
      this.resolveReady();
    }
    for (const l of this.listeners) l.onApplied?.(result.snapshot, result.served);
  }

  /** One dataplane: its served version moves only when its apply succeeds. */
  private async applyTo(t: Dataplane, snapshot: Snapshot, endpoints: EndpointSet): Promise<void> {
    try {
      const r = await t.apply(snapshot, endpoints);
      this.targetDiags.set(t.name, r.diagnostics);
      this.servedVersions.set(t.name, snapshot.version);
      this.o.metrics.dataplaneSnapshotVersion.set({ dataplane: t.name }, snapshot.version);
    } catch (err) {
      this.o.metrics.configReloadErrors.inc();
      this.o.logger.error({ err, target: t.name, serving: this.servedVersions.get(t.name) }, 'apply failed; that target keeps its previous snapshot');
    }
  }

  private publishDiagnostics(): void {
    const all = this.diagnostics();
    const keys = new Set<string>();
    const added: Diagnostic[] = [];
    for (const d of all) {
      const k = `${refString(d.object)}|${d.reason}|${d.message}`;
      keys.add(k);
      if (!this.diagKeys.has(k)) added.push(d);
    }
    this.diagKeys = keys;
    for (const d of added) {
      // One structured line per rejected object (README "Bad input"), only when it first appears.
      this.o.logger[d.severity === 'error' ? 'error' : 'warn']({ object: refString(d.object), reason: d.reason, origin: d.origin }, d.message);
    }
    let errors = 0;
    for (const d of all) if (d.severity === 'error') errors++;
    this.o.metrics.diagnostics.set({ severity: 'error' }, errors);
    this.o.metrics.diagnostics.set({ severity: 'warning' }, all.length - errors);
    if (added.length > 0 || keys.size !== all.length) for (const l of this.listeners) l.onDiagnostics?.(all, added);
  }
}


