// Shared value grammars. Each returns typed data or an error message that quotes the value with
// JSON.stringify, so no annotation text reaches a log or diagnostic unescaped.
// Sources: ingress-nginx internal/ingress/annotations/parser/main.go (GetBoolAnnotation →
// strconv.ParseBool, GetIntAnnotation → strconv.Atoi) and parser/validators.go.

import { isIPv4, isIPv6 } from 'node:net';
import { RE2JS } from 're2js';
import type { ExpandedVariable, TemplatePart } from '../../model/route-actions.ts';
import type { Parsed, Prefix } from './registry.ts';

const q = (raw: string) => JSON.stringify(raw);

/** Go strconv.ParseBool: exactly 1 t T TRUE true True / 0 f F FALSE false False. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Booleans as ingress-nginx reads them (strconv.ParseBool, no trimming). Under `portico.io/` the
 * spellings Portico accepted before are kept too (any case, surrounding blanks ignored).
 */
export function parseBool(raw: string, prefix: Prefix = 'nginx'): Parsed<boolean> {
  if (GO_TRUE.has(raw)) return { value: true };
  if (GO_FALSE.has(raw)) return { value: false };
  if (prefix === 'portico') {
    const v = raw.trim().toLowerCase();
    if (v === 'true') return { value: true };
    if (v === 'false') return { value: false };
  }
  return { error: `expected a boolean (true, false, 1, 0, t, f as Go's strconv.ParseBool), got ${q(raw)}` };
}

/** Go strconv.Atoi: optional sign then decimal digits, 64-bit range; `min`/`max` inclusive. */
export function parseInt(raw: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Parsed<number> {
  if (!/^[+-]?\d+$/.test(raw)) return { error: `expected an integer, got ${q(raw)}` };
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) return { error: `integer ${q(raw)} is out of range` };
  if (n < min || n > max) return { error: `expected an integer in ${min}..${max}, got ${q(raw)}` };
  return { value: n };
}

/** Comma-separated list, items trimmed, empty items dropped (ingress-nginx splits on ','). */
export function parseList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** nginx time (ngx_parse_time): digits with an optional unit ms s m h d w M y; bare = seconds. */
const NGINX_TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };
export function parseNginxDuration(raw: string): Parsed<number> {
  const parts = raw.trim().split(/\s+/);
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+)(ms|s|m|h|d|w|M|y)?$/.exec(p);
    if (!m) return { error: `expected an nginx duration like 30s, 5m or 1h, got ${q(raw)}` };
    total += Number(m[1]) * NGINX_TIME_UNITS[m[2] ?? 's'];
  }
  return Number.isSafeInteger(total) ? { value: total } : { error: `duration ${q(raw)} is out of range` };
}

/** Go time.ParseDuration (global-rate-limit-window): sequence of decimal+unit, units ns us µs ms s m h. */
const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export function parseGoDuration(raw: string): Parsed<number> {
  if (raw === '0') return { value: 0 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let i = 0;
  let total = 0;
  while (i < raw.length) {
    re.lastIndex = i;
    const m = re.exec(raw);
    if (!m) return { error: `expected a Go duration like 1m30s, got ${q(raw)}` };
    total += Number(m[1]) * GO_UNITS[m[2]];
    i = re.lastIndex;
  }
  return raw === '' ? { error: 'expected a Go duration, got ""' } : { value: total };
}

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Comma-separated IPs or CIDRs (the *-source-range grammar, ingress-nginx net.ParseIPNets). */
export function parseCidrList(raw: string): Parsed<Cidr[]> {
  const out: Cidr[] = [];
  for (const item of parseList(raw)) {
    const [addr, bits, extra] = item.split('/');
    const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
    if (family === null || extra !== undefined) return { error: `${q(item)} is not an IP address or CIDR` };
    const max = family === 'ipv4' ? 32 : 128;
    let prefix = max;
    if (bits !== undefined) {
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return { error: `${q(item)} has an invalid prefix length` };
      prefix = Number(bits);
    }
    out.push({ address: addr, prefix, family });
  }
  return out.length === 0 ? { error: `expected a list of CIDRs, got ${q(raw)}` } : { value: out };
}

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** A DNS name (lower-cased), at most 253 characters, labels ≤ 63; `*.` first label when `wildcard`. */
export function parseHostname(raw: string, opts: { wildcard?: boolean; port?: boolean } = {}): Parsed<string> {
  let h = raw.trim().toLowerCase();
  let port = '';
  if (opts.port === true) {
    const m = /^(.*):(\d{1,5})$/.exec(h);
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535) {
      h = m[1];
      port = `:${m[2]}`;
    }
  }
  const rest = opts.wildcard === true && h.startsWith('*.') ? h.slice(2) : h;
  if (rest.length === 0 || rest.length > 253 || !HOSTNAME_RE.test(rest) || rest.split('.').some((l) => l.length > 63)) {
    return { error: `${q(raw)} is not a host name` };
  }
  return { value: h + port };
}

