import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer, type LoadListener, type LoadWatch, type PickContext } from './balancer.ts';
import { LoadIndex } from './load-index.ts';

export type LeastLoadPolicy = 'least-connections' | 'weighted-least-connections' | 'shortest-expected-delay' | 'never-queue';

/**
 * lc, wlc, sed and nq in O(1) per pick and O(log n) per in-flight change: the same choices as
 * the scans (least-connections.ts, weighted-least-connections.ts, shortest-expected-delay.ts,
 * never-queue.ts, which stay as the definition and the test oracle), from a LoadIndex kept up
 * to date by the load feed (`LoadWatch`: the endpoint state announces every begin and end of an
 * attempt or flow). Excluded ids are taken out of the index for the pick and put back: O(k log n)
 * for k excluded. The list is re-indexed (O(n)) only when the endpoint list itself changes.
 *  - lc: least count, ties to the first at or after a rotating start (as the scan);
 *  - wlc: least C/W, sed: least (C+1)/W, first of equals, weight 0 skipped (ip_vs_wlc.c, ip_vs_sed.c);
 *  - nq: the first idle endpoint in list order (weight > 0), else sed (ip_vs_nq.c).
 */
export class IndexedLeastLoadBalancer implements Balancer, LoadListener {
  readonly policy: LeastLoadPolicy;
  private readonly inflight: (id: string) => number;
  private readonly watch: LoadWatch;
  private readonly index: LoadIndex;
  private endpoints: readonly Endpoint[] = [];
  /** First position of an id, and the next position with the same id (-1 = none): lists may repeat an id. */
  private first = new Map<string, number>();
  private next = new Int32Array(0);
  /** lc's rotating start. */
  private start = 0;

  constructor(policy: LeastLoadPolicy, inflight: (id: string) => number, watch: LoadWatch) {
    this.policy = policy;
    this.inflight = inflight;
    this.watch = watch;
    const lc = policy === 'least-connections';
    this.index = new LoadIndex({ ratio: !lc, offset: policy === 'weighted-least-connections' ? 0 : 1, skipZeroWeight: !lc });
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    const n = endpoints.length;
    const first = new Map<string, number>();
    const next = new Int32Array(n).fill(-1);
    const counts = new Float64Array(n);
    const weights = new Float64Array(n);
    const last = new Map<string, number>();
    for (let p = 0; p < n; p++) {
      const e = endpoints[p];
      const prev = last.get(e.id);
      if (prev === undefined) first.set(e.id, p);
      else next[prev] = p;
      last.set(e.id, p);
      counts[p] = this.inflight(e.id);
      weights[p] = weightOf(e);
    }
    for (const id of this.first.keys()) if (!first.has(id)) this.watch.unwatch(id, this);
    for (const id of first.keys()) if (!this.first.has(id)) this.watch.watch(id, this);
    this.endpoints = endpoints;
    this.first = first;
    this.next = next;
    this.index.reset(counts, weights);
    if (this.start >= n) this.start = 0;
  }

  loadChanged(endpointId: string): void {
    let p = this.first.get(endpointId);
    if (p === undefined) return;
    const c = this.inflight(endpointId);
    for (; p >= 0; p = this.next[p]) this.index.setCount(p, c);
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const ex = exclude !== undefined && exclude !== null && exclude.size > 0 ? exclude : null;
    if (ex !== null) this.setLive(ex, false);
    const p = this.choose();
    if (ex !== null) this.setLive(ex, true);
    if (p < 0) return null;
    if (this.policy === 'least-connections') this.start = p + 1 === this.endpoints.length ? 0 : p + 1;
    return this.endpoints[p];
  }

  /** Stop listening to the load feed (the balancer is dropped). */
  dispose(): void {
    for (const id of this.first.keys()) this.watch.unwatch(id, this);
    this.first = new Map();
  }

  private choose(): number {
    const ix = this.index;
    switch (this.policy) {
      case 'least-connections': {
        const least = ix.leastCount();
        if (least < 0) return -1;
        // The scan keeps the first strict minimum met from `start` on, wrapping around.
        const p = ix.firstAtMost(this.start, ix.countAt(least));
        return p >= 0 ? p : least;
      }
      case 'never-queue': {
        const least = ix.leastCount();
        if (least >= 0 && ix.countAt(least) === 0) return least;
        return ix.leastRatio();
      }
      default:
        return ix.leastRatio();
    }
  }

  private setLive(ids: ReadonlySet<string>, live: boolean): void {
    for (const id of ids) {
      let p = this.first.get(id);
      if (p === undefined) continue;
      for (; p >= 0; p = this.next[p]) this.index.setLive(p, live);
    }
  }
}
