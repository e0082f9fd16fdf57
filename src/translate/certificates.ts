// Which certificate serves which host (SPEC §1.9 and §7). Pure: no I/O, no clock —
// the caller passes `now` when it wants expiry reported.
//
// For every rule host H of a served Ingress (oldest first, SPEC §1.8 order):
//   1. the tls entry of that Ingress whose hosts contain H (case-insensitive);
//   2. else any tls entry of that Ingress whose certificate covers H (SAN, wildcard SAN, CN);
//   3. entry without secretName, missing/invalid Secret, or certificate not covering H ⇒ the
//      default certificate (no entry in hostCertificate).
// The first valid assignment of a host wins; a later Ingress claiming it with another Secret is
// reported (SPEC §1.8 "per-server settings … TLS cert are likewise first-come").

import type { Certificate } from '../model/certificate.ts';
import { normalizeHostName } from '../model/host.ts';
import type { Ingress, Secret } from '../k8s/types.ts';
import { nsName, splitKey } from '../k8s/keys.ts';
import type { StoreView } from '../store/store.ts';
import { diagnostic, compareDiagnostics, type Diagnostic, type DiagnosticReason, type ObjectRef } from '../model/diagnostic.ts';
import { parseTlsSecret, namesCover, type TlsParseResult } from './pem.ts';

export interface TlsAssignment {
  /** Sorted by id; only valid certificates that serve a host or are the default. */
  certificates: Certificate[];
  /** Rule host (lower-case, may be '*.x.y') → certificate id. */
  hostCertificate: Map<string, string>;
  /** Every host listed in spec.tls of a served Ingress (for the 308 redirect, SPEC §1.9). */
  tlsHosts: Set<string>;
  /** From opts.defaultTlsSecret when valid. */
  defaultCertificateId: string | null;
  diagnostics: Diagnostic[];
}

export interface TlsOptions {
  /** `ns/name` of the Secret served when SNI finds nothing (`--default-tls-secret`). */
  defaultTlsSecret: string | null;
  /**
   * ISO-8601 instant to judge notBefore/notAfter against. Translate has no clock (ARCHITECTURE.md
   * "Translate"), so the controller passes it; without it no validity warnings are produced.
   * An expired certificate is still served (README "TLS"), only reported.
   */
  now?: string;
}

// Parsing a certificate and checking its key is the expensive part of translation; the store
// replaces an object on every change, so memoising per Secret object is exact and frees itself.
const parsed = new WeakMap<Secret, TlsParseResult>();

export function parseCached(secret: Secret): TlsParseResult {
  let r = parsed.get(secret);
  if (!r) {
    r = parseTlsSecret(secret);
    parsed.set(secret, r);
  }
  return r;
}

type Loaded = { ok: true; cert: Certificate; warnings: readonly { reason: DiagnosticReason; message: string }[] } | { ok: false; reason: DiagnosticReason; message: string };

function loadSecret(view: StoreView, key: string): Loaded {
  const secret = view.get('Secret', key);
  if (!secret) return { ok: false, reason: 'TLSSecretNotFound', message: `Secret ${key} not found` };
  const r = parseCached(secret);
  if (!r.ok) return { ok: false, reason: r.reason, message: `Secret ${key}: ${r.message}` };
  const t = r.tls;
  return {
    ok: true,
    cert: { id: key, certPem: t.certPem, keyPem: t.keyPem, names: t.names, notBefore: t.notBefore, notAfter: t.notAfter },
    warnings: t.warnings.map((w) => ({ reason: w.reason, message: `Secret ${key}: ${w.message}` })),
  };
}

function validityProblems(c: Certificate, now: string | undefined): { reason: DiagnosticReason; message: string }[] {
  if (now === undefined) return [];
  const t = Date.parse(now);
  if (Number.isNaN(t)) return [];
  if (t > Date.parse(c.notAfter)) {
    return [{ reason: 'TLSCertificateExpired', message: `Secret ${c.id}: certificate expired at ${c.notAfter}; still served` }];
  }
  if (t < Date.parse(c.notBefore)) {
    return [{ reason: 'TLSCertificateNotYetValid', message: `Secret ${c.id}: certificate is valid only from ${c.notBefore}; still served` }];
  }
  return [];
}

