// The common shape both parsers' output is normalised into before comparison: per message the
// start line, header fields as received (flat name/value list), body bytes with the framing
// removed, trailer fields, and whether it completed; then whether the stream ended in an error.
// Bytes are carried as latin1 strings so fixtures are plain JSON.

export interface MessageFrame {
  /** A 1xx response other than 101 (RFC 9110 §15.2): no body, the final response follows. */
  interim: boolean;
  method: string;
  target: string;
  statusCode: number;
  reason: string;
  versionMinor: number;
  headers: string[];
  body: string;
  trailers: string[];
  complete: boolean;
  keepAlive: boolean;
  upgrade: boolean;
}

export interface Framing {
  messages: MessageFrame[];
  /** The parser's error code when it refused the stream, else null. */
  error: string | null;
}

/** One fuzz input: the bytes, where execute() calls split them, and (responses) the request methods. */
export interface FuzzCase {
  kind: 'request' | 'response';
  /** The stream as latin1 text (one char per byte). */
  input: string;
  /** Ascending offsets at which the input is cut into execute() calls. */
  splits: number[];
  /** Response streams: the method of the request each final response answers. */
  methods?: string[];
  /** Response streams: the upstream closes after the input (finish() is called). */
  eof?: boolean;
}

export function newMessage(): MessageFrame {
  return {
    interim: false, method: '', target: '', statusCode: 0, reason: '', versionMinor: 1, headers: [], body: '',
    trailers: [], complete: false, keepAlive: true, upgrade: false,
  };
}

/** The input cut at the case's split points. */
export function pieces(c: FuzzCase): Buffer[] {
  const buf = Buffer.from(c.input, 'latin1');
  const out: Buffer[] = [];
  let at = 0;
  for (const s of c.splits) {
    if (s <= at || s >= buf.length) continue;
    out.push(buf.subarray(at, s));
    at = s;
  }
  out.push(buf.subarray(at));
  return out;
}
