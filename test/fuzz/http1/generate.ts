// Seeded generators of VALID HTTP/1.1 streams (RFC 9112): pipelined requests with every target
// form the grammar allows for its method, header fields at the edges of the grammar (RFC 9110
// §5.5: empty values, inner SP/HTAB, obs-text, OWS around the value; §5.6.2 tokens of every
// tchar), Content-Length and chunked bodies (RFC 9112 §7.1: sizes with leading zeros and either
// case, chunk extensions with token and quoted-string values, trailer fields), HTTP/1.0 messages;
// and response streams answering a method list (HEAD, 204, 304, 1xx, read-until-close).
import type { FuzzCase } from './frames.ts';
import type { Rng } from './rng.ts';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// pchar and query bytes of RFC 3986 §3.3/§3.4 (unreserved, pct-encoded, sub-delims, ":", "@", "/", "?").
const PATH_CHARS = ALNUM + "-._~!$&'()*+,;=:@%";
const REQUEST_METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
const NAMES = ['Host', 'Accept', 'User-Agent', 'X-Forwarded-For', 'Cookie', 'Cache-Control', 'X-Custom', 'accept-language'];

function str(rng: Rng, alphabet: string, lo: number, hi: number): string {
  let s = '';
  for (let n = rng.int(lo, hi); n > 0; n--) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

/** field-value: field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ], or empty (RFC 9110 §5.5). */
function fieldValue(rng: Rng): string {
  if (rng.chance(0.08)) return '';
  let s = '';
  for (let n = rng.int(1, 24); n > 0; n--) {
    const r = rng.next();
    if (r < 0.75) s += String.fromCharCode(rng.int(0x21, 0x7e));
    else if (r < 0.85) s += String.fromCharCode(rng.int(0x80, 0xff)); // obs-text
    else s += rng.chance(0.7) ? ' ' : '\t';
  }
  s = s.replace(/^[ \t]+|[ \t]+$/g, '');
  return s === '' ? 'v' : s;
}

/** OWS = *( SP / HTAB ) around a field value (RFC 9110 §5.6.3). */
function ows(rng: Rng): string {
  return rng.chance(0.7) ? '' : str(rng, ' \t', 1, 3);
}

function fieldLine(rng: Rng, name: string, value: string, trailingOws = true): string {
  return `${name}:${rng.chance(0.8) ? ' ' : ''}${ows(rng)}${value}${trailingOws ? ows(rng) : ''}\r\n`;
}

function extraFields(rng: Rng): string {
  let s = '';
  for (let n = rng.int(0, 6); n > 0; n--) {
    const name = rng.chance(0.5) ? rng.pick(NAMES.slice(1)) : str(rng, TCHARS, 1, 12);
    s += fieldLine(rng, name, fieldValue(rng));
  }
  return s;
}

function originForm(rng: Rng): string {
  let t = '';
  for (let n = rng.int(0, 3); n > 0; n--) t += '/' + str(rng, PATH_CHARS.replace('%', ''), 0, 10);
  if (t === '') t = '/';
  if (rng.chance(0.3)) t += '?' + str(rng, PATH_CHARS.replace('%', '') + '/?', 0, 16);
  return t;
}

function target(rng: Rng, method: string): string {
  const r = rng.next();
  if (method === 'OPTIONS' && r < 0.3) return '*';
  if (r < 0.15) return `http://${str(rng, ALNUM, 1, 8)}.example${rng.chance(0.5) ? ':8080' : ''}${originForm(rng)}`;
  return originForm(rng);
}

function bodyBytes(rng: Rng, lo: number, hi: number): string {
  let s = '';
  for (let n = rng.int(lo, hi); n > 0; n--) s += rng.chance(0.1) ? rng.pick(['\r', '\n', '\r\n', '\0']) : String.fromCharCode(rng.int(0, 255));
  return s;
}

/** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), generated without BWS (RFC 9112 §7.1.1). */
function chunkExt(rng: Rng): string {
  let s = '';
  for (let n = rng.chance(0.7) ? 0 : rng.int(1, 3); n > 0; n--) {
    s += ';' + str(rng, TCHARS, 1, 8);
    if (rng.chance(0.6)) s += '=' + (rng.chance(0.5) ? str(rng, TCHARS, 1, 8) : `"${str(rng, ALNUM + ' ,;=', 0, 8)}${rng.chance(0.3) ? '\\"' : ''}"`);
  }
  return s;
}

function chunkedBody(rng: Rng): string {
  let s = '';
  for (let n = rng.int(0, 4); n > 0; n--) {
    const data = bodyBytes(rng, 1, 40);
    let size = data.length.toString(16);
    if (rng.chance(0.3)) size = size.toUpperCase();
    if (rng.chance(0.15)) size = '0'.repeat(rng.int(1, 4)) + size;
    s += `${size}${chunkExt(rng)}\r\n${data}\r\n`;
  }
  s += `${rng.chance(0.2) ? '000' : '0'}${chunkExt(rng)}\r\n`;
  for (let n = rng.chance(0.6) ? 0 : rng.int(1, 3); n > 0; n--) s += fieldLine(rng, str(rng, TCHARS, 1, 10), fieldValue(rng));
  return s + '\r\n';
}

function request(rng: Rng, last: boolean): string {
  const method = rng.pick(REQUEST_METHODS);
  const v10 = rng.chance(0.12);
  let head = `${method} ${target(rng, method)} HTTP/1.${v10 ? 0 : 1}\r\n`;
  const fields: string[] = [];
  if (!v10 || rng.chance(0.5)) fields.push(fieldLine(rng, rng.pick(['Host', 'host', 'HOST']), `${str(rng, ALNUM, 1, 10)}.example`));
  fields.push(extraFields(rng));
  let body = '';
  const framing = method === 'GET' || method === 'HEAD' ? rng.pick(['none', 'none', 'none', 'cl']) : rng.pick(['none', 'cl', 'cl', 'chunked']);
  if (framing === 'cl') {
    body = bodyBytes(rng, 0, 60);
    fields.push(fieldLine(rng, rng.pick(['Content-Length', 'content-length']), String(body.length)));
  } else if (framing === 'chunked' && !v10) {
    // No OWS after "chunked": llhttp (strict) does not strip it from Transfer-Encoding, though
    // RFC 9110 §5.5 excludes it from the value; that divergence is the allow-list's, not valid input's.
    fields.push(fieldLine(rng, rng.pick(['Transfer-Encoding', 'transfer-encoding']), rng.pick(['chunked', 'Chunked', 'CHUNKED']), false));
    body = chunkedBody(rng);
  }
  if (!v10 && body !== '' && rng.chance(0.1)) fields.push(fieldLine(rng, 'Expect', '100-continue'));
  // HTTP/1.0 persists only with keep-alive (RFC 9112 §9.3); the last message may close.
  if (v10 && !last) fields.push(fieldLine(rng, 'Connection', 'keep-alive'));
  else if (last && rng.chance(0.2)) fields.push(fieldLine(rng, 'Connection', 'close'));
  for (let i = fields.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  head += fields.join('');
  return `${head}\r\n${body}`;
}

/** Random split offsets for execute() calls: none, a few, or (rarely) every byte. */
export function randomSplits(rng: Rng, length: number): number[] {
  if (length < 2 || rng.chance(0.3)) return [];
  if (rng.chance(0.05) && length < 600) return Array.from({ length: length - 1 }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let n = rng.int(1, 5); n > 0; n--) out.add(rng.int(1, length - 1));
  return [...out].sort((a, b) => a - b);
}

export function requestStream(rng: Rng): FuzzCase {
  let input = '';
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) input += request(rng, i === n - 1);
  return { kind: 'request', input, splits: randomSplits(rng, input.length) };
}

const REASONS = ['OK', 'Not Found', 'Created', '', 'Weird  reason\twith tabs', 'r\u00e9sum\u00e9'];

function response(rng: Rng, method: string, last: boolean): { text: string; closes: boolean } {
  let text = '';
  if (rng.chance(0.15)) text += `HTTP/1.1 ${rng.pick([100, 102, 103])} ${rng.pick(['Continue', 'Early Hints', ''])}\r\n${rng.chance(0.5) ? 'Link: </s.css>; rel=preload\r\n' : ''}\r\n`;
  const code = rng.pick([200, 200, 200, 201, 204, 304, 404, 500, 302]);
  const v10 = rng.chance(0.1);
  text += `HTTP/1.${v10 ? 0 : 1} ${code} ${rng.pick(REASONS)}\r\n${extraFields(rng)}`;
  const noBody = method === 'HEAD' || code === 204 || code === 304;
  const framing = rng.pick(last ? ['cl', 'cl', 'chunked', 'close'] : ['cl', 'cl', 'chunked']);
  let body: string;
  let closes = false;
  if (framing === 'cl') {
    body = bodyBytes(rng, 0, 60);
    // A 204 carries no Content-Length (RFC 9110 §8.6); 304 and HEAD may carry the selected one.
    if (code !== 204) text += fieldLine(rng, 'Content-Length', String(body.length));
  } else if (framing === 'chunked' && !v10) {
    if (code !== 204 && code !== 304) text += fieldLine(rng, 'Transfer-Encoding', 'chunked', false);
    body = chunkedBody(rng);
  } else {
    body = bodyBytes(rng, 0, 60);
    closes = !noBody;
  }
  if (v10 && !last) text += 'Connection: keep-alive\r\n';
  text += '\r\n';
  if (!noBody) text += body;
  return { text, closes };
}

export function responseStream(rng: Rng): FuzzCase {
  let input = '';
  const methods: string[] = [];
  const n = rng.int(1, 4);
  let eof = rng.chance(0.3);
  for (let i = 0; i < n; i++) {
    const method = rng.pick(['GET', 'GET', 'HEAD', 'POST']);
    methods.push(method);
    const r = response(rng, method, i === n - 1);
    input += r.text;
    if (r.closes) { eof = true; break; }
  }
  return { kind: 'response', input, splits: randomSplits(rng, input.length), methods, eof };
}
