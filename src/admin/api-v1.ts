// The dashboard's JSON, versioned under /api/v1/ (README "Dashboard and /api/v1"). Each view is
// built from the snapshot, the endpoint set, the diagnostics and the process's own metrics;
// certificates appear by names and dates only — key material and Secret data never reach here
// (ARCHITECTURE.md "Certificates and keys never reach logs, diagnostics or debug endpoints").

import type { Snapshot } from '../model/snapshot.ts';
import type { Route } from '../model/route.ts';
import { pathMatches } from '../model/match.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Metrics } from '../util/metrics.ts';
import type { CertificateRow } from './certificates-view.ts';

export const API_VERSION = 'v1';

export interface EndpointHealth {
  readonly id: string;
  readonly ready: boolean;
  readonly inflight: number;
  /** Passive health: false while recent connect failures outnumber successes (ejected). */
  readonly healthy: boolean;
}

/** What the views read; app.ts wires it to the controller and the dataplanes. */
export interface ApiSources {
  snapshot(): Snapshot;
  endpoints(): ReadonlyMap<string, readonly { id: string; ready: boolean }[]>;
  diagnostics(): readonly Diagnostic[];
  isReady(): boolean;
  /** Dataplane view of a cluster's endpoints, or null when no HTTP route uses it. */
  endpointHealth(clusterId: string): readonly EndpointHealth[] | null;
  /** null when HTTPS is off. */
  certificates(): readonly CertificateRow[] | null;
  /** `target`: the scheme and port the request is sent to (Gateway listeners, gateway-explain.ts). */
  explain(host: string | undefined, path: string, target?: { scheme?: 'http' | 'https'; port?: number }): unknown;
  /** Each source and whether it synced; per-kind detail comes from portico_source_synced. */
  sources(): readonly { source: string; synced: boolean }[];
}

export interface TrafficRow {
  readonly ingress: string;
  readonly service: string;
  readonly requests: number;
  /** 5xx answers (Portico's own 502/503/504 and the upstream's). */
  readonly errors: number;
}

