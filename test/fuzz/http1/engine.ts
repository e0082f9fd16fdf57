// The lean engine's parsers (src/dataplane/http1/parser.ts) driven over a fuzz case and
// normalised into the same frames as the llhttp oracle.
import { RequestParser, ResponseParser, type Http1Limits, type MessageHead } from '../../../src/dataplane/http1/parser.ts';
import { newMessage, pieces, type Framing, type FuzzCase, type MessageFrame } from './frames.ts';

/**
 * Bounds wide enough that generated input never reaches them; llhttp's own bound is node:http's
 * 16 KiB header section (request line included).
 */
const LIMITS: Http1Limits = { maxRequestLineBytes: 16384, maxHeaderBytes: 16384, maxHeaderCount: 1000 };

function frameOf(head: MessageHead, interim: boolean): MessageFrame {
  const m = newMessage();
  m.interim = interim;
  m.method = head.method;
  m.target = head.target;
  m.statusCode = head.statusCode;
  m.reason = head.reason;
  m.versionMinor = head.versionMinor;
  m.headers = [...head.headers];
  m.keepAlive = head.keepAlive;
  m.upgrade = head.upgrade;
  m.complete = interim;
  return m;
}

export function engineFraming(c: FuzzCase): Framing {
  const messages: MessageFrame[] = [];
  let cur: MessageFrame | null = null;
  let error: string | null = null;
  const methods = [...(c.methods ?? [])];
  const sink = {
    onHead(head: MessageHead): void {
      cur = frameOf(head, false);
      messages.push(cur);
    },
    onBody(chunk: Buffer): void {
      if (cur !== null) cur.body += chunk.toString('latin1');
    },
    onComplete(trailers: string[] | null): void {
      if (cur !== null) {
        cur.complete = true;
        if (trailers !== null) cur.trailers = [...trailers];
      }
      cur = null;
      if (c.kind === 'response') {
        methods.shift();
        if (methods.length > 0) res.expect(methods[0]);
      }
    },
    onError(failure: { code: string }): void {
      error = failure.code;
    },
    onInterim(head: MessageHead): void {
      messages.push(frameOf(head, true));
    },
  };
  const req = new RequestParser(LIMITS, sink);
  const res = new ResponseParser(LIMITS, sink);
  if (c.kind === 'response') res.expect(methods[0] ?? 'GET');
  const p = c.kind === 'request' ? req : res;
  for (const piece of pieces(c)) {
    if (error !== null) break;
    p.execute(piece);
  }
  if (error === null && c.kind === 'response' && c.eof === true) res.finish();
  return { messages, error };
}
