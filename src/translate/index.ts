// Store → Snapshot + Diagnostics (ARCHITECTURE.md "Translate"; README "Routing rules"). Pure: no I/O,
// no clock, no logger; deterministic (same store ⇒ identical JSON), so everything is sorted.

import { readAnnotations } from '../k8s/annotations/index.ts';
import { annotationDiagnostics, type AnnotationReport } from './annotations.ts';
import { healthCheckFrom, healthTimeoutProblem } from '../k8s/annotations/balancing.ts';
import { IngressClassSelector } from '../k8s/ingress-class.ts';
import { nsName } from '../k8s/keys.ts';
import type { Ingress, Service } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { translateCertificates } from './certificates.ts';
import { compareDiagnostics, diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { buildHosts } from './hosts.ts';
import { ingressRef, parseIngress, sortIngressesByAge, type ParsedIngress } from './ingress.ts';
import { translateL4 } from './l4.ts';
import { translateAccess } from './access.ts';
import { applyHostClientCertificates, refusedClientCert } from './auth-tls.ts';
import { hasAuthTls } from '../k8s/annotations/auth-tls.ts';
import { passthroughAllowed, translatePassthrough } from './passthrough.ts';
import { DEFAULT_GATEWAY_CONTROLLER, translateGateway, type GatewayPorts } from './gateway/index.ts';
import type { GatewayStatusReport } from './gateway/status-report.ts';

export interface TranslateOptions {
  version: number;
  controllerName: string;
  ingressClass: string;
  watchWithoutClass: boolean;
  allowExternalName: boolean;
  sslRedirect: boolean;
  /** 'ns/name' or null. */
  defaultTlsSecret: string | null;
  /** 'ns/name' (README "TCP and UDP services (L4)"). */
  tcpServicesConfigMap: string | null;
  udpServicesConfigMap: string | null;
  /** --serve-unenforced-annotations: serve Ingresses with refused annotations, with a warning. */
  serveUnenforcedAnnotations?: boolean;
  /** Gateway API (README "Gateway API"): GatewayClass spec.controllerName Portico answers to. */
  gatewayControllerName?: string;
  /** Ports Gateway listeners are served on (the HTTP/HTTPS servers) and --gateway-port-offset. */
  gatewayPorts?: GatewayPorts;
  /**
   * ISO-8601 time for certificate expiry warnings (README "TLS"). Translate reads no clock, so
   * the caller passes it; absent ⇒ no expiry check.
   */
  now?: string;
  /** Global source ranges (`--allowlist-source-range`, `--denylist-source-range`), normalised CIDRs. */
  allowlistSourceRange?: readonly string[];
  denylistSourceRange?: readonly string[];
  /** --enable-ssl-passthrough (README "TLS passthrough"). */
  sslPassthrough?: boolean;
}

export interface TranslateResult {
  snapshot: Snapshot;
  /** Sorted with compareDiagnostics, duplicates removed. */
  diagnostics: Diagnostic[];
  /** Keys (`ns/name`) of the Ingresses Portico serves, sorted. */
  served: string[];
  /** Migration report: every annotation of every Ingress of our class, by Ingress key. */
  annotationReports: AnnotationReport[];
  /** Gateway API status Portico would write (cluster mode, src/status/gateway-status.ts). */
  gatewayStatus: GatewayStatusReport;
}

export function defaultTranslateOptions(): TranslateOptions {
  return {
    version: 0,
    controllerName: 'portico.io/ingress-controller',
    ingressClass: 'portico',
    watchWithoutClass: false,
    allowExternalName: false,
    sslRedirect: true,
    defaultTlsSecret: null,
    tcpServicesConfigMap: null,
    udpServicesConfigMap: null,
  };
}

export function translate(view: StoreView, options: TranslateOptions): TranslateResult {
  const diags: Diagnostic[] = [];

  // 1. Which Ingresses are ours (SPEC §1.6), in merge order (SPEC §1.8: oldest first).
  const selector = new IngressClassSelector(view.list('IngressClass'), options);
  const parsed: ParsedIngress[] = [];
  const age = new Map<string, number>();
  const clientCertAsked: Ingress[] = [];
  const reports: AnnotationReport[] = [];
  const parseOpts = { serveUnenforcedAnnotations: options.serveUnenforcedAnnotations === true, reports };
  for (const ing of sortIngressesByAge(view.list('Ingress'))) {
    const decision = selector.decide(ing);
    if (!decision.served) {
      const className = ing?.spec?.ingressClassName;
      // A class named like ours that does not exist is almost always a forgotten IngressClass
      // (common with files); say so instead of ignoring the Ingress silently.
      if (className === options.ingressClass) {
        diags.push(diagnostic(ingressRef(ing), 'IngressClassNotFound',
          `ingressClassName ${className} names no IngressClass; create one with spec.controller ${options.controllerName} to serve this Ingress`, 'warning'));
      }
      continue;
    }
    // The Ingresses asking for client certificates, with their age rank: on each host the oldest
    // decides, and a host whose oldest one is refused is not served (src/translate/auth-tls.ts).
    if (hasAuthTls(ing)) {
      clientCertAsked.push(ing);
      age.set(nsName(ingressRef(ing).namespace, ingressRef(ing).name), age.size);
    }
    const p = parseIngress(ing, diags, parseOpts);
    if (!p || !passthroughAllowed(p, options.sslPassthrough === true, diags)) continue;
    // Access control (src/translate/access.ts): an Ingress whose protection cannot be enforced
    // exactly is not served at all.
    const acc = translateAccess(view, p, { allowlistSourceRange: options.allowlistSourceRange ?? [], denylistSourceRange: options.denylistSourceRange ?? [] });
    if (!acc.ok) {
      for (const e of acc.errors) diags.push(diagnostic(p.ref, 'AccessPolicyInvalid', `${e}; Ingress not served`, 'error'));
      continue;
    }
    parsed.push(acc.access === null && acc.clusters.length === 0 ? p : { ...p, access: acc.access, accessClusters: acc.clusters });
  }

  // 2. TLS (README "TLS"): certificates and which host redirects to https.
  const tls = translateCertificates(view, parsed.map(tlsView), { defaultTlsSecret: options.defaultTlsSecret, ...(options.now ? { now: options.now } : {}) });
  diags.push(...tls.diagnostics);

  // 3. Routes, virtual hosts and the clusters they use.
  const hosts = buildHosts(view, parsed, {
    allowExternalName: options.allowExternalName,
    sslRedirect: options.sslRedirect,
    tlsHosts: tls.tlsHosts,
    hostCertificate: tls.hostCertificate,
  }, diags);
  // Client certificates are a host setting (src/translate/auth-tls.ts): the oldest Ingress's.
  if (clientCertAsked.length > 0) hosts.virtualHosts = applyHostClientCertificates(hosts.virtualHosts, age, refusedClientCert(clientCertAsked, parsed), diags);

  // 4. L4 (README "TCP and UDP services (L4)") shares the cluster table: one Service port, one Cluster.
  const l4 = translateL4(view, {
    tcpServicesConfigMap: options.tcpServicesConfigMap,
    udpServicesConfigMap: options.udpServicesConfigMap,
    allowExternalName: options.allowExternalName,
  });
  diags.push(...l4.diagnostics);
  const clusters = new Map<string, Cluster>(hosts.clusters);
  for (const p of parsed) for (const c of p.accessClusters ?? []) if (!clusters.has(c.id)) clusters.set(c.id, c);
  for (const c of l4.clusters) if (!clusters.has(c.id)) clusters.set(c.id, c);
  const passthrough = translatePassthrough(view, parsed, { allowExternalName: options.allowExternalName }, diags);
  for (const c of passthrough.clusters) if (!clusters.has(c.id)) clusters.set(c.id, c);

  // 5. Gateway API: the same clusters and certificates, its own listener/host/rule tables.
  const gw = translateGateway(view, {
    controllerName: options.gatewayControllerName ?? DEFAULT_GATEWAY_CONTROLLER,
    ports: options.gatewayPorts ?? { http: null, https: null, offset: 0 },
    allowExternalName: options.allowExternalName,
    takenSni: new Set(passthrough.hosts.map((h) => h.hostname)),
  }, diags);
  for (const c of gw.clusters) if (!clusters.has(c.id)) clusters.set(c.id, c);
  const certificates = new Map(tls.certificates.map((c) => [c.id, c]));
  for (const c of gw.certificates) if (!certificates.has(c.id)) certificates.set(c.id, c);
  const clusterList = [...clusters.values()].sort((a, b) => cmp(a.id, b.id));
  checkServices(view, clusterList, diags);

  const snapshot: Snapshot = {
    version: options.version,
    virtualHosts: hosts.virtualHosts,
    defaultRoute: hosts.defaultRoute,
    clusters: clusterList,
    certificates: [...certificates.values()].sort((a, b) => cmp(a.id, b.id)),
    defaultCertificateId: tls.defaultCertificateId ?? gw.anyHostCertificateId,
    // Gateway TCP/UDP listeners (src/translate/gateway/l4-routes.ts) join the ConfigMap ones.
    l4: [...l4.routes, ...gw.l4].sort((a, b) => cmp(a.id, b.id)),
    ...(gw.gateway === null ? {} : { gateway: gw.gateway }),
    // Gateway TLSRoute hosts (src/translate/gateway/tls-routes.ts) join the Ingress ones, which keep theirs.
    ...(gw.tlsPorts.length === 0 ? {} : { tlsPorts: gw.tlsPorts }),
    ...(passthrough.hosts.length + gw.passthrough.length === 0 ? {} : { passthrough: [...passthrough.hosts, ...gw.passthrough].sort((a, b) => cmp(a.hostname, b.hostname)) }),
  };
  return {
    snapshot,
    diagnostics: dedupe(diags.sort(compareDiagnostics)),
    served: parsed.map((p) => p.key).sort(),
    annotationReports: reports.sort((a, b) => cmp(a.ingress, b.ingress)),
    gatewayStatus: gw.status,
  };
}

/**
 * The Ingress as certificate assignment reads it: only the rules that passed validation, and
 * spec.tls as a list, so a malformed field never reaches code that assumes the schema.
 */
function tlsView(p: ParsedIngress): Ingress {
  const spec = p.ingress.spec ?? {};
  const hosts = [...new Set(p.rules.map((r) => r.hostname).filter((h) => h !== ''))];
  return {
    ...p.ingress,
    spec: { ...spec, rules: hosts.map((host) => ({ host })), tls: Array.isArray(spec.tls) ? spec.tls : [] },
  };
}

/** Annotation problems on the Services that back a Cluster (README "TCP and UDP services (L4)" 'portico.io/l4-balance'). */
function checkServices(view: StoreView, clusters: readonly Cluster[], diags: Diagnostic[]): void {
  const seen = new Set<string>();
  for (const c of clusters) {
    const key = nsName(c.namespace, c.service);
    if (seen.has(key)) continue;
    seen.add(key);
    const svc = view.get('Service', key);
    if (!svc) continue;
    diags.push(...serviceDiagnostics(svc));
  }
}

/** Per Service object (never edited in place by the store): a rebuild does not re-read thousands of unchanged Services. */
const serviceDiags = new WeakMap<object, readonly Diagnostic[]>();
const NO_DIAGNOSTICS: readonly Diagnostic[] = Object.freeze([]);

function serviceDiagnostics(svc: Service): readonly Diagnostic[] {
  let out = serviceDiags.get(svc);
  if (out !== undefined) return out;
  const found: Diagnostic[] = [];
  const ref = { kind: 'Service', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' };
  // Services are never refused: only Ingress-scoped keys protect an app.
  const values = readAnnotations(svc, 'Service');
  annotationDiagnostics(ref, values, true, found);
  const hc = healthCheckFrom(values);
  if (hc !== null && hc.timeoutMs >= hc.intervalMs) found.push(diagnostic(ref, 'InvalidAnnotation', healthTimeoutProblem(hc), 'warning'));
  // Most Services have none: one shared empty list, not one per Service kept alive with it.
  serviceDiags.set(svc, (out = found.length === 0 ? NO_DIAGNOSTICS : found));
  return out;
}

function dedupe(sorted: Diagnostic[]): Diagnostic[] {
  return sorted.filter((d, i) => i === 0 || compareDiagnostics(d, sorted[i - 1]) !== 0 || d.severity !== sorted[i - 1].severity);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
