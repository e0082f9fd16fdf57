// Host-level routing annotations applied after every Ingress has claimed its rules: canary
// backends joining their main route, server-alias and from-to-www-redirect host names.

import { routing as r } from '../k8s/annotations/index.ts';
import type { HostKind, Route } from '../model/route.ts';
import { NO_ACTIONS } from '../model/route-actions.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ParsedIngress, ServiceRef } from './ingress.ts';
import { canaryOf, type ResolvedBackend } from './route-actions.ts';

export interface HostBucket {
  hostname: string;
  kind: HostKind;
  routes: Route[];
  /** `${type} ${path}` → id of the Route that claimed it first. */
  claimed: Map<string, string>;
  fallback: Route | null;
}

/**
 * Canary Ingresses (ingress-nginx docs "Canary"; controller mergeAlternativeBackends): each path
 * joins the main route with the same host, pathType and path as an alternative backend; of the
 * canary's other annotations only `load-balance` and `upstream-hash-by` are kept for its side
 * (docs: "all the other non-canary annotations will be ignored … except load-balance,
 * upstream-hash-by, and annotations related to session affinity"; the affinity is the main
 * route's, dataplane/http/canary-affinity.ts). A canary without a main
 * route is ignored; only one canary per route ("Known Limitations"), the oldest.
 */
export function attachCanary<R extends ResolvedBackend>(buckets: Map<string, HostBucket>, ing: ParsedIngress,
  resolve: (ing: ParsedIngress, ref: ServiceRef) => R, use: (r: R) => void, diags: Diagnostic[]): void {
  const spec = canaryOf(ing);
  if (spec === null) return;
  for (const rule of ing.rules) {
    const b = buckets.get(rule.hostname);
    for (const p of rule.paths) {
      const where = `spec.rules[${p.rule}].http.paths[${p.path}] (${rule.hostname || '*'} ${p.declared.type} ${p.declared.path})`;
      const i = b === undefined ? -1 : b.routes.findIndex((rt) => sameDeclared(rt, p.declared.type, p.declared.path));
      if (b === undefined || i === -1) {
        diags.push(diagnostic(ing.ref, 'CanaryWithoutMain', `${where}: no main Ingress serves this host and path; canary ignored`, 'warning'));
        continue;
      }
      const main = b.routes[i];
      const current = main.actions ?? NO_ACTIONS;
      if (current.canary !== null) {
        diags.push(diagnostic(ing.ref, 'RouteConflict', `${where}: route ${main.id} already has canary ${current.canary.ingress}; ignored`, 'warning'));
        continue;
      }
      const resolved = resolve(ing, p.service);
      use(resolved);
      const own = ing.balancing !== null && (ing.balancing.policy !== null || ing.balancing.hashBy !== null)
        ? { balancing: { policy: ing.balancing.policy, hashBy: ing.balancing.hashBy, cookie: null } } : {};
      b.routes[i] = { ...main, actions: { ...current, canary: { ...spec, backend: resolved.backend, service: resolved.service, ...own } } };
    }
  }
  if (ing.defaultBackend !== null) {
    diags.push(diagnostic(ing.ref, 'CanaryWithoutMain', 'spec.defaultBackend of a canary Ingress is not used', 'warning'));
  }
}

/** Route → the declared pathType and path it came from (its match, before use-regex). */
const declaredOf = new WeakMap<Route, { type: string; path: string }>();
export function rememberDeclared(route: Route, type: string, path: string): Route {
  declaredOf.set(route, { type, path });
  return route;
}
function sameDeclared(rt: Route, type: string, path: string): boolean {
  const d = declaredOf.get(rt) ?? rt.match;
  return d.type === type && d.path === path && rt.origin.rule >= 0;
}

/**
 * server-alias (ingress-nginx alias/main.go, docs "Server Alias"): more names for the server of
 * the Ingress's hosts. An alias another rule declares keeps its own rules (ingress-nginx: "A
 * server-alias name cannot conflict with the hostname of an existing server"). from-to-www-redirect
 * (docs "Redirect from/to www"): the other name answers 308 to the declared one, unless the other
 * name is declared too.
 */
export function addHostNames(buckets: Map<string, HostBucket>, ingresses: readonly ParsedIngress[], diags: Diagnostic[]): void {
  const declared = new Set(buckets.keys());
  for (const ing of ingresses) {
    const hosts = [...new Set(ing.rules.map((x) => x.hostname).filter((h) => h !== ''))];
    const aliases = ing.annotations.get(r.serverAlias) ?? [];
    const source = hosts.length > 0 ? buckets.get(hosts[0]) : undefined;
    for (const alias of aliases) {
      if (source === undefined) {
        diags.push(diagnostic(ing.ref, 'InvalidAnnotation', `server-alias ${alias}: the Ingress has no rule host to alias; ignored`, 'warning'));
        continue;
      }
      if (declared.has(alias) || buckets.has(alias)) {
        diags.push(diagnostic(ing.ref, 'RouteConflict', `server-alias ${alias} is already a host with rules of its own; alias ignored`, 'warning'));
        continue;
      }
      buckets.set(alias, { ...source, hostname: alias, kind: alias.startsWith('*.') ? 'wildcard' : 'exact', claimed: new Map() });
    }
    if (ing.annotations.get(r.fromToWwwRedirect) !== true) continue;
    for (const h of hosts) {
      if (h.startsWith('*.')) continue;
      const other = h.startsWith('www.') ? h.slice(4) : `www.${h}`;
      if (buckets.has(other)) continue;
      const redirect: Route = {
        id: `${ing.key}#www:${other}`,
        origin: { ingress: ing.key, rule: -1, path: -1 },
        match: { type: 'Prefix', path: '/' },
        backend: { kind: 'unavailable', reason: 'Redirect' },
        service: '',
        sslRedirect: false,
        actions: { ...NO_ACTIONS, hostRedirect: h },
      };
      buckets.set(other, { hostname: other, kind: 'exact', routes: [], claimed: new Map(), fallback: redirect });
    }
  }
}
