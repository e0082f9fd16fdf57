// One-shot commands over manifest files (`portico validate`, `portico explain`): the same
// sources → store → translate pipeline as `serve`, run once without listeners.
import type { PorticoConfig } from './config/config.ts';
import { certificatesView, type CertificateRow } from './admin/certificates-view.ts';
import { HttpDataplane } from './dataplane/http/dataplane.ts';
import { generateDefaultCertificate } from './dataplane/tls/default-certificate.ts';
import { SniTableBuilder } from './dataplane/tls/sni-table.ts';
import type { Snapshot } from './model/snapshot.ts';
import type { Explanation } from './dataplane/http/dataplane.ts';
import { ManifestSet } from './sources/file/manifest-set.ts';
import { Store } from './store/store.ts';
import { compareDiagnostics, type Diagnostic } from './model/diagnostic.ts';
import { translateEndpoints } from './translate/endpoints.ts';
import { translate } from './translate/index.ts';
import type { AnnotationReport } from './translate/annotations.ts';
import { translateOptionsFrom } from './app.ts';
import { silentLogger } from './util/logger.ts';
import { Metrics } from './util/metrics.ts';
import { convertSnapshot, type ConvertResult } from './convert/index.ts';

export interface OfflineResult {
  readonly snapshot: Snapshot;
  readonly endpoints: Map<string, import('./model/endpoint.ts').Endpoint[]>;
  readonly diagnostics: Diagnostic[];
  readonly served: string[];
  readonly files: string[];
  /** Annotation migration report, one entry per Ingress of our class. */
  readonly annotationReports: AnnotationReport[];
}

export async function loadOffline(config: PorticoConfig): Promise<OfflineResult> {
  const load = await new ManifestSet(config.resources).load();
  const store = new Store();
  for (const e of load.entries.values()) store.upsert(e.kind, e.obj);
  const result = translate(store, { ...translateOptionsFrom(config), version: 1, now: new Date().toISOString() });
  const endpoints = translateEndpoints(store, result.snapshot.clusters);
  const diagnostics = [...load.diagnostics, ...result.diagnostics].sort(compareDiagnostics);
  return { snapshot: result.snapshot, endpoints, diagnostics, served: result.served, files: load.files, annotationReports: result.annotationReports };
}

/** Which Ingress, rule and endpoint a URL reaches, and why (README "Routing rules" `portico explain`). */
export async function explainUrl(config: PorticoConfig, url: string): Promise<{ explanation: unknown; diagnostics: Diagnostic[]; annotations: AnnotationReport | null }> {
  const off = await loadOffline(config);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (e.g. http://foo.bar.com/api/v1)`);
  }
  const dp = new HttpDataplane({
    logger: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
    trustProxy: [],
    connectTimeoutMs: config.connectTimeoutMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    maxBodyBytes: config.proxyBodySize,
    httpsPort: config.httpsPort,
    hsts: null,
    escapedSlashes: config.escapedSlashes,
    // What decides the HTTP/1.1 engine a request gets (explanation.http1Engine).
    http1Engine: config.http1Engine,
    accessLog: { format: config.accessLogFormat, fields: config.accessLogFields },
    requestBufferBytes: config.requestBuffering ? config.requestBufferSize : 0,
  });
  try {
    dp.apply(off.snapshot, off.endpoints);
    // The path exactly as written (WHATWG URL would resolve dot segments its own way); the
    // dataplane normalises it as it does for traffic (request-target.ts normalizePath).
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    // A URL naming a port explains the Gateway listener declaring that port (gateway-explain.ts).
    const explanation = dp.explain(u.host, slash === -1 ? '/' : url.slice(slash), { scheme: u.protocol === 'https:' ? 'https' : 'http', ...(u.port === '' ? {} : { port: Number(u.port) }) });
    const ingress = explanation.route?.ingress;
    const annotations = off.annotationReports.find((r) => r.ingress === ingress) ?? null;
    return { explanation: { ...explanation, notes: regexNotes(off.snapshot, explanation) }, diagnostics: off.diagnostics, annotations };
  } finally {
    await dp.close();
  }
}

/**
 * `portico convert` (README "Moving to Gateway API: portico convert"): the Gateway API objects
 * serving what the Ingresses of --ingress-class serve, from the translated Snapshot.
 */
export async function convertResources(config: PorticoConfig): Promise<ConvertResult & { diagnostics: Diagnostic[] }> {
  const off = await loadOffline(config);
  // Listener ports as clients see them (deploy/gateway-api serves them with --gateway-port-offset).
  const result = convertSnapshot(off.snapshot, {
    namespace: 'default', gatewayName: config.ingressClass, httpPort: 80, httpsPort: 443,
    controllerName: config.gatewayControllerName, annotationReports: off.annotationReports,
  });
  return { ...result, diagnostics: off.diagnostics };
}

/** Which certificate every host gets and why (`portico certs`, README "TLS"). */
export async function certificatesReport(config: PorticoConfig): Promise<{ rows: CertificateRow[]; diagnostics: Diagnostic[] }> {
  const off = await loadOffline(config);
  const table = new SniTableBuilder({ generatedDefault: generateDefaultCertificate() }).build(off.snapshot);
  return { rows: certificatesView(off.snapshot, table, off.diagnostics), diagnostics: off.diagnostics };
}

/**
 * README "Annotations", use-regex: ingress-nginx turns every path of a host into a
 * case-insensitive regex as soon as one Ingress on it uses use-regex or rewrite-target; Portico
 * keeps that to the asking Ingress. Say so where it changes something for this host.
 */
function regexNotes(snapshot: Snapshot, e: Explanation): string[] {
  const vh = snapshot.virtualHosts.find((v) => v.hostname === e.bucket.hostname && e.bucket.kind !== 'none');
  if (vh === undefined) return [];
  const regexIngresses = [...new Set(vh.routes.filter((r) => r.match.type === 'Regex').map((r) => r.origin.ingress))].sort();
  if (regexIngresses.length === 0) return [];
  const notes = [`paths of ${regexIngresses.join(', ')} are case-insensitive RE2 regexes anchored at the start (use-regex / rewrite-target)`];
  const literal = [...new Set(vh.routes.filter((r) => r.match.type !== 'Regex').map((r) => r.origin.ingress))].sort();
  if (literal.length > 0) {
    notes.push(`ingress-nginx would also have made the paths of ${literal.join(', ')} on this host case-insensitive regexes; Portico keeps their Exact/Prefix matching`);
  }
  return notes;
}
