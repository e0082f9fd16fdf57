// One Snapshot route → HTTPRoute rules (`portico convert`, README "Moving to Gateway API"). The
// route is read as Portico serves it (annotations already applied), so each mapping below states
// the ingress-nginx v1.15 behaviour it reproduces and the Gateway API field (httproute_types.go)
// that reproduces it. Cross-checked against kubernetes-sigs/ingress2gateway
// pkg/i2gw/providers/ingressnginx (canary.go, rewrite.go, timeouts.go); where we differ, the
// comment says so.
import type { Route } from '../model/route.ts';
import type { Cluster } from '../model/cluster.ts';
import type { TemplatePart } from '../model/route-actions.ts';

export type Obj = Record<string, unknown>;

export interface RuleContext {
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** A backendRef to a Service in another namespace than the route's: the caller adds a ReferenceGrant. */
  readonly crossNamespace: (routeNs: string, serviceNs: string) => void;
}

export type RouteRules =
  | { readonly ok: true; readonly rules: Obj[]; readonly dropped: string[]; readonly notes: string[] }
  | { readonly ok: false; readonly why: string };

/**
 * The rules serving `r` (on an HTTPRoute in `ns`), or why they cannot be written without serving
 * something the Ingress refused. `catchAll` is a host's defaultBackend (PathPrefix '/').
 */
export function routeRules(r: Route, catchAll: boolean, ns: string, ctx: RuleContext): RouteRules {
  const why = unconvertible(r, ctx.clusters);
  if (why !== null) return { ok: false, why };
  const dropped = droppedSettings(r);
  const notes: string[] = [];
  const a = r.actions;

  let path: Obj = catchAll ? { type: 'PathPrefix', value: '/' }
    : r.match.type === 'Exact' ? { type: 'Exact', value: r.match.path }
      // ImplementationSpecific arrives here as Prefix (SPEC §1.3 [choice]); both sides element-wise.
      : r.match.type === 'Prefix' ? { type: 'PathPrefix', value: r.match.path }
        // ingress-nginx `location ~* "^path"`: case-insensitive, anchored at the start only.
        : { type: 'RegularExpression', value: `(?i)(?:${r.match.path}).*` };

  const filters: Obj[] = [];
  if (a?.upstreamHost != null) filters.push({ type: 'URLRewrite', urlRewrite: { hostname: a.upstreamHost } });
  if (a?.rewrite != null) {
    const rw = rewriteFilter(r.match.path, r.match.type, a.rewrite);
    if (rw === null) return { ok: false, why: `rewrite-target ${JSON.stringify(templateText(a.rewrite))} on path ${JSON.stringify(r.match.path)} is neither a literal path nor the prefix-strip form PATH(/|$)(.*) → /$2` };
    if (rw.prefix !== null) {
      path = { type: 'PathPrefix', value: rw.prefix };
      notes.push(`${r.id}: rewrite-target prefix strip as PathPrefix ${rw.prefix} + ReplacePrefixMatch: the match is case-sensitive (ingress-nginx's regex location is not)`);
    }
    filters.push({ type: 'URLRewrite', urlRewrite: { ...(a.upstreamHost == null ? {} : { hostname: a.upstreamHost }), path: rw.modifier } });
    if (a.upstreamHost != null) filters.splice(0, 1); // one URLRewrite per rule (HTTPRoute CEL)
  }
  if (a?.forwardedPrefix != null) {
    const v = literal(a.forwardedPrefix);
    if (v === null) return { ok: false, why: 'x-forwarded-prefix with variables or captures has no Gateway API form' };
    // ingress-nginx `proxy_set_header X-Forwarded-Prefix "<value>"`; ingress2gateway rewrite.go maps it the same way.
    filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Forwarded-Prefix', value: v }] } });
  }

  const main = backendRef(r.backend.kind === 'cluster' ? r.backend.clusterId : '', ns, ctx);
  const withFilters = (o: Obj): Obj => (filters.length === 0 ? o : { ...o, filters });
  const rules: Obj[] = [];

  // app-root (ingress-nginx rewrite.go + template: `if ($uri = /) { return 302 <app-root>; }`): a
  // rule for exactly '/' answering 302 with the path replaced. Only where '/' reaches this route.
  if (a?.appRoot != null) {
    const v = literal(a.appRoot);
    if (v === null || !v.startsWith('/')) return { ok: false, why: 'app-root with variables, or not a path, has no Gateway API form' };
    if (catchAll || r.match.path === '/') {
      rules.push({ matches: [{ path: { type: 'Exact', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: v }, statusCode: 302 } }] });
      // nginx `return` drops the query; RequestRedirect keeps it (dataplane/http/gateway-serve.ts).
      notes.push(`${r.id}: app-root as RequestRedirect keeps the query of a request for / (ingress-nginx's return drops it)`);
    }
  }

  // permanent-/temporal-redirect (ingress-nginx location `return <code> <url>`): every request
  // the route matches is redirected; as ingress2gateway redirect.go, a RequestRedirect rule.
  if (a?.redirect != null) {
    rules.push({ matches: [{ path }], filters: [redirectFilter(a.redirect.url, a.redirect.code)!] });
    notes.push(`${r.id}: permanent/temporal-redirect as RequestRedirect keeps the request's query (ingress-nginx's return drops it)`);
    return { ok: true, rules, dropped, notes };
  }

  const c = a?.canary ?? null;
  if (c === null || c.backend.kind !== 'cluster') {
    rules.push(withFilters({ matches: [{ path }], backendRefs: [main] }));
    return { ok: true, rules, dropped, notes };
  }
  // Canary (ingress-nginx docs "Canary"; precedence header, then cookie, then weight).
  // canary-weight → weighted backendRefs out of canary-weight-total, as ingress2gateway canary.go.
  const canary = backendRef(c.backend.clusterId, ns, ctx);
  const base = c.weight > 0 ? [{ ...main, weight: c.weightTotal - c.weight }, { ...canary, weight: c.weight }] : [main];
  if (c.weight > 0 && c.weight >= c.weightTotal) base.splice(0, 1);
  // canary-by-header: the header's value `always` → canary, `never` → main (any other value falls
  // through to cookie/weight); with canary-by-header-value that value alone → canary; with
  // canary-by-header-pattern a regex. A rule with a header match outranks the same path without
  // one (Gateway API HTTPRouteRule precedence), which is the annotation's precedence.
  if (c.header !== null) {
    const hm = (type: string, value: string) => [{ path, headers: [{ type, name: c.header, value }] }];
    if (c.headerValue !== null) rules.push(withFilters({ matches: hm('Exact', c.headerValue), backendRefs: [canary] }));
    else if (c.headerPattern !== null) rules.push(withFilters({ matches: hm('RegularExpression', c.headerPattern), backendRefs: [canary] }));
    else {
      rules.push(withFilters({ matches: hm('Exact', 'always'), backendRefs: [canary] }));
      rules.push(withFilters({ matches: hm('Exact', 'never'), backendRefs: [main] }));
    }
  }
  // canary-by-cookie: a Cookie header is a list, no HTTPHeaderMatch reads one cookie reliably
  // (ingress2gateway canary.go reports it unsupported too).
  if (c.balancing !== undefined || c.affinityLegacy === true) dropped.push(`${r.id}: the canary Ingress's load-balance / upstream-hash-by / affinity-canary-behavior (no Gateway API field)`);
  if (c.cookie !== null) dropped.push(`${r.id}: canary-by-cookie ${c.cookie} (no Gateway API match reads one cookie); the header and weight split are kept`);
  rules.push(withFilters({ matches: [{ path }], backendRefs: base }));
  return { ok: true, rules, dropped, notes };
}

