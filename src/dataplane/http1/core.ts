// The incremental HTTP/1.1 message parser shared by RequestParser and ResponseParser (parser.ts).
// One object per connection; the head is scanned byte by byte against the RFC 9112 grammar so a
// bad byte fails at once (no waiting for a blank line that will never come); bodies are passed on
// as subarrays of the input. Where the RFC leaves a choice this follows llhttp's strict mode.
import { applyFraming, UNTIL_CLOSE } from './framing.ts';
import { CR, FIELD_CHAR, HEX, HTAB, KNOWN_METHODS, LF, QDTEXT, SP, TARGET_CHAR, TCHAR } from './grammar.ts';
import type { Http1Limits, MessageHead, ParseFailure, ResponseSink } from './types.ts';

const f = (status: ParseFailure['status'], code: string): ParseFailure => Object.freeze({ status, code });
const F_LINE = f(414, 'request_line_too_long');
const F_HEADERS = f(431, 'header_section_too_large');
const F_COUNT = f(431, 'too_many_headers');
const F_METHOD = f(400, 'bad_method');
const F_METHOD_UNKNOWN = f(501, 'method_not_implemented');
const F_TARGET = f(400, 'bad_request_target');
const F_VERSION = f(400, 'bad_version');
const F_VERSION_UNSUPPORTED = f(505, 'version_not_supported');
const F_LINE_END = f(400, 'bad_line_ending');
const F_NAME = f(400, 'bad_header_name');
const F_VALUE = f(400, 'bad_header_value');
const F_FOLD = f(400, 'obs_fold');
const F_STATUS = f(400, 'bad_status_line');
const F_CHUNK = f(400, 'bad_chunk');
const F_CHUNK_LINE = f(400, 'chunk_line_too_long');
const F_INCOMPLETE = f(400, 'incomplete_message');

/** Chunk-size line bound (size + extensions): extensions carry nothing Portico uses. */
const MAX_CHUNK_LINE = 4096;
const VERSION_PREFIX = Buffer.from('HTTP/0.0');

// Head states (also used for trailer sections from T_FIELD on).
const S_START = 0, S_METHOD = 1, S_TARGET = 2, S_VERSION = 3, S_LINE_LF = 4, S_FIELD = 5, S_NAME = 6;
const S_OWS = 7, S_VALUE = 8, S_VALUE_LF = 9, S_END_LF = 10, S_RVERSION = 11, S_STATUS = 12, S_REASON = 13;
const HEAD_LAST = 13;
// Body states.
const B_LENGTH = 20, B_CLOSE = 21, C_SIZE = 22, C_EXT_NAME0 = 23, C_EXT_NAME = 24, C_EXT_VAL0 = 25;
const C_EXT_TOKEN = 26, C_EXT_QUOTED = 27, C_EXT_QPAIR = 28, C_EXT_QEND = 29, C_SIZE_LF = 30;
const C_DATA = 31, C_DATA_CR = 32, C_DATA_LF = 33;
// Terminal states.
const X_UPGRADED = 40, X_FAILED = 41, X_DETACHED = 42;

export class Http1Parser {
  protected readonly limits: Http1Limits;
  protected readonly sink: ResponseSink;
  private readonly isRequest: boolean;
  protected state = S_START;
  private paused = false;
  /** Input not yet parsed while paused (or after an upgrade). */
  private held: Buffer | null = null;
  /** Copy of an unfinished head (or trailer section) carried to the next execute(). */
  private partial: Buffer | null = null;
  /** Buffer being scanned and where the head began in it (for detach()). */
  private hb: Buffer | null = null;
  private hs = 0;
  private mark = 0;
  private fieldsStart = 0;
  private trailers = false;
  private head: MessageHead = blankHead();
  private fields: string[] = [];
  private name = '';
  private remaining = 0;
  private chunkLine = 0;
  private chunkDigits = 0;
  /** Response side: the request method this response answers (HEAD / CONNECT framing). */
  protected expectMethod = '';

  constructor(limits: Http1Limits, sink: ResponseSink, isRequest: boolean) {
    this.limits = limits;
    this.sink = sink;
    this.isRequest = isRequest;
  }

  execute(data: Buffer): void {
    const st = this.state;
    if (st === X_FAILED || st === X_DETACHED) return;
    if (this.paused || st === X_UPGRADED) {
      this.held = this.held === null ? data : Buffer.concat([this.held, data]);
      return;
    }
    this.run(data, 0);
  }

