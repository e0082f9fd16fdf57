// AdmissionReview v1 (admission.k8s.io/v1) read and written as plain data. The request is user- and
// API-server-supplied JSON: nothing in it is trusted to follow the schema, and nothing in it is ever
// executed, templated or handed to a shell — it only becomes input to the pure translate pipeline.
// Shape: https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly operation: string;
  readonly namespace: string;
  readonly name: string;
  /** The object as it would be stored; null for DELETE/CONNECT. */
  readonly object: Record<string, unknown> | null;
  readonly dryRun: boolean;
}

export interface AdmissionVerdict {
  readonly allowed: boolean;
  /** Shown to the user by kubectl when denied. */
  readonly message?: string;
  readonly warnings?: readonly string[];
}

export class MalformedReview extends Error {
  override readonly name = 'MalformedReview';
}

const API_VERSION = 'admission.k8s.io/v1';

/** Parse the POSTed text; throws MalformedReview (→ HTTP 400) on anything that is not a v1 review. */
export function parseAdmissionReview(text: string): AdmissionRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MalformedReview('body is not JSON');
  }
  if (!isRecord(body)) throw new MalformedReview('body is not a JSON object');
  if (body.apiVersion !== API_VERSION || body.kind !== 'AdmissionReview') {
    throw new MalformedReview(`expected apiVersion ${API_VERSION} kind AdmissionReview`);
  }
  const r = body.request;
  if (!isRecord(r)) throw new MalformedReview('request is missing');
  if (typeof r.uid !== 'string' || r.uid === '' || r.uid.length > 256) throw new MalformedReview('request.uid is missing');
  const k = isRecord(r.kind) ? r.kind : null;
  if (!k || typeof k.kind !== 'string' || typeof k.version !== 'string') throw new MalformedReview('request.kind is missing');
  if (typeof r.operation !== 'string') throw new MalformedReview('request.operation is missing');
  const needsObject = r.operation === 'CREATE' || r.operation === 'UPDATE';
  if (needsObject && !isRecord(r.object)) throw new MalformedReview(`request.object is missing for ${r.operation}`);
  return {
    uid: r.uid,
    kind: { group: typeof k.group === 'string' ? k.group : '', version: k.version, kind: k.kind },
    operation: r.operation,
    namespace: typeof r.namespace === 'string' ? r.namespace : '',
    name: typeof r.name === 'string' ? r.name : '',
    object: isRecord(r.object) ? r.object : null,
    dryRun: r.dryRun === true,
  };
}

// Kubernetes shows every warning to the user; keep them readable and bounded
// (the API server truncates long ones anyway).
const MAX_WARNINGS = 20;
const MAX_WARNING_CHARS = 512;

/** The response document for `uid`. */
export function admissionResponse(uid: string, v: AdmissionVerdict): string {
  const response: Record<string, unknown> = { uid, allowed: v.allowed };
  if (!v.allowed) response.status = { code: 403, reason: 'Forbidden', message: v.message ?? 'denied by Portico' };
  if (v.warnings && v.warnings.length > 0) {
    response.warnings = v.warnings.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING_CHARS ? `${w.slice(0, MAX_WARNING_CHARS - 1)}…` : w));
  }
  return JSON.stringify({ apiVersion: API_VERSION, kind: 'AdmissionReview', response });
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
