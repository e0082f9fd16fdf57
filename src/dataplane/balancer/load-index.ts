// A tournament tree over the positions of an endpoint list, keyed on each position's in-flight
// count and weight, so the ipvs least-load schedulers pick in O(1) and re-key in O(log n) instead
// of scanning every endpoint (docs/benchmarks/balancer.md). Every internal node holds the winner
// of its range; ties go to the lower position, which is exactly the scan's "first of equals"
// (ip_vs_wlc.c / ip_vs_sed.c replace the best only on a strictly smaller overhead, and
// ip_vs_lc.c's Portico variant only on a strictly smaller count).

/** What the index answers: the least-count position, and the least (count + offset) / weight one. */
export interface LoadIndexOptions {
  /** Maintain the (count + offset) / weight winner (wlc offset 0, sed/nq offset 1). */
  readonly ratio: boolean;
  readonly offset: number;
  /** Positions of weight ≤ 0 take no part (wlc/sed/nq skip them; lc ignores weights). */
  readonly skipZeroWeight: boolean;
}

export class LoadIndex {
  private readonly opts: LoadIndexOptions;
  private n = 0;
  private size = 1;
  private count = new Float64Array(0);
  private weight = new Float64Array(0);
  /** 1 = takes part; 0 = weight 0 or temporarily excluded for one pick. */
  private live = new Uint8Array(0);
  /** Winner position per tree node (1 = root, leaves at size + p), -1 = none in range. */
  private minWin = new Int32Array(2);
  private ratioWin = new Int32Array(2);

  constructor(opts: LoadIndexOptions) {
    this.opts = opts;
    this.minWin.fill(-1);
    this.ratioWin.fill(-1);
  }

  get length(): number {
    return this.n;
  }

  /** New list: O(n) rebuild. */
  reset(counts: ArrayLike<number>, weights: ArrayLike<number>): void {
    const n = counts.length;
    let size = 1;
    while (size < n) size <<= 1;
    this.n = n;
    this.size = size;
    this.count = Float64Array.from(counts);
    this.weight = Float64Array.from(weights);
    this.live = new Uint8Array(n);
    for (let p = 0; p < n; p++) this.live[p] = this.opts.skipZeroWeight && !(weights[p] > 0) ? 0 : 1;
    this.minWin = new Int32Array(2 * size).fill(-1);
    this.ratioWin = new Int32Array(2 * size).fill(-1);
    for (let p = 0; p < n; p++) if (this.live[p] === 1) this.setLeaf(p);
    for (let i = size - 1; i >= 1; i--) this.combine(i);
  }

  /** A position's count changed: O(log n). */
  setCount(p: number, c: number): void {
    if (this.count[p] === c) return;
    this.count[p] = c;
    if (this.live[p] === 1) this.refresh(p);
  }

  /** Take a position out of (false) or back into (true) the competition, e.g. for one pick. */
  setLive(p: number, live: boolean): void {
    const v = live && (!this.opts.skipZeroWeight || this.weight[p] > 0) ? 1 : 0;
    if (this.live[p] === v) return;
    this.live[p] = v;
    this.refresh(p);
  }

  /** Least count, lowest position among equals; -1 when nothing takes part. */
  leastCount(): number {
    return this.minWin[1];
  }

  /** Least (count + offset) / weight, lowest position among equals; -1 when nothing takes part. */
  leastRatio(): number {
    return this.ratioWin[1];
  }

  countAt(p: number): number {
    return this.count[p];
  }

  /**
   * The lowest position ≥ `from` that takes part and whose count is ≤ `max`, -1 if none: a
   * descent that enters only subtrees whose winner qualifies, O(log n) per boundary path.
   */
  firstAtMost(from: number, max: number): number {
    return this.find(1, 0, this.size - 1, from, max);
  }

  private find(node: number, lo: number, hi: number, from: number, max: number): number {
    if (hi < from) return -1;
    const w = this.minWin[node];
    if (w < 0 || this.count[w] > max) return -1;
    if (lo >= from) {
      // The whole range qualifies by position: walk down to its leftmost qualifying leaf.
      while (node < this.size) {
        const l = this.minWin[2 * node];
        node = l >= 0 && this.count[l] <= max ? 2 * node : 2 * node + 1;
      }
      return node - this.size;
    }
    const mid = (lo + hi) >> 1;
    const left = this.find(2 * node, lo, mid, from, max);
    return left >= 0 ? left : this.find(2 * node + 1, mid + 1, hi, from, max);
  }

  private setLeaf(p: number): void {
    const v = this.live[p] === 1 ? p : -1;
    this.minWin[this.size + p] = v;
    this.ratioWin[this.size + p] = v;
  }

  private refresh(p: number): void {
    this.setLeaf(p);
    for (let i = (this.size + p) >> 1; i >= 1; i >>= 1) this.combine(i);
  }

  private combine(i: number): void {
    const c = this.count;
    let a = this.minWin[2 * i];
    let b = this.minWin[2 * i + 1];
    // The left child covers the lower positions: it keeps ties.
    this.minWin[i] = a < 0 ? b : b < 0 ? a : c[b] < c[a] ? b : a;
    if (!this.opts.ratio) return;
    a = this.ratioWin[2 * i];
    b = this.ratioWin[2 * i + 1];
    if (a < 0 || b < 0) {
      this.ratioWin[i] = a < 0 ? b : a;
      return;
    }
    const off = this.opts.offset;
    const w = this.weight;
    // (c_b + off) / w_b < (c_a + off) / w_a without division, as the kernel compares.
    this.ratioWin[i] = (c[b] + off) * w[a] < (c[a] + off) * w[b] ? b : a;
  }
}