  /** Stops parsing after the current callback; later input is held until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = null;
    if (held !== null && this.state !== X_UPGRADED) this.run(held, 0);
    else this.held = held;
  }

  /**
   * Stops this parser for good and returns the bytes it has not consumed. Called from onHead, it
   * returns the message from its first head byte on (for handing the connection to another
   * server); after an upgrade or while paused, the bytes after the last message.
   */
  detach(): Buffer {
    let out: Buffer;
    if (this.state <= HEAD_LAST && this.hb !== null) out = this.hb.subarray(this.hs);
    else out = this.held ?? Buffer.alloc(0);
    if (this.held !== null && this.hb !== null && this.state <= HEAD_LAST) out = Buffer.concat([out, this.held]);
    this.held = null;
    this.state = X_DETACHED;
    return out;
  }

  reset(): void {
    this.state = S_START;
    this.paused = false;
    this.held = this.partial = this.hb = null;
    this.trailers = false;
    this.expectMethod = '';
  }

  /** True when no byte of a next message has been seen (a close here loses nothing). */
  get idle(): boolean {
    return this.state === S_START && this.partial === null;
  }

  protected fail(failure: ParseFailure): number {
    this.state = X_FAILED;
    this.partial = this.held = this.hb = null;
    this.sink.onError(failure);
    return -1;
  }

  private run(data: Buffer, pos: number): void {
    const n = data.length;
    while (pos < n) {
      const st = this.state;
      if (st <= HEAD_LAST) {
        let buf = data;
        let from = pos;
        let shift = 0;
        if (this.partial !== null) {
          shift = this.partial.length - pos;
          buf = Buffer.concat([this.partial, data.subarray(pos)]);
          from = this.partial.length;
          this.partial = null;
        } else if (st !== S_START) {
          // A trailer section starting in this input (any unfinished head left a partial).
          this.hs = this.fieldsStart = pos;
        }
        this.hb = buf;
        const end = this.scanHead(buf, from);
        if (end === -1) return;
        if (end === -2) {
          if (this.state !== S_START) {
            this.partial = Buffer.from(buf.subarray(this.hs));
            this.mark -= this.hs;
            this.fieldsStart -= this.hs;
            this.hs = 0;
          }
          this.hb = null;
          return;
        }
        pos = end - shift;
        if (this.trailers) this.complete(this.fields.length === 0 ? null : this.fields);
        else this.headDone();
        this.hb = null;
      } else if (st === B_LENGTH) {
        const take = Math.min(this.remaining, n - pos);
        this.remaining -= take;
        this.sink.onBody(data.subarray(pos, pos + take));
        pos += take;
        if (this.remaining === 0 && this.state === B_LENGTH) this.complete(null);
      } else if (st === C_DATA) {
        const take = Math.min(this.remaining, n - pos);
        this.remaining -= take;
        if (this.remaining === 0) this.state = C_DATA_CR;
        this.sink.onBody(data.subarray(pos, pos + take));
        pos += take;
      } else if (st === B_CLOSE) {
        this.sink.onBody(pos === 0 ? data : data.subarray(pos));
        pos = n;
      } else if (st >= C_SIZE && st <= C_DATA_LF) {
        pos = this.scanChunk(data, pos);
        if (pos < 0) return;
      } else {
        return;
      }
      if (this.paused || this.state >= X_UPGRADED) {
        if (pos < n && this.state !== X_FAILED && this.state !== X_DETACHED) {
          const rest = data.subarray(pos);
          this.held = this.held === null ? rest : Buffer.concat([rest, this.held]);
        }
        return;
      }
    }
  }

