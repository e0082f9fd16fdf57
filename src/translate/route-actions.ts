// Routing annotations of one Ingress → the RouteActions of each of its Routes (model/route-actions.ts).
// ingress-nginx v1.15 semantics, each cited where it is decided; README "Annotations" lists where
// Portico differs.

import { canary as c, routing as r } from '../k8s/annotations/index.ts';
import { nsName } from '../k8s/keys.ts';
import type { StoreView } from '../store/store.ts';
import type { CanaryAction, RouteActions } from '../model/route-actions.ts';
import { hasActions, NO_ACTIONS } from '../model/route-actions.ts';
import type { RouteBackend } from '../model/route.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ParsedIngress, ParsedPath, ServiceRef } from './ingress.ts';

export interface ResolvedBackend {
  readonly backend: RouteBackend;
  readonly service: string;
}

export type Resolve = (ing: ParsedIngress, ref: ServiceRef) => ResolvedBackend;

/** The actions every Route of `ing` shares, and a function adding the per-path ones. */
export function ingressActions(view: StoreView, ing: ParsedIngress, resolve: Resolve, diags: Diagnostic[]): (p: ParsedPath | null) => RouteActions | undefined {
  const a = ing.annotations;
  // ingress-nginx redirect.Parse: temporal-redirect is read first and wins over permanent-redirect.
  const temporal = a.get(r.temporalRedirect);
  const permanent = a.get(r.permanentRedirect);
  const redirect = temporal !== undefined
    ? { url: temporal.parts, code: a.valueOr(r.temporalRedirectCode, 302) }
    : permanent !== undefined ? { url: permanent.parts, code: a.valueOr(r.permanentRedirectCode, 301) } : null;
  if (temporal !== undefined && permanent !== undefined) {
    diags.push(diagnostic(ing.ref, 'AnnotationOverridden', 'temporal-redirect and permanent-redirect are both set; temporal-redirect wins as in ingress-nginx', 'warning'));
  }
  const base: RouteActions = {
    ...NO_ACTIONS,
    appRoot: a.get(r.appRoot)?.parts ?? null,
    redirect,
    upstreamHost: a.get(r.upstreamVhost) ?? null,
    forwardedPrefix: a.get(r.xForwardedPrefix)?.parts ?? null,
    defaultBackend: defaultBackendOf(view, ing, resolve, diags),
  };
  const rewrite = a.get(r.rewriteTarget);
  return (p) => {
    // ingress-nginx needsRewrite: a target equal to the location path means no rewrite.
    const rw = rewrite !== undefined && p !== null && rewrite.raw !== p.declared.path ? rewrite.parts : null;
    const actions = rw === null ? base : { ...base, rewrite: rw };
    return hasActions(actions) ? actions : undefined;
  };
}

/**
 * default-backend annotation (ingress-nginx defaultbackend/main.go and docs "Default Backend"): a
 * Service of the same namespace, its first port, answering when the path's Service has no
 * active endpoint.
 */
function defaultBackendOf(view: StoreView, ing: ParsedIngress, resolve: Resolve, diags: Diagnostic[]): ResolvedBackend | null {
  const name = ing.annotations.get(r.defaultBackend);
  if (name === undefined) return null;
  const svc = view.get('Service', nsName(ing.namespace, name));
  const ports = Array.isArray(svc?.spec?.ports) ? svc.spec.ports : [];
  const first = ports[0];
  if (!svc || first === undefined || typeof first.port !== 'number') {
    diags.push(diagnostic(ing.ref, 'ServiceNotFound', `annotation default-backend: Service ${nsName(ing.namespace, name)} ${svc ? 'has no port' : 'not found'}; not used`, 'warning'));
    return null;
  }
  return resolve(ing, { name, port: { number: first.port } });
}

/** Canary settings of a canary Ingress (ingress-nginx canary/main.go), without the backend. */
export function canaryOf(ing: ParsedIngress): Omit<CanaryAction, 'backend' | 'service'> | null {
  const a = ing.annotations;
  if (a.get(c.canary) !== true) return null;
  const header = a.get(c.canaryByHeader) ?? null;
  return {
    ingress: ing.key,
    header,
    // docs: by-header-value and by-header-pattern only extend canary-by-header.
    headerValue: header === null ? null : a.get(c.canaryByHeaderValue) ?? null,
    headerPattern: header === null ? null : a.get(c.canaryByHeaderPattern) ?? null,
    cookie: a.get(c.canaryByCookie) ?? null,
    weight: a.valueOr(c.canaryWeight, 0),
    weightTotal: a.valueOr(c.canaryWeightTotal, 100),
    ...(a.get(c.affinityCanaryBehavior) === 'legacy' ? { affinityLegacy: true } : {}),
  };
}
