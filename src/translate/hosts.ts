// Served Ingresses (oldest first) → VirtualHosts, the global default Route and the Clusters they use
// (SPEC §1.5, §1.8).

import { nsName } from '../k8s/keys.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import { comparePathPrecedence } from '../model/match.ts';
import type { HostKind, Route, RouteBackend, VirtualHost } from '../model/route.ts';
import { resolveServiceBackend } from './backends.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ParsedIngress, ServiceRef } from './ingress.ts';
import { routing, canary as canaryKeys } from '../k8s/annotations/index.ts';
import { addHostNames, attachCanary, rememberDeclared, type HostBucket } from './host-extras.ts';
import { ingressActions } from './route-actions.ts';
import type { UpstreamPolicy } from '../model/upstream.ts';
import { resolveUpstream } from './upstream.ts';
import { upstreamAnnotations, type UpstreamAnnotations } from '../k8s/annotations/upstream.ts';

export interface HostOptions {
  readonly allowExternalName: boolean;
  readonly sslRedirect: boolean;
  /** Hosts listed in spec.tls of a served Ingress (README "TLS"). */
  readonly tlsHosts: ReadonlySet<string>;
  /** Rule host → Certificate id (README "TLS"). */
  readonly hostCertificate: ReadonlyMap<string, string>;
}

export interface HostsResult {
  virtualHosts: VirtualHost[];
  defaultRoute: Route | null;
  clusters: Map<string, Cluster>;
}

interface Resolved {
  backend: RouteBackend;
  service: string;
  cluster: Cluster | null;
  upstream: UpstreamPolicy | null;
}

