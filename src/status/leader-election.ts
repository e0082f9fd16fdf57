import { EventEmitter } from 'node:events';
import os from 'node:os';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../util/logger.ts';

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  /** Namespace of the Lease (Portico's own namespace). */
  namespace: string;
  /** Lease name, e.g. `portico-leader`. */
  leaseName: string;
  /** Default: $POD_NAME, else hostname, plus `_<pid>`. */
  identity?: string;
  logger: Logger;
  /** client-go defaults: 15 s lease, 10 s renew deadline, 2 s retry period. */
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Default identity: unique per replica and per process (client-go uses the pod name + a uuid). */
export function defaultIdentity(): string {
  return `${process.env.POD_NAME || os.hostname()}_${process.pid}`;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, the client-go algorithm (README "Run in a cluster"):
 * every replica serves traffic, only the leader writes Ingress status and Events.
 *
 * - Follower: every retryPeriod read the Lease; take it when it is free (no holder) or when its
 *   record has not changed for leaseDurationSeconds *as observed on our own clock* (client-go does
 *   the same, so clock skew between nodes does not matter). Updates carry the resourceVersion that
 *   was read: two candidates racing get one success and one 409 Conflict.
 * - Leader: renew every retryPeriod; if no renewal succeeded for renewDeadline, stop leading
 *   (before the lease can expire for the others, since renewDeadline < leaseDuration).
 * - stop(): release by clearing the holder, so a successor need not wait out the lease.
 *
 * Emits 'leading' and 'stopped leading'.
 */
export class LeaderElector extends EventEmitter {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly opts: LeaderElectorOptions;
  private readonly leaseDuration: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private observedRv = '';
  private observedAt = 0;
  private lastRenew = 0;

  constructor(opts: LeaderElectorOptions) {
    super();
    this.opts = opts;
    this.identity = opts.identity ?? defaultIdentity();
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDuration = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stop campaigning; release the Lease when holding it. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.loop;
    if (this.leading) {
      try {
        const lease = await this.api.readNamespacedLease({ name: this.opts.leaseName, namespace: this.opts.namespace });
        if (lease.spec?.holderIdentity === this.identity) {
          const now = new Date();
          await this.api.replaceNamespacedLease({ name: this.opts.leaseName, namespace: this.opts.namespace,
            body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } } });
        }
      } catch (err) {
        this.opts.logger.warn({ lease: this.leaseRef(), err: shortError(err) }, 'could not release the leader lease');
      }
      this.setLeading(false);
    }
  }

  private tick(): void {
    this.loop = this.attempt().finally(() => {
      if (this.running) this.timer = setTimeout(() => this.tick(), this.retryPeriodMs);
    });
  }

  private async attempt(): Promise<void> {
    const ok = await this.tryAcquireOrRenew().catch((err) => {
      this.opts.logger.debug({ lease: this.leaseRef(), err: shortError(err) }, 'leader election attempt failed');
      return false;
    });
    if (!this.running) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      this.setLeading(true);
    } else if (this.leading && now - this.lastRenew >= this.renewDeadlineMs) {
      this.opts.logger.warn({ lease: this.leaseRef() }, 'leader lease not renewed within the renew deadline');
      this.setLeading(false);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name } = this.opts;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      await this.api.createNamespacedLease({ namespace, body: {
        metadata: { name, namespace },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: this.leaseDuration, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      } });
      return true;
    }
    const spec = lease.spec ?? {};
    const rv = lease.metadata?.resourceVersion ?? '';
    if (rv !== this.observedRv) {
      this.observedRv = rv;
      this.observedAt = Date.now();
    }
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? this.leaseDuration) * 1000;
    if (holder && holder !== this.identity && this.observedAt + duration > Date.now()) return false;
    const taking = holder !== this.identity;
    await this.api.replaceNamespacedLease({ name, namespace, body: {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.leaseDuration,
        renewTime: now,
        acquireTime: taking ? now : spec.acquireTime,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder ? 1 : 0),
      },
    } });
    return true;
  }

  private setLeading(v: boolean): void {
    if (this.leading === v) return;
    this.leading = v;
    this.opts.logger.info({ lease: this.leaseRef(), identity: this.identity }, v ? 'became leader' : 'stopped leading');
    this.emit(v ? 'leading' : 'stopped leading');
  }

  private leaseRef(): string {
    return `${this.opts.namespace}/${this.opts.leaseName}`;
  }
}

/** ApiException messages embed every header; keep the code and the server's message. */
export function shortError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* keep the string */
    }
  }
  const msg = typeof (body as { message?: unknown })?.message === 'string' ? (body as { message: string }).message
    : typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return typeof e?.code === 'number' ? `${e.code}: ${msg}` : msg;
}
