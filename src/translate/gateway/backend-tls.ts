// BackendTLSPolicy v1 (gateway-api apis/v1/backendtlspolicy_types.go) → the upstream TLS of the
// Gateway routes' backends (model/upstream.ts UpstreamTls): TLS to the pods of the targeted Service
// (or one port of it, sectionName = the port's name), verified against the CA bundle of a
// ConfigMap's `ca.crt` (caCertificateRefs, same namespace) or the system trust store
// (wellKnownCACertificates: System), with `hostname` as SNI and as the name the certificate must
// carry. What Portico cannot honour — subjectAltNames, options, a CA ref that is missing, of
// another kind or holds no certificate, a policy that loses to an older one on the same target —
// makes requests to that Service answer 500 ("Connections using an invalid CACertificateRef MUST
// fail, and the client MUST receive an HTTP 5xx"): never plaintext, never unverified TLS.
import { X509Certificate } from 'node:crypto';
import type { BackendTLSPolicy } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import { DEFAULT_UPSTREAM_TLS, type UpstreamTls } from '../../model/upstream.ts';
import { diagnostic, type Diagnostic } from '../../model/diagnostic.ts';
import { compareAge } from './parents.ts';
import { checkHostname } from './hostnames.ts';

/** What a policy's status says (policy_types.go PolicyConditionType, backendtlspolicy_types.go reasons). */
export interface PolicyOutcome {
  readonly policy: BackendTLSPolicy;
  /** Null: Accepted; else the Accepted=False reason (Conflicted, Invalid, NoValidCACertificate). */
  readonly accepted: string | null;
  /** Null: ResolvedRefs; else the ResolvedRefs=False reason (InvalidCACertificateRef, InvalidKind). */
  readonly refs: string | null;
  readonly message: string;
}

export type BackendTls = { readonly kind: 'none' } | { readonly kind: 'tls'; readonly tls: UpstreamTls; readonly policy: string } | { readonly kind: 'invalid'; readonly message: string };

const NONE: BackendTls = { kind: 'none' };

/**
 * The policy for one Service port: the oldest (then by name) of those naming the port by
 * sectionName, else of those naming the whole Service (targetRefs precedence, BackendTLSPolicySpec).
 */
export function backendTlsFor(view: StoreView, cluster: Cluster, diags: Diagnostic[], used?: Map<string, PolicyOutcome>): BackendTls {
  const targets = (p: BackendTLSPolicy, section: boolean) => (Array.isArray(p.spec?.targetRefs) ? p.spec.targetRefs : []).some((t) =>
    t && (t.group ?? '') === '' && t.kind === 'Service' && t.name === cluster.service &&
    (section ? t.sectionName !== undefined && t.sectionName !== '' && t.sectionName === cluster.portName : t.sectionName === undefined || t.sectionName === ''));
  const all = view.list('BackendTLSPolicy').filter((p) => p.metadata?.namespace === cluster.namespace);
  let chosen = all.filter((p) => targets(p, true)).sort(compareAge);
  if (chosen.length === 0) chosen = all.filter((p) => targets(p, false)).sort(compareAge);
  if (chosen.length === 0) return NONE;
  const [winner, ...losers] = chosen;
  for (const l of losers) {
    const message = `the older BackendTLSPolicy ${winner.metadata?.name ?? ''} applies to Service ${cluster.namespace}/${cluster.service}`;
    diags.push(diagnostic(policyRef(l), 'BackendTLSPolicyInvalid', `Conflicted: ${message}`, 'warning'));
    used?.set(keyOf(l), { policy: l, accepted: 'Conflicted', refs: null, message });
  }
  const r = readPolicy(view, winner);
  if (r.kind === 'invalid') diags.push(diagnostic(policyRef(winner), 'BackendTLSPolicyInvalid', `${r.message}; requests to Service ${cluster.namespace}/${cluster.service} answer 500`));
  used?.set(keyOf(winner), r.kind === 'invalid'
    ? { policy: winner, ...statusReasons(r.message), message: r.message }
    : { policy: winner, accepted: null, refs: null, message: '' });
  return r;
}

function keyOf(p: BackendTLSPolicy): string {
  return nsName(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
}

/** The spec's reasons for an invalid policy: a bad CA ref is ResolvedRefs False and, being the only one, Accepted False/NoValidCACertificate. */
function statusReasons(message: string): { accepted: string; refs: string | null } {
  if (/\(InvalidKind\)/.test(message)) return { accepted: 'NoValidCACertificate', refs: 'InvalidKind' };
  if (/\(InvalidCACertificateRef\)/.test(message)) return { accepted: 'NoValidCACertificate', refs: 'InvalidCACertificateRef' };
  return { accepted: 'Invalid', refs: null };
}

function policyRef(p: BackendTLSPolicy) {
  return { kind: 'BackendTLSPolicy', namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' };
}

function readPolicy(view: StoreView, p: BackendTLSPolicy): BackendTls {
  const key = nsName(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
  const invalid = (message: string): BackendTls => ({ kind: 'invalid', message: `BackendTLSPolicy ${key}: ${message}` });
  const v = p.spec?.validation;
  const host = checkHostname(v?.hostname);
  if (!host.ok || host.hostname.startsWith('*.')) return invalid('validation.hostname must be a DNS name (PreciseHostname)');
  if (Array.isArray(v?.subjectAltNames) && v.subjectAltNames.length > 0) return invalid('validation.subjectAltNames is not supported (only hostname is verified)');
  if (p.spec?.options && Object.keys(p.spec.options).length > 0) return invalid(`options ${Object.keys(p.spec.options).join(', ')} are not supported`);
  const refs = Array.isArray(v?.caCertificateRefs) ? v.caCertificateRefs : [];
  const wellKnown = v?.wellKnownCACertificates ?? '';
  if ((refs.length > 0) === (wellKnown !== '')) return invalid('validation needs exactly one of caCertificateRefs and wellKnownCACertificates');
  const base: UpstreamTls = { ...DEFAULT_UPSTREAM_TLS, verify: true, name: host.hostname, serverName: true, verifyDepth: 100, secretId: null };
  if (wellKnown !== '') return wellKnown === 'System' ? { kind: 'tls', tls: base, policy: key } : invalid(`wellKnownCACertificates ${JSON.stringify(wellKnown)} is not System`);
  const pems: string[] = [];
  for (const r of refs) {
    if ((r?.group ?? '') !== '' || r?.kind !== 'ConfigMap') return invalid(`caCertificateRefs: ${r?.group ? `${r.group}/` : ''}${r?.kind} is not a ConfigMap (InvalidKind)`);
    const cmKey = nsName(p.metadata?.namespace ?? '', r.name ?? '');
    const text = view.get('ConfigMap', cmKey)?.data?.['ca.crt'];
    if (typeof text !== 'string') return invalid(`caCertificateRefs: ConfigMap ${cmKey} does not exist or has no ca.crt (InvalidCACertificateRef)`);
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return invalid(`caCertificateRefs: ConfigMap ${cmKey} ca.crt holds no certificate (InvalidCACertificateRef)`);
    for (const b of blocks) {
      try {
        new X509Certificate(b);
      } catch {
        return invalid(`caCertificateRefs: ConfigMap ${cmKey} ca.crt has a certificate that cannot be parsed (InvalidCACertificateRef)`);
      }
    }
    pems.push(...blocks);
  }
  return { kind: 'tls', tls: { ...base, caPem: pems.join('\n') + '\n', secretId: `BackendTLSPolicy ${key}` }, policy: key };
}
