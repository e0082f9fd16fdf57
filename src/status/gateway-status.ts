import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { splitKey } from '../k8s/keys.ts';
import type { IngressLoadBalancerIngress, Kind, KubeObject } from '../k8s/types.ts';
import type { GatewayStatusReport } from '../translate/gateway/status-report.ts';
import type { Logger } from '../util/logger.ts';
import { canonicalJson, gatewayClassStatus, gatewayStatus, policyStatus, routeStatus, type GatewayAddress } from './gateway-status-merge.ts';
import { shortError } from './leader-election.ts';
import { plainEqual } from '../util/plain-equal.ts';

export interface GatewayStatusWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** Only the leader writes (README "Run in a cluster"). */
  readonly isLeader: () => boolean;
  /** --gateway-controller-name: route status.parents[].controllerName. */
  readonly controllerName: string;
  /** The object as the watch last delivered it (its status included). */
  readonly lookup: (kind: Kind, key: string) => KubeObject | undefined;
  /** Clock for lastTransitionTime (tests pin it). */
  readonly now?: () => Date;
}

const PLURALS: Partial<Record<Kind, string>> = { GatewayClass: 'gatewayclasses', Gateway: 'gateways', HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TCPRoute: 'tcproutes', UDPRoute: 'udproutes', TLSRoute: 'tlsroutes', BackendTLSPolicy: 'backendtlspolicies' };

/**
 * Writes the status of Portico's GatewayClasses, Gateways and routes (README "Gateway API"
 * "Status") through their status subresources with JSON merge patches, only where the merged
 * status differs from what the object carries, so a resync without changes makes no API calls.
 * Statuses are merged (gateway-status-merge.ts), never overwritten: other controllers' route
 * parents and condition types stay. Routes are patched with their resourceVersion: a concurrent
 * writer makes the patch fail with 409 and the next sync merges again.
 */
export class GatewayStatusWriter {
  private readonly o: GatewayStatusWriterOptions;
  private readonly api: CustomObjectsApi;
  /** kind/key → the resourceVersion a status was written over, so a write the watch has not echoed yet is not repeated. */
  private readonly lastWritten = new Map<string, string>();
  private running: Promise<unknown> | null = null;

