// One Ingress → checked, normalised rules (SPEC §1.1, §1.2). Bad input becomes a Diagnostic on this
// Ingress and only the offending rule or path is dropped (ARCHITECTURE.md "Translate"); nothing
// here throws, whatever shape the object has.

import { readAnnotations, routing, type AnnotationValues } from '../k8s/annotations/index.ts';
import { checkRegex } from '../k8s/annotations/grammar.ts';
import { nsName } from '../k8s/keys.ts';
import type { Ingress, IngressBackend } from '../k8s/types.ts';
import type { PathMatch } from '../model/match.ts';
import type { HealthCheck, RouteBalancing } from '../model/balancing.ts';
import { clampHealthTimeout, healthCheckFrom, healthTimeoutProblem, routeBalancingFrom } from '../k8s/annotations/balancing.ts';
import type { HostKind } from '../model/route.ts';
import type { RouteAccess } from '../model/access.ts';
import type { Cluster } from '../model/cluster.ts';
import { diagnostic, type Diagnostic, type DiagnosticReason, type ObjectRef } from '../model/diagnostic.ts';
import { checkHost, checkPath } from './paths.ts';
import { annotationDiagnostics, reportRows, type AnnotationReport } from './annotations.ts';

export interface ServiceRef {
  readonly name: string;
  readonly port: { number?: number; name?: string };
}

export interface ParsedPath {
  readonly rule: number;
  readonly path: number;
  /** What the router matches: `declared`, or a Regex on a use-regex / rewrite-target Ingress. */
  readonly match: PathMatch;
  /** pathType and path as written (ImplementationSpecific normalised): canaries pair on this. */
  readonly declared: PathMatch;
  readonly service: ServiceRef;
}

export interface ParsedRule {
  readonly rule: number;
  readonly hostname: string;
  readonly kind: HostKind;
  /** Empty for a rule without `http`: it still declares its host (SPEC §1.1 "http catch-all"). */
  readonly paths: readonly ParsedPath[];
}

export interface ParsedIngress {
  readonly ingress: Ingress;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly ref: ObjectRef;
  readonly rules: readonly ParsedRule[];
  readonly defaultBackend: ServiceRef | null;
  /** ssl-redirect (default true). */
  readonly sslRedirect: boolean;
  /** Access policies of every route of this Ingress (src/translate/access.ts), when any. */
  readonly access?: RouteAccess | null;
  /** Clusters the policies use (an auth-url naming a Service). */
  readonly accessClusters?: readonly Cluster[];
  /** Balancing annotations (k8s/annotations/balancing.ts); null when none. */
  readonly balancing: RouteBalancing | null;
  /** `portico.io/health-check-*` on the Ingress, for its Services' clusters; null when none. */
  readonly healthCheck: HealthCheck | null;
  /** Typed annotation values (k8s/annotations registry). */
  readonly annotations: AnnotationValues;
}

export interface ParseOptions {
  /** --serve-unenforced-annotations. */
  readonly serveUnenforcedAnnotations: boolean;
  /** Migration report rows are appended here when given. */
  readonly reports?: AnnotationReport[];
}

export function ingressRef(ing: Ingress): ObjectRef {
  const m = isRecord(ing?.metadata) ? ing.metadata : {};
  return {
    kind: 'Ingress',
    namespace: typeof m.namespace === 'string' ? m.namespace : '',
    name: typeof m.name === 'string' && m.name !== '' ? m.name : '(unnamed)',
  };
}

/**
 * Normalised view of one served Ingress, or null when nothing of it can be served (missing name,
 * spec not an object, neither rules nor defaultBackend — SPEC §1.2).
 */
