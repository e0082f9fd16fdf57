// Route ↔ Gateway plumbing shared by the route translators (index.ts, l4-routes.ts): which
// parentRefs name a Gateway, the parentRef as status reports it, allowedRoutes.namespaces, and the
// age order routes are processed in (gateway-api apis/v1/shared_types.go ParentReference,
// gateway_types.go RouteNamespaces).
import type { ParentReference } from '../../k8s/gateway-types.ts';
import type { KubeObject } from '../../k8s/types.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { GatewayListeners, ServedListener } from './listeners.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { routeParentConditions } from './status-report.ts';
import { namespaceLabels, selectorMatches } from './references.ts';
import type { RouteParentReport } from './status-report-build.ts';

export function parentRefReport(p: ParentReference, routeNs: string): RouteParentReport['parentRef'] {
  return {
    group: p.group ?? GATEWAY_GROUP, kind: p.kind ?? 'Gateway', namespace: p.namespace ?? routeNs, name: p.name ?? '',
    ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}), ...(p.port !== undefined ? { port: p.port } : {}),
  };
}

export function isGatewayRef(p: ParentReference | undefined): p is ParentReference {
  return !!p && (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (p.kind ?? 'Gateway') === 'Gateway' && typeof p.name === 'string';
}

/** allowedRoutes.namespaces.from: Same (default), All, Selector (Namespace labels). */
export function namespaceAllowed(view: StoreView, l: ServedListener, routeNs: string): boolean {
  const ns = l.spec.allowedRoutes?.namespaces;
  const from = ns?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === (l.gateway.metadata?.namespace ?? '');
  if (from === 'Selector') return ns?.selector !== undefined && selectorMatches(ns.selector, namespaceLabels(view, routeNs));
  return false;
}

export function compareAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return cmp(nsName(a.metadata?.namespace ?? '', a.metadata?.name ?? ''), nsName(b.metadata?.namespace ?? '', b.metadata?.name ?? ''));
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const REF_REASONS: ReadonlySet<string> = new Set(['BackendNotFound', 'InvalidKind', 'RefNotPermitted']);

/** One parentRef of a single-rule route (TCPRoute, UDPRoute, TLSRoute) with the listeners it names. */
export interface ParentVisit {
  readonly where: string;
  /** The served listeners of its Gateway that sectionName and port select (never empty). */
  readonly candidates: readonly ServedListener[];
  /** Records this parentRef's conditions: `reason` null = Accepted. */
  readonly done: (reason: string | null, message: string) => void;
}

/**
 * The parentRefs of `route` that name Gateways of ours, each reported once: a route whose rule is
 * invalid is UnsupportedValue on every parent, a parentRef whose sectionName/port select no served
 * listener is NoMatchingParent (gateway-api shared_types.go ParentReference); the rest are visited.
 * ResolvedRefs comes from the backend diagnostics raised since `before` (BackendNotFound,
 * InvalidKind, RefNotPermitted).
 */
export function visitParents(route: KubeObject & { spec?: { parentRefs?: ParentReference[] } }, ours: readonly ParentReference[],
  listeners: GatewayListeners, invalid: string | null, ref: ObjectRef, diags: Diagnostic[], before: number,
  parentStatus: RouteParentReport[], visit: (v: ParentVisit) => void): void {
  const ns = route.metadata?.namespace ?? '';
  const refsProblem = diags.slice(before).find((d) => REF_REASONS.has(d.reason)) ?? null;
  const resolved = refsProblem === null ? null : { reason: refsProblem.reason, message: refsProblem.message };
  for (const p of ours) {
    const done = (reason: string | null, message: string) =>
      parentStatus.push({ parentRef: parentRefReport(p, ns), conditions: routeParentConditions(reason, message, resolved) });
    const gwKey = nsName(p.namespace ?? ns, p.name ?? '');
    const where = `parentRef Gateway ${gwKey}${p.sectionName ? ` sectionName ${p.sectionName}` : ''}${p.port ? ` port ${p.port}` : ''}`;
    if (invalid !== null) {
      done('UnsupportedValue', invalid);
      continue;
    }
    const entry = listeners.byGateway.get(gwKey)!;
    const candidates = entry.listeners.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
    if (candidates.length === 0) {
      const declared = p.sectionName === undefined || entry.names.has(p.sectionName);
      const message = declared ? 'no served listener matches' : 'no listener of that name';
      diags.push(diagnostic(ref, 'NoMatchingParent', `${where}: ${message}`));
      done('NoMatchingParent', message);
      continue;
    }
    visit({ where, candidates, done });
  }
}
