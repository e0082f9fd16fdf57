// Validation and normalisation of rule hosts and paths (SPEC §1.2, §1.3). The API server already
// enforces most of this for Ingresses it stores; files are not validated by anyone else, so the
// same rules apply here and the same YAML behaves the same in both modes.

import type { PathMatch } from '../model/match.ts';
import type { HostKind } from '../model/route.ts';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * A rule host: '' (no host), an exact DNS-1123 subdomain, or `*.` + subdomain (SPEC §1.1).
 * Upper-case letters are rejected, not lower-cased: the API server rejects them, so a file that
 * Portico accepted would fail on `kubectl apply`; one YAML must mean the same thing everywhere.
 */
export function checkHost(host: unknown): Checked<{ hostname: string; kind: HostKind }> {
  if (host === undefined || host === null || host === '') return { ok: true, value: { hostname: '', kind: 'any' } };
  if (typeof host !== 'string') return { ok: false, message: 'host must be a string' };
  const bad = (why: string): Checked<never> => ({ ok: false, message: `host ${JSON.stringify(host)} ${why}` });
  if (host.includes(':')) return bad('must not contain a port or be an IPv6 address');
  if (host !== host.toLowerCase()) return bad('must be lower-case (DNS-1123 subdomain)');
  if (host.length > 253) return bad('is longer than 253 characters');
  const wildcard = host.startsWith('*.');
  const rest = wildcard ? host.slice(2) : host;
  if (host === '*') return bad("must not be '*' alone (use no host for all traffic)");
  if (rest.includes('*')) return bad("may use '*' only as the whole first label");
  if (!SUBDOMAIN_RE.test(rest)) return bad('is not a DNS-1123 subdomain');
  if (rest.split('.').some((l) => l.length > 63)) return bad('has a label longer than 63 characters');
  if (!wildcard && IPV4_RE.test(host)) return bad('must not be an IP address');
  return { ok: true, value: { hostname: host, kind: wildcard ? 'wildcard' : 'exact' } };
}

const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];

/**
 * pathType + path → the PathMatch the Snapshot carries. ImplementationSpecific becomes Prefix and
 * an empty path '/' (SPEC §1.3 [choice]); Exact/Prefix follow the K-VAL path rules (§1.2).
 */
export function checkPath(pathType: unknown, path: unknown): Checked<PathMatch> {
  if (pathType === undefined || pathType === null || pathType === '') {
    return { ok: false, message: 'pathType is required in networking.k8s.io/v1 (Exact, Prefix or ImplementationSpecific)' };
  }
  if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
    return { ok: false, message: `pathType ${JSON.stringify(pathType)} is not Exact, Prefix or ImplementationSpecific` };
  }
  if (path !== undefined && path !== null && typeof path !== 'string') return { ok: false, message: 'path must be a string' };
  const p = (path ?? '');
  if (pathType === 'ImplementationSpecific') {
    // K-VAL: only "absolute if non-empty"; the element-wise Prefix semantics handle the rest.
    if (p !== '' && !p.startsWith('/')) return { ok: false, message: `path ${JSON.stringify(p)} must start with '/'` };
    return { ok: true, value: { type: 'Prefix', path: p === '' ? '/' : p } };
  }
  if (!p.startsWith('/')) return { ok: false, message: `${pathType} path ${JSON.stringify(p)} must start with '/'` };
  for (const s of INVALID_SEQUENCES) {
    if (p.includes(s)) return { ok: false, message: `${pathType} path ${JSON.stringify(p)} must not contain '${s}'` };
  }
  if (p.endsWith('/..') || p.endsWith('/.')) {
    return { ok: false, message: `${pathType} path ${JSON.stringify(p)} must not end with '/.' or '/..'` };
  }
  return { ok: true, value: { type: pathType, path: p } };
}