export function parseIngress(ing: Ingress, diags: Diagnostic[], opts: ParseOptions = { serveUnenforcedAnnotations: false }): ParsedIngress | null {
  const ref = ingressRef(ing);
  const warn = (reason: DiagnosticReason, message: string) => diags.push(diagnostic(ref, reason, message, 'warning'));
  const error = (reason: DiagnosticReason, message: string) => diags.push(diagnostic(ref, reason, message, 'error'));
  if (!isRecord(ing?.metadata) || typeof ing.metadata.name !== 'string' || ing.metadata.name === '') {
    error('InvalidMetadata', 'metadata.name is required');
    return null;
  }
  if (!isRecord(ing.spec)) {
    error('InvalidIngress', 'spec must be an object');
    return null;
  }
  const namespace = typeof ing.metadata.namespace === 'string' ? ing.metadata.namespace : '';
  const name = ing.metadata.name;
  const spec = ing.spec;

  // Annotations first: a refused one drops the whole Ingress (its rules alone).
  const annotations = readAnnotations(ing, 'Ingress');
  const refused = annotationDiagnostics(ref, annotations, opts.serveUnenforcedAnnotations, diags);
  opts.reports?.push({ ingress: nsName(namespace, name), served: !refused, rows: reportRows(annotations) });
  if (refused) return null;
  const sslRedirect = annotations.valueOr(routing.sslRedirect, true);
  // ingress-nginx enforceRegexModifier: use-regex or rewrite-target turns paths into
  // `location ~* "^<path>"` (case-insensitive, anchored at the start, any pathType). Portico
  // applies it to this Ingress's own paths only (README "Annotations": use-regex).
  const regex = annotations.valueOr(routing.useRegex, false) || annotations.has(routing.rewriteTarget);
  // Balancing keys that only make sense together (k8s/annotations/balancing.ts).
  const bal = routeBalancingFrom(annotations, regex);
  const hc = healthCheckFrom(annotations);
  for (const p of bal.problems) warn('InvalidAnnotation', p);
  if (hc !== null && hc.timeoutMs >= hc.intervalMs) warn('InvalidAnnotation', healthTimeoutProblem(hc));

  let defaultBackend: ServiceRef | null = null;
  if (spec.defaultBackend !== undefined && spec.defaultBackend !== null) {
    const b = checkBackend(spec.defaultBackend);
    if (b.ok) defaultBackend = b.service;
    else diags.push(diagnostic(ref, b.reason, `spec.defaultBackend: ${b.message}`, b.severity));
  }

  const rules: ParsedRule[] = [];
  let rawRules: unknown[] = [];
  if (spec.rules !== undefined && spec.rules !== null) {
    if (Array.isArray(spec.rules)) rawRules = spec.rules;
    else error('InvalidIngress', 'spec.rules must be a list; rules ignored');
  }
  rawRules.forEach((r, ri) => {
    const at = `spec.rules[${ri}]`;
    if (!isRecord(r)) return error('InvalidRule', `${at} must be an object; rule ignored`);
    const host = checkHost(r.host);
    if (!host.ok) return error('InvalidHost', `${at}: ${host.message}; rule ignored`);
    const paths: ParsedPath[] = [];
    const http = r.http;
    if (http !== undefined && http !== null) {
      if (!isRecord(http) || !Array.isArray(http.paths)) {
        error('InvalidRule', `${at}.http.paths must be a list; rule ignored`);
        return;
      }
      http.paths.forEach((p, pi) => {
        const pat = `${at}.http.paths[${pi}]`;
        if (!isRecord(p)) return error('InvalidPath', `${pat} must be an object; path ignored`);
        const m = checkPath(p.pathType, p.path);
        if (!m.ok) return error('InvalidPath', `${pat}: ${m.message}; path ignored`);
        const b = checkBackend(p.backend);
        if (!b.ok) return diags.push(diagnostic(ref, b.reason, `${pat}: ${b.message}`, b.severity));
        let match: PathMatch = m.value;
        if (regex) {
          const bad = checkRegex(m.value.path);
          if (bad !== null) return error('InvalidPath', `${pat}: ${bad} (use-regex); path ignored`);
          match = { type: 'Regex', path: m.value.path };
        }
        paths.push({ rule: ri, path: pi, match, declared: m.value, service: b.service });
      });
      // K-VAL requires at least one path; all paths invalid also leaves the host declared but
      // empty, which sends its traffic to the Ingress's defaultBackend like a rule without http.
    }
    rules.push({ rule: ri, hostname: host.value.hostname, kind: host.value.kind, paths });
  });

  if (rawRules.length === 0 && (spec.defaultBackend === undefined || spec.defaultBackend === null)) {
    error('InvalidIngress', 'spec must have rules or a defaultBackend (SPEC §1.2); Ingress ignored');
    return null;
  }
  return { ingress: ing, key: nsName(namespace, name), namespace, name, ref, rules, defaultBackend, sslRedirect,
    balancing: bal.value, healthCheck: hc === null ? null : clampHealthTimeout(hc), annotations };
}

