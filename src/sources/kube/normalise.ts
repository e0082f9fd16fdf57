import type { KubeObject } from '../../k8s/types.ts';
import type { WatchedResource } from './resources.ts';
import { apiVersionOf } from './resources.ts';

/**
 * One shape for every object the source delivers (ARCHITECTURE.md "Known traps"; SPEC §6.4):
 * list items from the generated client are class instances with Date timestamps and no
 * kind/apiVersion (the server omits them, SPEC §6.2), watch events are plain JSON. Portico lists
 * with its own raw request (list.ts), so items are already plain; this still converts class
 * instances and Dates so that the Store's fingerprints compare equal whatever path an object took.
 */
export function normaliseObject(r: WatchedResource, obj: KubeObject): KubeObject {
  const plain = isPlainJson(obj) ? obj : (toPlain(obj) as KubeObject);
  if (plain.kind !== r.kind || plain.apiVersion !== apiVersionOf(r)) {
    // In place: the informer cache and the Store then share one object (memory, README "Run in a cluster").
    plain.kind = r.kind;
    plain.apiVersion = apiVersionOf(r);
  }
  return plain;
}

/** JSON.parse output: only plain objects, arrays and primitives. Checked shallowly on the top and metadata. */
function isPlainJson(obj: KubeObject): boolean {
  if (Object.getPrototypeOf(obj) !== Object.prototype) return false;
  const m = obj.metadata as unknown;
  return m === undefined || (Object.getPrototypeOf(m) === Object.prototype && !((m as Record<string, unknown>).creationTimestamp instanceof Date));
}

/** Deep copy into plain JSON: Dates become RFC 3339 strings, undefined fields vanish. */
export function toPlain(v: unknown): unknown {
  if (v instanceof Date) return timeString(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** metav1.Time is second precision on the wire ("2026-01-02T03:04:05Z"); keep sub-second only when present (MicroTime). */
export function timeString(d: Date): string {
  const iso = d.toISOString();
  return d.getUTCMilliseconds() === 0 ? iso.replace(/\.000Z$/, 'Z') : iso;
}