  /** Scans head bytes from i: the index after the head's last LF, -1 failed, -2 needs more input. */
  private scanHead(buf: Buffer, i: number): number {
    const n = buf.length;
    const maxLine = this.limits.maxRequestLineBytes;
    const maxFields = this.limits.maxHeaderBytes;
    let st = this.state;
    while (i < n) {
      const c = buf[i];
      if (st >= S_FIELD && st <= S_END_LF) {
        if (i - this.fieldsStart >= maxFields) return this.fail(F_HEADERS);
      } else if (st !== S_START && st !== S_LINE_LF && i - this.hs > maxLine) {
        return this.fail(this.isRequest ? F_LINE : F_STATUS);
      }
      switch (st) {
        case S_START:
          // RFC 9112 §2.2: empty lines before a start line are ignored (llhttp skips CR and LF).
          if (c === CR || c === LF) { i++; continue; }
          this.hs = this.mark = i;
          this.fields = [];
          this.head = blankHead();
          st = this.state = this.isRequest ? S_METHOD : S_RVERSION;
          continue;
        case S_METHOD:
          // method = token (RFC 9110 §9.1), one SP (RFC 9112 §3).
          if (TCHAR[c] === 1) { i++; continue; }
          if (c !== SP || i === this.mark) return this.fail(F_METHOD);
          this.head.method = buf.toString('latin1', this.mark, i);
          if (!KNOWN_METHODS.has(this.head.method)) return this.fail(F_METHOD_UNKNOWN);
          this.mark = ++i;
          st = this.state = S_TARGET;
          continue;
        case S_TARGET: {
          let j = i;
          while (j < n && TARGET_CHAR[buf[j]] === 1) j++;
          if (j - this.hs > maxLine) return this.fail(F_LINE);
          if (j === n) { i = j; continue; }
          if (buf[j] !== SP || j === this.mark) return this.fail(F_TARGET);
          const target = buf.toString('latin1', this.mark, j);
          if (!targetForm(target, this.head.method)) return this.fail(F_TARGET);
          this.head.target = target;
          this.mark = i = j + 1;
          st = this.state = S_VERSION;
          continue;
        }
        case S_VERSION:
        case S_RVERSION: {
          // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
          const k = i - this.mark;
          const term = st === S_VERSION ? CR : SP;
          if (k < 8) {
            if (k === 5 || k === 7 ? !(c >= 0x30 && c <= 0x39) : c !== VERSION_PREFIX[k]) return this.fail(st === S_VERSION ? F_VERSION : F_STATUS);
            i++;
            continue;
          }
          if (c !== term) return this.fail(st === S_VERSION ? (c === LF ? F_LINE_END : F_VERSION) : F_STATUS);
          const major = buf[this.mark + 5] - 0x30;
          const minor = buf[this.mark + 7] - 0x30;
          if (major !== 1 || minor > 1) return this.fail(F_VERSION_UNSUPPORTED);
          this.head.versionMinor = minor as 0 | 1;
          i++;
          if (st === S_VERSION) { st = this.state = S_LINE_LF; continue; }
          this.mark = i;
          st = this.state = S_STATUS;
          continue;
        }
        case S_STATUS: {
          // status-code = 3DIGIT, then SP [reason-phrase] (RFC 9112 §4); llhttp also takes a bare CRLF.
          const k = i - this.mark;
          if (k < 3) {
            if (!(c >= 0x30 && c <= 0x39)) return this.fail(F_STATUS);
            i++;
            continue;
          }
          const code = (buf[this.mark] - 0x30) * 100 + (buf[this.mark + 1] - 0x30) * 10 + (buf[this.mark + 2] - 0x30);
          // RFC 9110 §15: values outside 100..599 are invalid.
          if (code < 100 || code > 599) return this.fail(F_STATUS);
          this.head.statusCode = code;
          if (c === CR) { this.head.reason = ''; st = this.state = S_LINE_LF; i++; continue; }
          if (c !== SP) return this.fail(c === LF ? F_LINE_END : F_STATUS);
          this.mark = ++i;
          st = this.state = S_REASON;
          continue;
        }
        case S_REASON: {
          // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
          let j = i;
          while (j < n && FIELD_CHAR[buf[j]] === 1) j++;
          if (j - this.hs > maxLine) return this.fail(F_STATUS);
          if (j === n) { i = j; continue; }
          if (buf[j] !== CR) return this.fail(buf[j] === LF ? F_LINE_END : F_STATUS);
          this.head.reason = buf.toString('latin1', this.mark, j);
          i = j + 1;
          st = this.state = S_LINE_LF;
          continue;
        }
        case S_LINE_LF:
          // CR only as part of CRLF; a bare LF is rejected (RFC 9112 §2.2 allows either; llhttp strict rejects).
          if (c !== LF) return this.fail(F_LINE_END);
          this.fieldsStart = ++i;
          st = this.state = S_FIELD;
          continue;
        case S_FIELD:
          if (TCHAR[c] === 1) { this.mark = i++; st = this.state = S_NAME; continue; }
          if (c === CR) { i++; st = this.state = S_END_LF; continue; }
          // Whitespace at a line start: obs-fold (RFC 9112 §5.2) or before the first field (§2.2).
          if (c === SP || c === HTAB) return this.fail(F_FOLD);
          return this.fail(c === LF ? F_LINE_END : F_NAME);
        case S_NAME: {
          let j = i;
          while (j < n && TCHAR[buf[j]] === 1) j++;
          if (j === n) { i = j; continue; }
          // No whitespace between field name and colon (RFC 9112 §5.1: MUST reject with 400).
          if (buf[j] !== 0x3a) return this.fail(F_NAME);
          this.name = buf.toString('latin1', this.mark, j);
          i = j + 1;
          st = this.state = S_OWS;
          continue;
        }
        case S_OWS:
          if (c === SP || c === HTAB) { i++; continue; }
          this.mark = i;
          st = this.state = S_VALUE;
          continue;
        case S_VALUE: {
          let j = i;
          while (j < n && FIELD_CHAR[buf[j]] === 1) j++;
          if (j - this.fieldsStart >= maxFields) return this.fail(F_HEADERS);
          if (j === n) { i = j; continue; }
          if (buf[j] !== CR) return this.fail(buf[j] === LF ? F_LINE_END : F_VALUE);
          let e = j;
          while (e > this.mark && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
          if (this.fields.length >= this.limits.maxHeaderCount * 2) return this.fail(F_COUNT);
          this.fields.push(this.name, buf.toString('latin1', this.mark, e));
          i = j + 1;
          st = this.state = S_VALUE_LF;
          continue;
        }
        case S_VALUE_LF:
          if (c !== LF) return this.fail(F_LINE_END);
          i++;
          st = this.state = S_FIELD;
          continue;
        case S_END_LF:
          if (c !== LF) return this.fail(F_LINE_END);
          return i + 1;
      }
    }
    return -2;
  }

  private headDone(): void {
    const head = this.head;
    head.headers = this.fields;
    const framing = applyFraming(head, this.isRequest);
    if (typeof framing !== 'number') { this.fail(framing); return; }
    if (this.isRequest) {
      this.sink.onHead(head);
      if (this.state !== S_END_LF) return; // detached or failed in onHead
      // CONNECT has no content (RFC 9110 §9.3.6); the bytes after it belong to the tunnel.
      if (head.method === 'CONNECT') this.complete(null);
      else this.startBody(head, false);
      return;
    }
    const code = head.statusCode;
    const m = this.expectMethod;
    if (code < 200 && code !== 101) {
      // Interim response (RFC 9110 §15.2): the final one follows for the same request.
      this.state = S_START;
      this.sink.onInterim?.(head);
      return;
    }
    if (code === 101 || (m === 'CONNECT' && code < 300)) {
      head.upgrade = true;
      head.keepAlive = false;
      head.contentLength = -1;
      head.chunked = false;
      this.sink.onHead(head);
      if (this.state === S_END_LF) this.complete(null);
      return;
    }
    // RFC 9112 §6.3 item 1: HEAD, 204 and 304 responses end with their header section.
    const noBody = m === 'HEAD' || code === 204 || code === 304;
    this.sink.onHead(head);
    if (this.state !== S_END_LF) return;
    if (noBody) this.complete(null);
    else this.startBody(head, framing === UNTIL_CLOSE || (!head.chunked && head.contentLength === -1));
  }

  private startBody(head: MessageHead, untilClose: boolean): void {
    if (untilClose) {
      head.keepAlive = false;
      this.state = B_CLOSE;
    } else if (head.chunked) {
      this.state = C_SIZE;
      this.remaining = this.chunkLine = this.chunkDigits = 0;
    } else if (head.contentLength > 0) {
      this.state = B_LENGTH;
      this.remaining = head.contentLength;
    } else {
      this.complete(null);
    }
  }

  protected complete(trailers: string[] | null): void {
    const upgraded = this.head.upgrade;
    this.trailers = false;
    this.expectMethod = '';
    this.state = upgraded ? X_UPGRADED : S_START;
    this.sink.onComplete(trailers);
  }

  /** Chunked framing (RFC 9112 §7.1): size, extensions, data, CRLF; 0 then trailers. */
  private scanChunk(data: Buffer, pos: number): number {
    const n = data.length;
    let st = this.state;
    while (pos < n) {
      if (st === C_DATA) break;
      const c = data[pos];
      if (st < C_SIZE_LF && ++this.chunkLine > MAX_CHUNK_LINE) return this.fail(F_CHUNK_LINE);
      switch (st) {
        case C_SIZE: {
          const h = HEX[c];
          if (h !== 0) {
            // Bounded so the size stays an exact integer (llhttp fails on overflow too).
            if (++this.chunkDigits > 13) return this.fail(F_CHUNK);
            this.remaining = this.remaining * 16 + h - 1;
          } else if (this.chunkDigits === 0) return this.fail(F_CHUNK);
          else if (c === 0x3b) st = C_EXT_NAME0;
          else if (c === CR) st = C_SIZE_LF;
          else return this.fail(F_CHUNK);
          break;
        }
        // chunk-ext = *( ";" chunk-ext-name [ "=" chunk-ext-val ] ), token / quoted-string.
        // The RFC's BWS around ";" and "=" is refused as llhttp strict refuses it.
        case C_EXT_NAME0:
          if (TCHAR[c] !== 1) return this.fail(F_CHUNK);
          st = C_EXT_NAME;
          break;
        case C_EXT_NAME:
        case C_EXT_TOKEN:
          if (TCHAR[c] === 1) break;
          if (c === 0x3d && st === C_EXT_NAME) st = C_EXT_VAL0;
          else if (c === 0x3b) st = C_EXT_NAME0;
          else if (c === CR) st = C_SIZE_LF;
          else return this.fail(F_CHUNK);
          break;
        case C_EXT_VAL0:
          if (c === 0x22) st = C_EXT_QUOTED;
          else if (TCHAR[c] === 1) st = C_EXT_TOKEN;
          else return this.fail(F_CHUNK);
          break;
        case C_EXT_QUOTED:
          if (c === 0x22) st = C_EXT_QEND;
          else if (c === 0x5c) st = C_EXT_QPAIR;
          else if (QDTEXT[c] !== 1) return this.fail(F_CHUNK);
          break;
        case C_EXT_QPAIR:
          // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
          if (FIELD_CHAR[c] !== 1) return this.fail(F_CHUNK);
          st = C_EXT_QUOTED;
          break;
        case C_EXT_QEND:
          if (c === 0x3b) st = C_EXT_NAME0;
          else if (c === CR) st = C_SIZE_LF;
          else return this.fail(F_CHUNK);
          break;
        case C_SIZE_LF:
          if (c !== LF) return this.fail(F_LINE_END);
          pos++;
          if (this.remaining === 0) {
            // last-chunk: the trailer section follows, parsed like a header section.
            this.state = S_FIELD;
            this.trailers = true;
            this.fields = [];
            this.hs = this.fieldsStart = pos;
            return pos;
          }
          this.state = C_DATA;
          return pos;
        case C_DATA_CR:
          if (c !== CR) return this.fail(F_CHUNK);
          st = C_DATA_LF;
          break;
        case C_DATA_LF:
          if (c !== LF) return this.fail(F_CHUNK);
          st = C_SIZE;
          this.remaining = this.chunkLine = this.chunkDigits = 0;
          break;
      }
      pos++;
    }
    this.state = st;
    return pos;
  }

  /** EOF from the peer: completes a read-until-close body; anything else unfinished fails. */
  protected eof(): void {
    const st = this.state;
    if (st === B_CLOSE) this.complete(null);
    else if (st <= HEAD_LAST ? !this.idle || this.trailers : st < X_UPGRADED) this.fail(F_INCOMPLETE);
  }
}

/**
 * request-target forms (RFC 9112 §3.2): origin-form "/…", absolute-form "scheme://…",
 * authority-form only with CONNECT, asterisk-form "*" only with OPTIONS.
 */
function targetForm(t: string, method: string): boolean {
  const c = t.charCodeAt(0);
  if (method === 'CONNECT') return c !== 0x2f && t !== '*';
  if (c === 0x2f) return true;
  if (c === 0x2a) return t.length === 1 && method === 'OPTIONS';
  return ABSOLUTE.test(t);
}
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/;

function blankHead(): MessageHead {
  return {
    method: '', target: '', statusCode: 0, reason: '', versionMinor: 1, headers: [],
    contentLength: -1, chunked: false, keepAlive: true, upgrade: false, expectContinue: false,
  };
}
