import type { KubeConfig } from '@kubernetes/client-node';
import type { Ingress } from '../k8s/types.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Logger } from '../util/logger.ts';
import { EventRecorder } from './events.ts';
import { IngressStatusWriter } from './ingress-status.ts';
import { LeaderElector, defaultIdentity, shortError } from './leader-election.ts';
import { PublishAddressResolver } from './publish-address.ts';
import { GatewayStatusWriter } from './gateway-status.ts';
import type { GatewayStatusReport } from '../translate/gateway/status-report.ts';
import type { Kind, KubeObject } from '../k8s/types.ts';

export interface StatusControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** Namespace of the Lease: Portico's own ($POD_NAMESPACE). */
  readonly namespace: string;
  readonly leaseName: string;
  readonly publishService: string | null;
  readonly publishAddresses: readonly string[];
  /** Ingress keys Portico serves now, and every Ingress it knows (with the status last seen). */
  readonly served: () => readonly string[];
  readonly ingresses: () => readonly Ingress[];
  /** The diagnostics outstanding now: a new leader reports them (Events are leader-only). */
  readonly diagnostics?: () => readonly Diagnostic[];
  /** Gateway API status (README "Gateway API" "Status"): what to write, and the objects as watched. */
  readonly gateway?: {
    readonly controllerName: string;
    readonly report: () => GatewayStatusReport;
    readonly lookup: (kind: Kind, key: string) => KubeObject | undefined;
    /** False until the first snapshot built from a complete initial sync: status from a partial view would be wrong. */
    readonly ready: () => boolean;
  };
  /** How often status is re-checked even without a new snapshot (publish Service addresses move). */
  readonly resyncMs?: number;
  readonly identity?: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/**
 * Everything cluster mode writes back to the API (README "Run in a cluster"): Ingress status and
 * Warning Events, both only from the elected leader, while every replica serves traffic.
 */
export class StatusController {
  private readonly o: StatusControllerOptions;
  readonly elector: LeaderElector;
  private readonly writer: IngressStatusWriter;
  private readonly resolver: PublishAddressResolver;
  private readonly events: EventRecorder;
  private readonly gatewayWriter: GatewayStatusWriter | null;
  private timer: NodeJS.Timeout | null = null;
  private pending: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(o: StatusControllerOptions) {
    this.o = o;
    const identity = o.identity ?? defaultIdentity();
    this.elector = new LeaderElector({
      kubeConfig: o.kubeConfig, namespace: o.namespace, leaseName: o.leaseName, identity, logger: o.logger,
      ...(o.leaseDurationSeconds ? { leaseDurationSeconds: o.leaseDurationSeconds } : {}),
      ...(o.renewDeadlineMs ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
      ...(o.retryPeriodMs ? { retryPeriodMs: o.retryPeriodMs } : {}),
    });
    const isLeader = () => this.elector.isLeader;
    this.writer = new IngressStatusWriter({ kubeConfig: o.kubeConfig, logger: o.logger, isLeader });
    this.resolver = new PublishAddressResolver({ kubeConfig: o.kubeConfig, publishService: o.publishService, publishAddresses: o.publishAddresses, logger: o.logger });
    this.gatewayWriter = o.gateway
      ? new GatewayStatusWriter({ kubeConfig: o.kubeConfig, logger: o.logger, isLeader, controllerName: o.gateway.controllerName, lookup: o.gateway.lookup })
      : null;
    this.events = new EventRecorder({ kubeConfig: o.kubeConfig, logger: o.logger, instance: identity, isLeader });
    this.elector.on('leading', () => {
      o.logger.info({ identity }, 'leading: writing Ingress status');
      this.writer.reset();
      this.gatewayWriter?.reset();
      this.schedule(0);
      // Diagnostics published before this replica led were dropped by the recorder; report what is
      // outstanding now (the recorder's per-object interval keeps a re-elected leader from repeating).
      if (o.diagnostics) this.events.recordAll(o.diagnostics());
    });
    this.elector.on('stopped leading', () => o.logger.info({ identity }, 'no longer leading'));
  }

  start(): void {
    this.elector.start();
    this.timer = setInterval(() => this.schedule(0), this.o.resyncMs ?? 30_000);
    this.timer.unref();
  }

  /** After every applied snapshot. */
  onApplied(): void {
    this.schedule(200);
  }

  /** New diagnostics become Warning Events on their objects (rate-limited by the recorder). */
  onDiagnostics(added: readonly Diagnostic[]): void {
    this.events.recordAll(added);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    await this.events.flush().catch(() => undefined);
    await this.elector.stop();
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      void this.sync();
    }, delayMs);
  }

  private async sync(): Promise<void> {
    if (this.stopped || !this.elector.isLeader) return;
    try {
      const addresses = await this.resolver.resolve();
      // Gateway API status is written with or without addresses (null: leave status.addresses as is).
      if (this.gatewayWriter && this.o.gateway?.ready()) await this.gatewayWriter.sync(this.o.gateway.report(), addresses);
      if (addresses === null) return; // API error: leave status as it is
      // Nothing to publish (no --publish-service/--publish-address): write nothing rather than
      // empty lists, which would look like "accepted, no address".
      if (addresses.length === 0) return;
      const desired = new Map(this.o.served().map((k) => [k, addresses] as const));
      const r = await this.writer.sync(desired, this.o.ingresses());
      if (r.written.length || r.cleared.length || r.failed.length) this.o.logger.info(r, 'ingress status synced');
    } catch (err) {
      this.o.logger.warn({ err: shortError(err) }, 'ingress status sync failed');
    }
  }
}
