import { NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { objectKey, splitKey } from '../k8s/keys.ts';
import type { Ingress, IngressLoadBalancerIngress } from '../k8s/types.ts';
import type { Logger } from '../util/logger.ts';
import { shortError } from './leader-election.ts';

export interface IngressStatusWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Only the leader writes (README "Run in a cluster"). */
  isLeader: () => boolean;
}

export interface StatusSyncResult {
  written: string[];
  cleared: string[];
  failed: string[];
}

/**
 * Writes `status.loadBalancer.ingress` of the Ingresses Portico serves (SPEC §1.9; README "Run in a cluster"
 * item 5) through the status subresource, with a JSON merge patch: arrays are replaced whole,
 * and no resourceVersion is needed because Portico owns the field outright.
 *
 * Writes only where the current status differs (the Store's Ingress carries the status the
 * watch last reported), so a resync after each snapshot costs no API calls when nothing moved.
 * Clearing: an Ingress that was in the previous `desired` map and is no longer, or one listed in
 * `clear`, gets its status emptied — but only if it still carries exactly what Portico would
 * write, so the address another controller wrote is never removed (SPEC §1.9 "never for
 * Ingresses we do not own"). On the first sync after a (re)start the previous map is unknown, so
 * every unserved Ingress carrying one of Portico's address lists is cleared.
 */
export class IngressStatusWriter {
  private readonly api: NetworkingV1Api;
  private readonly opts: IngressStatusWriterOptions;
  private previous: Set<string> | null = null;
  private running: Promise<StatusSyncResult> | null = null;

  constructor(opts: IngressStatusWriterOptions) {
    this.opts = opts;
    this.api = opts.kubeConfig.makeApiClient(NetworkingV1Api);
  }

  /** Forget what was written (call on becoming leader: another replica may have written since). */
  reset(): void {
    this.previous = null;
  }

  /**
   * Bring every Ingress in `ingresses` in line with `desired` (Ingress key → addresses). Returns
   * what was written. Calls are serialised: a sync started while one runs waits for it.
   */
  async sync(desired: ReadonlyMap<string, readonly IngressLoadBalancerIngress[]>, ingresses: readonly Ingress[],
    opts: { clear?: Iterable<string> } = {}): Promise<StatusSyncResult> {
    const prev = this.running;
    const run = (async () => {
      if (prev) await prev.catch(() => undefined);
      return this.doSync(desired, ingresses, opts.clear);
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  private async doSync(desired: ReadonlyMap<string, readonly IngressLoadBalancerIngress[]>, ingresses: readonly Ingress[],
    clear: Iterable<string> | undefined): Promise<StatusSyncResult> {
    const result: StatusSyncResult = { written: [], cleared: [], failed: [] };
    if (!this.opts.isLeader()) return result;
    const ours = new Set([...desired.values()].map((a) => canonical(a)));
    const release = new Set(clear ?? []);
    for (const k of this.previous ?? []) if (!desired.has(k)) release.add(k);
    for (const ing of ingresses) {
      const key = objectKey(ing);
      const current = ing.status?.loadBalancer?.ingress ?? [];
      const want = desired.get(key);
      if (want) {
        if (canonical(current) === canonical(want)) continue;
        if (await this.patch(key, [...want], result.failed)) result.written.push(key);
      } else if (current.length > 0 && ours.has(canonical(current)) && (this.previous === null || release.has(key))) {
        if (await this.patch(key, null, result.failed)) result.cleared.push(key);
      }
      if (!this.opts.isLeader()) break; // lost the lease mid-way: stop writing at once
    }
    this.previous = new Set(desired.keys());
    if (result.written.length || result.cleared.length || result.failed.length) {
      this.opts.logger.info({ written: result.written.length, cleared: result.cleared.length, failed: result.failed }, 'ingress status updated');
    }
    return result;
  }

  private async patch(key: string, addresses: IngressLoadBalancerIngress[] | null, failed: string[]): Promise<boolean> {
    const { namespace, name } = splitKey(key);
    try {
      await this.api.patchNamespacedIngressStatus({ name, namespace, body: { status: { loadBalancer: { ingress: addresses } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      return true;
    } catch (err) {
      // 404: deleted meanwhile; the watch will drop it. Anything else is retried on the next sync.
      if ((err as { code?: number }).code === 404) return false;
      failed.push(key);
      this.opts.logger.warn({ ingress: key, err: shortError(err) }, 'could not write Ingress status');
      return false;
    }
  }
}

/** Order-insensitive comparison key of an address list. */
function canonical(list: readonly IngressLoadBalancerIngress[]): string {
  return JSON.stringify(list.map((a) => [a.ip ?? '', a.hostname ?? '', JSON.stringify(a.ports ?? [])]).sort());
}
