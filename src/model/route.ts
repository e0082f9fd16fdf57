import type { PathMatch } from './match.ts';
import type { ClientCertPolicy, RouteAccess } from './access.ts';
import type { RouteBalancing } from './balancing.ts';
import type { RouteActions } from './route-actions.ts';
import type { UpstreamPolicy } from './upstream.ts';

/** Where a matched request goes. */
export type RouteBackend =
  | { readonly kind: 'cluster'; readonly clusterId: string }
  /** Backend could not be resolved (missing Service/port, ExternalName not allowed…): 503 with `reason`. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Where the Route came from: used for metrics labels, logs and `explain`. */
export interface RouteOrigin {
  /** `namespace/name` of the Ingress. */
  readonly ingress: string;
  /** Index of the rule in spec.rules, or -1 for spec.defaultBackend. */
  readonly rule: number;
  /** Index of the path in the rule, or -1 for spec.defaultBackend. */
  readonly path: number;
}

export interface Route {
  /** Stable readable id: `ns/ingress#rule.path` or `ns/ingress#default`. */
  readonly id: string;
  readonly origin: RouteOrigin;
  readonly match: PathMatch;
  readonly backend: RouteBackend;
  /** Service name (`namespace/name`) for metrics, '' when the backend is not a Service. */
  readonly service: string;
  /** HTTP listener answers 308 to https (SPEC §1.9). */
  readonly sslRedirect: boolean;
  /** Access-control policies (src/model/access.ts); absent when the route has none. */
  readonly access?: RouteAccess;
  /** Balancing asked by the Ingress (hash key, cookie affinity, policy); absent = the Cluster's. */
  readonly balancing?: RouteBalancing;
  /** Annotation actions (rewrite, redirects, canary…); absent when there are none. */
  readonly actions?: RouteActions;
  /** Protocol, TLS, timeouts, retries and body limit towards the upstream; absent ⇒ process defaults. */
  readonly upstream?: UpstreamPolicy;
}

export type HostKind = 'exact' | 'wildcard' | 'any';

export interface VirtualHost {
  /** Lower-case host; `*.example.com` for wildcards; '' for rules without host. */
  readonly hostname: string;
  readonly kind: HostKind;
  /** Sorted by precedence (SPEC §1.5): longest path first, Exact before Prefix at equal length. */
  readonly routes: readonly Route[];
  /**
   * SPEC §1.8 [choice] (1): defaultBackend of the oldest Ingress declaring this host, used when
   * the host matched and no path did. Null otherwise.
   */
  readonly fallback: Route | null;
  /** Id of the Certificate serving this host over TLS, or null (default certificate). README "TLS". */
  readonly certificateId: string | null;
  /** Client certificates asked in this host's handshakes (auth-tls-*); absent ⇒ none. */
  readonly clientCertificate?: ClientCertPolicy;
}
