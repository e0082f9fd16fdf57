import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSIONS, isKind } from '../k8s/types.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Logger } from '../util/logger.ts';
import { shortError } from './leader-election.ts';

export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** reportingInstance: the replica identity. */
  instance: string;
  /** Only one replica reports (else every replica repeats every Event). Default: always. */
  isLeader?: () => boolean;
  /** UID of the involved object, when known (links the Event in `kubectl describe`). */
  lookupUid?: (kind: string, namespace: string, name: string) => string | undefined;
  /** Same object + reason at most once per this interval. Default 5 min. */
  perObjectIntervalMs?: number;
  /** Global token bucket: burst and refill rate. Defaults 25 and 0.5/s. */
  burst?: number;
  refillPerSecond?: number;
  /** Where Events of cluster-scoped objects (IngressClass) go. Default 'default'. */
  clusterScopedNamespace?: string;
  now?: () => number;
}

const COMPONENT = 'portico';
const MAX_MESSAGE = 1024;

/**
 * Diagnostics reach the owners of the objects as Kubernetes Events (README "Run in a cluster"): type
 * Warning, the Diagnostic's reason and message, on the object it is attached to. Rate-limited
 * twice, as client-go's EventCorrelator does: the same object+reason is reported at most once per
 * `perObjectIntervalMs` (translation repeats every diagnostic on every rebuild), and a global
 * token bucket caps bursts (a bad bulk apply must not flood the API server). `record` never
 * throws and never waits: Events are best effort.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly opts: EventRecorderOptions;
  private readonly lastSent = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;
  readonly stats = { sent: 0, suppressed: 0, rateLimited: 0, failed: 0 };

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
    this.api = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst ?? 25;
    this.refilledAt = this.now();
  }

  recordAll(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.record(d);
  }

  /** Report one Diagnostic; returns whether an Event is being created. */
  record(d: Diagnostic): boolean {
    if (this.opts.isLeader && !this.opts.isLeader()) return false;
    if (!d.object.name || d.object.name === '*') return false; // not about one object (e.g. a denied kind)
    const now = this.now();
    const key = `${d.object.kind}/${d.object.namespace}/${d.object.name}/${d.reason}`;
    const last = this.lastSent.get(key);
    if (last !== undefined && now - last < (this.opts.perObjectIntervalMs ?? 300_000)) {
      this.stats.suppressed++;
      return false;
    }
    if (!this.takeToken(now)) {
      this.stats.rateLimited++;
      return false;
    }
    this.lastSent.set(key, now);
    if (this.lastSent.size > 10_000) this.prune(now);
    const p = this.create(d, now).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return true;
  }

  /** Wait for the Events being created (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private takeToken(now: number): boolean {
    const burst = this.opts.burst ?? 25;
    const rate = this.opts.refillPerSecond ?? 0.5;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    const interval = this.opts.perObjectIntervalMs ?? 300_000;
    for (const [k, t] of this.lastSent) if (now - t >= interval) this.lastSent.delete(k);
  }

  private async create(d: Diagnostic, now: number): Promise<void> {
    const { kind, name } = d.object;
    const namespace = d.object.namespace || this.opts.clusterScopedNamespace || 'default';
    const uid = this.opts.lookupUid?.(kind, d.object.namespace, name);
    const time = new Date(now);
    const message = d.message.length > MAX_MESSAGE ? `${d.message.slice(0, MAX_MESSAGE - 3)}...` : d.message;
    try {
      await this.api.createNamespacedEvent({ namespace, body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: {
          kind, name,
          ...(d.object.namespace ? { namespace: d.object.namespace } : {}),
          ...(isKind(kind) ? { apiVersion: API_VERSIONS[kind] } : {}),
          ...(uid ? { uid } : {}),
        },
        type: 'Warning',
        reason: d.reason,
        message,
        source: { component: COMPONENT },
        reportingComponent: 'portico.io/ingress-controller',
        reportingInstance: this.opts.instance,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      } });
      this.stats.sent++;
    } catch (err) {
      this.stats.failed++;
      this.opts.logger.warn({ object: `${kind} ${d.object.namespace}/${name}`, reason: d.reason, err: shortError(err) }, 'could not create Event');
    }
  }
}
