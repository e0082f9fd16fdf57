import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type PickContext } from './balancer.ts';
import { ShortestExpectedDelayBalancer } from './shortest-expected-delay.ts';

/**
 * ipvs `nq` (ipvsadm(8): "if there is an idle server, the job is sent to it … if there is no
 * idle server, the shortest expected delay"; net/netfilter/ipvs/ip_vs_nq.c): the first endpoint
 * with no active connection (list order, weight > 0) wins at once, otherwise sed. O(n) per pick.
 */
export class NeverQueueBalancer extends ShortestExpectedDelayBalancer {
  override readonly policy = 'never-queue' as const;

  override pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    for (let i = 0; i < eps.length; i++) {
      const e = eps[i];
      if (weightOf(e) > 0 && (!exclude || !exclude.has(e.id)) && this.inflight(e.id) === 0) return e;
    }
    return super.pick(ctx, exclude);
  }
}
