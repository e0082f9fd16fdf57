// `portico explain` and /debug/explain: which host bucket, route and backend a request reaches, and
// why. It calls the hot path's own parseTarget and RouteTable.resolve, so the answer is what
// traffic gets; only the "why" (rule, fallback or default) is read off afterwards.

import { normalizeHost, parseTarget, type EscapedSlashes } from './request-target.ts';
import type { RouteTable } from './route-table.ts';
import type { CompiledRoute } from './compiled-route.ts';
import { describeUpstream } from '../../model/upstream.ts';

export interface Explanation {
  host: string | null;
  /** The normalised path rules were matched against (request-target.ts normalizePath). */
  path: string;
  /** The path as given, before normalisation. */
  requestPath: string;
  /** Why the target would be refused with 400, or null. */
  targetError: string | null;
  /** Host bucket chosen (SPEC §1.5): exact, wildcard ('*.x.y'), hostless, or none. */
  bucket: { kind: 'exact' | 'wildcard' | 'hostless' | 'none'; hostname: string | null };
  /** How the route was found: a rule of the bucket, the bucket's fallback, the default route, or nothing (404). */
  matchedBy: 'rule' | 'fallback' | 'default' | 'none';
  route: { id: string; ingress: string; rule: number; pathIndex: number; match: { type: string; path: string } } | null;
  backend: { kind: 'cluster'; clusterId: string; service: string } | { kind: 'unavailable'; reason: string } | null;
  endpoints: {
    id: string; ready: boolean; inflight: number; healthy: boolean;
    /** Passive health: ejected now, for how much longer, why; active checks' verdict. */
    ejected: boolean; ejectedForMs: number; ejectionReason: string | null; activeHealthy: boolean;
  }[];
  /** The policy the route picks with (its Ingress's balancing, else the Service's). */
  balancer: { policy: string; hashBy: boolean; affinity: 'cookie' | 'ClientIP' | null } | null;
  /** Status Portico itself would answer with, or null when the request is forwarded. */
  status: number | null;
  sslRedirect: boolean;
  /** Access policies the request meets, in the order they run (src/model/access.ts ACCESS_ORDER). */
  policies: { step: string; detail: string }[];
  /** Routing annotations of the route (README "Annotations"), or null. */
  actions: import('../../model/route-actions.ts').RouteActions | null;
  /** What the route does with this request under its annotations: a redirect, or the upstream path. */
  annotationResult: { redirect: { status: number; location: string } } | { upstreamPath: string } | { status: 414 } | null;
  /** Protocol, TLS verification mode, timeouts, retries and body limit towards the upstream. */
  upstream: Record<string, unknown> | null;
  /**
   * Set when the host's TLS connections on the HTTPS port are passed through undecrypted (README
   * "TLS passthrough"): the route above then serves plain HTTP only.
   */
  tlsPassthrough?: { clusterId: string | null; ingress: string };
  /** Gateway API: listener, rule and why the others lost (gateway-explain.ts); absent without Gateways. */
  gateway?: import('./gateway-explain.ts').GatewayExplanation;
  /** Which HTTP/1.1 engine answers on each port, and why node:http when it does (src/dataplane/http1/explain-engine.ts). */
  http1Engine?: import('../http1/explain-engine.ts').EngineExplanation;
}

export interface ExplainDefaults {
  readonly connectTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly maxBodyBytes: number;
}

