import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';
import { capacity, MAX_PROBES, overloaded, type LoadProbe } from './bounded-load.ts';
import { hashString, rehash } from './hash.ts';

/** Points per endpoint on the ring; fewer when the ring would exceed MAX_POINTS. */
const POINTS_PER_ENDPOINT = 160;
const MAX_POINTS = 1 << 17;

/**
 * Ketama-style consistent hash ring (Karger et al., STOC 1997; ingress-nginx `upstream-hash-by`
 * uses resty.chash, the same construction): every endpoint owns POINTS_PER_ENDPOINT points at
 * hash(`id#i`), a key goes to the first point at or after hash(key). Adding or removing one of N
 * endpoints moves only the keys of the ring arcs it gains or loses, ≈ 1/N of them (tested with
 * 10,000 keys). O(log points) per pick (binary search); excluded endpoints are passed clockwise.
 * With a load source the pick is bounded-load (bounded-load.ts).
 */
export class RingHashBalancer implements Balancer {
  readonly policy = 'ring-hash' as const;
  private endpoints: readonly Endpoint[] = [];
  private hashes = new Uint32Array(0);
  private owners = new Uint32Array(0);
  private readonly load: LoadProbe | null;

  constructor(load: LoadProbe | null = null) {
    this.load = load;
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    const n = endpoints.length;
    const per = n === 0 ? 0 : Math.max(1, Math.min(POINTS_PER_ENDPOINT, Math.floor(MAX_POINTS / n)));
    // (hash · 2^20 + owner) packed in a double (exact below 2^53) so one native numeric sort
    // orders the ring; ties (rare 32-bit collisions) go by owner index, i.e. by endpoint id since
    // endpoint lists are sorted by id, so every process builds the same ring.
    const packed = new Float64Array(n * per);
    let k = 0;
    for (let o = 0; o < n; o++) {
      const id = endpoints[o].id;
      for (let i = 0; i < per; i++) packed[k++] = hashString(`${id}#${i}`) * 1048576 + o;
    }
    packed.sort();
    const hashes = new Uint32Array(packed.length);
    const owners = new Uint32Array(packed.length);
    for (let i = 0; i < packed.length; i++) {
      const v = packed[i];
      const h = Math.floor(v / 1048576);
      hashes[i] = h;
      owners[i] = v - h * 1048576;
    }
    this.hashes = hashes;
    this.owners = owners;
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    return this.pickHash(hashString(ctx.key || ctx.clientIp), exclude);
  }

  pickHash(h: number, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const n = this.endpoints.length;
    if (n === 0) return null;
    const first = this.walk(this.find(h), exclude);
    if (first === null || this.load === null || n === 1) return first;
    const cap = capacity(this.load, n);
    if (!overloaded(this.load, first, cap)) return first;
    let best = first;
    for (let k = 1; k <= MAX_PROBES; k++) {
      const e = this.walk(this.find(rehash(h, k)), exclude);
      if (e === null) break;
      if (!overloaded(this.load, e, cap)) return e;
      if (this.load.inflight(e.id) < this.load.inflight(best.id)) best = e;
    }
    return best;
  }

  /** Index of the first point with hash ≥ h (wrapping to 0). */
  private find(h: number): number {
    const a = this.hashes;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === a.length ? 0 : lo;
  }

  /** The owner of point i, or of the next point clockwise whose owner is not excluded. */
  private walk(i: number, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const owners = this.owners;
    if (!exclude || exclude.size === 0) return eps[owners[i]];
    const m = owners.length;
    for (let k = 0; k < m; k++) {
      const e = eps[owners[i + k < m ? i + k : i + k - m]];
      if (!exclude.has(e.id)) return e;
    }
    return null;
  }
}
