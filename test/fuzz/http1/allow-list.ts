// Differences between the engine and llhttp that RFC 9110/9112 permit, each with its reason. A
// difference matching no entry is a finding (the fuzz run fails and saves the input).
import type { Verdict } from './compare.ts';
import type { Framing, FuzzCase } from './frames.ts';

interface Allowance {
  why: string;
  applies(c: FuzzCase, v: Exclude<Verdict, { kind: 'same' }>, engine: Framing, llhttp: Framing): boolean;
}

/**
 * Engine refusals where llhttp (strict) accepts, and the RFC lets a recipient refuse (README "Lean
 * HTTP/1.1 engine": a malformed message is refused by the stricter parser).
 */
const STRICTER: Record<string, string> = {
  // RFC 9112 §6.1: a Transfer-Encoding in an HTTP/1.0 message means faulty framing.
  transfer_encoding_in_http10: 'RFC 9112 §6.1',
  // RFC 9112 §6.3 item 4: a request whose final coding is not chunked cannot be framed: 400.
  bad_transfer_encoding: 'RFC 9112 §6.3',
  // RFC 9112 §6.1: a server that does not implement a request transfer coding answers 501.
  unsupported_transfer_encoding: 'RFC 9112 §6.1',
  // RFC 9112 §6.3 item 5: an invalid Content-Length is unrecoverable; the engine bounds it at 2^53.
  bad_content_length: 'RFC 9112 §6.3',
  duplicate_content_length: 'RFC 9112 §6.3',
  // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS) only.
  bad_request_target: 'RFC 9112 §3.2',
  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ], 3 digits.
  bad_status_line: 'RFC 9112 §4',
  // RFC 9112 §2.2: a recipient may refuse bare CR / LF line endings.
  bad_line_ending: 'RFC 9112 §2.2',
  bad_header_value: 'RFC 9110 §5.5',
  bad_header_name: 'RFC 9110 §5.6.2',
  bad_chunk: 'RFC 9112 §7.1',
  bad_version: 'RFC 9112 §2.3',
  version_not_supported: 'RFC 9110 §15.6.6',
};

const ALLOWED: Allowance[] = [
  {
    why: 'the engine refuses what the RFC lets a recipient refuse (STRICTER)',
    applies: (_c, v, e) => v.kind === 'stricter' && e.error !== null && e.error in STRICTER,
  },
  {
    // The engine checks framing fields once the head is complete; llhttp refuses a bad field (or
    // a method no method starts with) at its byte. Nothing was delivered: the refusal is only later.
    why: 'the engine has not yet refused a head llhttp refused at an earlier byte',
    applies: (_c, v, e) => v.kind === 'laxer' && e.error === null && e.messages.length <= v.index,
  },
  {
    // README "Lean HTTP/1.1 engine": absolute-form targets are handed to node:http with their
    // bytes, whose own llhttp parser then refuses what it refuses here.
    why: 'absolute-form request targets go to node:http',
    applies: (c, v, e) => v.kind === 'laxer' && c.kind === 'request' && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(e.messages[v.index]?.target ?? ''),
  },
  {
    // RFC 9110 §15.2: a 1xx is interim and the final response follows on the same connection;
    // llhttp ends the stream at a 1xx's `Connection: close`.
    why: '1xx with Connection: close is followed by the final response',
    applies: (c, v, _e, l) => v.kind === 'laxer' && c.kind === 'response' && l.error === 'HPE_CLOSED_CONNECTION'
      && l.messages.length > 0 && l.messages[l.messages.length - 1].interim,
  },
  {
    // RFC 9112 §6.1: a sender MUST NOT apply chunked more than once; the engine refuses such a
    // response (502, connection closed) as it refuses such a request, llhttp de-chunks it once.
    why: 'response with chunked applied more than once is refused',
    applies: (c, v, _e, l) => v.kind === 'stricter' && c.kind === 'response' && l.messages.some((m) => chunkedTwice(m.headers)),
  },
  {
    // RFC 9110 §5.5 / §5.6.3: trailing whitespace (SP or HTAB) is OWS, not part of the field
    // value, so `Transfer-Encoding: chunked<HTAB>` is chunked; llhttp keeps the HTAB in the token
    // (a request: HPE_INVALID_TRANSFER_ENCODING; a response: read until close). The engine frames
    // it as chunked and writes its own framing on the other leg, so no peer sees these bytes.
    why: 'Transfer-Encoding: chunked followed by HTAB is chunked (trailing OWS)',
    applies: (c, v, e) => (v.kind === 'laxer' || v.kind === 'mismatch') && CHUNKED_HTAB.test(c.input)
      && e.messages[v.index] !== undefined && finalChunked(e.messages[v.index].headers),
  },
];

const CHUNKED_HTAB = /\r\ntransfer-encoding:[^\r\n]*chunked[ \t]*\t[ \t]*\r\n/i;

function finalChunked(headers: string[]): boolean {
  let last = '';
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== 'transfer-encoding') continue;
    const parts = headers[i + 1].split(',');
    last = parts[parts.length - 1].replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
  }
  return last === 'chunked';
}

function chunkedTwice(headers: string[]): boolean {
  let n = 0;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() === 'transfer-encoding') n += headers[i + 1].toLowerCase().split(',').filter((t) => t.replace(/^[ \t]+|[ \t]+$/g, '') === 'chunked').length;
  }
  return n > 1;
}

/** The reason a difference is allowed, or null when it is a finding. */
export function allowed(c: FuzzCase, v: Verdict, engine: Framing, llhttp: Framing): string | null {
  if (v.kind === 'same') return 'same';
  for (const a of ALLOWED) if (a.applies(c, v, engine, llhttp)) return a.why;
  return null;
}
