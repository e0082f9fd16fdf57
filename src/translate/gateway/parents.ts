// Route ↔ Gateway plumbing shared by the route translators (index.ts, l4-routes.ts): which
// parentRefs name a Gateway, the parentRef as status reports it, allowedRoutes.namespaces, and the
// age order routes are processed in (gateway-api apis/v1/shared_types.go ParentReference,
// gateway_types.go RouteNamespaces).
import type { ParentReference } from '../../k8s/gateway-types.ts';
import type { KubeObject } from '../../k8s/types.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { ServedListener } from './listeners.ts';
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