/** Why a route cannot be converted without serving more than the Ingress did, or null. */
function unconvertible(r: Route, clusters: ReadonlyMap<string, Cluster>): string | null {
  if (r.access !== undefined) return 'access policies (auth, allow/deny lists, rate limits, CORS) have no Gateway API form here';
  const a = r.actions;
  if (a !== undefined && a.hostRedirect !== null) return 'from-to-www-redirect (a redirect on the other host, keeping its port: no RequestRedirect form)';
  if (a !== undefined && a.redirect !== null && (redirectFilter(a.redirect.url, a.redirect.code) === null || a.canary !== null)) {
    return 'permanent/temporal-redirect other than a literal http(s) URL without query, with a 301/302/303/307/308 code';
  }
  if (r.upstream !== undefined && r.upstream.protocol !== 'HTTP') return `upstream protocol ${r.upstream.protocol} (use appProtocol, BackendTLSPolicy or a GRPCRoute)`;
  // A body limit is a protection: dropping it would accept what the Ingress refused.
  if (r.upstream !== undefined && r.upstream.maxBodyBytes !== null) return 'proxy-body-size (no Gateway API field; dropping it would accept larger bodies)';
  if (r.backend.kind !== 'cluster' || !clusters.has(r.backend.clusterId)) return 'its backend cannot be resolved';
  if (clusters.get(r.backend.clusterId)!.kind === 'external-name') return 'an ExternalName backend (no Gateway API equivalent without an extension)';
  const cb = a?.canary?.backend;
  if (cb !== undefined && (cb.kind !== 'cluster' || clusters.get(cb.clusterId)?.kind !== 'endpoints')) return 'its canary backend cannot be resolved to a Service';
  return null;
}

