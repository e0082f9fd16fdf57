// The annotation registry core (ARCHITECTURE.md "Conventions": one registry, a typed parser per
// entry). An entry describes one key once, for both prefixes: `nginx.ingress.kubernetes.io/<key>`
// (ingress-nginx's grammar and semantics, docs/user-guide/nginx-configuration/annotations.md) and
// `portico.io/<key>` (same grammar). Values become typed data here and are never pasted into
// anything that is parsed again (the ingress-nginx snippet-injection lesson, CVE-2021-25742).
//
// Groups live in one file each (routing.ts, refused.ts, …) and are listed in index.ts: adding a
// group is one new file plus one line there.

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
export const PORTICO_PREFIX = 'portico.io/';

/**
 * - honoured: Portico implements it.
 * - no-op: accepted, nothing to do in Portico (e.g. nginx buffer sizes).
 * - refused: cannot be enforced; the Ingress is not served (unless the operator opts out).
 * - unsupported: not implemented; ignored with a warning.
 * - obsolete: ingress-nginx itself removed it; ignored with a warning.
 */
export type AnnotationStatus = 'honoured' | 'no-op' | 'refused' | 'unsupported' | 'obsolete';
export const STATUSES: readonly AnnotationStatus[] = ['honoured', 'no-op', 'refused', 'unsupported', 'obsolete'];

/** Where an annotation takes effect: the whole Ingress, each of its paths, each of its hosts, a Service. */
export type AnnotationScope = 'ingress' | 'path' | 'host' | 'service';
export type AnnotatedKind = 'Ingress' | 'Service';

/** Which prefixes an entry is read under. */
export type PrefixSet = 'both' | 'portico' | 'nginx';
export type Prefix = 'nginx' | 'portico';

/**
 * A parse result: a typed value, a malformed value (`error`: the caller warns and uses the
 * default, as ingress-nginx does) or a value Portico must not serve (`refused`: the Ingress is
 * dropped, e.g. an nginx `$variable` Portico does not expand).
 */
export type Parsed<T> = { value: T } | { error: string } | { refused: string };

export interface AnnotationEntry<T = unknown> {
  /** Key without prefix, e.g. 'rewrite-target'. */
  readonly key: string;
  /** Group (file) it belongs to, e.g. 'routing'. */
  readonly group: string;
  readonly kinds: readonly AnnotatedKind[];
  readonly scope: AnnotationScope;
  readonly prefixes: PrefixSet;
  readonly status: AnnotationStatus;
  /** Value grammar in words, for README and the migration report. */
  readonly grammar: string;
  /** Default in words ('' when none). */
  readonly defaultText: string;
  readonly help: string;
  /** Deliberate difference from ingress-nginx ('' when none). */
  readonly difference: string;
  /** For refused/unsupported keys: what to use instead, when something exists. */
  readonly suggestion?: string;
  /** Typed parser; absent for keys whose value Portico never reads. */
  readonly parse?: (raw: string, prefix: Prefix) => Parsed<T>;
  /** Value used when the key is absent or malformed. */
  readonly defaultValue?: T;
  /**
   * For keys that are not honoured: a reason to refuse the Ingress for this value, or null. Lets
   * e.g. `backend-protocol: FCGI` or `enable-modsecurity: "true"` refuse while other values of the
   * same key only warn. Absent on a 'refused' entry = every value refuses.
   */
  readonly refuseWhen?: (raw: string) => string | null;
}

/** Typed constructor: keeps `T` for readers of the entry. */
export function defineAnnotation<T>(entry: AnnotationEntry<T>): AnnotationEntry<T> {
  return entry;
}

/** Catalogue entry with no parser (unsupported, obsolete, no-op keys). */
export function catalogue(group: string, key: string, status: AnnotationStatus, help: string,
  more: Partial<Omit<AnnotationEntry<never>, 'key' | 'group' | 'status' | 'help'>> = {}): AnnotationEntry<never> {
  return {
    key, group, status, help,
    kinds: more.kinds ?? ['Ingress'],
    scope: more.scope ?? 'ingress',
    prefixes: more.prefixes ?? 'both',
    grammar: more.grammar ?? 'string',
    defaultText: more.defaultText ?? '',
    difference: more.difference ?? '',
    ...(more.suggestion !== undefined ? { suggestion: more.suggestion } : {}),
    ...(more.refuseWhen !== undefined ? { refuseWhen: more.refuseWhen } : {}),
  };
}

export class AnnotationRegistry {
  private readonly byKey = new Map<string, AnnotationEntry<unknown>>();

  // Each group holds entries of different value types; `any` lets one list carry them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(groups: readonly (readonly AnnotationEntry<any>[])[]) {
    for (const g of groups) {
      for (const e of g) {
        // Programmer error: two groups claiming one key would make its status ambiguous.
        if (this.byKey.has(e.key)) throw new Error(`annotation key ${e.key} registered twice`);
        this.byKey.set(e.key, e);
      }
    }
  }

  get(key: string): AnnotationEntry<unknown> | undefined {
    return this.byKey.get(key);
  }

  /** Every entry, sorted by key. */
  entries(): AnnotationEntry<unknown>[] {
    return [...this.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** The full annotation names an entry is read under. */
export function namesOf(e: AnnotationEntry<unknown>): string[] {
  if (e.prefixes === 'nginx') return [NGINX_PREFIX + e.key];
  if (e.prefixes === 'portico') return [PORTICO_PREFIX + e.key];
  return [NGINX_PREFIX + e.key, PORTICO_PREFIX + e.key];
}