/**
 * nginx variables Portico expands itself in the few values where ingress-nginx pasted text into
 * an nginx directive that expands `$name` (return, rewrite, proxy_set_header). Any other
 * `$name` would silently mean something else here, so it refuses the Ingress (naming the token).
 */
export const EXPANDED_VARIABLES: readonly ExpandedVariable[] = ['scheme', 'host', 'http_host', 'request_uri', 'uri', 'args', 'is_args', 'query_string'];
export type { ExpandedVariable, TemplatePart };

/**
 * Split a value into text, closed-set variables and (when `captures`) $1..$9. `${name}` is read
 * like `$name` (nginx syntax). Unknown variables → refused naming the first one.
 */
export function parseTemplate(raw: string, captures: boolean): Parsed<TemplatePart[]> {
  const parts: TemplatePart[] = [];
  const re = /\$(?:\{([A-Za-z0-9_]+)\}|([0-9])|([A-Za-z_][A-Za-z0-9_]*))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const text = (t: string) => {
    if (t !== '') parts.push({ kind: 'text', text: t });
  };
  while ((m = re.exec(raw)) !== null) {
    text(raw.slice(last, m.index));
    last = re.lastIndex;
    const name = m[1] ?? m[2] ?? m[3];
    if (/^[0-9]$/.test(name)) {
      if (!captures || name === '0') return { refused: `value ${q(raw)} uses $${name}, which Portico does not expand here` };
      parts.push({ kind: 'group', index: Number(name) });
      continue;
    }
    if (!(EXPANDED_VARIABLES as readonly string[]).includes(name)) {
      return { refused: `value ${q(raw)} uses the nginx variable $${name}; Portico expands only ${EXPANDED_VARIABLES.map((v) => '$' + v).join(', ')}${captures ? ' and $1..$9' : ''}` };
    }
    parts.push({ kind: 'var', name: name as ExpandedVariable });
  }
  text(raw.slice(last));
  return { value: parts };
}

/**
 * An RE2 path pattern as the dataplane compiles it (`^(?:pattern)`, case-insensitive), or the
 * reason it is rejected. RE2 has no backreferences or lookaround (PCRE in ingress-nginx).
 */
export const MAX_REGEX_PROGRAM = 1000;

export function checkRegex(pattern: string): string | null {
  if (pattern.length > 1024) return `regex ${JSON.stringify(pattern.slice(0, 40) + '...')} is longer than 1024 characters`;
  try {
    const re = RE2JS.compile(`^(?:${pattern})`, RE2JS.CASE_INSENSITIVE);
    // Matching cost grows with program size × path length (docs/benchmarks/regex.md): bound it.
    if (re.programSize() > MAX_REGEX_PROGRAM) return `regex ${JSON.stringify(pattern)} compiles to ${re.programSize()} RE2 instructions (at most ${MAX_REGEX_PROGRAM})`;
    return null;
  } catch (e) {
    return `${JSON.stringify(pattern)} is not an RE2 regex: ${JSON.stringify((e as Error).message)}`;
  }
}
