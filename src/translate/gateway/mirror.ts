// HTTPRoute RequestMirror filters (gateway-api apis/v1/httproute_types.go HTTPRequestMirrorFilter):
// a backendRef (a Service port, like any backendRef: ReferenceGrant across namespaces) and the
// share of requests mirrored, `percent` (0..100) or `fraction` (numerator/denominator, denominator
// default 100), 100 % when neither is set; the CRD allows only one of the two. The filter may be
// repeated: each mirror gets its own copy.
import type { HTTPRoute, HTTPRouteFilter } from '../../k8s/gateway-types.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { GatewayMirror } from '../../model/gateway.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { checkBackendRef, resolveBackends } from './backends.ts';
import type { Parsed } from './route-rules.ts';

const bad = (message: string): Parsed<never> => ({ ok: false, reason: 'UnsupportedValue', message });

/** The rule's mirrors, resolved; an invalid filter (not an unresolvable backend) makes the rule unserved. */
export function parseMirrors(view: StoreView, route: HTTPRoute, filters: readonly HTTPRouteFilter[], opts: { allowExternalName: boolean },
  clusters: Map<string, Cluster>, diags: Diagnostic[], where: string): Parsed<GatewayMirror[]> {
  const out: GatewayMirror[] = [];
  for (const f of filters) {
    if (f?.type !== 'RequestMirror') continue;
    const m = f.requestMirror;
    if (m === undefined || m === null || typeof m !== 'object') return bad('RequestMirror needs requestMirror');
    const c = checkBackendRef(m.backendRef);
    if (!c.ok) return bad(`RequestMirror ${c.message}`);
    if (m.percent !== undefined && m.fraction !== undefined) return bad('RequestMirror: only one of percent and fraction may be set');
    let numerator = 100;
    let denominator = 100;
    if (m.percent !== undefined) {
      if (!Number.isInteger(m.percent) || m.percent < 0 || m.percent > 100) return bad('RequestMirror percent must be an integer 0..100');
      numerator = m.percent;
    } else if (m.fraction !== undefined) {
      numerator = m.fraction?.numerator as number;
      denominator = m.fraction?.denominator ?? 100;
      if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < 0 || denominator < 1 || numerator > denominator) {
        return bad('RequestMirror fraction needs integers 0 <= numerator <= denominator, denominator >= 1');
      }
    }
    const [b] = resolveBackends(view, route, [{ ...m.backendRef, weight: 1 }], opts, clusters, diags, `${where} RequestMirror`, 'HTTPRoute', 'nothing is mirrored');
    if (numerator === 0) continue;
    // Copies go out as plain HTTP/1.1 (gateway-mirror.ts): a Service reached over TLS
    // (BackendTLSPolicy) or HTTP/2 gets none, rather than its traffic in the clear.
    if (b?.upstream !== undefined) {
      diags.push(diagnostic(ref(route), 'UnsupportedValue', `${where} RequestMirror: Service ${b.service} is reached over ${b.upstream.protocol}; copies are sent as HTTP/1.1 only, so nothing is mirrored`, 'warning'));
      continue;
    }
    out.push({ clusterId: b?.clusterId ?? null, service: b?.service ?? '', numerator, denominator });
  }
  return { ok: true, value: out };
}

function ref(route: HTTPRoute): ObjectRef {
  return { kind: 'HTTPRoute', namespace: route.metadata?.namespace ?? '', name: route.metadata?.name ?? '' };
}
