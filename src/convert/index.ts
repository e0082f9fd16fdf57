// `portico convert` (README "Moving to Gateway API: portico convert"): the Gateway API objects
// that serve what a set of Ingresses serves, printed as YAML. It reads the translated Snapshot —
// the routes as Portico serves them, annotations already applied — not the raw Ingresses, so the
// output is checked against the same semantics the dataplane has:
//   - a GatewayClass and one Gateway named after the IngressClass Portico serves, with an HTTP
//     listener and one HTTPS listener per TLS host, whose certificateRefs are the host's Secret
//     (a ReferenceGrant where it lives in another namespace);
//   - one HTTPRoute per (namespace, host), rules from ./rules.ts in the Snapshot's precedence
//     order (SPEC §1.5), the host's defaultBackend last as a PathPrefix '/' rule, spec.defaultBackend
//     last of the hostless route. Gateway API breaks ties between equal matches by rule order
//     within one HTTPRoute but by age and name across HTTPRoutes (HTTPRouteRule "Precedence"), so
//     one route per host keeps Portico's tie-breaking; ties across namespaces are noted;
//   - ssl-redirect hosts: the route on the HTTPS listener only, and a 308 RequestRedirect to
//     https on the HTTP listener (SPEC §1.9).
// Nothing is dropped silently (./losses.ts): a route whose behaviour Gateway API cannot express
// without serving more than the Ingress did is left out; a setting it can live without is
// dropped; both are listed, and either makes the command exit 1 unless --allow-partial.
import { stringify } from 'yaml';
import type { Snapshot } from '../model/snapshot.ts';
import type { VirtualHost } from '../model/route.ts';
import type { Cluster } from '../model/cluster.ts';
import type { AnnotationReport } from '../translate/annotations.ts';
import { splitKey } from '../k8s/keys.ts';
import { routeRules, type Obj } from './rules.ts';
import { annotationLosses, header } from './losses.ts';

const V1 = 'gateway.networking.k8s.io/v1';
const V1BETA1 = 'gateway.networking.k8s.io/v1beta1';

export interface ConvertResult {
  readonly yaml: string;
  /** `route id: why` for every route left out (and every Ingress Portico does not serve). */
  readonly skipped: readonly string[];
  /** Settings and annotations the converted routes serve without. */
  readonly dropped: readonly string[];
  /** Differences worth knowing that serve nothing more nor less for ordinary requests. */
  readonly notes: readonly string[];
}

export interface ConvertOptions {
  /** Namespace of the generated Gateway. */
  readonly namespace: string;
  /** Gateway and GatewayClass name: the IngressClass the Ingresses were served under. */
  readonly gatewayName: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** GatewayClass spec.controllerName (--gateway-controller-name). */
  readonly controllerName?: string;
  /** The per-Ingress annotation report of `translate` (annotations Portico does not honour). */
  readonly annotationReports?: readonly AnnotationReport[];
}

interface RouteDraft { ns: string; name: string; host: string; rules: Obj[]; https: boolean; redirect: boolean; ingresses: Set<string> }

