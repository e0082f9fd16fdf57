// Ingress annotations + Service port appProtocol + proxy-ssl Secret → the Route's UpstreamPolicy
// (src/model/upstream.ts). Pure. A Route whose Ingress sets nothing of the group and whose Service
// port has no appProtocol gets no policy at all (the process defaults; nothing extra on the hot path).

import { X509Certificate } from 'node:crypto';
import type { UpstreamAnnotations } from '../k8s/annotations/upstream.ts';
import { nsName } from '../k8s/keys.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import { DEFAULT_UPSTREAM_TLS, type UpstreamPolicy, type UpstreamProtocol, type UpstreamTls } from '../model/upstream.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../model/diagnostic.ts';
import { parseTlsSecret, secretText, TLS_SECRET_TYPE } from './pem.ts';

export interface UpstreamResolution {
  readonly policy: UpstreamPolicy | null;
  /** Set when the policy cannot be honoured (missing/invalid Secret): the route answers 503. */
  readonly unavailable: { reason: 'SecretNotFound' | 'SecretInvalid'; message: string } | null;
}

const NONE: UpstreamResolution = { policy: null, unavailable: null };

/**
 * Service port appProtocol (KEP-3726 standard values and IANA service names) → protocol. Unknown
 * values fall back to HTTP with an info diagnostic (the Service may name a protocol meant for
 * another consumer, e.g. a mesh).
 */
export function protocolFromAppProtocol(app: string): UpstreamProtocol | null {
  switch (app.toLowerCase()) {
    case 'http': case 'kubernetes.io/ws': return 'HTTP';
    case 'https': case 'kubernetes.io/wss': return 'HTTPS';
    case 'kubernetes.io/h2c': return 'H2C';
    default: return null;
  }
}

/** The policy of one (Ingress, backend) pair. */
export function resolveUpstream(view: StoreView, ann: UpstreamAnnotations, namespace: string, ref: ObjectRef,
  cluster: Cluster | null, diags: Diagnostic[]): UpstreamResolution {
  let protocol: UpstreamProtocol = 'HTTP';
  let protocolSource: UpstreamPolicy['protocolSource'] = 'default';
  if (ann.backendProtocol !== null) {
    protocol = ann.backendProtocol;
    protocolSource = 'annotation';
  } else if (cluster !== null) {
    const app = servicePortAppProtocol(view, cluster);
    if (app !== null) {
      const p = protocolFromAppProtocol(app);
      if (p === null) {
        diags.push(diagnostic({ kind: 'Service', namespace: cluster.namespace, name: cluster.service }, 'UnknownAppProtocol',
          `port ${cluster.port} appProtocol ${JSON.stringify(app)} is not one Portico knows (https, kubernetes.io/h2c, kubernetes.io/ws, kubernetes.io/wss); using HTTP`, 'info'));
      } else if (p !== 'HTTP') {
        protocol = p;
        protocolSource = 'appProtocol';
      }
    }
  }
  if (!ann.any && protocolSource === 'default') return NONE;

  const tlsWanted = protocol === 'HTTPS' || protocol === 'GRPCS' || protocol === 'AUTO_HTTP';
  let tls: UpstreamTls | null = null;
  let unavailable: UpstreamResolution['unavailable'] = null;
  const sslKeysSet = ann.sslSecret !== null || ann.sslVerify !== null || ann.sslName !== null ||
    ann.sslServerName !== null || ann.sslVerifyDepth !== null || ann.sslProtocols !== null;
  if (tlsWanted) {
    const built = buildTls(view, ann, namespace);
    tls = built.tls;
    unavailable = built.unavailable;
    if (unavailable !== null) diags.push(diagnostic(ref, unavailable.reason, `${unavailable.message}; requests routed to it get 503`, 'warning'));
  } else if (sslKeysSet) {
    diags.push(diagnostic(ref, 'IgnoredAnnotation', `proxy-ssl-* annotations have no effect with upstream protocol ${protocol} (no TLS to the pod)`, 'warning'));
  }
  const retrySet = ann.nextUpstream !== null || ann.nextUpstreamTries !== null || ann.nextUpstreamTimeoutS !== null;
  const policy: UpstreamPolicy = {
    protocol,
    protocolSource,
    tls,
    connectTimeoutMs: ann.connectTimeoutS === null ? null : ann.connectTimeoutS * 1000,
    readTimeoutMs: ann.readTimeoutS === null ? null : ann.readTimeoutS * 1000,
    sendTimeoutMs: ann.sendTimeoutS === null ? null : ann.sendTimeoutS * 1000,
    // ingress-nginx defaults when any of the family is set: "error timeout", 3 tries, no time limit
    // (docs/user-guide/nginx-configuration/configmap.md proxy-next-upstream*).
    retry: retrySet ? {
      on: ann.nextUpstream ?? ['error', 'timeout'],
      tries: ann.nextUpstreamTries ?? 3,
      timeoutMs: (ann.nextUpstreamTimeoutS ?? 0) * 1000,
    } : null,
    maxBodyBytes: ann.bodySizeBytes,
  };
  return { policy, unavailable };
}

