/** mulberry32: a small seeded PRNG so distribution tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts of ids picked by `pick` over `n` calls. */
export function tally(pick: () => string | undefined, n: number): Map<string, number> {
  const c = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pick() ?? 'null';
    c.set(id, (c.get(id) ?? 0) + 1);
  }
  return c;
}
