// The lean HTTP/1.1 parser's public types (re-exported by parser.ts). A parser is created once per
// connection with one sink; every message reuses it.

export interface Http1Limits {
  /** Request line without its CRLF, in bytes → 414 (RFC 9112 §3: a server SHOULD answer 414). */
  maxRequestLineBytes: number;
  /** Header section (or trailer section) after the start line, CRLFs included, in bytes → 431. */
  maxHeaderBytes: number;
  /** Header (or trailer) fields per message → 431 (RFC 6585 §5). */
  maxHeaderCount: number;
}

export interface ParseFailure {
  status: 400 | 413 | 414 | 431 | 501 | 505;
  /** Stable machine-readable reason, e.g. `bad_header_name`, `cl_and_te`. */
  code: string;
}

export interface MessageHead {
  /** Request method; '' in a response. */
  method: string;
  /** request-target as received; '' in a response. */
  target: string;
  /** Response status code; 0 in a request. */
  statusCode: number;
  /** Response reason phrase; '' in a request. */
  reason: string;
  versionMinor: 0 | 1;
  /** Flat [name, value, …] as received: names in original case, values trimmed of OWS. */
  headers: string[];
  /** Content-Length, or -1 when there is none (chunked, no body, read until close). */
  contentLength: number;
  chunked: boolean;
  /** Whether the connection may carry another message after this one (RFC 9112 §9.3). */
  keepAlive: boolean;
  /** Connection: upgrade with an Upgrade field, CONNECT, or a 101 / 2xx-to-CONNECT response. */
  upgrade: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1). */
  expectContinue: boolean;
}

export interface ParserSink {
  onHead(head: MessageHead): void;
  /** Subarrays of the input Buffers (no copy), chunk framing removed. */
  onBody(chunk: Buffer): void;
  /** Trailer fields (flat) of a chunked message that had any, else null. */
  onComplete(trailers: string[] | null): void;
  onError(failure: ParseFailure): void;
}

export interface ResponseSink extends ParserSink {
  /** A 1xx other than 101 (100 Continue, 103 Early Hints): the final response still follows. */
  onInterim?(head: MessageHead): void;
}
