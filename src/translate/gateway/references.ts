// ReferenceGrant (gateway-api apis/v1/referencegrant_types.go): a reference from an object in one
// namespace to an object in another is allowed only when a ReferenceGrant in the *target*
// namespace lists the referrer's group/kind/namespace in `from` and the target's group/kind (and
// name, when set) in `to`. Also: namespace label selectors for listener allowedRoutes.
import type { StoreView } from '../../store/store.ts';
import type { LabelSelector } from '../../k8s/gateway-types.ts';

export interface RefFrom { readonly group: string; readonly kind: string; readonly namespace: string }
export interface RefTo { readonly group: string; readonly kind: string; readonly namespace: string; readonly name: string }

export function referenceAllowed(view: StoreView, from: RefFrom, to: RefTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const g of view.list('ReferenceGrant')) {
    if (g.metadata?.namespace !== to.namespace) continue;
    const spec = g.spec;
    if (!spec || !Array.isArray(spec.from) || !Array.isArray(spec.to)) continue;
    const fromOk = spec.from.some((f) => f && (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = spec.to.some((t) => t && (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name));
    if (toOk) return true;
  }
  return false;
}

/**
 * metav1.LabelSelector semantics: every matchLabels pair and every matchExpression must hold; an
 * empty selector matches everything. An operator Kubernetes does not define matches nothing
 * (never widen who may attach).
 */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const ml = sel.matchLabels;
  if (ml && typeof ml === 'object') {
    for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  }
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const key = typeof e?.key === 'string' ? e.key : '';
    const values = Array.isArray(e?.values) ? e.values : [];
    const has = Object.hasOwn(labels, key);
    switch (e?.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Labels of a Namespace object, with the `kubernetes.io/metadata.name` label the API server adds. */
export function namespaceLabels(view: StoreView, namespace: string): Record<string, string> {
  const ns = view.get('Namespace', namespace);
  const labels = ns?.metadata?.labels && typeof ns.metadata.labels === 'object' ? ns.metadata.labels : {};
  return { ...labels, 'kubernetes.io/metadata.name': namespace };
}
