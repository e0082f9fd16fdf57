import { parseAllDocuments } from 'yaml';
import { KINDS, API_VERSIONS, CLUSTER_SCOPED, OLDER_API_VERSIONS, isKind, type Kind, type KubeObject } from '../../k8s/types.ts';
import { diagnostic, type Diagnostic } from '../../model/diagnostic.ts';

export interface ManifestObject {
  readonly kind: Kind;
  readonly obj: KubeObject;
  /** `file:docIndex` for diagnostics. */
  readonly origin: string;
}

export interface ParsedFile {
  readonly objects: ManifestObject[];
  readonly diagnostics: Diagnostic[];
  /** The file could not be read as YAML/JSON at all: the caller keeps its last good objects. */
  readonly unreadable: boolean;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Multi-document YAML or JSON (a single object or a `List`) → the objects Portico stores, each
 * document checked alone (README "CLI": a malformed document is rejected by itself).
 */
export function parseManifestText(text: string, file: string): ParsedFile {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const fileRef = { kind: 'File', namespace: '', name: file };
  let docs;
  try {
    docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    diagnostics.push(diagnostic(fileRef, 'InvalidManifest', `cannot parse: ${(err as Error).message}`, 'error', file));
    return { objects, diagnostics, unreadable: true };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  let unreadable = false;
  list.forEach((doc, i) => {
    const origin = `${file}#${i}`;
    if (doc.errors.length > 0) {
      unreadable = true;
      diagnostics.push(diagnostic(fileRef, 'InvalidManifest', `document ${i}: ${doc.errors[0].message.split('\n')[0]}`, 'error', origin));
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document ("---" at the end)
    collect(value, origin, objects, diagnostics);
  });
  return { objects, diagnostics, unreadable };
}

function collect(value: unknown, origin: string, out: ManifestObject[], diags: Diagnostic[]): void {
  if (!isRecord(value)) {
    diags.push(diagnostic({ kind: 'Document', namespace: '', name: origin }, 'InvalidManifest', 'document is not an object', 'error', origin));
    return;
  }
  // kubectl's `kind: List` (and `<Kind>List` as `kubectl get -o yaml` prints it).
  if (typeof value.kind === 'string' && /List$/.test(value.kind) && Array.isArray(value.items)) {
    value.items.forEach((item, j) => collect(item, `${origin}.items[${j}]`, out, diags));
    return;
  }
  const kind = value.kind;
  const meta = isRecord(value.metadata) ? value.metadata : undefined;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  const ref = { kind: typeof kind === 'string' ? kind : 'Unknown', namespace: typeof meta?.namespace === 'string' ? meta.namespace : '', name: name || origin };
  if (!isKind(kind)) {
    diags.push(diagnostic(ref, 'UnsupportedKind', `kind ${JSON.stringify(kind)} is not one Portico reads (${KINDS.join(', ')})`, 'warning', origin));
    return;
  }
  const want = API_VERSIONS[kind];
  if (value.apiVersion !== want && !(OLDER_API_VERSIONS[kind] ?? []).includes(value.apiVersion)) {
    const hint = kind === 'Ingress' && typeof value.apiVersion === 'string' && value.apiVersion.includes('v1beta1')
      ? ' (v1beta1 Ingress was removed in Kubernetes 1.22)'
      : '';
    diags.push(diagnostic(ref, 'UnsupportedAPIVersion', `apiVersion ${JSON.stringify(value.apiVersion)} for ${kind}, expected ${want}${hint}`, 'error', origin));
    return;
  }
  if (!meta || !name) {
    diags.push(diagnostic(ref, 'InvalidMetadata', 'metadata.name is required', 'error', origin));
    return;
  }
  if (name.length > 253 || !NAME_RE.test(name)) {
    diags.push(diagnostic(ref, 'InvalidMetadata', `metadata.name ${JSON.stringify(name)} is not a DNS-1123 subdomain`, 'error', origin));
    return;
  }
  const obj = value as KubeObject;
  if (CLUSTER_SCOPED.has(kind)) {
    if (meta.namespace !== undefined) delete (obj.metadata as Record<string, unknown>).namespace;
  } else if (meta.namespace === undefined || meta.namespace === '') {
    // kubectl applies a file without a namespace to `default`; do the same.
    obj.metadata!.namespace = 'default';
  } else if (typeof meta.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(meta.namespace)) {
    diags.push(diagnostic(ref, 'InvalidMetadata', `metadata.namespace ${JSON.stringify(meta.namespace)} is not a DNS-1123 label`, 'error', origin));
    return;
  }
  // Files carry no creationTimestamp; SPEC §1.8 orders Ingresses by it, so absent ones sort by
  // name only (translate treats a missing timestamp as the epoch).
  out.push({ kind, obj, origin });
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
