// Reading one object's annotations against the registry: typed values for the keys Portico
// honours, and one finding per annotation for diagnostics and the migration report. Nothing here
// throws, whatever the annotations hold.

import type { KubeObject } from '../types.ts';
import { NGINX_PREFIX, PORTICO_PREFIX, type AnnotatedKind, type AnnotationEntry, type AnnotationRegistry, type AnnotationStatus, type Prefix } from './registry.ts';
import { snippetSuggestions } from './refused.ts';

/**
 * - applied: honoured and read; no-op: accepted, nothing to do;
 * - invalid: honoured but malformed (the default is used);
 * - ignored: unsupported, obsolete, unknown, or not read on this kind;
 * - refused: the object must not be served; overridden: the nginx key lost to its portico.io twin.
 */
export type Outcome = 'applied' | 'no-op' | 'invalid' | 'ignored' | 'refused' | 'overridden';

export interface AnnotationFinding {
  /** Full annotation name as written. */
  readonly name: string;
  /** Key without prefix. */
  readonly key: string;
  /** Registry status, or 'unknown' for a key not in the registry. */
  readonly status: AnnotationStatus | 'unknown';
  readonly outcome: Outcome;
  /** Why, with the value JSON-quoted where it matters. */
  readonly message: string;
  readonly suggestions: readonly string[];
}

export class AnnotationValues {
  readonly findings: AnnotationFinding[] = [];
  private readonly values = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  /** The parsed value of an honoured key when present and valid, else undefined. */
  get<T>(e: AnnotationEntry<T>): T | undefined {
    return this.values.get(e.key) as T | undefined;
  }

  /** The parsed value, or the entry's default. */
  valueOr<T>(e: AnnotationEntry<T>, fallback: T): T {
    const v = this.values.get(e.key);
    return v === undefined ? fallback : (v as T);
  }

  has(e: AnnotationEntry<unknown>): boolean {
    return this.values.has(e.key);
  }

  get refused(): AnnotationFinding[] {
    return this.findings.filter((f) => f.outcome === 'refused');
  }
}

const q = (s: string) => JSON.stringify(s);
/** Long values are cut in messages (a snippet can be kilobytes). */
const shown = (raw: string) => q(raw.length > 80 ? raw.slice(0, 77) + '...' : raw);

/** Annotations under our two prefixes, read for `kind`. */
export function readAnnotations(registry: AnnotationRegistry, obj: KubeObject, kind: AnnotatedKind): AnnotationValues {
  const out = new AnnotationValues();
  const annotations = obj?.metadata?.annotations;
  if (!annotations || typeof annotations !== 'object') return out;
  const all = annotations as Record<string, unknown>;
  const names = Object.keys(all).filter((n) => n.startsWith(NGINX_PREFIX) || n.startsWith(PORTICO_PREFIX)).sort();
  for (const rawName of names) {
    // Files are not validated by the API server: a key with odd characters is shown quoted.
    const name = /^[A-Za-z0-9._/-]+$/.test(rawName) ? rawName : JSON.stringify(rawName);
    const prefix: Prefix = name.startsWith(NGINX_PREFIX) ? 'nginx' : 'portico';
    const key = rawName.slice(prefix === 'nginx' ? NGINX_PREFIX.length : PORTICO_PREFIX.length);
    const entry = registry.get(key);
    const add = (status: AnnotationStatus | 'unknown', outcome: Outcome, message: string, suggestions: readonly string[] = []) =>
      out.findings.push({ name, key, status, outcome, message, suggestions });
    if (entry === undefined || (entry.prefixes !== 'both' && entry.prefixes !== prefix)) {
      add('unknown', 'ignored', prefix === 'nginx'
        ? `annotation ${name} is not an ingress-nginx annotation Portico knows; ignored`
        : `annotation ${name} is not a Portico annotation; ignored`);
      continue;
    }
    // portico.io/<key> wins over nginx.ingress.kubernetes.io/<key> (one place to say what Portico does).
    if (prefix === 'nginx' && entry.prefixes === 'both' && Object.hasOwn(all, PORTICO_PREFIX + key)) {
      add(entry.status, 'overridden', `annotation ${name} is overridden by ${PORTICO_PREFIX}${key}`);
      continue;
    }
    if (!entry.kinds.includes(kind)) {
      add(entry.status, 'ignored', `annotation ${name} is not read on a ${kind} and is ignored`);
      continue;
    }
    const raw = all[rawName];
    if (typeof raw !== 'string') {
      if (entry.status === 'refused') add('refused', 'refused', `annotation ${name} cannot be enforced (value is not a string)`);
      else add(entry.status, entry.status === 'honoured' ? 'invalid' : 'ignored', `annotation ${name}: value must be a string; ignored`);
      continue;
    }
    const suggestions = key.endsWith('snippet') ? snippetSuggestions(raw) : entry.suggestion ? [entry.suggestion] : [];
    if (entry.status !== 'honoured') {
      const why = entry.refuseWhen ? entry.refuseWhen(raw) : entry.status === 'refused' ? (entry.difference || 'not enforced by Portico') : null;
      if (why !== null) {
        add(entry.status, 'refused', `annotation ${name} ${why.startsWith('asks') ? why : `cannot be enforced: ${why}`}`, suggestions);
      } else if (entry.status === 'no-op') {
        add('no-op', 'no-op', `annotation ${name} is accepted and has no effect in Portico${entry.difference ? ` (${entry.difference})` : ''}`);
      } else if (entry.status === 'obsolete') {
        add('obsolete', 'ignored', `annotation ${name} is obsolete (${entry.difference || 'removed from ingress-nginx'}) and is ignored`, suggestions);
      } else {
        add(entry.status, 'ignored', `annotation ${name} is not supported by Portico yet and is ignored`, suggestions);
      }
      continue;
    }
    const parsed = entry.parse ? entry.parse(raw, prefix) : { value: raw };
    if ('refused' in parsed) {
      add('honoured', 'refused', `annotation ${name}: ${parsed.refused}`);
    } else if ('error' in parsed) {
      add('honoured', 'invalid', `annotation ${name}: ${parsed.error} (value ${shown(raw)}); using ${entry.defaultText || 'none'} as ingress-nginx does`);
    } else {
      out.set(key, parsed.value);
      add('honoured', 'applied', `annotation ${name} = ${shown(raw)}`);
    }
  }
  return out;
}
