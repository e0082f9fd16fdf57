// The oracle: Node's own llhttp (the parser node:http uses) in strict mode — lenient flags all off
// (HTTPParser.kLenientNone), the default header-size bound. Test-only: `_http_common` is Node's
// internal module, reached here through createRequire as node:http's parser, unchanged.
// The callback protocol mirrors lib/_http_common.js (parserOnHeaders / parserOnHeadersComplete /
// parserOnBody / parserOnMessageComplete): fields arrive either with headers-complete or, when the
// C++ side flushed them early, through kOnHeaders first; after a body, kOnHeaders carries trailers.
import { createRequire } from 'node:module';
import { newMessage, pieces, type Framing, type FuzzCase, type MessageFrame } from './frames.ts';

interface NodeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(b: Buffer): number | (Error & { code: string });
  finish(): undefined | (Error & { code: string });
  close(): void;
  [k: number]: unknown;
}
interface HttpCommon {
  HTTPParser: {
    new (): NodeParser;
    REQUEST: number; RESPONSE: number; kLenientNone: number;
    kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kOnExecute: number;
  };
  methods: string[];
}
const { HTTPParser, methods } = createRequire(import.meta.url)('_http_common') as HttpCommon;

/** llhttp's framing of a request or response stream fed in the case's pieces. */
export function llhttpFraming(c: FuzzCase): Framing {
  const isRequest = c.kind === 'request';
  const p = new HTTPParser();
  p.initialize(isRequest ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
  const messages: MessageFrame[] = [];
  const pendingMethods = [...(c.methods ?? [])];
  let cur: MessageFrame | null = null;
  let fields: string[] = [];
  let url = '';
  let stop = false;
  let error: string | null = null;
  p[HTTPParser.kOnHeaders] = (h: string[], u: string): void => {
    if (cur !== null) { cur.trailers.push(...h); return; }
    fields.push(...h);
    url += u;
  };
  p[HTTPParser.kOnHeadersComplete] = (
    major: number, minor: number, h: string[] | undefined, method: number | undefined, u: string | undefined,
    statusCode: number | undefined, statusMessage: string | undefined, upgrade: boolean, keepAlive: boolean,
  ): number => {
    const m = newMessage();
    m.headers = h ?? fields;
    m.target = u ?? url;
    fields = [];
    url = '';
    m.versionMinor = minor;
    m.keepAlive = keepAlive;
    m.upgrade = upgrade;
    messages.push(m);
    cur = m;
    // llhttp parses HTTP/0.9 … 2.0 version numbers; only 1.0 and 1.1 are HTTP/1 framing.
    if (major !== 1 || minor > 1) { error = 'HPE_INVALID_VERSION'; stop = true; return 0; }
    if (isRequest) {
      m.method = methods[method ?? -1] ?? '';
      if (upgrade) stop = true;
      return 0;
    }
    m.statusCode = statusCode ?? 0;
    m.reason = statusMessage ?? '';
    if (m.statusCode < 200 && m.statusCode !== 101) {
      // As node:http's client: an interim response has no body (RFC 9110 §15.2).
      m.interim = true;
      return 1;
    }
    const answered = pendingMethods.shift() ?? 'GET';
    if (m.statusCode === 101 || (answered === 'CONNECT' && m.statusCode < 300)) {
      m.upgrade = true;
      stop = true;
      return 2;
    }
    if (m.upgrade) stop = true;
    // RFC 9110 §9.3.2: a response to HEAD has no content, whatever its framing headers say.
    return answered === 'HEAD' ? 1 : 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer): void => {
    if (cur !== null) cur.body += b.toString('latin1');
  };
  p[HTTPParser.kOnMessageComplete] = (): void => {
    if (cur !== null) cur.complete = true;
    if (fields.length > 0 && cur !== null) { cur.trailers.push(...fields); fields = []; }
    cur = null;
  };
  p[HTTPParser.kOnExecute] = (): void => {};
  for (const piece of pieces(c)) {
    if (stop) break;
    const r = p.execute(piece);
    if (typeof r !== 'number') { error = r.code; break; }
  }
  if (error === null && !stop && c.eof === true) {
    const r = p.finish();
    if (r !== undefined) error = r.code;
  }
  p.close();
  return { messages, error };
}
