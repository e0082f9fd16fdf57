// Balancing, affinity and health settings as the Snapshot carries them: plain serialisable data,
// filled by translate from Service and Ingress annotations, compiled by the dataplane at apply
// time (ARCHITECTURE.md "Model"). No Kubernetes types, no functions.

/**
 * Every policy behind the one Balancer interface (src/dataplane/balancer/). The HTTP names follow
 * ingress-nginx `load-balance` (round_robin, ewma) plus Portico's own; the L4 names are the ipvs
 * schedulers (ipvsadm(8) "-s scheduling-method"; SPEC §5.3).
 */
export type BalancerPolicy =
  | 'round-robin'
  | 'least-connections'
  | 'source-hash'
  | 'least-request'
  | 'random'
  | 'ewma'
  | 'ring-hash'
  | 'maglev'
  | 'weighted-round-robin'
  | 'weighted-least-connections'
  | 'destination-hash'
  | 'shortest-expected-delay'
  | 'never-queue';

/** One input of a hash key (`upstream-hash-by`), from a closed set of nginx variables. */
export type HashPart =
  /** `$remote_addr`, `$binary_remote_addr`: the client address as Portico sees it. */
  | { readonly kind: 'client-address' }
  /** `$request_uri`: path and query as the client sent them. */
  | { readonly kind: 'request-uri' }
  /** `$uri`: the normalised path without query. */
  | { readonly kind: 'uri' }
  /** `$host`. */
  | { readonly kind: 'host' }
  /** `$http_x_foo`: the request header `x-foo` (lower case, `_` → `-`). */
  | { readonly kind: 'header'; readonly name: string }
  /** `$cookie_foo`: the value of cookie `foo`. */
  | { readonly kind: 'cookie'; readonly name: string }
  /** `$arg_foo`: the query parameter `foo`. */
  | { readonly kind: 'arg'; readonly name: string }
  /** Literal text between variables (e.g. the `-` in `$host-$request_uri`). */
  | { readonly kind: 'literal'; readonly text: string };

export interface HashBy {
  readonly parts: readonly HashPart[];
  /** `upstream-hash-by-subset-size` when `upstream-hash-by-subset` is true; 0 = no subsets. */
  readonly subsetSize: number;
}

/** `affinity: cookie` and its `session-cookie-*` keys (ingress-nginx sessionaffinity). */
export interface CookieAffinity {
  readonly mode: 'balanced' | 'persistent';
  readonly name: string;
  /** Null: the matched path of the route. */
  readonly path: string | null;
  readonly domain: string | null;
  readonly maxAgeSeconds: number | null;
  readonly expiresSeconds: number | null;
  readonly sameSite: 'None' | 'Lax' | 'Strict' | null;
  readonly conditionalSameSiteNone: boolean;
  readonly secure: boolean;
  readonly changeOnFailure: boolean;
}

/** What an Ingress asks of the balancing of its paths. */
export interface RouteBalancing {
  /** Overrides the Cluster's policy for these routes; null keeps it. */
  readonly policy: BalancerPolicy | null;
  readonly hashBy: HashBy | null;
  readonly cookie: CookieAffinity | null;
}

/** Active health checks (`portico.io/health-check-*`). */
export interface HealthCheck {
  /** HTTP path probed; null = TCP connect check. */
  readonly path: string | null;
  /** `https`: the probe speaks TLS (certificate not verified: a probe asks "alive?", not "trusted?"). */
  readonly scheme: 'http' | 'https';
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** Inclusive [low, high] status ranges counted as healthy. */
  readonly expectedStatuses: readonly (readonly [number, number])[];
}
