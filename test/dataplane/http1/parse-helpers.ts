// Records what a lean parser frames, so a test can compare it whole.
import { RequestParser, ResponseParser, type Http1Limits, type MessageHead, type ParseFailure } from '../../../src/dataplane/http1/parser.ts';

export const LIMITS: Http1Limits = { maxRequestLineBytes: 8192, maxHeaderBytes: 16384, maxHeaderCount: 100 };

export interface Framed {
  head: MessageHead;
  body: string;
  trailers: string[] | null;
  complete: boolean;
}

export class Recorder {
  messages: Framed[] = [];
  interim: MessageHead[] = [];
  error: ParseFailure | null = null;
  onHeadHook: ((head: MessageHead) => void) | null = null;
  onCompleteHook: (() => void) | null = null;
  onHead(head: MessageHead): void {
    this.messages.push({ head, body: '', trailers: null, complete: false });
    this.onHeadHook?.(head);
  }
  onBody(chunk: Buffer): void {
    this.messages[this.messages.length - 1].body += chunk.toString('latin1');
  }
  onComplete(trailers: string[] | null): void {
    const m = this.messages[this.messages.length - 1];
    m.trailers = trailers;
    m.complete = true;
    this.onCompleteHook?.();
  }
  onError(failure: ParseFailure): void {
    if (this.error !== null) throw new Error('onError twice');
    this.error = failure;
  }
  onInterim(head: MessageHead): void {
    this.interim.push(head);
  }
}

/** Feeds `input` to a new request parser, in pieces of `step` bytes (0 = all at once). */
export function parseRequests(input: string | Buffer, step = 0, limits = LIMITS): Recorder {
  const rec = new Recorder();
  const p = new RequestParser(limits, rec);
  feed(p, input, step);
  return rec;
}

export function parseResponses(input: string | Buffer, methods: string[], step = 0, limits = LIMITS): Recorder {
  const rec = new Recorder();
  const p = new ResponseParser(limits, rec);
  let next = 0;
  p.expect(methods[next++] ?? 'GET');
  rec.onCompleteHook = () => p.expect(methods[next++] ?? 'GET');
  feed(p, input, step);
  return rec;
}

export function feed(p: { execute(b: Buffer): void }, input: string | Buffer, step: number): void {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  if (step <= 0) p.execute(buf);
  else for (let i = 0; i < buf.length; i += step) p.execute(buf.subarray(i, i + step));
}
