// Memo of a translation step across translations, keyed by an object the store holds (docs/benchmarks/cluster.md
// "Gateway API"): a step that is a pure function of that object, of what it reads from the store and
// of a few options is kept per object (the store replaces an object on every change and never
// edits one in place, so a WeakMap entry frees itself with the object) together with every store
// read it made, and reused while each of those reads still returns the same object(s).
import type { EndpointSlice, Kind, ObjectOfKind } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';

type Read =
  | { readonly op: 'get'; readonly kind: Kind; readonly key: string; readonly value: unknown }
  | { readonly op: 'list'; readonly kind: Kind; readonly value: readonly unknown[] }
  | { readonly op: 'ingressesForService' | 'ingressesForSecret' | 'slicesForService'; readonly key: string; readonly value: readonly unknown[] };

/** A StoreView that notes every read, to tell later whether the same reads give the same objects. */
class RecordingView implements StoreView {
  readonly reads: Read[] = [];
  private readonly view: StoreView;

  constructor(view: StoreView) {
    this.view = view;
  }

  get<K extends Kind>(kind: K, key: string): ObjectOfKind<K> | undefined {
    const value = this.view.get(kind, key);
    this.reads.push({ op: 'get', kind, key, value });
    return value;
  }

  list<K extends Kind>(kind: K): readonly ObjectOfKind<K>[] {
    const value = this.view.list(kind);
    this.reads.push({ op: 'list', kind, value });
    return value;
  }

  ingressesForService(serviceKey: string): readonly string[] {
    const value = this.view.ingressesForService(serviceKey);
    this.reads.push({ op: 'ingressesForService', key: serviceKey, value });
    return value;
  }

  ingressesForSecret(secretKey: string): readonly string[] {
    const value = this.view.ingressesForSecret(secretKey);
    this.reads.push({ op: 'ingressesForSecret', key: secretKey, value });
    return value;
  }

  slicesForService(serviceKey: string): readonly EndpointSlice[] {
    const value = this.view.slicesForService(serviceKey);
    this.reads.push({ op: 'slicesForService', key: serviceKey, value });
    return value;
  }
}

/** Whether every recorded read gives the same object(s) in `view` (lists element by element). */
function sameReads(view: StoreView, reads: readonly Read[]): boolean {
  for (const r of reads) {
    switch (r.op) {
      case 'get':
        if (view.get(r.kind, r.key) !== r.value) return false;
        break;
      case 'list':
        if (!sameItems(view.list(r.kind), r.value)) return false;
        break;
      default:
        if (!sameItems(view[r.op](r.key), r.value)) return false;
    }
  }
  return true;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Entry {
  readonly options: string;
  readonly reads: readonly Read[];
  readonly value: unknown;
}

/** One memo per purpose: the same object may key a route's rules and, say, a cluster's endpoints. */
export type ReadMemo = WeakMap<object, Entry>;

export function newReadMemo(): ReadMemo {
  return new WeakMap();
}

/**
 * `build(view)` for `key`, or the value it gave for this key object before when `options` and
 * every store read it made are unchanged. `build` must be a pure function of the key object, the
 * options and what it reads through the view it is given.
 */
export function memoReads<T>(memo: ReadMemo, key: object, options: string, view: StoreView, build: (view: StoreView) => T): T {
  const e = memo.get(key);
  if (e !== undefined && e.options === options && sameReads(view, e.reads)) return e.value as T;
  const recording = new RecordingView(view);
  const value = build(recording);
  memo.set(key, { options, reads: recording.reads, value });
  return value;
}

