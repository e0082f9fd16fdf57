// Hostnames of listeners and routes (gateway-api apis/v1/shared_types.go Hostname,
// apis/v1/httproute_types.go HTTPRouteSpec.Hostnames): validation and listener ∩ route intersection.
import type { HostKind } from '../../model/route.ts';
import { hostnameMatches } from '../../model/gateway.ts';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Hostname: RFC 1123 DNS name, optionally with a leading '*.' label; no IPs. Lower-cased. */
export function checkHostname(raw: unknown): { ok: true; hostname: string } | { ok: false; message: string } {
  if (typeof raw !== 'string' || raw === '') return { ok: false, message: `hostname ${JSON.stringify(raw)} is not a non-empty string` };
  const h = raw.toLowerCase();
  const bare = h.startsWith('*.') ? h.slice(2) : h;
  if (h.length > 253 || !bare.split('.').every((l) => LABEL.test(l))) {
    return { ok: false, message: `hostname ${JSON.stringify(raw)} is not a DNS name or a '*.' wildcard` };
  }
  if (/^[0-9.]+$/.test(bare)) return { ok: false, message: `hostname ${JSON.stringify(raw)} is an IP address (not allowed)` };
  return { ok: true, hostname: h };
}

export function hostKind(h: string): HostKind {
  return h === '' ? 'any' : h.startsWith('*.') ? 'wildcard' : 'exact';
}

/**
 * The hostnames a route serves on a listener: route hostnames that the listener hostname matches,
 * or the listener hostname where it is the narrower of the two (a wildcard route under an exact or
 * narrower wildcard listener). '' stands for "any host". Empty result: no intersection
 * (NoMatchingListenerHostname).
 */
export function intersectHostnames(listener: string, route: readonly string[]): string[] {
  if (route.length === 0) return [listener];
  if (listener === '') return [...route].sort();
  const out = new Set<string>();
  const lWild = listener.startsWith('*.');
  for (const r of route) {
    const rWild = r.startsWith('*.');
    if (!lWild) {
      if (r === listener || (rWild && hostnameMatches(r, listener))) out.add(listener);
    } else if (!rWild) {
      if (hostnameMatches(listener, r)) out.add(r);
    } else if (r === listener || r.endsWith(listener.slice(1))) {
      out.add(r); // the route's wildcard is the narrower one
    } else if (listener.endsWith(r.slice(1))) {
      out.add(listener);
    }
  }
  return [...out].sort();
}
