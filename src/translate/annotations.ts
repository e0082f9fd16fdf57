// Annotation findings → Diagnostics and the per-Ingress migration report (nothing silent: every
// key Portico does not honour says so). Refusal (PROTOCOL "never fail open"): an Ingress carrying
// a key Portico cannot enforce is not served unless the operator passes
// --serve-unenforced-annotations, and then each such Ingress gets a warning.

import { canary, REGISTRY, type AnnotationFinding, type AnnotationValues } from '../k8s/annotations/index.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../model/diagnostic.ts';

export interface AnnotationReportRow {
  readonly annotation: string;
  /** honoured | no-op | unsupported | refused | obsolete | unknown | invalid | overridden. */
  readonly status: string;
  readonly message: string;
  readonly suggestions: readonly string[];
}

export interface AnnotationReport {
  /** `namespace/name`. */
  readonly ingress: string;
  readonly served: boolean;
  readonly rows: readonly AnnotationReportRow[];
}

/** What the report calls each finding: the registry status, except where the reading decided otherwise. */
function rowStatus(f: AnnotationFinding): string {
  if (f.outcome === 'refused') return 'refused';
  if (f.outcome === 'invalid') return 'invalid';
  if (f.outcome === 'overridden') return 'overridden';
  if (f.status === 'refused') return 'unsupported'; // a refused key whose value asks for nothing
  return f.status;
}

export function reportRows(values: AnnotationValues): AnnotationReportRow[] {
  return values.findings.map((f) => ({ annotation: f.name, status: rowStatus(f), message: f.message, suggestions: f.suggestions }));
}

/**
 * Diagnostics for one object's findings. Returns true when the object must not be served
 * (a refused key and no opt-out).
 */
export function annotationDiagnostics(ref: ObjectRef, values: AnnotationValues, serveUnenforced: boolean, diags: Diagnostic[]): boolean {
  // docs "Canary": on a canary Ingress every non-canary annotation is ignored (the main
  // Ingress's apply), balancing and affinity keys aside, which Portico does not read yet.
  const isCanary = values.get(canary.canary) === true;
  for (const f of values.findings) {
    if (isCanary && f.outcome === 'applied' && REGISTRY.get(f.key)?.group !== 'canary') {
      diags.push(diagnostic(ref, 'UnsupportedAnnotation', `${f.message.replace(/ = .*$/, '')} is ignored on a canary Ingress: the main Ingress's routing annotations apply`, 'warning'));
    }
    const hint = f.suggestions.length > 0 ? ` (${f.suggestions.join('; ')})` : '';
    if (f.outcome === 'invalid') diags.push(diagnostic(ref, 'InvalidAnnotation', f.message, 'warning'));
    else if (f.outcome === 'ignored') diags.push(diagnostic(ref, 'UnsupportedAnnotation', f.message + hint, 'warning'));
    else if (f.outcome === 'overridden') diags.push(diagnostic(ref, 'AnnotationOverridden', f.message, 'warning'));
    // Accepted without effect: said once, as info, so nobody believes nginx's knob still works.
    else if (f.outcome === 'no-op') diags.push(diagnostic(ref, 'IgnoredAnnotation', f.message, 'info'));
  }
  const refused = values.refused;
  if (refused.length === 0) return false;
  const why = refused.map((f) => f.message + (f.suggestions.length > 0 ? ` (${f.suggestions.join('; ')})` : '')).join('; ');
  if (serveUnenforced) {
    diags.push(diagnostic(ref, 'UnenforcedAnnotation', `served WITHOUT enforcing its annotations (--serve-unenforced-annotations): ${why}`, 'warning'));
    return false;
  }
  diags.push(diagnostic(ref, 'RefusedAnnotation', `Ingress not served: ${why}; --serve-unenforced-annotations serves it anyway`, 'error'));
  return true;
}
