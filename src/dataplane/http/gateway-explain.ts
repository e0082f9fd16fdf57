// `portico explain` / /debug/explain for Gateway API routes (README "Gateway API"): which listener
// (listener isolation), which host bucket, which rule wins and why every other rule of the bucket
// lost — read off the same compiled table and matchers the hot path uses (gateway-table.ts), so
// the answer is what traffic gets. A request no Gateway rule matches goes on to the Ingress rules.
import type { IncomingHttpHeaders } from 'node:http';
import { normalizeHost, parseTarget, type EscapedSlashes } from './request-target.ts';
import type { CompiledGatewayRule, GatewayTable } from './gateway-table.ts';
import { redirectLocation } from './gateway-serve.ts';
import { modifyPath } from '../../model/filters.ts';
import { describeUpstream } from '../../model/upstream.ts';

export interface GatewayRuleView {
  readonly id: string;
  readonly route: string;
  readonly kind: string;
  readonly match: CompiledGatewayRule['rule']['match'];
}

export interface GatewayExplanation {
  readonly scheme: 'http' | 'https';
  readonly method: string;
  /** The most specific listener whose hostname matches the Host, or null: no Gateway listener takes it. */
  readonly listener: { readonly id: string; readonly hostname: string; readonly port: number } | null;
  /** The route hostname bucket within the listener ('' = any host), or null. */
  readonly hostname: string | null;
  /** The winning rule, or null: the request goes on to the Ingress rules. */
  readonly rule: (GatewayRuleView & {
    readonly backends: readonly { readonly clusterId: string | null; readonly service: string; readonly weight: number; readonly reason: string | null; readonly upstream: Record<string, unknown> }[];
    readonly filters: CompiledGatewayRule['rule']['filters'];
    readonly timeouts: CompiledGatewayRule['rule']['timeouts'] | null;
    readonly mirrors: CompiledGatewayRule['rule']['mirrors'] | null;
  }) | null;
  /** What the winning rule does: a redirect, a 500 (no usable backend), or forwarding with this path and Host. */
  readonly outcome: { readonly redirect: { readonly status: number; readonly location: string } } | { readonly status: 500 } | { readonly forward: { readonly path: string; readonly host: string | null } } | { readonly ingress: true };
  /** The bucket's other rules in precedence order, with why each lost. */
  readonly others: readonly (GatewayRuleView & { readonly lost: string })[];
}

/**
 * `port`: the port the request is sent to, as clients see it (a listener's declared port, before
 * --gateway-port-offset); null: the first listener of the scheme for the host.
 */
export function explainGateway(table: GatewayTable, scheme: 'http' | 'https', rawHost: string | undefined, rawPath: string, method: string,
  headers: IncomingHttpHeaders, escapedSlashes: EscapedSlashes, port: number | null = null): GatewayExplanation {
  const target = parseTarget(rawPath === '' ? '/' : rawPath, escapedSlashes);
  const host = normalizeHost(target.authority ?? rawHost);
  const l = target.error !== null ? null : port === null ? table.listenerFor(scheme, null, host) : table.listenerOnDeclaredPort(scheme, port, host);
  const base = { scheme, method, listener: l === null ? null : { id: l.model.id, hostname: l.model.hostname, port: l.model.port } };
  const rules = l?.hosts.get(host) ?? null;
  const bucket = l === null ? null : l.hostnames.get(host);
  let winner: CompiledGatewayRule | null = null;
  const others: (GatewayRuleView & { lost: string })[] = [];
  for (const r of rules ?? []) {
    const v = view(r);
    if (winner !== null) {
      others.push({ ...v, lost: `a rule of higher precedence (${winner.rule.id}) matched first` });
      continue;
    }
    if (!r.match.testPath(target.path)) others.push({ ...v, lost: `path ${r.rule.match.path.type} ${JSON.stringify(r.rule.match.path.value)} does not match` });
    else if (r.match.needsRequest && !r.match.testRequest(method, headers, target.forward)) others.push({ ...v, lost: 'method, header or query parameter match does not hold' });
    else winner = r;
  }
  if (winner === null) return { ...base, hostname: bucket, rule: null, outcome: { ingress: true }, others };
  const w = winner;
  const query = target.forward.length > target.path.length ? target.forward.slice(target.forward.indexOf('?')) : '';
  const rw = w.rewrite;
  const outcome: GatewayExplanation['outcome'] = w.redirect !== null
    ? { redirect: { status: w.redirect.statusCode, location: redirectLocation(w, scheme, host, target) } }
    : w.backends.length === 0 || w.backends.every((b) => b.unresolved) ? { status: 500 }
      : { forward: { path: rw === null || rw.path === null ? target.forward : modifyPath(rw.path, target.path) + query, host: rw !== null && rw.hostname !== null ? rw.hostname : rawHost ?? null } };
  return {
    ...base, hostname: bucket, outcome, others,
    rule: {
      ...view(w),
      backends: w.rule.backends.map((b, i) => ({ clusterId: b.clusterId, service: b.service, weight: b.weight, reason: b.reason, upstream: describeUpstream(w.backends[i]?.route.route.upstream) })),
      filters: w.rule.filters,
      timeouts: w.rule.timeouts ?? null,
      mirrors: w.rule.mirrors ?? null,
    },
  };
}

function view(r: CompiledGatewayRule): GatewayRuleView {
  return { id: r.rule.id, route: r.rule.route, kind: r.rule.kind ?? 'HTTPRoute', match: r.rule.match };
}
