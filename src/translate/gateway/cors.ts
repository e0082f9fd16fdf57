// HTTPRoute CORS filter (gateway-api apis/v1/httproute_types.go HTTPCORSFilter, experimental):
// allowed origins `<scheme>://<host>(:<port>)` — '*' alone for every origin, or a host whose
// leftmost label is '*' (greedy to the left: any number of labels) —, methods, headers, exposed
// headers, credentials and the preflight max age (default 5 s). The dataplane answers preflights
// itself and adds the headers to actual responses (src/dataplane/http/gateway-cors.ts).
import type { HTTPRouteFilter } from '../../k8s/gateway-types.ts';
import type { GatewayCors } from '../../model/gateway.ts';
import type { Parsed } from './route-rules.ts';

const bad = (message: string): Parsed<never> => ({ ok: false, reason: 'UnsupportedValue', message });
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.6.2
const HOST = /^(\*|\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/;

export function parseCors(filters: readonly HTTPRouteFilter[]): Parsed<GatewayCors | null> {
  const list = filters.filter((f) => f?.type === 'CORS');
  if (list.length === 0) return { ok: true, value: null };
  if (list.length > 1) return bad('filter CORS cannot be repeated');
  const c = (list[0] as { cors?: Record<string, unknown> }).cors;
  // HTTPRouteFilter CEL: filter.cors must be specified for the CORS type.
  if (c === undefined || c === null || typeof c !== 'object') return bad('CORS needs cors');
  const strings = (v: unknown, what: string): Parsed<string[]> => {
    if (v === undefined || v === null) return { ok: true, value: [] };
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return bad(`CORS ${what} must be a list of strings`);
    if (v.includes('*') && v.length > 1) return bad(`CORS ${what} cannot contain '*' alongside other values`);
    return { ok: true, value: v };
  };
  const origins = strings(c.allowOrigins, 'allowOrigins');
  if (!origins.ok) return origins;
  for (const o of origins.value) {
    if (o === '*') continue;
    const m = /^(https?):\/\/([^:/]+)(?::([0-9]{1,5}))?$/.exec(o);
    if (m === null || !HOST.test(m[2].toLowerCase()) || (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535))) {
      return bad(`CORS allowOrigins ${JSON.stringify(o)} is not <scheme>://<host>(:<port>) with a leading '*' label at most`);
    }
  }
  const methods = strings(c.allowMethods, 'allowMethods');
  if (!methods.ok) return methods;
  const headers = strings(c.allowHeaders, 'allowHeaders');
  if (!headers.ok) return headers;
  const expose = strings(c.exposeHeaders, 'exposeHeaders');
  if (!expose.ok) return expose;
  for (const t of [...methods.value, ...headers.value, ...expose.value]) {
    if (t !== '*' && !TOKEN.test(t)) return bad(`CORS ${JSON.stringify(t)} is not a method or header name`);
  }
  const maxAge = c.maxAge ?? 5;
  if (!Number.isInteger(maxAge) || (maxAge as number) < 1) return bad('CORS maxAge must be a positive integer (seconds)');
  if (c.allowCredentials !== undefined && typeof c.allowCredentials !== 'boolean') return bad('CORS allowCredentials must be a boolean');
  return {
    ok: true,
    value: {
      origins: origins.value.map((o) => o.toLowerCase()), credentials: c.allowCredentials === true,
      methods: methods.value, headers: headers.value.map((h) => h.toLowerCase()), expose: expose.value.map((h) => h.toLowerCase()), maxAge: maxAge as number,
    },
  };
}
