// What a Route does besides forwarding to its backend, from the routing annotations (ingress-nginx
// v1.15 semantics; README "Annotations"). Plain serialisable data: the dataplane compiles it at
// apply time (dataplane/http/route-actions.ts).

import type { RouteBalancing } from './balancing.ts';
import type { RouteBackend } from './route.ts';

/** nginx variables Portico expands itself; anything else was refused by translate. */
export type ExpandedVariable = 'scheme' | 'host' | 'http_host' | 'request_uri' | 'uri' | 'args' | 'is_args' | 'query_string';

/** A value with variables: literal text, a closed-set nginx variable, or a path-regex capture $1..$9. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly name: ExpandedVariable }
  | { readonly kind: 'group'; readonly index: number };

export interface RedirectAction {
  readonly url: readonly TemplatePart[];
  /** 300-308. */
  readonly code: number;
}

/** Alternative backend of a canary Ingress (precedence: header, then cookie, then weight). */
export interface CanaryAction {
  readonly ingress: string;
  readonly backend: RouteBackend;
  readonly service: string;
  readonly header: string | null;
  readonly headerValue: string | null;
  /** RE2 pattern, used only when headerValue is null. */
  readonly headerPattern: string | null;
  readonly cookie: string | null;
  readonly weight: number;
  readonly weightTotal: number;
  /** `affinity-canary-behavior: legacy`: the main route's cookie affinity does not apply on the canary side. */
  readonly affinityLegacy?: boolean;
  /**
   * The canary Ingress's own `load-balance` / `upstream-hash-by` (ingress-nginx keeps those of a
   * canary, and only those besides affinity: docs "Canary"); absent when it sets none.
   */
  readonly balancing?: RouteBalancing;
}

export interface RouteActions {
  /** app-root: a request for exactly '/' gets 302 to this. */
  readonly appRoot: readonly TemplatePart[] | null;
  /** permanent-redirect / temporal-redirect. */
  readonly redirect: RedirectAction | null;
  /** from-to-www-redirect: 308 to this host, scheme and request URI kept. */
  readonly hostRedirect: string | null;
  /** rewrite-target: the upstream path (query kept). */
  readonly rewrite: readonly TemplatePart[] | null;
  /** upstream-vhost: Host header sent upstream. */
  readonly upstreamHost: string | null;
  /** x-forwarded-prefix. */
  readonly forwardedPrefix: readonly TemplatePart[] | null;
  readonly canary: CanaryAction | null;
  /** default-backend annotation: used when the backend has no ready endpoint. */
  readonly defaultBackend: { readonly backend: RouteBackend; readonly service: string } | null;
}

export const NO_ACTIONS: RouteActions = {
  appRoot: null, redirect: null, hostRedirect: null, rewrite: null, upstreamHost: null,
  forwardedPrefix: null, canary: null, defaultBackend: null,
};

export function hasActions(a: RouteActions): boolean {
  return a.appRoot !== null || a.redirect !== null || a.hostRedirect !== null || a.rewrite !== null ||
    a.upstreamHost !== null || a.forwardedPrefix !== null || a.canary !== null || a.defaultBackend !== null;
}
