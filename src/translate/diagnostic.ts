// A Diagnostic is bad user input attached to the object it came from. Translation drops only that
// object (or rule) and keeps everything else serving (ARCHITECTURE.md "Translate").

/** 'info': accepted as written but worth knowing (e.g. an annotation without effect in Portico). */
export type Severity = 'error' | 'warning' | 'info';

export interface ObjectRef {
  readonly kind: string;
  /** '' for cluster-scoped kinds and for documents that could not be read far enough. */
  readonly namespace: string;
  readonly name: string;
}

export interface Diagnostic {
  readonly object: ObjectRef;
  readonly severity: Severity;
  /** Stable machine code, CamelCase like a Kubernetes Event reason: `InvalidPath`, `ServiceNotFound`… */
  readonly reason: string;
  readonly message: string;
  /** Where it came from when known, e.g. a file path and document index. */
  readonly origin?: string;
}

export function diagnostic(object: ObjectRef, reason: string, message: string, severity: Severity = 'error', origin?: string): Diagnostic {
  return origin === undefined ? { object, severity, reason, message } : { object, severity, reason, message, origin };
}

export function refString(o: ObjectRef): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

/** Deterministic order: by object, then reason, then message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.object.kind, b.object.kind) || cmp(a.object.namespace, b.object.namespace) ||
    cmp(a.object.name, b.object.name) || cmp(a.reason, b.reason) || cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
