// `portico convert` (README "Gateway API" "Converting Ingresses"): the Gateway API objects that
// serve what a set of Ingresses serves, printed as YAML. It reads the translated Snapshot — the
// routes as Portico serves them, annotations already applied — not the raw Ingresses, so the
// output is checked against the same semantics the dataplane has:
//   - one Gateway (class `portico`) with an HTTP listener and one HTTPS listener per TLS host,
//     whose certificateRefs are the host's Secret (a ReferenceGrant where it lives elsewhere);
//   - one HTTPRoute per (Ingress, host): Exact → Exact, Prefix → PathPrefix (both element-wise
//     the same), Regex (ingress-nginx `~* ^path`) → RegularExpression `(?i)(?:path).*`; the
//     host's defaultBackend → a PathPrefix '/' rule; upstream-vhost → URLRewrite hostname;
//   - ssl-redirect hosts: the route on the HTTPS listener only, and a 308 RequestRedirect to
//     https on the HTTP listener (SPEC §1.9).
// A route whose behaviour Gateway API (as Portico serves it) cannot express — access policies
// (auth, allow-lists, rate limits), redirects and rewrites built from templates, canaries,
// upstream TLS or gRPC — is left out and listed as a comment: never converted into something
// more open than the Ingress.
import { stringify } from 'yaml';
import type { Snapshot } from './model/snapshot.ts';
import type { Route, VirtualHost } from './model/route.ts';
import type { Cluster } from './model/cluster.ts';
import { splitKey } from './k8s/keys.ts';

const V1 = 'gateway.networking.k8s.io/v1';

export interface ConvertResult {
  readonly yaml: string;
  /** `route id: why` for every route left out. */
  readonly skipped: readonly string[];
}

export interface ConvertOptions {
  /** Namespace of the generated Gateway. */
  readonly namespace: string;
  readonly gatewayName: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

type Obj = Record<string, unknown>;

export function convertSnapshot(s: Snapshot, o: ConvertOptions): ConvertResult {
  const clusters = new Map<string, Cluster>(s.clusters.map((c) => [c.id, c]));
  const skipped: string[] = [];
  const listeners: Obj[] = [{ name: 'http', protocol: 'HTTP', port: o.httpPort, allowedRoutes: { namespaces: { from: 'All' } } }];
  const grants = new Map<string, Obj>();
  /** `ingress \n host` → the HTTPRoute being built. */
  const routes = new Map<string, { ns: string; name: string; host: string; rules: Obj[]; https: boolean; redirect: boolean }>();
  const listenerOf = (h: VirtualHost) => `https-${slug(h.hostname || 'any')}`;

  for (const h of s.virtualHosts) {
    if (h.certificateId !== null) {
      const { namespace, name } = splitKey(h.certificateId);
      listeners.push({
        name: listenerOf(h), protocol: 'HTTPS', port: o.httpsPort, ...(h.hostname === '' ? {} : { hostname: h.hostname }),
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name, ...(namespace === o.namespace ? {} : { namespace }) }] },
        allowedRoutes: { namespaces: { from: 'All' } },
      });
      if (namespace !== o.namespace) grants.set(namespace, referenceGrant(namespace, o.namespace));
    }
    const all = h.fallback === null ? h.routes : [...h.routes, h.fallback];
    for (const r of all) {
      const why = unconvertible(r, clusters);
      if (why !== null) {
        skipped.push(`${r.id}: ${why}`);
        continue;
      }
      const key = `${r.origin.ingress}\n${h.hostname}`;
      let hr = routes.get(key);
      if (hr === undefined) {
        const { namespace, name } = splitKey(r.origin.ingress);
        hr = { ns: namespace, name: `${name}-${slug(h.hostname || 'any')}`.slice(0, 253), host: h.hostname, rules: [], https: h.certificateId !== null, redirect: r.sslRedirect };
        routes.set(key, hr);
      }
      hr.redirect ||= r.sslRedirect;
      hr.rules.push(rule(r, r === h.fallback, clusters));
    }
  }
  if (s.defaultRoute !== null) {
    const r = s.defaultRoute;
    const why = unconvertible(r, clusters);
    if (why !== null) skipped.push(`${r.id}: ${why}`);
    else {
      const { namespace, name } = splitKey(r.origin.ingress);
      routes.set(`${r.origin.ingress}\n*default`, { ns: namespace, name: `${name}-default-backend`, host: '', rules: [rule(r, true, clusters)], https: false, redirect: false });
    }
  }

  const docs: Obj[] = [
    { apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.io/gateway-controller' } },
    { apiVersion: V1, kind: 'Gateway', metadata: { name: o.gatewayName, namespace: o.namespace }, spec: { gatewayClassName: 'portico', listeners } },
    ...grants.values(),
  ];
  const parent = (sectionName: string) => ({ name: o.gatewayName, namespace: o.namespace, sectionName });
  for (const hr of [...routes.values()].sort((a, b) => (a.ns + a.name < b.ns + b.name ? -1 : 1))) {
    const hostnames = hr.host === '' ? {} : { hostnames: [hr.host] };
    const https = hr.https ? [parent(`https-${slug(hr.host || 'any')}`)] : [];
    // ssl-redirect: the HTTP listener only redirects (Portico's 308, SPEC §1.9).
    const parentRefs = hr.redirect && hr.https ? https : [parent('http'), ...https];
    docs.push({ apiVersion: V1, kind: 'HTTPRoute', metadata: { name: hr.name, namespace: hr.ns }, spec: { parentRefs, ...hostnames, rules: hr.rules } });
    if (hr.redirect && hr.https) {
      docs.push({
        apiVersion: V1, kind: 'HTTPRoute', metadata: { name: `${hr.name}-to-https`.slice(0, 253), namespace: hr.ns },
        spec: { parentRefs: [parent('http')], ...hostnames, rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] }] },
      });
    }
  }
  const head = skipped.length === 0 ? '' : `# Not converted (Gateway API, as Portico serves it, cannot express them; keep these Ingresses):\n${skipped.map((x) => `#   ${x}`).join('\n')}\n`;
  return { yaml: head + docs.map((d) => stringify(d)).join('---\n'), skipped };
}