export function convertSnapshot(s: Snapshot, o: ConvertOptions): ConvertResult {
  const clusters = new Map<string, Cluster>(s.clusters.map((c) => [c.id, c]));
  const skipped: string[] = [];
  const dropped: string[] = [];
  const notes: string[] = [];
  const listeners: Obj[] = [{ name: 'http', protocol: 'HTTP', port: o.httpPort, allowedRoutes: { namespaces: { from: 'All' } } }];
  const grants = new Map<string, Obj>();
  const ctx = {
    clusters,
    // gateway-api ReferenceGrant: an HTTPRoute's backendRef to a Service in another namespace.
    crossNamespace: (routeNs: string, serviceNs: string) => {
      grants.set(`svc ${serviceNs} ${routeNs}`, referenceGrant(serviceNs, `portico-httproutes-${routeNs}`, 'HTTPRoute', routeNs, 'Service'));
    },
  };
  /** `ingress \n host` → the HTTPRoute being built. */
  const routes = new Map<string, RouteDraft>();
  const listenerName = (host: string) => `https-${slug(host || 'any')}`;
  const seenListeners = new Set<string>();

  for (const h of s.virtualHosts) {
    if (h.certificateId !== null && !seenListeners.has(listenerName(h.hostname))) {
      seenListeners.add(listenerName(h.hostname));
      const { namespace, name } = splitKey(h.certificateId);
      listeners.push({
        name: listenerName(h.hostname), protocol: 'HTTPS', port: o.httpsPort, ...(h.hostname === '' ? {} : { hostname: h.hostname }),
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name, ...(namespace === o.namespace ? {} : { namespace }) }] },
        allowedRoutes: { namespaces: { from: 'All' } },
      });
      if (namespace !== o.namespace) grants.set(`secret ${namespace}`, referenceGrant(namespace, `portico-gateway-${o.namespace}`, 'Gateway', o.namespace, 'Secret'));
    }
    if (h.clientCertificate !== undefined) {
      // auth-tls-*: client certificates asked in the handshake. Gateway API's frontend validation
      // is per listener/port, not per route; leave the host's routes out rather than serve it open.
      for (const r of h.fallback === null ? h.routes : [...h.routes, h.fallback]) skipped.push(`${r.id}: auth-tls client certificates (per-host mTLS) are not converted`);
      continue;
    }
    for (const r of h.fallback === null ? h.routes : [...h.routes, h.fallback]) addRoute(h, r, r === h.fallback);
  }
  if (s.defaultRoute !== null) {
    const r = s.defaultRoute;
    const { namespace, name } = splitKey(r.origin.ingress);
    // Last rule of the hostless route, so every hostless Ingress rule outranks it as in Portico:
    // the one in its namespace, else another's (a cross-namespace backendRef + ReferenceGrant).
    const hostless = [...routes.values()].filter((hr) => hr.host === '' && !hr.redirect).sort((a, b) => (a.ns < b.ns ? -1 : 1));
    const into = hostless.find((hr) => hr.ns === namespace) ?? hostless[0];
    const out = routeRules(r, true, into?.ns ?? namespace, ctx);
    if (!out.ok) skipped.push(`${r.id}: ${out.why}`);
    else {
      dropped.push(...out.dropped);
      notes.push(...out.notes);
      if (into !== undefined) into.rules.push(...out.rules);
      else routes.set(`${namespace}\n*default`, { ns: namespace, name: `${name}-default-backend`, host: '', rules: out.rules, https: false, redirect: false, ingresses: new Set(['*']) });
    }
  }

  function addRoute(h: VirtualHost, r: VirtualHost['routes'][number], catchAll: boolean): void {
    const { namespace, name } = splitKey(r.origin.ingress);
    const out = routeRules(r, catchAll, namespace, ctx);
    if (!out.ok) {
      skipped.push(`${r.id}: ${out.why}`);
      return;
    }
    dropped.push(...out.dropped);
    notes.push(...out.notes);
    // ssl-redirect is per route in Portico, per listener attachment here: a host mixing both gets
    // two routes (ties between them only at an identical path).
    const key = `${namespace}\n${h.hostname}\n${r.sslRedirect}`;
    let hr = routes.get(key);
    if (hr === undefined) {
      hr = { ns: namespace, name, host: h.hostname, rules: [], https: h.certificateId !== null, redirect: r.sslRedirect, ingresses: new Set() };
      routes.set(key, hr);
    }
    hr.ingresses.add(name);
    hr.rules.push(...out.rules);
  }

  const byHost = new Map<string, Set<string>>();
  for (const hr of routes.values()) byHost.set(hr.host, new Set([...(byHost.get(hr.host) ?? []), hr.ns]));
  for (const [host, nss] of byHost) {
    if (nss.size > 1) notes.push(`host ${host || '(any)'}: routes in namespaces ${[...nss].sort().join(', ')}; equal matches across them go to the oldest HTTPRoute (Gateway API precedence), not Portico's oldest Ingress`);
  }
  for (const hr of routes.values()) {
    if (hr.ingresses.has('*')) continue;
    const base = hr.ingresses.size === 1 ? `${hr.name}-${slug(hr.host || 'any')}` : `ingresses-${slug(hr.host || 'any')}`;
    const mixed = [...routes.values()].some((o) => o !== hr && o.ns === hr.ns && o.host === hr.host);
    hr.name = (mixed && !hr.redirect ? `${base}-http` : base).slice(0, 253);
  }

  // ssl-passthrough: the TLS stream goes to the backend unopened. Its Gateway API form is a
  // TLSRoute on a TLS Passthrough listener (experimental channel); not written, so listed.
  for (const p of s.passthrough ?? []) {
    if (!p.ingress.startsWith('TLSRoute ')) skipped.push(`${p.ingress}: ssl-passthrough host ${p.hostname} (a TLSRoute on a Passthrough listener; not written)`);
  }

  const losses = annotationLosses(o.annotationReports ?? []);
  skipped.push(...losses.skipped);
  dropped.push(...losses.dropped);
  notes.push(...losses.notes);

  const docs: Obj[] = [
    { apiVersion: V1, kind: 'GatewayClass', metadata: { name: o.gatewayName }, spec: { controllerName: o.controllerName ?? 'portico.io/gateway-controller' } },
    { apiVersion: V1, kind: 'Gateway', metadata: { name: o.gatewayName, namespace: o.namespace }, spec: { gatewayClassName: o.gatewayName, listeners } },
    ...grants.values(),
  ];
  const parent = (sectionName: string) => ({ name: o.gatewayName, namespace: o.namespace, sectionName });
  for (const hr of [...routes.values()].sort((a, b) => (a.ns + a.name < b.ns + b.name ? -1 : 1))) {
    const hostnames = hr.host === '' ? {} : { hostnames: [hr.host] };
    const https = hr.https ? [parent(listenerName(hr.host))] : [];
    // ssl-redirect: the HTTP listener only redirects (Portico's 308, SPEC §1.9).
    const parentRefs = hr.redirect && hr.https ? https : [parent('http'), ...https];
    docs.push({ apiVersion: V1, kind: 'HTTPRoute', metadata: { name: hr.name, namespace: hr.ns }, spec: { parentRefs, ...hostnames, rules: hr.rules } });
    if (hr.redirect && hr.https) {
      docs.push({
        apiVersion: V1, kind: 'HTTPRoute', metadata: { name: `${hr.name}-to-https`.slice(0, 253), namespace: hr.ns },
        spec: { parentRefs: [parent('http')], ...hostnames, rules: redirectRules(hr.rules) },
      });
    }
  }
  return { yaml: header(skipped, dropped, notes) + docs.map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n'), skipped, dropped, notes };
}