/** `ingresses` must be in SPEC §1.8 order (oldest first): the first writer wins. */
export function buildHosts(view: StoreView, ingresses: readonly ParsedIngress[], opts: HostOptions, diags: Diagnostic[]): HostsResult {
  const buckets = new Map<string, HostBucket>();
  const clusters = new Map<string, Cluster>();
  let defaultRoute: Route | null = null;

  const resolveCache = new Map<string, Resolved>();
  const upstreamOf = new Map<string, UpstreamAnnotations>();
  const resolve = (ing: ParsedIngress, ref: ServiceRef): Resolved => {
    const cacheKey = `${ing.key} ${ref.name} ${ref.port.name ?? ''} ${ref.port.number ?? ''}`;
    const hit = resolveCache.get(cacheKey);
    if (hit) return hit;
    const r = resolveServiceBackend(view, ing.namespace, ref.name, ref.port, { allowExternalName: opts.allowExternalName });
    let out: Resolved;
    if (r.ok) {
      out = { backend: { kind: 'cluster', clusterId: r.cluster.id }, service: nsName(ing.namespace, ref.name), cluster: r.cluster, upstream: null };
      // Upstream protocol/TLS/timeouts (src/translate/upstream.ts); a proxy-ssl Secret that cannot
      // be used makes this backend answer 503 rather than talk to the pod unverified.
      let ua = upstreamOf.get(ing.key);
      if (ua === undefined) upstreamOf.set(ing.key, (ua = upstreamAnnotations(ing.annotations)));
      const u = resolveUpstream(view, ua, ing.namespace, ing.ref, r.cluster, diags);
      out.upstream = u.policy;
      if (u.unavailable !== null) out.backend = { kind: 'unavailable', reason: u.unavailable.reason };
    } else {
      // SPEC §1.7 [choice]: the route stays and answers 503 with the reason; the Ingress is told why.
      diags.push(diagnostic(ing.ref, r.reason, `${r.message}; requests routed to it get 503`, 'warning'));
      out = { backend: { kind: 'unavailable', reason: r.reason }, service: nsName(ing.namespace, ref.name), cluster: null, upstream: null };
    }
    resolveCache.set(cacheKey, out);
    return out;
  };
  const use = (r: Resolved, ing?: ParsedIngress) => {
    if (r.cluster && !clusters.has(r.cluster.id)) clusters.set(r.cluster.id, r.cluster);
    // Health checks asked for by an Ingress apply to its Services' clusters unless the Service
    // sets its own; the oldest Ingress asking wins (SPEC §1.8 order).
    const c = r.cluster === null ? undefined : clusters.get(r.cluster.id);
    if (c !== undefined && ing?.healthCheck && c.healthCheck === undefined) clusters.set(c.id, { ...c, healthCheck: ing.healthCheck });
  };
  const balancing = (ing: ParsedIngress) => (ing.balancing === null ? {} : { balancing: ing.balancing });
  // force-ssl-redirect (ingress-nginx rewrite/main.go, docs "Server-side HTTPS enforcement"):
  // redirect even without spec.tls and whatever --ssl-redirect says.
  const redirect = (ing: ParsedIngress, hostname: string) =>
    ing.annotations.valueOr(routing.forceSslRedirect, false) ||
    (opts.sslRedirect && ing.sslRedirect && hostname !== '' && opts.tlsHosts.has(hostname));
  // Canary Ingresses join the main routes once those exist, whatever their age (SPEC §1.8 order
  // is kept within each group).
  const isCanary = (ing: ParsedIngress) => ing.annotations.get(canaryKeys.canary) === true;
  const mains = ingresses.filter((i) => !isCanary(i));

  for (const ing of mains) {
    const actionsFor = ingressActions(view, ing, (i, ref) => {
      const x = resolve(i, ref);
      use(x);
      return x;
    }, diags);
    const declared: HostBucket[] = [];
    for (const rule of ing.rules) {
      let b = buckets.get(rule.hostname);
      if (!b) {
        b = { hostname: rule.hostname, kind: rule.kind, routes: [], claimed: new Map(), fallback: null };
        buckets.set(rule.hostname, b);
      }
      if (!declared.includes(b)) declared.push(b);
      for (const p of rule.paths) {
        const id = `${ing.key}#${p.rule}.${p.path}`;
        const claim = `${p.match.type} ${p.match.path}`;
        const winner = b.claimed.get(claim);
        if (winner !== undefined) {
          // SPEC §1.8: same host + path + pathType ⇒ the oldest Ingress keeps it.
          const where = rule.hostname === '' ? 'rules without host' : `host ${rule.hostname}`;
          diags.push(diagnostic(ing.ref, 'RouteConflict',
            `spec.rules[${p.rule}].http.paths[${p.path}]: ${p.match.type} ${p.match.path} on ${where} is already served by route ${winner}; ignored`, 'warning'));
          continue;
        }
        b.claimed.set(claim, id);
        const r = resolve(ing, p.service);
        use(r, ing);
        const actions = actionsFor(p);
        b.routes.push(rememberDeclared({
          id,
          origin: { ingress: ing.key, rule: p.rule, path: p.path },
          match: p.match,
          backend: r.backend,
          service: r.service,
          sslRedirect: redirect(ing, rule.hostname),
          ...(ing.access ? { access: ing.access } : {}),
          ...balancing(ing),
          ...(actions !== undefined ? { actions } : {}),
          ...(r.upstream !== null ? { upstream: r.upstream } : {}),
        }, p.declared.type, p.declared.path));
      }
    }
    if (!ing.defaultBackend) continue;
    const r = resolve(ing, ing.defaultBackend);
    const defaultActions = actionsFor(null);
    const route = (hostname: string): Route => ({
      id: `${ing.key}#default`,
      origin: { ingress: ing.key, rule: -1, path: -1 },
      match: { type: 'Prefix', path: '/' },
      backend: r.backend,
      service: r.service,
      sslRedirect: redirect(ing, hostname),
      ...(ing.access ? { access: ing.access } : {}),
      ...balancing(ing),
      ...(defaultActions !== undefined ? { actions: defaultActions } : {}),
      ...(r.upstream !== null ? { upstream: r.upstream } : {}),
    });
    // SPEC §1.8 [choice] (1): the oldest Ingress declaring a host with a defaultBackend owns the
    // host's fallback. The hostless bucket is not a host: its unmatched requests take the global
    // default below, so it never gets a fallback of its own.
    for (const b of declared) {
      if (b.hostname !== '' && b.fallback === null) {
        b.fallback = route(b.hostname);
        use(r, ing);
      }
    }
    // SPEC §1.8 [choice] (2): the oldest served Ingress with a defaultBackend, with or without rules.
    if (defaultRoute === null) {
      defaultRoute = route('');
      use(r, ing);
    }
  }

  for (const ing of ingresses) if (isCanary(ing)) attachCanary(buckets, ing, resolve, use, diags);
  addHostNames(buckets, mains, diags);

  const virtualHosts = [...buckets.values()]
    .sort(compareBuckets)
    .map((b): VirtualHost => ({
      hostname: b.hostname,
      kind: b.kind,
      routes: b.routes.sort((x, y) => comparePathPrecedence(x.match, y.match) || cmp(x.id, y.id)),
      fallback: b.fallback,
      certificateId: b.hostname === '' ? null : (opts.hostCertificate.get(b.hostname) ?? null),
    }));
  return { virtualHosts, defaultRoute, clusters };
}

const KIND_ORDER: Record<HostKind, number> = { exact: 0, wildcard: 1, any: 2 };

/** Snapshot order: exact hosts, then wildcards, then the hostless host, each by name. */
function compareBuckets(a: HostBucket, b: HostBucket): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(a.hostname, b.hostname);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