/** Why a route cannot be converted exactly, or null. */
function unconvertible(r: Route, clusters: ReadonlyMap<string, Cluster>): string | null {
  if (r.access !== undefined) return 'access policies (auth, allow/deny lists, rate limits, CORS) have no Gateway API form here';
  const a = r.actions;
  if (a !== undefined && (a.appRoot !== null || a.redirect !== null || a.hostRedirect !== null || a.rewrite !== null || a.forwardedPrefix !== null || a.canary !== null || a.defaultBackend !== null)) {
    return 'redirect, rewrite, canary or default-backend annotations';
  }
  if (r.upstream !== undefined && r.upstream.protocol !== 'HTTP') return `upstream protocol ${r.upstream.protocol} (use appProtocol, BackendTLSPolicy or a GRPCRoute)`;
  if (r.upstream !== undefined && (r.upstream.readTimeoutMs !== null || r.upstream.retry !== null || r.upstream.maxBodyBytes !== null || r.upstream.connectTimeoutMs !== null || r.upstream.sendTimeoutMs !== null)) {
    return 'proxy timeouts, retries or body size annotations';
  }
  if (r.balancing !== undefined) return 'balancing annotations (hash, affinity, load-balance)';
  if (r.backend.kind !== 'cluster' || !clusters.has(r.backend.clusterId)) return 'its backend cannot be resolved';
  if (clusters.get(r.backend.clusterId)!.kind === 'external-name') return 'an ExternalName backend (no Gateway API equivalent without an extension)';
  return null;
}

function rule(r: Route, catchAll: boolean, clusters: ReadonlyMap<string, Cluster>): Obj {
  const c = clusters.get((r.backend as { clusterId: string }).clusterId)!;
  const path = catchAll ? { type: 'PathPrefix', value: '/' }
    : r.match.type === 'Exact' ? { type: 'Exact', value: r.match.path }
      : r.match.type === 'Prefix' ? { type: 'PathPrefix', value: r.match.path }
        // ingress-nginx `location ~* "^path"`: case-insensitive, anchored at the start only.
        : { type: 'RegularExpression', value: `(?i)(?:${r.match.path}).*` };
  const host = r.actions?.upstreamHost ?? null;
  return {
    matches: [{ path }],
    ...(host === null ? {} : { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: host } }] }),
    backendRefs: [{ name: c.service, port: c.port }],
  };
}

function referenceGrant(secretNs: string, gatewayNs: string): Obj {
  return {
    apiVersion: V1, kind: 'ReferenceGrant', metadata: { name: `portico-gateway-${gatewayNs}`.slice(0, 253), namespace: secretNs },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gatewayNs }], to: [{ group: '', kind: 'Secret' }] },
  };
}

/** A DNS-label-safe form of a hostname, for listener and route names. */
function slug(h: string): string {
  const s = h.replace(/^\*\./, 'wildcard-').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 50) || 'any';
}
