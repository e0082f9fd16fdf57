// ssl-passthrough Ingresses → the Snapshot's passthrough hosts (README "TLS passthrough";
// ingress-nginx internal/ingress/controller/controller.go "SSL Passthrough" and pkg/tcpproxy):
// each host of such an Ingress is passed through to the backend of its `/` path; other paths are
// ignored for TLS (they still serve plain HTTP), as in ingress-nginx, and the Ingress is told so.
// Without --enable-ssl-passthrough the key is refused: the author asked for end-to-end TLS and
// terminating it here instead would be a silent change of who holds the key.

import { sslPassthrough } from '../k8s/annotations/upstream.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { PassthroughHost } from '../model/passthrough.ts';
import { resolveServiceBackend } from './backends.ts';
import type { ParsedIngress } from './ingress.ts';

/** False when the Ingress must not be served (passthrough asked, flag off); the diagnostic is pushed. */
export function passthroughAllowed(p: ParsedIngress, enabled: boolean, diags: Diagnostic[]): boolean {
  if (enabled || p.annotations.get(sslPassthrough) !== true) return true;
  diags.push(diagnostic(p.ref, 'SslPassthroughDisabled',
    'ssl-passthrough is set but Portico runs without --enable-ssl-passthrough; set the flag to pass its hosts through (Ingress not served)', 'error'));
  return false;
}

export interface PassthroughResult {
  readonly hosts: PassthroughHost[];
  readonly clusters: Cluster[];
}

/** `ingresses` in SPEC §1.8 order (oldest first): the first Ingress passing a host through wins. */
export function translatePassthrough(view: StoreView, ingresses: readonly ParsedIngress[], opts: { allowExternalName: boolean }, diags: Diagnostic[]): PassthroughResult {
  const hosts = new Map<string, PassthroughHost>();
  const clusters = new Map<string, Cluster>();
  for (const p of ingresses) {
    if (p.annotations.get(sslPassthrough) !== true) continue;
    const warn = (m: string) => diags.push(diagnostic(p.ref, 'SslPassthroughIgnored', m, 'warning'));
    for (const r of p.rules) {
      const at = `spec.rules[${r.rule}]`;
      if (r.hostname === '') { warn(`${at}: a rule without host cannot be passed through (SNI names a host); served as HTTPS`); continue; }
      if (r.kind !== 'exact') { warn(`${at}: wildcard host ${r.hostname} cannot be passed through (SNI is matched exactly, as in ingress-nginx); served as HTTPS`); continue; }
      const owner = hosts.get(r.hostname);
      if (owner !== undefined && owner.ingress !== p.key) { warn(`${at}: host ${r.hostname} is already passed through by Ingress ${owner.ingress}`); continue; }
      for (const path of r.paths) {
        const root = path.declared.path === '/' && path.declared.type !== 'Exact';
        if (!root || owner !== undefined || hosts.has(r.hostname)) {
          warn(`${at}.http.paths[${path.path}]: path ${path.declared.path} is ignored for TLS passthrough (only the / path's backend receives ${r.hostname}'s TLS connections)`);
          continue;
        }
        const b = resolveServiceBackend(view, p.namespace, path.service.name, path.service.port, { allowExternalName: opts.allowExternalName });
        if (b.ok && !clusters.has(b.cluster.id)) clusters.set(b.cluster.id, b.cluster);
        if (!b.ok) warn(`${at}: ${b.message}; TLS connections to ${r.hostname} are closed`);
        hosts.set(r.hostname, { hostname: r.hostname, clusterId: b.ok ? b.cluster.id : null, ingress: p.key });
      }
      if (!hosts.has(r.hostname)) warn(`${at}: host ${r.hostname} has no / path, so nothing receives its TLS connections; served as HTTPS`);
    }
  }
  return { hosts: [...hosts.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : 1)), clusters: [...clusters.values()] };
}