export function translateCertificates(view: StoreView, ingresses: readonly Ingress[], opts: TlsOptions): TlsAssignment {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const report = (object: ObjectRef, reason: DiagnosticReason, message: string, severity: 'error' | 'warning' = 'error', host?: string): void => {
    const k = `${object.kind}|${object.namespace}|${object.name}|${reason}|${message}`;
    if (seen.has(k)) return;
    seen.add(k);
    const d = diagnostic(object, reason, message, severity);
    diagnostics.push(host === undefined ? d : { ...d, host });
  };

  const hostCertificate = new Map<string, string>();
  const hostOwner = new Map<string, string>();
  const tlsHosts = new Set<string>();
  const used = new Map<string, Certificate>();
  const loaded = new Map<string, Loaded>();
  const load = (key: string): Loaded => {
    let l = loaded.get(key);
    if (!l) loaded.set(key, (l = loadSecret(view, key)));
    return l;
  };

  for (const ing of ingresses) {
    const ns = ing.metadata?.namespace ?? '';
    const name = ing.metadata?.name ?? '';
    const ingKey = nsName(ns, name);
    const ref: ObjectRef = { kind: 'Ingress', namespace: ns, name };
    const entries = (ing.spec?.tls ?? []).filter((e) => e && typeof e === 'object');

    const entryHosts = entries.map((e) => (Array.isArray(e.hosts) ? e.hosts : []).filter((h) => typeof h === 'string').map(normHost));
    for (const hs of entryHosts) for (const h of hs) if (h) tlsHosts.add(h);

    // Every referenced Secret is checked and reported, even when no rule host ends up using it.
    const results: (Loaded | null)[] = entries.map((e) => {
      if (typeof e.secretName !== 'string' || e.secretName === '') return null;
      const r = load(nsName(ns, e.secretName));
      if (!r.ok) report(ref, r.reason, `${r.message}; its hosts get the default certificate`);
      else {
        for (const w of r.warnings) report(ref, w.reason, w.message, 'warning');
        for (const w of validityProblems(r.cert, opts.now)) report(ref, w.reason, w.message, 'warning');
      }
      return r;
    });

    for (const host of ruleHosts(ing)) {
      let cert: Certificate | null = null;
      const listed = entryHosts.findIndex((hs) => hs.includes(host));
      if (listed >= 0) {
        const r = results[listed];
        if (!r || !r.ok) continue; // no secretName (explicit default) or already reported
        if (!namesCover(r.cert.names, host)) {
          report(ref, 'TLSCertificateMismatch',
            `Secret ${r.cert.id}: certificate (names ${r.cert.names.join(', ') || 'none'}) does not cover host ${host}; it gets the default certificate`, 'error', host);
          continue;
        }
        cert = r.cert;
      } else {
        for (const r of results) {
          if (r && r.ok && namesCover(r.cert.names, host)) {
            cert = r.cert;
            break;
          }
        }
        if (!cert) continue;
      }
      const current = hostCertificate.get(host);
      if (current === undefined) {
        hostCertificate.set(host, cert.id);
        hostOwner.set(host, ingKey);
        used.set(cert.id, cert);
      } else if (current !== cert.id) {
        report(ref, 'TLSHostConflict',
          `host ${host} is already served with Secret ${current} by older Ingress ${hostOwner.get(host)}; Secret ${cert.id} is not used for it`, 'warning', host);
      }
    }
  }

  let defaultCertificateId: string | null = null;
  if (opts.defaultTlsSecret) {
    const key = opts.defaultTlsSecret;
    const { namespace, name } = splitKey(key);
    const ref: ObjectRef = { kind: 'Secret', namespace, name };
    const r = load(key);
    if (!r.ok) report(ref, r.reason, `default TLS certificate: ${r.message}; the generated certificate is served instead`);
    else {
      defaultCertificateId = r.cert.id;
      used.set(r.cert.id, r.cert);
      for (const w of r.warnings) report(ref, w.reason, w.message, 'warning');
      for (const w of validityProblems(r.cert, opts.now)) report(ref, w.reason, w.message, 'warning');
    }
  }

  return {
    certificates: [...used.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    hostCertificate,
    tlsHosts,
    defaultCertificateId,
    diagnostics: diagnostics.sort(compareDiagnostics),
  };
}

/** Host names as the router keys them: lower-case, no trailing dot. */
export function normHost(h: string): string {
  return normalizeHostName(h.trim());
}

/** Distinct non-empty rule hosts of an Ingress, in rule order (TLS never covers the hostless rule, SPEC §1.9). */
function ruleHosts(ing: Ingress): string[] {
  const out: string[] = [];
  for (const r of ing.spec?.rules ?? []) {
    if (!r || typeof r.host !== 'string') continue;
    const h = normHost(r.host);
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}
