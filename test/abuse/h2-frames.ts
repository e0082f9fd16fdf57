// HTTP/2 frames written by hand (RFC 9113 §4.1) over TLS with ALPN h2, for the abuse suite: no
// client library decides what is sent. HPACK is used in its simplest form, literal fields without
// indexing and without Huffman coding (RFC 7541 §6.2.2), which every decoder must accept.

import tls from 'node:tls';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Header block: literal without indexing, new name, no Huffman, for every field. */
export function headerBlock(fields: Array<[string, string]>): Buffer {
  const parts: number[] = [];
  for (const [name, value] of fields) {
    parts.push(0x00);
    parts.push(...hpackInt(name.length, 7, 0));
    for (const c of Buffer.from(name, 'latin1')) parts.push(c);
    parts.push(...hpackInt(value.length, 7, 0));
    for (const c of Buffer.from(value, 'latin1')) parts.push(c);
  }
  return Buffer.from(parts);
}

export function request(method: string, path: string, authority: string, extra: Array<[string, string]> = []): Buffer {
  return headerBlock([[':method', method], [':scheme', 'https'], [':path', path], [':authority', authority], ...extra]);
}

export function rst(stream: number, code = 8 /* CANCEL */): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, stream, p);
}

export interface ServerFrame { type: number; flags: number; stream: number; payload: Buffer }

/** A raw h2 connection: preface + empty SETTINGS sent at once; received frames parsed. */
export class RawH2 {
  readonly sock: tls.TLSSocket;
  readonly frames: ServerFrame[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(sock: tls.TLSSocket) {
    this.sock = sock;
    sock.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      while (this.buf.length >= 9) {
        const len = this.buf.readUIntBE(0, 3);
        if (this.buf.length < 9 + len) break;
        this.frames.push({ type: this.buf[3], flags: this.buf[4], stream: this.buf.readUInt32BE(5) & 0x7fffffff, payload: this.buf.subarray(9, 9 + len) });
        this.buf = this.buf.subarray(9 + len);
      }
      this.wake();
    });
    const end = (): void => {
      this.closed = true;
      this.wake();
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  static connect(port: number, servername = 'h2.test'): Promise<RawH2> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect({ port, host: '127.0.0.1', servername, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
        if (sock.alpnProtocol !== 'h2') reject(new Error(`ALPN gave ${sock.alpnProtocol}`));
        const c = new RawH2(sock);
        sock.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
        resolve(c);
      });
      sock.once('error', reject);
    });
  }

  write(b: Buffer): void {
    if (!this.closed) this.sock.write(b);
  }

  /** Wait until `pred` holds over the frames received (or the connection closed), at most `ms`. */
  async waitFor(pred: (frames: ServerFrame[]) => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred(this.frames)) {
      if (this.closed || Date.now() > end) return pred(this.frames);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(50, Math.max(1, end - Date.now())));
      });
    }
    return true;
  }

  /** SETTINGS parameters of the server's first non-ACK SETTINGS frame (id → value). */
  serverSettings(): Map<number, number> {
    const m = new Map<number, number>();
    const f = this.frames.find((x) => x.type === FRAME.SETTINGS && (x.flags & FLAG.ACK) === 0);
    if (f) for (let i = 0; i + 6 <= f.payload.length; i += 6) m.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
    return m;
  }

  goaway(): { code: number } | null {
    const f = this.frames.find((x) => x.type === FRAME.GOAWAY);
    return f ? { code: f.payload.readUInt32BE(4) } : null;
  }

  destroy(): void {
    this.sock.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
