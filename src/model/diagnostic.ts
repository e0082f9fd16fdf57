// A Diagnostic is bad user input attached to the object it came from. Translation drops only that
// object (or rule) and keeps everything else serving (ARCHITECTURE.md "Translate"). Sources,
// translation, status, admin and the CLI all speak it, so it lives in the model; its reasons are
// the typed table in diagnostic-reasons.ts, and consumers switch on `reason`, never on `message`.
import { REASONS, type DiagnosticReason, type Severity } from './diagnostic-reasons.ts';

export type { DiagnosticReason, Severity };

export interface ObjectRef {
  readonly kind: string;
  /** '' for cluster-scoped kinds and for documents that could not be read far enough. */
  readonly namespace: string;
  readonly name: string;
}

export interface Diagnostic {
  readonly object: ObjectRef;
  readonly severity: Severity;
  /** Stable machine code, CamelCase like a Kubernetes Event reason (diagnostic-reasons.ts). */
  readonly reason: DiagnosticReason;
  /** For people; never parsed. */
  readonly message: string;
  /** Where it came from when known, e.g. a file path and document index. */
  readonly origin?: string;
  /** The host name it concerns, when it concerns one (TLS per-host problems). */
  readonly host?: string;
}

/** A diagnostic with the reason's own severity unless `severity` says otherwise. */
export function diagnostic(object: ObjectRef, reason: DiagnosticReason, message: string, severity: Severity = REASONS[reason].severity, origin?: string): Diagnostic {
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