function servicePortAppProtocol(view: StoreView, cluster: Cluster): string | null {
  if (cluster.kind !== 'endpoints' && cluster.kind !== 'external-name') return null;
  const svc = view.get('Service', nsName(cluster.namespace, cluster.service));
  const ports = Array.isArray(svc?.spec?.ports) ? svc.spec.ports : [];
  const sp = ports.find((p) => p && typeof p === 'object' && p.port === cluster.port && (p.protocol ?? 'TCP') === 'TCP');
  return typeof sp?.appProtocol === 'string' && sp.appProtocol !== '' ? sp.appProtocol : null;
}

function buildTls(view: StoreView, ann: UpstreamAnnotations, namespace: string): { tls: UpstreamTls; unavailable: UpstreamResolution['unavailable'] } {
  const base: UpstreamTls = {
    ...DEFAULT_UPSTREAM_TLS,
    verify: ann.sslVerify ?? false,
    name: ann.sslName,
    serverName: ann.sslServerName ?? false,
    verifyDepth: ann.sslVerifyDepth ?? DEFAULT_UPSTREAM_TLS.verifyDepth,
    protocols: ann.sslProtocols ?? DEFAULT_UPSTREAM_TLS.protocols,
    ciphers: ann.sslCiphers ?? DEFAULT_UPSTREAM_TLS.ciphers,
  };
  if (ann.sslSecret === null) return { tls: base, unavailable: null };
  const id = nsName(ann.sslSecret.namespace ?? namespace, ann.sslSecret.name);
  const secret = view.get('Secret', id);
  const fail = (reason: 'SecretNotFound' | 'SecretInvalid', message: string) => ({ tls: { ...base, secretId: id }, unavailable: { reason, message } });
  // ingress-nginx proxyssl: "cross namespace secrets are not supported" (LocationDenied ⇒ 503).
  if (ann.sslSecret.namespace !== null && ann.sslSecret.namespace !== namespace) {
    return fail('SecretInvalid', `proxy-ssl-secret ${id} is in another namespace than the Ingress (${namespace}); cross-namespace Secrets are not allowed`);
  }
  if (!secret) return fail('SecretNotFound', `proxy-ssl-secret ${id} not found`);
  const caText = secretText(secret, 'ca.crt');
  let caPem: string | null = null;
  if (caText !== undefined && caText.trim() !== '') {
    const blocks = caText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return fail('SecretInvalid', `proxy-ssl-secret ${id}: ca.crt holds no CERTIFICATE block`);
    for (let i = 0; i < blocks.length; i++) {
      try {
        new X509Certificate(blocks[i]);
      } catch {
        return fail('SecretInvalid', `proxy-ssl-secret ${id}: ca.crt certificate #${i + 1} cannot be parsed`);
      }
    }
    caPem = blocks.join('\n') + '\n';
  }
  let certPem: string | null = null;
  let keyPem: string | null = null;
  if (secretText(secret, 'tls.crt') !== undefined || secretText(secret, 'tls.key') !== undefined) {
    // The client certificate is checked like a served one (PEM, key matches the leaf).
    const parsed = parseTlsSecret({ ...secret, type: TLS_SECRET_TYPE });
    if (!parsed.ok) return fail('SecretInvalid', `proxy-ssl-secret ${id}: ${parsed.message}`);
    certPem = parsed.tls.certPem;
    keyPem = parsed.tls.keyPem;
  }
  if (caPem === null && certPem === null) return fail('SecretInvalid', `proxy-ssl-secret ${id} has neither ca.crt nor tls.crt/tls.key`);
  return { tls: { ...base, secretId: id, caPem, certPem, keyPem }, unavailable: null };
}