/**
 * The HTTP side of ssl-redirect routes: Portico redirects a request that matches one of them
 * (SPEC §1.9; the redirect is a route's, as ingress-nginx's is a location's), and a request that
 * matches none gets what it would have got, so the redirect rules repeat the routes' matches.
 */
function redirectRules(rules: readonly Obj[]): Obj[] {
  const seen = new Set<string>();
  const out: Obj[] = [];
  for (const r of rules) {
    const matches = (r.matches as unknown[] | undefined) ?? [{ path: { type: 'PathPrefix', value: '/' } }];
    const key = JSON.stringify(matches);
    if (seen.has(key)) continue;
    seen.add(key);
    // app-root answers before ssl-redirect (dataplane/http: route actions, then the https
    // redirect), with the request's scheme: its own redirect rule is kept as it is.
    const own = ((r.filters as { type: string }[] | undefined) ?? []).some((f) => f.type === 'RequestRedirect');
    out.push(own ? r : { matches, filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] });
  }
  return out;
}

function referenceGrant(ns: string, name: string, fromKind: string, fromNs: string, toKind: string): Obj {
  return {
    // ReferenceGrant is served at v1beta1 by every gateway-api release (v1 since v1.5).
    apiVersion: V1BETA1, kind: 'ReferenceGrant', metadata: { name: name.slice(0, 253), namespace: ns },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }], to: [{ group: '', kind: toKind }] },
  };
}

/** A DNS-label-safe form of a hostname, for listener and route names. */
function slug(h: string): string {
  const s = h.replace(/^\*\./, 'wildcard-').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 50) || 'any';
}