export async function overview(src: ApiSources, metrics: Metrics, startedAt: number): Promise<unknown> {
  const s = src.snapshot();
  const diags = src.diagnostics();
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.filter((d) => d.severity === 'warning').length;
  const [reloads, reloadErrors, synced, requests] = await Promise.all([
    metrics.configReloads.get(), metrics.configReloadErrors.get(), metrics.sourceSynced.get(), metrics.http.requests.get(),
  ]);
  const traffic = new Map<string, { ingress: string; service: string; requests: number; errors: number }>();
  for (const v of requests.values) {
    const ingress = String(v.labels.ingress ?? '');
    const service = String(v.labels.service ?? '');
    const k = `${ingress}|${service}`;
    let row = traffic.get(k);
    if (!row) traffic.set(k, (row = { ingress, service, requests: 0, errors: 0 }));
    row.requests += v.value;
    if (v.labels.code === '5xx') row.errors += v.value;
  }
  return {
    apiVersion: API_VERSION,
    /** Milliseconds since the epoch: clients compute rates between two reads. */
    sampledAt: Date.now(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    snapshotVersion: s.version,
    ready: src.isReady(),
    sources: [
      ...src.sources().map((x) => ({ source: x.source, kind: '*', synced: x.synced })),
      ...synced.values.map((v) => ({ source: String(v.labels.source ?? ''), kind: String(v.labels.kind ?? ''), synced: v.value === 1 })),
    ],
    reloads: reloads.values[0]?.value ?? 0,
    reloadErrors: reloadErrors.values[0]?.value ?? 0,
    diagnostics: { errors, warnings, info: diags.length - errors - warnings },
    counts: {
      virtualHosts: s.virtualHosts.length,
      routes: s.virtualHosts.reduce((n, v) => n + v.routes.length, 0),
      clusters: s.clusters.length,
      certificates: s.certificates.length,
      l4: s.l4.length,
    },
    traffic: [...traffic.values()].sort((a, b) => cmp(a.ingress, b.ingress) || cmp(a.service, b.service)) as TrafficRow[],
  };
}

export function routers(src: ApiSources): unknown {
  const s = src.snapshot();
  const eps = src.endpoints();
  const health = new Map<string, readonly EndpointHealth[]>();
  const endpointsOf = (clusterId: string): readonly EndpointHealth[] => {
    let h = health.get(clusterId);
    if (!h) {
      h = src.endpointHealth(clusterId) ?? (eps.get(clusterId) ?? []).map((e) => ({ id: e.id, ready: e.ready, inflight: 0, healthy: true }));
      health.set(clusterId, h);
    }
    return h;
  };
  const route = (r: Route) => ({
    id: r.id,
    ingress: r.origin.ingress,
    match: { type: r.match.type, path: r.match.path },
    sslRedirect: r.sslRedirect,
    backend: r.backend.kind === 'cluster'
      ? { kind: 'cluster', clusterId: r.backend.clusterId, service: r.service, endpoints: endpointsOf(r.backend.clusterId) }
      : { kind: 'unavailable', reason: r.backend.reason },
  });
  return {
    apiVersion: API_VERSION,
    snapshotVersion: s.version,
    hosts: s.virtualHosts.map((v) => ({
      hostname: v.hostname,
      kind: v.kind,
      certificate: v.certificateId,
      routes: v.routes.map(route),
      fallback: v.fallback ? route(v.fallback) : null,
    })),
    defaultRoute: s.defaultRoute ? route(s.defaultRoute) : null,
  };
}

export function certificates(src: ApiSources): unknown {
  const rows = src.certificates();
  return {
    apiVersion: API_VERSION,
    https: rows !== null,
    hosts: (rows ?? []).map((r) => ({
      host: r.host, served: r.served, secret: r.secret, names: r.names, notAfter: r.notAfter, problems: r.problems,
    })),
  };
}

export function l4(src: ApiSources): unknown {
  const s = src.snapshot();
  const eps = src.endpoints();
  return {
    apiVersion: API_VERSION,
    routes: s.l4.map((r) => ({
      id: r.id,
      protocol: r.protocol,
      listenPort: r.listenPort,
      clusterId: r.clusterId,
      ...(r.backends !== undefined ? { backends: r.backends } : {}),
      proxyProtocol: r.proxyProtocol,
      source: r.source,
      endpoints: r.clusterId ? (eps.get(r.clusterId) ?? []).map((e) => ({ id: e.id, ready: e.ready })) : [],
    })),
  };
}

export function diagnostics(src: ApiSources): unknown {
  return {
    apiVersion: API_VERSION,
    items: src.diagnostics().map((d) => ({ object: d.object, severity: d.severity, reason: d.reason, message: d.message, ...(d.origin ? { origin: d.origin } : {}) })),
  };
}

/**
 * `url` is `http://host/path` or `host/path`; or `host` and `path` separately (with `scheme` and
 * `port`). A scheme and a port in the URL pick the Gateway listener explained.
 */
export function explain(src: ApiSources, q: Record<string, string | undefined>): unknown {
  let host = q.host;
  let path = q.path ?? '/';
  let scheme = q.scheme;
  let port = q.port;
  if (q.url) {
    const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)(.*)$/i.exec(q.url.trim());
    scheme = m?.[1]?.toLowerCase() ?? scheme;
    host = m?.[2] || undefined;
    path = m?.[3] || '/';
    port = /:(\d+)$/.exec(host ?? '')?.[1] ?? port;
  }
  const explanation = src.explain(host, path, explainTarget(scheme, port)) as ExplainShape;
  return { apiVersion: API_VERSION, request: { host: host ?? null, path }, explanation, candidates: candidates(src.snapshot(), explanation) };
}

interface ExplainShape {
  path: string;
  bucket: { kind: string; hostname: string | null };
  route: { id: string } | null;
}

/**
 * Every route of the chosen host in precedence order and why each one lost (SPEC §1.5): the path
 * did not match, or it matched with lower precedence than the chosen one.
 */
function candidates(s: Snapshot, x: ExplainShape): { id: string; ingress: string; match: { type: string; path: string }; outcome: string }[] {
  if (!x || x.bucket.hostname === null) return [];
  const vh = s.virtualHosts.find((v) => v.hostname === x.bucket.hostname);
  if (!vh) return [];
  const chosen = x.route?.id ?? null;
  const routes = vh.fallback ? [...vh.routes, vh.fallback] : vh.routes;
  return routes.map((r) => ({
    id: r.id,
    ingress: r.origin.ingress,
    match: { type: r.match.type, path: r.match.path },
    outcome: r.id === chosen ? 'chosen'
      : r === vh.fallback ? 'host default backend: used only when no path matches'
      : pathMatches(r.match, x.path) ? 'matches, but lower precedence (longer path first, Exact before Prefix)'
      : 'path does not match',
  }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The scheme and port of an explain query as the dataplane takes them; anything else is left out. */
export function explainTarget(scheme: string | undefined, port: string | undefined): { scheme?: 'http' | 'https'; port?: number } {
  const n = port !== undefined && /^\d{1,5}$/.test(port) ? Number(port) : 0;
  return { ...(scheme === 'http' || scheme === 'https' ? { scheme } : {}), ...(n >= 1 && n <= 65535 ? { port: n } : {}) };
}