  constructor(o: GatewayStatusWriterOptions) {
    this.o = o;
    this.api = o.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Forget what was written (a new leader: another replica may have written since). */
  reset(): void {
    this.lastWritten.clear();
    this.settled = new WeakMap();
  }

  async sync(report: GatewayStatusReport, addresses: readonly IngressLoadBalancerIngress[] | null): Promise<{ written: string[]; failed: string[] }> {
    const prev = this.running;
    const run = (async () => {
      if (prev) await prev.catch(() => undefined);
      return this.doSync(report, addresses);
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  /**
   * canonicalJson of an object's status as the store holds it, by identity: a watch event replaces
   * the object (the store never changes one in place), so every sync after a change compares each
   * of thousands of routes against a cached string instead of serialising its status again.
   */
  private readonly statusJson = new WeakMap<object, string>();

  /**
   * Object (by identity, as the store holds it) → the report entry its status was last found to
   * match. The same entry against the same object merges to the same status again — `now` enters
   * only a condition whose status changes, and then the two differ — so the next sync skips it
   * without building and serialising it: 5,000 routes at every rebuild made this the largest
   * source of garbage (docs/benchmarks/cluster.md "Gateway API").
   */
  private settled = new WeakMap<object, unknown>();

  private currentJson(current: Record<string, unknown> | undefined): string {
    if (current === undefined) return '{}';
    let s = this.statusJson.get(current);
    if (s === undefined) this.statusJson.set(current, (s = canonicalJson(current)));
    return s;
  }

  private async doSync(report: GatewayStatusReport, lb: readonly IngressLoadBalancerIngress[] | null): Promise<{ written: string[]; failed: string[] }> {
    const result = { written: [] as string[], failed: [] as string[] };
    if (!this.o.isLeader()) return result;
    const now = (this.o.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const addresses = lb === null ? null : toGatewayAddresses(lb);
    // `desired`: everything `next` reads besides the object's current status (settled below).
    const jobs: { kind: Kind; key: string; desired: unknown; next: (cur: Record<string, unknown> | undefined, obj: KubeObject) => Record<string, unknown>; withVersion: boolean }[] = [
      ...report.classes.map((c) => ({ kind: 'GatewayClass' as const, key: c.name, withVersion: false, desired: c,
        next: (cur: Record<string, unknown> | undefined) => gatewayClassStatus(cur, c.conditions, c.generation, now) })),
      ...report.gateways.map((g) => ({ kind: 'Gateway' as const, key: g.key, withVersion: false, desired: [g, addresses],
        next: (cur: Record<string, unknown> | undefined) => gatewayStatus(cur, g, addresses, now) })),
      ...report.routes.map((r) => ({ kind: r.kind, key: r.key, withVersion: true, desired: r,
        next: (cur: Record<string, unknown> | undefined) => routeStatus(cur, r.parents, this.o.controllerName, r.generation, now) })),
      ...(report.policies ?? []).map((p) => ({ kind: p.kind, key: p.key, withVersion: true, desired: p,
        next: (cur: Record<string, unknown> | undefined) => policyStatus(cur, p.ancestors, this.o.controllerName, p.generation, now) })),
    ];
    for (const j of jobs) {
      if (!this.o.isLeader()) break; // lost the lease mid-way: stop writing at once
      const obj = this.o.lookup(j.kind, j.key);
      if (!obj) continue; // a file-mode object or deleted meanwhile
      const settled = this.settled.get(obj);
      if (settled !== undefined && plainEqual(settled, j.desired)) continue;
      const current = (obj as { status?: Record<string, unknown> }).status;
      const next = j.next(current, obj);
      const fp = canonicalJson(next);
      if (fp === this.currentJson(current)) {
        this.settled.set(obj, j.desired);
        continue;
      }
      const id = `${j.kind}/${j.key}`;
      const rv = obj.metadata?.resourceVersion ?? '';
      // Written at this resourceVersion and the watch has not brought the result back yet: the
      // comparison would be against the old status (and a new lastTransitionTime), so wait for it.
      if (this.lastWritten.get(id) === rv) continue;
      if (await this.patch(j.kind, j.key, obj, next, j.withVersion)) {
        this.lastWritten.set(id, rv);
        result.written.push(id);
      } else result.failed.push(id);
    }
    if (result.written.length || result.failed.length) this.o.logger.info(result, 'gateway api status updated');
    return result;
  }

  private async patch(kind: Kind, key: string, obj: KubeObject, status: Record<string, unknown>, withVersion: boolean): Promise<boolean> {
    const [group, version] = (obj.apiVersion ?? 'gateway.networking.k8s.io/v1').split('/');
    const plural = PLURALS[kind]!;
    const body = { ...(withVersion && obj.metadata?.resourceVersion ? { metadata: { resourceVersion: obj.metadata.resourceVersion } } : {}), status };
    const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    try {
      if (kind === 'GatewayClass') await this.api.patchClusterCustomObjectStatus({ group, version, plural, name: key, body }, opts);
      else {
        const { namespace, name } = splitKey(key);
        await this.api.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body }, opts);
      }
      return true;
    } catch (err) {
      // 404: deleted meanwhile; 409: changed meanwhile. Both are retried on the next sync.
      const code = (err as { code?: number }).code;
      if (code !== 404 && code !== 409) this.o.logger.warn({ kind, key, err: shortError(err) }, 'could not write Gateway API status');
      return false;
    }
  }
}

/** --publish-service/--publish-address as Gateway status.addresses (gateway_types.go GatewayStatusAddress). */
export function toGatewayAddresses(lb: readonly IngressLoadBalancerIngress[]): GatewayAddress[] {
  const out: GatewayAddress[] = [];
  for (const a of lb) {
    if (a.ip) out.push({ type: 'IPAddress', value: a.ip });
    else if (a.hostname) out.push({ type: 'Hostname', value: a.hostname });
  }
  return out;
}
