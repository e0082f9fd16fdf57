// Hash functions shared by the hashing policies. Deterministic across processes and restarts
// (no seed), so every worker process maps a key to the same endpoint.

/** FNV-1a over UTF-16 code units, then the murmur3 fmix32 finaliser for spread; unsigned 32-bit. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3 fmix32: a bijection on 32-bit values with full avalanche. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A second, independent hash of the same key (probe k of a bounded-load search). */
export function rehash(h: number, k: number): number {
  return fmix32((h ^ Math.imul(k, 0x9e3779b9)) >>> 0);
}