/**
 * Settings the route keeps serving without (listed, exit 1 unless --allow-partial): none of them
 * lets a request through that the Ingress refused.
 */
function droppedSettings(r: Route): string[] {
  const out: string[] = [];
  const u = r.upstream;
  // proxy-*-timeout are nginx per-operation (idle) timeouts between two reads/writes; Gateway API
  // timeouts.request/backendRequest bound the whole exchange, which would cut long streams the
  // Ingress serves. ingress2gateway timeouts.go maps them to timeouts.request "best effort"; we
  // list them instead (README "Moving to Gateway API").
  if (u?.readTimeoutMs != null) out.push(`${r.id}: proxy-read-timeout ${u.readTimeoutMs / 1000}s (an idle timeout; timeouts.backendRequest bounds the whole response)`);
  if (u?.sendTimeoutMs != null) out.push(`${r.id}: proxy-send-timeout ${u.sendTimeoutMs / 1000}s (no Gateway API field)`);
  if (u?.connectTimeoutMs != null) out.push(`${r.id}: proxy-connect-timeout ${u.connectTimeoutMs / 1000}s (no Gateway API field)`);
  if (u?.retry != null) out.push(`${r.id}: proxy-next-upstream (HTTPRoute retry is experimental; not written)`);
  if (r.balancing !== undefined) out.push(`${r.id}: balancing annotations (upstream-hash-by, affinity, load-balance): no Gateway API field`);
  if (r.actions?.defaultBackend != null) out.push(`${r.id}: default-backend annotation (the fallback when the Service has no ready endpoint): no Gateway API field`);
  return out;
}

function backendRef(clusterId: string, routeNs: string, ctx: RuleContext): Obj {
  const c = ctx.clusters.get(clusterId)!;
  // Cluster.port is the Service port number: a named Ingress port was resolved through the
  // Service (SPEC §1.7), and a backendRef port is a Service port number.
  if (c.namespace !== routeNs) ctx.crossNamespace(routeNs, c.namespace);
  return { name: c.service, ...(c.namespace === routeNs ? {} : { namespace: c.namespace }), port: c.port };
}

/** The text of a template without variables or captures, or null. */
function literal(t: readonly TemplatePart[]): string | null {
  return t.every((p) => p.kind === 'text') ? t.map((p) => (p as { text: string }).text).join('') : null;
}

function templateText(t: readonly TemplatePart[]): string {
  return t.map((p) => (p.kind === 'text' ? p.text : p.kind === 'group' ? `$${p.index}` : `$${p.name}`)).join('');
}

/**
 * rewrite-target (ingress-nginx template: `rewrite "(?i)<path>" <target> break;`, which replaces
 * the whole URI, query kept): a literal target → ReplaceFullPath (same regex match); the
 * prefix-strip idiom `LITERAL(/|$)(.*)` → `/$2` → PathPrefix LITERAL + ReplacePrefixMatch '/'
 * (`(/|$)` is element-wise, as PathPrefix). Anything else with captures → null (not converted).
 * ingress2gateway rewrite.go writes ReplaceFullPath with the captures left in; we do not.
 */
function rewriteFilter(path: string, type: string, target: readonly TemplatePart[]): { modifier: Obj; prefix: string | null } | null {
  const lit = literal(target);
  if (lit !== null && lit.startsWith('/')) return { modifier: { type: 'ReplaceFullPath', replaceFullPath: lit }, prefix: null };
  if (type !== 'Regex') return null;
  const m = /^(\/[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*)\(\/\|\$\)\(\.\*\)$/.exec(path);
  const strip = target.length === 2 && target[0].kind === 'text' && target[0].text === '/' && target[1].kind === 'group' && target[1].index === 2;
  if (m === null || !strip) return null;
  return { modifier: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' }, prefix: m[1] };
}

/** RequestRedirect for a literal absolute http(s) URL with no query or fragment, or null. */
function redirectFilter(url: readonly TemplatePart[], code: number): Obj | null {
  const v = literal(url);
  if (v === null || ![301, 302, 303, 307, 308].includes(code)) return null;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search !== '' || u.hash !== '' || v.includes('?') || u.username !== '' || u.password !== '') return null;
  return {
    type: 'RequestRedirect',
    requestRedirect: {
      scheme: u.protocol.slice(0, -1), hostname: u.hostname, ...(u.port === '' ? {} : { port: Number(u.port) }),
      path: { type: 'ReplaceFullPath', replaceFullPath: u.pathname }, statusCode: code,
    },
  };
}
