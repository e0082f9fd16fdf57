// The lean engine's HTTP/1.1 parsers (RFC 9112): one per connection, reused for every message.
// RequestParser frames client requests; ResponseParser frames upstream responses with the
// request method each one answers. Grammar and framing choices are in core.ts / framing.ts and
// README "Lean HTTP/1.1 engine".
import { Http1Parser } from './core.ts';
import type { Http1Limits, ParserSink, ResponseSink } from './types.ts';

export type { Http1Limits, MessageHead, ParseFailure, ParserSink, ResponseSink } from './types.ts';

export class RequestParser extends Http1Parser {
  constructor(limits: Http1Limits, sink: ParserSink) {
    super(limits, sink, true);
  }
}

export class ResponseParser extends Http1Parser {
  constructor(limits: Http1Limits, sink: ResponseSink) {
    super(limits, sink, false);
  }

  /** Call before each response: the request method decides HEAD and CONNECT framing. */
  expect(requestMethod: string): void {
    this.expectMethod = requestMethod;
  }

  /** The upstream closed: completes a read-until-close body, or fails an unfinished message. */
  finish(): void {
    this.eof();
  }
}
