// HTTPBackendRef → WeightedBackend (gateway-api apis/v1/httproute_types.go HTTPBackendRef,
// shared_types.go BackendRef). Defaults: group '' and kind Service; weight 1; namespace the
// route's. An unresolvable ref keeps its weight and answers 500 for its share of requests
// (HTTPRouteRule.BackendRefs: "500 status codes MUST be returned for requests that would have
// otherwise been routed to an invalid backend"); weight 0 gets no traffic and is left out.
import type { GRPCRoute, HTTPBackendRef, HTTPRoute, HTTPRouteFilter, TCPRoute } from '../../k8s/gateway-types.ts';
import type { HeaderModifier } from '../../model/filters.ts';
import { parseHeaderFilter } from './route-rules.ts';
import type { UpstreamPolicy } from '../../model/upstream.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { WeightedBackend } from '../../model/gateway.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { resolveServiceBackend } from '../backends.ts';
import { referenceAllowed } from './references.ts';
import { backendTlsFor, type PolicyOutcome } from './backend-tls.ts';

export type BackendCheck = { ok: true } | { ok: false; message: string };

/** CRD validation the API server would have done: a Service ref needs a port; weight 0..1,000,000. */
export function checkBackendRef(b: HTTPBackendRef | undefined): BackendCheck {
  if (!b || typeof b.name !== 'string' || b.name === '') return { ok: false, message: 'backendRef without name' };
  const isService = (b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service';
  if (isService && (!Number.isInteger(b.port) || (b.port as number) < 1 || (b.port as number) > 65535)) {
    return { ok: false, message: `backendRef ${b.name}: port is required for a Service and must be 1..65535` };
  }
  if (b.weight !== undefined && (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 1_000_000)) {
    return { ok: false, message: `backendRef ${b.name}: weight must be an integer 0..1000000` };
  }
  if (Array.isArray(b.filters)) {
    const f = backendFilters(b.filters, b.name);
    if (!f.ok) return { ok: false, message: f.message };
  }
  return { ok: true };
}

export interface BackendFilters { readonly requestHeaders: HeaderModifier | null; readonly responseHeaders: HeaderModifier | null }

/**
 * HTTPBackendRef.filters / GRPCBackendRef.filters (httproute_types.go: "executed if and only if the
 * request is being forwarded to the backend defined here"; Support: Implementation-specific):
 * RequestHeaderModifier and ResponseHeaderModifier, each at most once; any other filter type makes
 * the ref unusable and the rule is not served (never forwarded without it).
 */
export function backendFilters(list: readonly HTTPRouteFilter[], name: string): { ok: true; value: BackendFilters } | { ok: false; message: string } {
  let requestHeaders: HeaderModifier | null = null;
  let responseHeaders: HeaderModifier | null = null;
  for (const f of list) {
    const type = f?.type;
    if (type !== 'RequestHeaderModifier' && type !== 'ResponseHeaderModifier') {
      return { ok: false, message: `backendRef ${name}: backend-level filter ${JSON.stringify(type)} is not supported (RequestHeaderModifier and ResponseHeaderModifier are)` };
    }
    const request = type === 'RequestHeaderModifier';
    if ((request ? requestHeaders : responseHeaders) !== null) return { ok: false, message: `backendRef ${name}: ${type} listed twice` };
    const m = parseHeaderFilter(request ? f.requestHeaderModifier : f.responseHeaderModifier, type);
    if (!m.ok) return { ok: false, message: `backendRef ${name}: ${m.message}` };
    if (request) requestHeaders = m.value;
    else responseHeaders = m.value;
  }
  return { ok: true, value: { requestHeaders, responseHeaders } };
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'UDPRoute' | 'TLSRoute';

/** What a request or connection sent to an invalid backend gets, per route kind (its BackendRefs docs). */
const SHARE_ANSWER: Readonly<Record<RouteKind, string>> = { HTTPRoute: '500', GRPCRoute: 'UNAVAILABLE', TCPRoute: 'connections closed', UDPRoute: 'datagrams dropped', TLSRoute: 'connections closed' };

export function resolveBackends(view: StoreView, route: HTTPRoute | GRPCRoute | TCPRoute, refs: readonly HTTPBackendRef[], opts: { allowExternalName: boolean; protocol?: 'TCP' | 'UDP' },
  clusters: Map<string, Cluster>, diags: Diagnostic[], where: string, routeKind: RouteKind = 'HTTPRoute', answer = SHARE_ANSWER[routeKind],
  policies?: Map<string, PolicyOutcome>): WeightedBackend[] {
  const ns = route.metadata?.namespace ?? '';
  const ref: ObjectRef = { kind: routeKind, namespace: ns, name: route.metadata?.name ?? '' };
  const out: WeightedBackend[] = [];
  for (const b of refs) {
    const weight = b.weight ?? 1;
    if (weight === 0) continue;
    const group = b.group ?? '';
    const kind = b.kind ?? 'Service';
    const targetNs = b.namespace ?? ns;
    const name = b.name as string;
    const key = nsName(targetNs, name);
    const fail = (reason: 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | 'UnsupportedProtocol', message: string): void => {
      diags.push(diagnostic(ref, reason, `${where}: ${message}; ${answer === SHARE_ANSWER[routeKind] ? `its share of requests answers ${answer}` : answer}`));
      out.push({ clusterId: null, reason, service: '', weight });
    };
    if (group !== '' || kind !== 'Service') {
      fail('InvalidKind', `backendRef ${group ? group + '/' : ''}${kind} ${key} is not a core Service`);
      continue;
    }
    if (!referenceAllowed(view, { group: GATEWAY_GROUP, kind: routeKind, namespace: ns }, { group: '', kind: 'Service', namespace: targetNs, name })) {
      fail('RefNotPermitted', `backendRef Service ${key} is in another namespace and no ReferenceGrant there allows ${routeKind}s from ${ns}`);
      continue;
    }
    const udp = opts.protocol === 'UDP';
    const res = resolveServiceBackend(view, targetNs, name, { number: b.port }, { allowExternalName: opts.allowExternalName, ...(udp ? { protocol: 'UDP' as const } : {}) });
    if (!res.ok) {
      fail('BackendNotFound', `${res.message} (${res.reason})`);
      continue;
    }
    // A UDP Service port is its own cluster, as in the tcp/udp services ConfigMaps (translate/l4.ts).
    const r = udp ? { ...res, cluster: { ...res.cluster, id: `${res.cluster.id}/udp` } } : res;
    const app = portAppProtocol(view, r.cluster);
    let upstream = backendProtocol(routeKind, app);
    if (upstream === 'unsupported') {
      fail('UnsupportedProtocol', `Service ${key} port ${r.cluster.port} has appProtocol ${JSON.stringify(app)}, over which gRPC cannot be sent (h2c is)`);
      continue;
    }
    // BackendTLSPolicy (backend-tls.ts): TLS to the pods, verified; unusable ⇒ this share answers 500.
    if (routeKind === 'HTTPRoute' || routeKind === 'GRPCRoute') {
      const bt = backendTlsFor(view, r.cluster, diags, policies);
      if (bt.kind === 'invalid') {
        diags.push(diagnostic(ref, 'BackendTLSPolicyInvalid', `${where}: ${bt.message}; its share of requests answers 500`));
        out.push({ clusterId: null, reason: 'BackendTLSPolicyInvalid', service: '', weight });
        continue;
      }
      if (bt.kind === 'tls') {
        if (upstream !== null && upstream.protocol === 'H2C') {
          diags.push(diagnostic(ref, 'BackendTLSPolicyInvalid', `${where}: Service ${key} port ${r.cluster.port} is kubernetes.io/h2c (cleartext) but BackendTLSPolicy ${bt.policy} asks for TLS; its share of requests answers 500`));
          out.push({ clusterId: null, reason: 'BackendTLSPolicyInvalid', service: '', weight });
          continue;
        }
        upstream = { ...(upstream ?? policy('GRPC', 'default')), protocol: routeKind === 'GRPCRoute' ? 'GRPCS' : 'HTTPS', tls: bt.tls };
      }
    }
    if (!clusters.has(r.cluster.id)) clusters.set(r.cluster.id, r.cluster);
    // checkBackendRef has validated them: only header modifiers reach here.
    const f = Array.isArray(b.filters) && b.filters.length > 0 ? backendFilters(b.filters, name) : null;
    const headers = f?.ok === true ? { ...(f.value.requestHeaders === null ? {} : { requestHeaders: f.value.requestHeaders }), ...(f.value.responseHeaders === null ? {} : { responseHeaders: f.value.responseHeaders }) } : {};
    out.push({ clusterId: r.cluster.id, reason: null, service: key, weight, ...(upstream === null ? {} : { upstream }), ...headers });
  }
  return out;
}

const policy = (protocol: 'GRPC' | 'H2C', protocolSource: UpstreamPolicy['protocolSource']): UpstreamPolicy => ({
  protocol, protocolSource, tls: null, connectTimeoutMs: null, readTimeoutMs: null, sendTimeoutMs: null, retry: null, maxBodyBytes: null,
});
const GRPC_INFERRED = policy('GRPC', 'default');
const GRPC_H2C = policy('GRPC', 'appProtocol');
const H2C = policy('H2C', 'appProtocol');

/**
 * The protocol to a backend (GRPCBackendRef / HTTPBackendRef: honour the Service port's
 * appProtocol, KEP-3726 values; "MAY infer the protocol from the Route type"). A GRPCRoute's
 * backend speaks gRPC over h2c unless its appProtocol names a protocol gRPC cannot ride on, which
 * makes the ref invalid (ResolvedRefs False, UnsupportedProtocol). For an HTTPRoute only
 * kubernetes.io/h2c changes anything (HTTP/2 with prior knowledge, RFC 9113 §3.3); others keep
 * HTTP/1.1 (kubernetes.io/ws is HTTP/1.1 plus Upgrade).
 */
function backendProtocol(kind: RouteKind, app: string | null): UpstreamPolicy | null | 'unsupported' {
  const a = app?.toLowerCase() ?? null;
  if (kind === 'GRPCRoute') {
    if (a === null || a === 'grpc') return GRPC_INFERRED;
    return a === 'kubernetes.io/h2c' ? GRPC_H2C : 'unsupported';
  }
  return kind === 'HTTPRoute' && a === 'kubernetes.io/h2c' ? H2C : null;
}

function portAppProtocol(view: StoreView, cluster: Cluster): string | null {
  const svc = view.get('Service', nsName(cluster.namespace, cluster.service));
  const ports = Array.isArray(svc?.spec?.ports) ? svc.spec.ports : [];
  const sp = ports.find((p) => p && typeof p === 'object' && p.port === cluster.port && (p.protocol ?? 'TCP') === 'TCP');
  return typeof sp?.appProtocol === 'string' && sp.appProtocol !== '' ? sp.appProtocol : null;
}
