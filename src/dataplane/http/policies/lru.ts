// A bounded map with least-recently-used eviction (a Map keeps insertion order: a hit is moved to
// the end by delete + set, eviction takes the first key). Used for the verification caches so
// that hostile traffic can fill them but never grow them.

export class Lru<V> {
  private readonly map = new Map<string, V>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
