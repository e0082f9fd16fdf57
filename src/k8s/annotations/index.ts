// The one annotation registry (ARCHITECTURE.md "Conventions"). A group is one file exporting its
// entries; adding a group is that file plus one line in GROUPS.

import { AnnotationRegistry, type AnnotatedKind } from './registry.ts';
import { AnnotationValues, readAnnotations as readWith } from './read.ts';
import type { KubeObject } from '../types.ts';
import { ROUTING } from './routing.ts';
import { CANARY } from './canary.ts';
import { REFUSED } from './refused.ts';
import { ACCESS } from './access.ts';
import { BALANCING } from './balancing.ts';
import { UPSTREAM } from './upstream.ts';
import { OTHER } from './other.ts';
import { PORTICO } from './portico.ts';

const GROUPS = [
  ROUTING,
  CANARY,
  REFUSED,
  ACCESS,
  BALANCING,
  UPSTREAM,
  OTHER,
  PORTICO,
];

export const REGISTRY = new AnnotationRegistry(GROUPS);

/** Read `obj`'s nginx.ingress.kubernetes.io/* and portico.io/* annotations for `kind`. */
export function readAnnotations(obj: KubeObject, kind: AnnotatedKind): AnnotationValues {
  return readWith(REGISTRY, obj, kind);
}

export { AnnotationValues };
export type { AnnotationFinding } from './read.ts';
export * from './registry.ts';
export * as routing from './routing.ts';
export * as canary from './canary.ts';
export { l4Balance } from './portico.ts';
