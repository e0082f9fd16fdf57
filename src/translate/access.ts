// An Ingress's access annotations → the RouteAccess of each of its routes (src/model/access.ts),
// with the Secrets and ConfigMaps they name read from the store. Anything that cannot be enforced
// exactly — a malformed value, a missing Secret, an htpasswd line Portico cannot verify — refuses
// the whole Ingress with an error diagnostic: protection is never dropped silently (SPEC rule
// "never fail open"; ingress-nginx answers such locations 503 via LocationDenied).

import { readAccessAnnotations, type ExternalAuthAnnotations } from '../k8s/annotations/access-policy.ts';
import { parseTemplate } from '../k8s/annotations/template.ts';
import type { StoreView } from '../store/store.ts';
import type { AuthTarget, BasicAuthPolicy, ExternalAuthPolicy, RouteAccess, SourceRangePolicy, Template } from '../model/access.ts';
import type { Cluster } from '../model/cluster.ts';
import { resolveServiceBackend } from './backends.ts';
import { parseAuthMap, parseHtpasswd } from './htpasswd.ts';
import { secretText } from './pem.ts';
import { translateAuthTls } from './auth-tls.ts';

export interface AccessOptions {
  /** `--allowlist-source-range` / `--denylist-source-range`: used where no annotation sets the list. */
  readonly allowlistSourceRange: readonly string[];
  readonly denylistSourceRange: readonly string[];
}

export type AccessResult =
  | { ok: true; access: RouteAccess | null; clusters: Cluster[] }
  | { ok: false; errors: string[] };

export function translateAccess(view: StoreView, ing: { ingress: import('../k8s/types.ts').Ingress; namespace: string; key: string }, opts: AccessOptions): AccessResult {
  const parsed = readAccessAnnotations(ing.ingress, ing.namespace);
  if ('errors' in parsed) return { ok: false, errors: parsed.errors };
  const a = parsed.value;
  const errors: string[] = [];
  const clusters: Cluster[] = [];

  let sourceRange: SourceRangePolicy | null = null;
  const allow = a.allow ?? (opts.allowlistSourceRange.length > 0 ? [...opts.allowlistSourceRange] : null);
  const deny = a.deny ?? (opts.denylistSourceRange.length > 0 ? [...opts.denylistSourceRange] : null);
  if (allow !== null || deny !== null) {
    sourceRange = {
      allow: allow ?? [],
      deny: deny ?? [],
      allowFrom: allow === null ? null : a.allow !== null ? 'annotation' : 'default',
      denyFrom: deny === null ? null : a.deny !== null ? 'annotation' : 'default',
    };
  }

  let basicAuth: BasicAuthPolicy | null = null;
  if (a.basic !== null) {
    const secret = view.get('Secret', a.basic.secret);
    if (!secret) errors.push(`auth-secret: Secret ${a.basic.secret} not found`);
    else {
      let users;
      if (a.basic.secretType === 'auth-file') {
        const text = secretText(secret, 'auth');
        users = text === undefined ? { error: 'has no key "auth"' } : parseHtpasswd(text);
      } else {
        const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
        users = parseAuthMap(new Map([...keys].sort().map((k) => [k, secretText(secret, k) ?? ''])));
      }
      if ('error' in users) errors.push(`auth-secret: Secret ${a.basic.secret} ${users.error}`);
      else basicAuth = { realm: a.basic.realm, secret: a.basic.secret, users: users.value };
    }
  }

  let externalAuth: ExternalAuthPolicy | null = null;
  if (a.external !== null) {
    const r = externalPolicy(view, a.external, errors);
    if (r !== null) {
      externalAuth = r.policy;
      if (r.cluster !== null) clusters.push(r.cluster);
    }
  }
  // Client certificates (auth-tls-*; src/translate/auth-tls.ts).
  const tls = translateAuthTls(view, ing.ingress, ing.namespace, ing.key);
  if ('errors' in tls) errors.push(...tls.errors);
  if (errors.length > 0) return { ok: false, errors };
  const { rateLimit, cors } = a;
  const clientCert = 'value' in tls ? tls.value : null;
  if (sourceRange === null && rateLimit === null && basicAuth === null && externalAuth === null && cors === null && clientCert === null) return { ok: true, access: null, clusters };
  return { ok: true, access: { sourceRange, rateLimit, basicAuth, externalAuth, cors, ...(clientCert !== null ? { clientCert } : {}) }, clusters };
}

/** `svc.ns.svc.cluster.local`, `svc.ns.svc` → [ns, svc] (Kubernetes DNS for Services). */
function serviceHost(host: string): [string, string] | null {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(host);
  return m === null ? null : [m[3], m[1]];
}

function externalPolicy(view: StoreView, e: ExternalAuthAnnotations, errors: string[]): { policy: ExternalAuthPolicy; cluster: Cluster | null } | null {
  const scheme = e.url.protocol === 'https:' ? 'https' : 'http';
  const port = e.url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(e.url.port);
  let target: AuthTarget = { kind: 'url', origin: e.url.origin };
  let cluster: Cluster | null = null;
  const svc = serviceHost(e.url.hostname);
  if (svc !== null && view.get('Service', `${svc[0]}/${svc[1]}`)) {
    // A known Service: its endpoints from the store, not DNS (the gateway may not use cluster DNS).
    const r = resolveServiceBackend(view, svc[0], svc[1], { number: port }, { allowExternalName: false });
    if (!r.ok) {
      errors.push(`auth-url: ${r.message}`);
      return null;
    }
    cluster = r.cluster;
    target = { kind: 'cluster', clusterId: r.cluster.id, scheme };
  }
  const proxySetHeaders: { name: string; value: Template }[] = [];
  if (e.proxySetHeaders !== null) {
    const cm = view.get('ConfigMap', e.proxySetHeaders);
    if (!cm) errors.push(`auth-proxy-set-headers: ConfigMap ${e.proxySetHeaders} not found`);
    else {
      const data = cm.data && typeof cm.data === 'object' ? cm.data : {};
      for (const name of Object.keys(data).sort()) {
        const v = data[name];
        // authreq: header names must match ^[a-zA-Z\d\-_]+$; the values are typed templates here.
        if (!/^[a-zA-Z\d\-_]+$/.test(name)) errors.push(`auth-proxy-set-headers: invalid header name ${JSON.stringify(name)}`);
        else if (typeof v !== 'string') errors.push(`auth-proxy-set-headers: value of ${name} must be a string`);
        else {
          const t = parseTemplate(v);
          if ('error' in t) errors.push(`auth-proxy-set-headers: ${name}: ${t.error}`);
          // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
          else if (/[\r\n\x00]/.test(v)) errors.push(`auth-proxy-set-headers: ${name}: value has control characters`);
          else proxySetHeaders.push({ name: name.toLowerCase(), value: t.value });
        }
      }
    }
  }
  return {
    cluster,
    policy: {
      url: `${e.url.origin}${e.path.map((p) => (p.kind === 'text' ? p.text : p.kind === 'http' || p.kind === 'arg' ? `$${p.kind}_${p.name}` : `$${p.kind}`)).join('')}`,
      target,
      authority: e.url.host,
      path: e.path,
      method: e.method,
      signin: e.signin,
      signinRedirectParam: e.signinRedirectParam,
      responseHeaders: e.responseHeaders,
      requestRedirect: e.requestRedirect,
      cacheKey: e.cacheKey,
      cacheRules: e.cacheRules,
      alwaysSetCookie: e.alwaysSetCookie,
      proxySetHeaders,
    },
  };
}
