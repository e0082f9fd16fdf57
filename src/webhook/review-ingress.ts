// The admission decision for one Ingress: the same pure translate pipeline the gateway serves with,
// run on the reviewed object plus the current store. Nothing is rendered, executed or reloaded —
// the difference from the ingress-nginx webhook whose `nginx -t` of generated configuration was
// the way in for CVE-2025-1974 (IngressNightmare).

import { nsName } from '../k8s/keys.ts';
import type { Ingress, Kind, ObjectOfKind } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';
import { compareDiagnostics, refString, type Diagnostic, type DiagnosticReason } from '../model/diagnostic.ts';
import { translate, type TranslateOptions } from '../translate/index.ts';
import type { AdmissionRequest, AdmissionVerdict } from './admission-review.ts';

/**
 * Reasons that describe the current state of *another* object (a Service, a Secret, a class not
 * created yet). `kubectl apply -f dir/` and GitOps tools create objects in any order, so these
 * become warnings, never a denial; the gateway keeps reporting them until the object appears.
 */
export const DEPENDENT_REASONS: ReadonlySet<string> = new Set<DiagnosticReason>([
  'ServiceNotFound', 'ServicePortNotFound', 'IngressClassNotFound',
  'TLSSecretNotFound', 'TLSSecretInvalid', 'TLSCertificateExpired', 'TLSCertificateMismatch', 'TLSKeyMismatch',
  'ExternalNameNotAllowed', 'InvalidService',
]);

export interface ReviewOptions {
  readonly translate: Omit<TranslateOptions, 'version'>;
  /** ISO time: the creationTimestamp of an Ingress being created (it is the newest, SPEC §1.8). */
  readonly now: string;
  /** Review the object alone (no other Ingress, Service or Secret): the time-budget fallback. */
  readonly objectOnly?: boolean;
}

