// Byte classes of the HTTP/1.1 grammar as 256-entry lookup tables, so the head scanner tests one
// byte with one load. Sources: RFC 9110 §5.6.2 (token, tchar), §5.5 (field-value, field-vchar,
// obs-text), §5.6.4 (quoted-string, qdtext, quoted-pair); RFC 9112 §3.2 (request-target).
import { METHODS } from 'node:http';

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA (RFC 9110 §5.6.2). */
export const TCHAR = table((c) => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/**
 * Bytes of a field value after the first: field-vchar, SP, HTAB (RFC 9110 §5.5). obs-text
 * (0x80-0xFF) is allowed as the RFC and llhttp allow it; DEL and the other controls are not.
 */
export const FIELD_CHAR = table((c) => c === 0x09 || (c >= 0x20 && c <= 0x7e) || c >= 0x80);

/**
 * request-target bytes: visible US-ASCII (0x21-0x7E). The URI grammar (RFC 3986) is narrower
 * (no `"<>\^`{|}`), but llhttp in strict mode accepts these and so does node:http today; the
 * target's form is checked after the line (request-target.ts screens it further).
 */
export const TARGET_CHAR = table((c) => c >= 0x21 && c <= 0x7e);

/** qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4). */
export const QDTEXT = table((c) => c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80);

/** HEXDIG value + 1 (0 = not a hex digit). */
export const HEX = table(() => false);
for (let c = 0; c < 256; c++) {
  if (c >= 0x30 && c <= 0x39) HEX[c] = c - 0x30 + 1;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 11;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 11;
}

/**
 * Methods the engine recognises: Node's list, which is llhttp's HTTP method table. Any other
 * token is answered 501 (RFC 9110 §9.1: an unrecognised method SHOULD get 501), where llhttp
 * rejects it as a parse error; both refuse it.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/**
 * OWS = *( SP / HTAB ) trimmed from both ends (RFC 9110 §5.6.3). Not String.prototype.trim():
 * that also strips U+00A0 and other Unicode spaces, and a latin1 0xA0 is obs-text, part of the
 * value; trimming it would read `Transfer-Encoding: \xA0chunked` as chunked where llhttp (and
 * the RFC) see an unknown coding (RFC 9112 §6.3: framing decided differently from peers).
 */
export function trimOws(v: string): string {
  let s = 0;
  let e = v.length;
  while (s < e && (v.charCodeAt(s) === SP || v.charCodeAt(s) === HTAB)) s++;
  while (e > s && (v.charCodeAt(e - 1) === SP || v.charCodeAt(e - 1) === HTAB)) e--;
  return s === 0 && e === v.length ? v : v.slice(s, e);
}
