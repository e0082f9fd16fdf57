import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';
import { capacity, MAX_PROBES, overloaded, type LoadProbe } from './bounded-load.ts';
import { hashString, rehash } from './hash.ts';
import { indexFrom } from './random.ts';

/** Table sizes: primes, the smallest one ≥ 100·n is used (Maglev paper §3.4: M ≫ N). */
const PRIMES = [65537, 131071, 262139, 524287, 1048573];

/**
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
 * NSDI 2016, §3.4; ipvs `mh`): every endpoint has a preference permutation of the M table slots
 * (offset, skip from two hashes of its id); endpoints take turns claiming their next preferred
 * free slot until the table is full. A pick is one table lookup (O(1)); adding or removing one
 * endpoint disturbs little more than its own share of slots. Excluded endpoints: the key is
 * re-hashed, then (all draws excluded) scanned. With a load source the pick is bounded-load.
 */
export class MaglevBalancer implements Balancer {
  readonly policy = 'maglev' as const;
  private endpoints: readonly Endpoint[] = [];
  private table = new Uint32Array(0);
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
    if (n === 0) {
      this.table = new Uint32Array(0);
      return;
    }
    const m = PRIMES.find((p) => p >= 100 * n) ?? PRIMES[PRIMES.length - 1];
    const offset = new Uint32Array(n);
    const skip = new Uint32Array(n);
    const next = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const id = endpoints[i].id;
      offset[i] = hashString(`${id}#offset`) % m;
      skip[i] = (hashString(`${id}#skip`) % (m - 1)) + 1;
    }
    const table = new Uint32Array(m).fill(0xffffffff);
    let filled = 0;
    for (;;) {
      for (let i = 0; i < n; i++) {
        let c = (offset[i] + next[i] * skip[i]) % m;
        while (table[c] !== 0xffffffff) {
          next[i]++;
          c = (offset[i] + next[i] * skip[i]) % m;
        }
        table[c] = i;
        next[i]++;
        if (++filled === m) {
          this.table = table;
          return;
        }
      }
    }
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    return this.pickHash(hashString(ctx.key || ctx.clientIp), exclude);
  }

  pickHash(h: number, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return null;
    const first = this.lookup(h, exclude);
    if (first === null || this.load === null || n === 1) return first;
    const cap = capacity(this.load, n);
    if (!overloaded(this.load, first, cap)) return first;
    let best = first;
    for (let k = 1; k <= MAX_PROBES; k++) {
      const e = this.lookup(rehash(h, k), exclude);
      if (e === null) break;
      if (!overloaded(this.load, e, cap)) return e;
      if (this.load.inflight(e.id) < this.load.inflight(best.id)) best = e;
    }
    return best;
  }

  private lookup(h: number, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const t = this.table;
    const e = eps[t[h % t.length]];
    if (!exclude || !exclude.has(e.id)) return e;
    for (let k = 1; k <= MAX_PROBES; k++) {
      const o = eps[t[rehash(h, k) % t.length]];
      if (!exclude.has(o.id)) return o;
    }
    const i = indexFrom(eps, t[h % t.length], exclude);
    return i < 0 ? null : eps[i];
  }
}
