// Client-certificate authentication (ingress-nginx authtls) → ClientCertPolicy (src/model/access.ts).
//
// Two steps. Per Ingress: the auth-tls-* annotations and the Secret's ca.crt / ca.crl, checked here
// so that a CA or CRL that does not parse refuses the Ingress (ingress-nginx answers such a host 403;
// never served open). Per host: nginx's ssl_verify_client is a server directive, so the policy is
// the host's, taken from the oldest Ingress that sets it (ingress-nginx controller.go
// createServers: "Server is already configured for mutual authentication"), and every route of
// the host — of any Ingress — carries it.

import { createHash, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { readAuthTls } from '../k8s/annotations/auth-tls.ts';
import type { Ingress, KubeObject } from '../k8s/types.ts';
import { nsName } from '../k8s/keys.ts';
import { ingressRef, type ParsedIngress } from './ingress.ts';
import { normHost } from './certificates.ts';
import type { StoreView } from '../store/store.ts';
import type { ClientCertPolicy, RouteAccess } from '../model/access.ts';
import type { Route, VirtualHost } from '../model/route.ts';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { secretText } from './pem.ts';

/** The Ingress's policy, null when it sets no auth-tls key, or the reasons it cannot be enforced. */
export function translateAuthTls(view: StoreView, obj: KubeObject, namespace: string, ingress: string): { value: ClientCertPolicy | null } | { errors: string[] } {
  const parsed = readAuthTls(obj, namespace);
  if ('errors' in parsed) return parsed;
  const a = parsed.value;
  if (a === null) return { value: null };
  const secret = view.get('Secret', a.secret);
  if (!secret) return { errors: [`auth-tls-secret: Secret ${a.secret} not found`] };
  const caText = secretText(secret, 'ca.crt');
  // authtls resolver: a Secret without ca.crt disables mutual authentication in ingress-nginx
  // (logged only); here it refuses the Ingress, since the author asked for client certificates.
  if (caText === undefined || caText.trim() === '') return { errors: [`auth-tls-secret: Secret ${a.secret} has no key "ca.crt"`] };
  const blocks = caText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { errors: [`auth-tls-secret: Secret ${a.secret}: ca.crt holds no CERTIFICATE block`] };
  for (let i = 0; i < blocks.length; i++) {
    try {
      new X509Certificate(blocks[i]);
    } catch {
      return { errors: [`auth-tls-secret: Secret ${a.secret}: ca.crt certificate #${i + 1} cannot be parsed`] };
    }
  }
  const caPem = blocks.join('\n') + '\n';
  let crlPem: string | null = null;
  const crlText = secretText(secret, 'ca.crl');
  if (crlText !== undefined && crlText.trim() !== '') {
    const crl = checkCrl(crlText);
    if ('error' in crl) return { errors: [`auth-tls-secret: Secret ${a.secret}: ca.crl ${crl.error}`] };
    crlPem = crl.pem;
  }
  // What the handshake depends on; depth, error page, pass-through and CN are checked per request.
  const key = createHash('sha256').update(caPem).update('\0').update(crlPem ?? '').update('\0').update(a.verify).digest('base64');
  return {
    value: {
      secret: a.secret, ingress, caPem, crlPem, verify: a.verify, depth: a.depth,
      errorPage: a.errorPage, passCertificate: a.passCertificate, matchCn: a.matchCn, key,
    },
  };
}

/**
 * X509 CRL blocks, each a DER SEQUENCE of three (RFC 5280 §5.1: tbsCertList, signatureAlgorithm,
 * signatureValue). OpenSSL checks the signature against the CA at handshake time; a CRL it cannot
 * use makes verification fail (400), never pass.
 */
function checkCrl(text: string): { pem: string } | { error: string } {
  let msgs: forge.pem.ObjectPEM[];
  try {
    msgs = forge.pem.decode(text);
  } catch {
    return { error: 'is not PEM' };
  }
  const crls = msgs.filter((m) => m.type === 'X509 CRL');
  if (crls.length === 0) return { error: 'holds no X509 CRL block' };
  for (let i = 0; i < crls.length; i++) {
    try {
      const asn = forge.asn1.fromDer(forge.util.createBuffer(crls[i].body), true);
      if (!Array.isArray(asn.value) || asn.value.length !== 3) throw new Error('shape');
    } catch {
      return { error: `CRL #${i + 1} cannot be parsed` };
    }
  }
  return { pem: crls.map((m) => forge.pem.encode(m, { maxline: 64 }).replace(/\r\n/g, '\n')).join('') };
}

function samePolicy(a: ClientCertPolicy, b: ClientCertPolicy): boolean {
  return a.key === b.key && a.depth === b.depth && a.errorPage === b.errorPage && a.passCertificate === b.passCertificate && a.matchCn === b.matchCn;
}

function withPolicy(r: Route, p: ClientCertPolicy): Route {
  if (r.access?.clientCert === p) return r;
  const access: RouteAccess = r.access
    ? { ...r.access, clientCert: p }
    : { sourceRange: null, rateLimit: null, basicAuth: null, externalAuth: null, cors: null, clientCert: p };
  return { ...r, access };
}

/** An Ingress that asked for client certificates and is not served, with its rule hosts. */
export interface RefusedClientCert {
  readonly ingress: string;
  readonly hosts: readonly string[];
}

/**
 * The Ingresses among `asked` (those setting an auth-tls-* key) that did not make it into
 * `served` with a policy, whatever the reason: their hosts may not be served without it.
 */
export function refusedClientCert(asked: readonly Ingress[], served: readonly ParsedIngress[]): RefusedClientCert[] {
  const ok = new Set(served.filter((p) => p.access?.clientCert != null).map((p) => p.key));
  const out: RefusedClientCert[] = [];
  for (const ing of asked) {
    const ref = ingressRef(ing);
    const key = nsName(ref.namespace, ref.name);
    if (ok.has(key)) continue;
    const rules: unknown = ing.spec?.rules;
    const hosts = Array.isArray(rules)
      ? rules.flatMap((r: unknown) => (r !== null && typeof r === 'object' && typeof (r as { host?: unknown }).host === 'string' ? [normHost((r as { host: string }).host)] : []))
      : [];
    out.push({ ingress: key, hosts });
  }
  return out;
}

/**
 * The host-level step. `age` ranks Ingress keys oldest first. The oldest Ingress asking for client
 * certificates on a host decides for every route of it; when that one is not served (bad CA,
 * malformed key, any refusal), the host is not served at all — ingress-nginx answers the whole
 * server 403 (AuthTLSError) rather than serving its other Ingresses' paths without certificates.
 * Hosts without host name keep each route's own policy: no SNI name selects them, so those routes
 * answer 421 over TLS (src/dataplane/http/policies/client-cert.ts) — fail closed.
 */
export function applyHostClientCertificates(hosts: readonly VirtualHost[], age: ReadonlyMap<string, number>, refused: readonly RefusedClientCert[], diags: Diagnostic[]): VirtualHost[] {
  const rank = (ingress: string): number => age.get(ingress) ?? Infinity;
  const blocked = new Map<string, string>();
  for (const r of refused) {
    for (const h of r.hosts) {
      const prev = blocked.get(h);
      if (prev === undefined || rank(r.ingress) < rank(prev)) blocked.set(h, r.ingress);
    }
  }
  const warned = new Set<string>();
  const out: VirtualHost[] = [];
  for (const vh of hosts) {
    if (vh.kind === 'any') {
      out.push(vh);
      continue;
    }
    const all = vh.fallback === null ? vh.routes : [...vh.routes, vh.fallback];
    let chosen: ClientCertPolicy | null = null;
    for (const r of all) {
      const p = r.access?.clientCert ?? null;
      if (p !== null && (chosen === null || rank(p.ingress) < rank(chosen.ingress))) chosen = p;
    }
    const block = blocked.get(vh.hostname);
    if (block !== undefined && (chosen === null || rank(block) < rank(chosen.ingress))) {
      const owners = [...new Set(all.map((r) => r.origin.ingress))].sort();
      for (const o of owners) {
        const [namespace, name] = o.split('/');
        diags.push(diagnostic({ kind: 'Ingress', namespace, name }, 'ClientCertificateHostRefused',
          `host ${vh.hostname} is not served: Ingress ${block} asks for client certificates on it and cannot be served (see its diagnostics)`, 'error'));
      }
      continue;
    }
    if (chosen === null) {
      out.push(vh);
      continue;
    }
    const p = chosen;
    for (const r of all) {
      const own = r.access?.clientCert ?? null;
      if (own !== null && !samePolicy(own, p) && !warned.has(`${own.ingress} ${vh.hostname}`)) {
        warned.add(`${own.ingress} ${vh.hostname}`);
        const [namespace, name] = own.ingress.split('/');
        diags.push(diagnostic({ kind: 'Ingress', namespace, name }, 'ClientCertificateShared',
          `host ${vh.hostname}: client certificates are checked with the settings of Ingress ${p.ingress} (the oldest setting auth-tls-* for this host), not this Ingress's`, 'warning'));
      }
    }
    out.push({ ...vh, routes: vh.routes.map((r) => withPolicy(r, p)), fallback: vh.fallback === null ? null : withPolicy(vh.fallback, p), clientCertificate: p });
  }
  return out;
}
