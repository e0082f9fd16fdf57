// HTTPHeaderFilter applied to a flat [name, value, …] header list (the upstream request list of
// forwarded-headers.ts, or the client response list): remove, then set (replaces every field of
// that name), then add (one more field line; RFC 9110 §5.3 makes it equal to appending ", value").
// Compiled once per rule; only rules with the filter run it.
import type { HeaderModifier } from '../../model/filters.ts';

export class CompiledHeaderModifier {
  /** Lower-case names whose existing fields are dropped: `remove` and `set`. */
  private readonly drop: ReadonlySet<string>;
  private readonly append: readonly string[];

  constructor(m: HeaderModifier) {
    this.drop = new Set([...m.remove, ...m.set.map(([n]) => n)]);
    const append: string[] = [];
    for (const [n, v] of m.set) append.push(n, v);
    for (const [n, v] of m.add) append.push(n, v);
    this.append = append;
  }

  /** The same on a headers object (Upgrade requests, forwarded by http-proxy-3); lower-case keys. */
  applyToRecord(h: Record<string, string | string[] | number | undefined>): void {
    for (const k of Object.keys(h)) if (this.drop.has(k.toLowerCase())) delete h[k];
    for (let i = 0; i < this.append.length; i += 2) {
      const n = this.append[i];
      const v = h[n];
      h[n] = v === undefined ? this.append[i + 1] : `${Array.isArray(v) ? v.join(', ') : String(v)}, ${this.append[i + 1]}`;
    }
  }

  apply(list: readonly string[]): string[] {
    const out: string[] = [];
    const drop = this.drop;
    for (let i = 0; i < list.length; i += 2) {
      if (!drop.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
    }
    for (let i = 0; i < this.append.length; i++) out.push(this.append[i]);
    return out;
  }
}

/** `list` through each modifier in turn (a Gateway rule's RequestHeaderModifier, then its backendRef's). */
export function applyInOrder(list: string[], first: CompiledHeaderModifier | null, then: CompiledHeaderModifier | null): string[] {
  const a = first === null ? list : first.apply(list);
  return then === null ? a : then.apply(a);
}