export function explainRequest(table: RouteTable, rawHost: string | undefined, rawPath: string, escapedSlashes: EscapedSlashes = 'keep',
  defaults: ExplainDefaults = { connectTimeoutMs: 5000, upstreamTimeoutMs: 60_000, maxBodyBytes: 0 }): Explanation {
  const target = parseTarget(rawPath === '' ? '/' : rawPath, escapedSlashes);
  const host = normalizeHost(target.authority ?? rawHost);
  const bucket = target.error === null ? table.selectHost(host) : null;
  const route: CompiledRoute | null = target.error === null ? table.resolve(host, target.path) : null;
  const matchedBy: Explanation['matchedBy'] = route === null ? 'none'
    : bucket !== null && bucket.router.find(target.path)?.value === route ? 'rule'
      : bucket !== null && bucket.fallback === route ? 'fallback' : 'default';
  const now = Date.now();
  const cluster = route?.cluster ?? null;
  return {
    host,
    path: target.path,
    requestPath: rawPath.split(/[?#]/)[0],
    targetError: target.error,
    bucket: bucket === null ? { kind: 'none', hostname: null } : { kind: bucket.kind, hostname: bucket.hostname },
    matchedBy,
    route: route === null ? null : {
      id: route.id,
      ingress: route.ingress,
      rule: route.route.origin.rule,
      pathIndex: route.route.origin.path,
      match: { type: route.route.match.type, path: route.route.match.path },
    },
    backend: route === null ? null : cluster !== null
      ? { kind: 'cluster', clusterId: cluster.id, service: route.service }
      : { kind: 'unavailable', reason: route.unavailableReason ?? 'unknown' },
    endpoints: cluster === null ? [] : cluster.endpoints.map((e) => {
      const s = cluster.states.get(e.id);
      const ejected = s?.outlier.ejected(now) ?? false;
      return {
        id: e.id, ready: e.ready, inflight: s?.inflight ?? 0, healthy: s?.healthy(now) ?? true,
        ejected, ejectedForMs: ejected ? s!.outlier.ejectedUntil - now : 0,
        ejectionReason: ejected ? s!.outlier.lastReason : null, activeHealthy: s?.activeHealthy ?? true,
      };
    }),
    balancer: cluster === null || route === null ? null : {
      policy: (route.balancing?.balancer ?? cluster.balancer).policy,
      hashBy: route.balancing?.hashKey != null,
      affinity: route.balancing?.sticky != null ? 'cookie' : cluster.cluster.sessionAffinity.type === 'ClientIP' ? 'ClientIP' : null,
    },
    status: target.error !== null ? 400 : route === null ? 404 : cluster === null ? 503 : cluster.endpoints.length === 0 ? 503 : null,
    sslRedirect: route?.sslRedirect ?? false,
    policies: route?.policies?.describe() ?? [],
    actions: route?.route.actions ?? null,
    annotationResult: route?.actions ? annotationResult(route, host, rawHost, target) : null,
    upstream: route === null ? null : effectiveUpstream(route, defaults),
  };
}

/** The policy with the process defaults filled in: what a request on this route would get. */
function effectiveUpstream(route: CompiledRoute, d: ExplainDefaults): Record<string, unknown> {
  const p = route.route.upstream;
  const shown = describeUpstream(p);
  return {
    ...shown,
    connectTimeoutMs: p?.connectTimeoutMs ?? d.connectTimeoutMs,
    readTimeoutMs: p?.readTimeoutMs ?? d.upstreamTimeoutMs,
    sendTimeoutMs: p?.sendTimeoutMs ?? null,
    retry: p?.retry ?? 'connection failures before any byte was sent, 3 tries',
    maxBodyBytes: p?.maxBodyBytes ?? d.maxBodyBytes,
  };
}

function annotationResult(route: CompiledRoute, host: string | null, rawHost: string | undefined, target: ReturnType<typeof parseTarget>): Explanation['annotationResult'] {
  const act = route.actions!;
  const ec = { scheme: 'http' as const, host: host ?? '', httpHost: rawHost ?? host ?? '', path: target.path, requestUri: target.forward };
  const groups = act.groups(target.path);
  if (groups === null) return { status: 414 };
  const answer = act.answer(ec, groups);
  if (answer !== null) return { redirect: { status: answer.status, location: answer.location } };
  return { upstreamPath: act.upstreamPath(ec, groups) };
}
