// Raw-socket tools for the abuse suite: send bytes exactly as written, read what comes back, and
// print both (every check says what it sent and what it got), plus misbehaving backends that answer
// with bytes written by hand. Nothing on the traffic path is mocked.

import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface RawReply {
  /** Everything received, latin1 (byte-exact). */
  text: string;
  /** The peer closed (or reset) the connection before the wait ended. */
  closed: boolean;
  ms: number;
}

export interface RawOptions {
  /** Stop waiting after this long (the connection is then destroyed by us). */
  waitMs?: number;
  /** Stop as soon as the received text satisfies this. */
  until?: (text: string) => boolean;
  /** Pause between the given chunks (ms). */
  gapMs?: number;
  tls?: { servername?: string; alpn?: string[] };
}

/** Connect, write `chunks` (with `gapMs` between them), collect until close, `until` or `waitMs`. */
export function raw(port: number, chunks: string | Array<string | Buffer>, opts: RawOptions = {}): Promise<RawReply> {
  const list = typeof chunks === 'string' ? [chunks] : chunks;
  const start = Date.now();
  return new Promise((resolve) => {
    const sock: Socket = opts.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: opts.tls.servername, ALPNProtocols: opts.tls.alpn })
      : net.connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed, ms: Date.now() - start });
    };
    const timer = setTimeout(() => done(false), opts.waitMs ?? 3000);
    sock.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (opts.until?.(text)) done(false);
    });
    sock.on('error', () => done(true));
    sock.on('close', () => done(true));
    const ready = opts.tls ? 'secureConnect' : 'connect';
    sock.once(ready, () => {
      let i = 0;
      const next = (): void => {
        if (settled || i >= list.length) return;
        sock.write(list[i++]);
        if (i < list.length) setTimeout(next, opts.gapMs ?? 0);
      };
      next();
    });
  });
}

/** Print what was sent and what came back (TAP diagnostics), escaped and cut to a readable size. */
export function show(t: TestContext, sent: string | Array<string | Buffer>, reply: RawReply | string): void {
  const s = typeof sent === 'string' ? sent : sent.map((c) => (typeof c === 'string' ? c : c.toString('latin1'))).join('');
  t.diagnostic(`sent: ${clip(s)}`);
  if (typeof reply === 'string') t.diagnostic(`got:  ${reply}`);
  else t.diagnostic(`got:  ${clip(reply.text)}${reply.closed ? ' [closed by peer]' : ' [still open]'} after ${reply.ms} ms`);
}

function clip(s: string): string {
  const j = JSON.stringify(s);
  return j.length > 400 ? `${j.slice(0, 400)}… (${s.length} bytes)` : j;
}

/** Status code of the first response in `text`, or 0. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Number of HTTP/1 status lines in `text` (responses received). */
export function responsesIn(text: string): number {
  return (text.match(/HTTP\/1\.[01] \d{3} /g) ?? []).length;
}

export interface RawBackend {
  readonly port: number;
  /** Requests (header blocks) received so far. */
  readonly requests: string[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Currently open connections. */
  readonly open: number;
  /** Most connections open at once so far. */
  readonly maxOpen: number;
  close(): Promise<void>;
}

/**
 * A backend that reads one request head per exchange and lets `answer` write raw bytes (or hold the
 * socket). Keeps the connection for the next request unless `answer` ends it.
 */
export async function rawBackend(answer: (sock: Socket, head: string, n: number) => void): Promise<RawBackend> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let maxOpen = 0;
  const server = net.createServer((sock) => {
    connections++;
    sockets.add(sock);
    maxOpen = Math.max(maxOpen, sockets.size);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    sock.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) !== -1) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (cl) buf = buf.slice(Number(cl[1])); // body already read or not: good enough for heads-only tests
        requests.push(head);
        answer(sock, head, requests.length);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get connections() { return connections; },
    get open() { return sockets.size; },
    get maxOpen() { return maxOpen; },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
