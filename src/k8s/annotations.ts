// The one annotation registry (ARCHITECTURE.md "Conventions"): every annotation Portico reads has
// one entry with a typed parser. Values are parsed into typed data here and never pasted into
// anything that is parsed again (the ingress-nginx snippet-injection lesson).

import type { KubeObject } from './types.ts';
import type { BalancerPolicy } from '../model/balancing.ts';
import { isBalancingAnnotation, parseL4Balance, L4_POLICIES } from './annotations/balancing.ts';

type Parsed<T> = { value: T } | { error: string };

interface AnnotationSpec<T> {
  /** Kind the annotation is read from; on any other kind it is reported as unsupported. */
  readonly target: 'Ingress' | 'Service';
  readonly parse: (raw: string) => Parsed<T>;
  readonly help: string;
}

function parseBoolean(raw: string): Parsed<boolean> {
  // Kubernetes annotation values are strings; accept only the two spellings YAML users write.
  const v = raw.trim().toLowerCase();
  if (v === 'true') return { value: true };
  if (v === 'false') return { value: false };
  return { error: `expected "true" or "false", got ${JSON.stringify(raw)}` };
}

function oneOf<const T extends string>(values: readonly T[]): (raw: string) => Parsed<T> {
  return (raw) => {
    const v = raw.trim();
    return (values as readonly string[]).includes(v)
      ? { value: v as T }
      : { error: `expected one of ${values.join(', ')}, got ${JSON.stringify(raw)}` };
  };
}

const REGISTRY = {
  /** Issue #3 item 6: per-Ingress opt-out of the 308 redirect to https (SPEC §1.9). */
  'portico.io/ssl-redirect': {
    target: 'Ingress',
    parse: parseBoolean,
    help: 'redirect plain-HTTP requests for TLS hosts to https (default true)',
  } satisfies AnnotationSpec<boolean>,
  /** Issue #5: balancing policy of every Cluster built from this Service. */
  'portico.io/l4-balance': {
    target: 'Service',
    parse: parseL4Balance,
    help: `balancing policy for the Service: ${Object.keys(L4_POLICIES).join(', ')} (default round-robin)`,
  } satisfies AnnotationSpec<BalancerPolicy>,
} as const;

export type AnnotationName = keyof typeof REGISTRY;
export type AnnotationValue<K extends AnnotationName> =
  ReturnType<(typeof REGISTRY)[K]['parse']> extends Parsed<infer T> ? T : never;

/** Prefix of the annotations Portico owns: any other one under it is a typo or a missing feature. */
export const PORTICO_PREFIX = 'portico.io/';

/**
 * The typed value of a registered annotation on `obj`: undefined when absent, `{ error }` when
 * present but malformed (the caller reports it and uses the default).
 */
export function readAnnotation<K extends AnnotationName>(
  obj: KubeObject,
  name: K,
): { value: AnnotationValue<K> } | { error: string } | undefined {
  const annotations = obj.metadata?.annotations;
  if (!annotations || typeof annotations !== 'object') return undefined;
  const raw: unknown = (annotations as Record<string, unknown>)[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return { error: 'annotation value must be a string' };
  return REGISTRY[name].parse(raw) as { value: AnnotationValue<K> } | { error: string };
}

export function isRegisteredAnnotation(name: string): name is AnnotationName {
  return Object.hasOwn(REGISTRY, name);
}

/**
 * `portico.io/*` annotations on `obj` that Portico does not read for this kind, sorted. They are
 * reported (CONTRACTS: UnsupportedAnnotation) so that a typo does not silently do nothing.
 */
export function unsupportedAnnotations(obj: KubeObject, kind: 'Ingress' | 'Service'): string[] {
  const annotations = obj.metadata?.annotations;
  if (!annotations || typeof annotations !== 'object') return [];
  return Object.keys(annotations)
    .filter((k) => k.startsWith(PORTICO_PREFIX) && !(isRegisteredAnnotation(k) && REGISTRY[k].target === kind) &&
      !(k !== 'portico.io/l4-balance' && isBalancingAnnotation(k, kind)))
    .sort();
}

/** Registered annotations that apply to `kind`, for documentation and `--help`. */
export function annotationsFor(kind: 'Ingress' | 'Service'): { name: AnnotationName; help: string }[] {
  return (Object.keys(REGISTRY) as AnnotationName[])
    .filter((k) => REGISTRY[k].target === kind)
    .sort()
    .map((name) => ({ name, help: REGISTRY[name].help }));
}
