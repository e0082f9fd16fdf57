// Access-control policies of a Route as plain data (ARCHITECTURE.md "Model": serialisable, no
// Kubernetes types). Translate builds them from the ingress-nginx access annotations; the
// dataplane compiles them into a policy chain (src/dataplane/http/policies/). The checks run in
// ACCESS_ORDER, which `explain` lists as is.

/** The order every request meets the policies in (README "Access control"). */
export const ACCESS_ORDER = ['source-range', 'rate-limit', 'client-certificate', 'basic-auth', 'external-auth', 'cors-preflight'] as const;
export type AccessStep = (typeof ACCESS_ORDER)[number];

export interface RouteAccess {
  readonly sourceRange: SourceRangePolicy | null;
  readonly rateLimit: RateLimitPolicy | null;
  readonly basicAuth: BasicAuthPolicy | null;
  readonly externalAuth: ExternalAuthPolicy | null;
  readonly cors: CorsPolicy | null;
  /**
   * Client-certificate authentication of the route's host (ingress-nginx authtls, server-level):
   * every route of a host carries the same policy; absent or null ⇒ none.
   */
  readonly clientCert?: ClientCertPolicy | null;
}

/** nginx ssl_verify_client modes (ngx_http_ssl_module). */
export type ClientCertVerify = 'on' | 'off' | 'optional' | 'optional_no_ca';

/**
 * ingress-nginx authtls (auth-tls-*): the CA bundle and CRL of the Secret, checked in the TLS
 * handshake of the host's SNI name and again per request against the route chosen by Host.
 */
export interface ClientCertPolicy {
  /** `ns/name` of the Secret holding ca.crt (and ca.crl). */
  readonly secret: string;
  /** `namespace/name` of the Ingress the policy came from (the oldest setting it for the host). */
  readonly ingress: string;
  readonly caPem: string;
  readonly crlPem: string | null;
  readonly verify: ClientCertVerify;
  /** Intermediate certificates allowed between the client certificate and the CA (nginx ssl_verify_depth). */
  readonly depth: number;
  /** Absolute http(s) URL the client is redirected to (302) on a missing or bad certificate. */
  readonly errorPage: string | null;
  /** Send the URL-escaped PEM in ssl-client-cert. */
  readonly passCertificate: boolean;
  /** Regex (re2js) matched against the RFC 2253 subject DN, `CN=` prefix included; null ⇒ none. */
  readonly matchCn: string | null;
  /**
   * sha256 of what the handshake depends on (CA, CRL, mode): a connection whose handshake used
   * another key was not verified for this host (421, nginx ngx_http_set_virtual_server).
   */
  readonly key: string;
}

/** ingress-nginx cors (enable-cors and cors-*), defaults filled in. */
export interface CorsPolicy {
  /** `*`, or origins `scheme://host[:port]` where host may start with `*.` (one label). */
  readonly origins: readonly string[];
  readonly methods: string;
  readonly headers: string;
  readonly expose: string;
  readonly credentials: boolean;
  readonly maxAge: number;
}

/**
 * ingress-nginx ipallowlist/ipdenylist: outside `allow` (when not empty) or inside `deny` ⇒ 403.
 * Entries are normalised CIDRs (`10.0.0.0/8`, `2001:db8::/32`; a bare address is /32 or /128).
 */
export interface SourceRangePolicy {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** Where each list came from: the annotation or the global `--allowlist/denylist-source-range`. */
  readonly allowFrom: 'annotation' | 'default' | null;
  readonly denyFrom: 'annotation' | 'default' | null;
}

/**
 * ingress-nginx ratelimit (nginx limit_req ... burst=<limit × multiplier> nodelay, limit_conn), per
 * client address and per replica. null fields are limits not set.
 */
export interface RateLimitPolicy {
  readonly rps: number | null;
  readonly rpm: number | null;
  readonly burstMultiplier: number;
  /** Requests in progress at once per client (nginx limit_conn counts requests being processed). */
  readonly connections: number | null;
  /** Normalised CIDRs never limited (limit-allowlist / limit-whitelist). */
  readonly exempt: readonly string[];
}

/** One htpasswd line, already split; `hash` keeps its scheme prefix (`$2y$`, `$apr1$`, `{SHA}`…). */
export interface HtpasswdEntry {
  readonly user: string;
  readonly hash: string;
}

/** ingress-nginx auth (auth-type basic): 401 with `WWW-Authenticate: Basic realm="…"`. */
export interface BasicAuthPolicy {
  readonly realm: string;
  /** `ns/name` of the Secret the entries came from (for explain and logs; never its content). */
  readonly secret: string;
  /** Sorted by user; a user listed twice keeps the first line (htpasswd/nginx read order). */
  readonly users: readonly HtpasswdEntry[];
}

/**
 * A value with the closed set of variables Portico expands itself (README "External
 * authentication"); nothing else of the text is interpreted.
 */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'scheme' | 'host' | 'request_uri' | 'escaped_request_uri' }
  | { readonly kind: 'http' | 'arg'; readonly name: string };

export type Template = readonly TemplatePart[];

/** Where the auth subrequest goes: a URL (DNS), or the endpoints of a known Service. */
export type AuthTarget =
  | { readonly kind: 'url'; readonly origin: string }
  | { readonly kind: 'cluster'; readonly clusterId: string; readonly scheme: 'http' | 'https' };

export interface AuthCacheRule {
  /** Auth response statuses this rule caches. */
  readonly statuses: readonly number[];
  readonly seconds: number;
}

/** ingress-nginx authreq (auth-url and friends). */
export interface ExternalAuthPolicy {
  /** The auth-url as written, without credentials (for explain). */
  readonly url: string;
  readonly target: AuthTarget;
  /** Host header of the subrequest (the auth-url's host[:port]). */
  readonly authority: string;
  /** Path and query of the subrequest; variables only here, never in scheme or host. */
  readonly path: Template;
  /** null ⇒ the client's method. */
  readonly method: string | null;
  readonly signin: Template | null;
  readonly signinRedirectParam: string;
  /** Lower-case header names copied from a 2xx auth response into the upstream request. */
  readonly responseHeaders: readonly string[];
  /** X-Auth-Request-Redirect; null ⇒ the original request URI. */
  readonly requestRedirect: Template | null;
  /** null ⇒ no cache (ingress-nginx caches only with auth-cache-key). */
  readonly cacheKey: Template | null;
  readonly cacheRules: readonly AuthCacheRule[];
  /** Set-Cookie of the auth response is passed to the client on every status, not only 2xx. */
  readonly alwaysSetCookie: boolean;
  /** Extra subrequest headers (auth-proxy-set-headers ConfigMap), names lower-case. */
  readonly proxySetHeaders: readonly { readonly name: string; readonly value: Template }[];
}