type BackendCheck =
  | { ok: true; service: ServiceRef }
  | { ok: false; reason: DiagnosticReason; message: string; severity: 'error' | 'warning' };

/** IngressBackend: exactly one of service/resource; service port exactly one of name/number (SPEC §1.1). */
export function checkBackend(b: unknown): BackendCheck {
  const bad = (message: string): BackendCheck => ({ ok: false, reason: 'InvalidBackend', message, severity: 'error' });
  if (!isRecord(b)) return bad('backend must be an object');
  const backend = b as IngressBackend;
  const hasService = backend.service !== undefined && backend.service !== null;
  const hasResource = backend.resource !== undefined && backend.resource !== null;
  if (hasService && hasResource) return bad('backend must set only one of service and resource');
  if (hasResource) {
    // SPEC §1.7 [choice]: a non-Service backend is treated as absent, so requests it would have
    // taken fall to the default backend (or 404), like ingress-nginx; the path is dropped.
    const r = isRecord(backend.resource) ? backend.resource : {};
    return {
      ok: false,
      reason: 'ResourceBackendUnsupported',
      message: `resource backend ${String(r.kind ?? '?')}/${String(r.name ?? '?')} is not supported; treated as absent (requests fall to the default backend)`,
      severity: 'warning',
    };
  }
  if (!hasService) return bad('backend must set service or resource');
  const s = backend.service;
  if (!isRecord(s)) return bad('backend.service must be an object');
  if (typeof s.name !== 'string' || s.name === '') return bad('backend.service.name is required');
  if (!isRecord(s.port)) return bad(`backend.service.port is required for Service ${s.name}`);
  const hasName = s.port.name !== undefined && s.port.name !== null && s.port.name !== '';
  const hasNumber = s.port.number !== undefined && s.port.number !== null;
  if (hasName === hasNumber) return bad(`backend.service.port must set exactly one of name and number (Service ${s.name})`);
  if (hasName) {
    if (typeof s.port.name !== 'string') return bad('backend.service.port.name must be a string');
    return { ok: true, service: { name: s.name, port: { name: s.port.name } } };
  }
  const n = s.port.number;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 65535) {
    return bad(`backend.service.port.number ${JSON.stringify(n)} must be an integer 1-65535`);
  }
  return { ok: true, service: { name: s.name, port: { number: n } } };
}

/**
 * SPEC §1.8: oldest first by creationTimestamp, ties by `namespace/name` in descending order
 * (ingress-nginx sortIngressSlice). A missing or unreadable timestamp counts as the epoch (files
 * carry none).
 */
export function compareIngressAge(a: Ingress, b: Ingress): number {
  const ta = timestampOf(a);
  const tb = timestampOf(b);
  if (ta !== tb) return ta - tb;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? 1 : ka > kb ? -1 : 0;
}

/**
 * The Ingresses in compareIngressAge order, each timestamp and key computed once instead of in
 * every comparison (Date.parse ran ~2·n·log n times per translate, docs/benchmarks/http.md).
 */
export function sortIngressesByAge(list: Iterable<Ingress>): Ingress[] {
  const rows = [...list].map((ing) => ({ ing, t: timestampOf(ing), k: keyOf(ing) }));
  rows.sort((a, b) => a.t !== b.t ? a.t - b.t : a.k < b.k ? 1 : a.k > b.k ? -1 : 0);
  return rows.map((r) => r.ing);
}

function timestampOf(ing: Ingress): number {
  const t = ing?.metadata?.creationTimestamp as unknown;
  const ms = typeof t === 'string' ? Date.parse(t) : t instanceof Date ? t.getTime() : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

function keyOf(ing: Ingress): string {
  const r = ingressRef(ing);
  return nsName(r.namespace, r.name);
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