/** Allow/deny for one parsed review. Pure: the store is only read. */
export function reviewIngress(req: AdmissionRequest, store: StoreView, opts: ReviewOptions): AdmissionVerdict {
  if (req.kind.kind !== 'Ingress' || (req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !req.object) {
    return { allowed: true };
  }
  const ing = normalise(req, opts.now);
  const key = nsName(ing.metadata!.namespace!, ing.metadata!.name!);
  const base: StoreView = opts.objectOnly ? new EmptyView(store) : store;
  const after = translate(new ReviewView(base, ing, key), { ...opts.translate, version: 0, now: opts.now });
  if (!after.served.includes(key)) {
    // Not Portico's (another class): not ours to judge. matchConditions filter most of these out.
    return { allowed: true };
  }
  const mine = (d: Diagnostic) => d.object.kind === 'Ingress' && nsName(d.object.namespace, d.object.name) === key;
  const own = after.diagnostics.filter(mine);
  const refused = own.filter((d) => d.severity === 'error' && !DEPENDENT_REASONS.has(d.reason));
  // Info diagnostics describe documented behaviour, not a problem: not worth a kubectl warning.
  const warnings = own.filter((d) => !refused.includes(d) && d.severity !== 'info').map((d) => `${d.reason}: ${d.message}`);
  if (!opts.objectOnly) {
    // What this change does to the others (e.g. it takes a path another Ingress serves today).
    const before = translate(new ReviewView(base, null, key), { ...opts.translate, version: 0, now: opts.now });
    const had = new Set(before.diagnostics.map(diagKey));
    for (const d of after.diagnostics) {
      if (!mine(d) && d.severity !== 'info' && !had.has(diagKey(d))) warnings.push(`${refString(d.object)}: ${d.reason}: ${d.message}`);
    }
  }
  if (refused.length > 0) {
    const lines = refused.sort(compareDiagnostics).map((d) => `${d.reason}: ${d.message}`);
    return { allowed: false, message: `Portico refuses Ingress ${key}: ${lines.join('; ')}`, warnings };
  }
  return { allowed: true, warnings };
}

function diagKey(d: Diagnostic): string {
  return `${refString(d.object)}|${d.reason}|${d.message}`;
}

/** The object as the store will hold it: namespace from the request, a creation time when new. */
function normalise(req: AdmissionRequest, now: string): Ingress {
  const obj = req.object as Ingress;
  const meta: Record<string, any> = typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {};
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : req.name || (typeof meta.generateName === 'string' ? `${meta.generateName}(generated)` : '');
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : req.namespace;
  const creationTimestamp = meta.creationTimestamp ?? (req.operation === 'CREATE' ? now : undefined);
  return { ...obj, metadata: { ...meta, name, namespace, ...(creationTimestamp ? { creationTimestamp } : {}) } };
}

/**
 * The store with the reviewed Ingress in place of its stored version (or removed, for the
 * "before" picture). Only the Ingresses that can interact with it are listed — the ones sharing a
 * host, or a default backend — so the cost of a review follows the object, not the store size.
 */
class ReviewView implements StoreView {
  private readonly ingresses: readonly Ingress[];
  private readonly base: StoreView;
  private readonly reviewed: Ingress | null;
  private readonly key: string;

  constructor(base: StoreView, reviewed: Ingress | null, key: string) {
    this.base = base;
    this.reviewed = reviewed;
    this.key = key;
    const probe = reviewed ?? base.get('Ingress', key) ?? null;
    const hosts = probe ? hostsOf(probe) : new Set<string>();
    const dflt = probe ? hasDefaultBackend(probe) : false;
    const others = base.list('Ingress').filter((i) => {
      if (nsName(i.metadata?.namespace ?? '', i.metadata?.name ?? '') === key) return false;
      if (dflt && hasDefaultBackend(i)) return true;
      for (const h of hostsOf(i)) if (hosts.has(h)) return true;
      return false;
    });
    this.ingresses = reviewed ? [...others, reviewed] : others;
  }

  get<K extends Kind>(kind: K, key: string): ObjectOfKind<K> | undefined {
    if (kind === 'Ingress' && key === this.key) return (this.reviewed ?? undefined) as ObjectOfKind<K> | undefined;
    return this.base.get(kind, key);
  }

  list<K extends Kind>(kind: K): readonly ObjectOfKind<K>[] {
    return kind === 'Ingress' ? (this.ingresses as unknown as readonly ObjectOfKind<K>[]) : this.base.list(kind);
  }

  ingressesForService(k: string): readonly string[] {
    return this.base.ingressesForService(k);
  }

  ingressesForSecret(k: string): readonly string[] {
    return this.base.ingressesForSecret(k);
  }

  slicesForService(k: string): readonly never[] {
    return this.base.slicesForService(k) as never[];
  }
}

/** Only the IngressClasses of the store: the object judged on its own. */
class EmptyView implements StoreView {
  private readonly base: StoreView;
  constructor(base: StoreView) {
    this.base = base;
  }
  get<K extends Kind>(kind: K, key: string): ObjectOfKind<K> | undefined {
    return kind === 'IngressClass' ? this.base.get(kind, key) : undefined;
  }
  list<K extends Kind>(kind: K): readonly ObjectOfKind<K>[] {
    return kind === 'IngressClass' ? this.base.list(kind) : [];
  }
  ingressesForService(): readonly string[] {
    return [];
  }
  ingressesForSecret(): readonly string[] {
    return [];
  }
  slicesForService(): readonly never[] {
    return [];
  }
}

function hostsOf(ing: Ingress): Set<string> {
  const out = new Set<string>();
  const rules = Array.isArray(ing?.spec?.rules) ? ing.spec.rules : [];
  for (const r of rules) out.add(typeof r?.host === 'string' ? r.host.toLowerCase() : '');
  return out;
}

function hasDefaultBackend(ing: Ingress): boolean {
  return typeof ing?.spec?.defaultBackend === 'object' && ing.spec.defaultBackend !== null;
}
