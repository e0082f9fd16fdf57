// The plain-HTTP port speaks HTTP/1.1 and HTTP/2 with prior knowledge (RFC 9113 §3.3: a client
// that knows the server speaks h2 sends the connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
// straight away; gRPC clients on `http://` targets do this). The front accepts every TCP
// connection, reads until the first bytes tell the two apart, puts them back (unshift) and hands
// the socket to the HTTP/1.1 server or to an HTTP/2 server, both feeding the same dataplane.
// Upgrade: h2c (RFC 7540 §3.2) is not offered; RFC 9113 deprecated it.

import http2, { type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import net, { type Server, type Socket } from 'node:net';
import type http from 'node:http';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface H2cFrontOptions {
  /** A connection that sends nothing for this long is closed before it is classified. */
  firstByteTimeoutMs: number;
  /** Called for every accepted connection, before it is classified (drain and metrics count it). */
  onSocket: (socket: Socket) => void;
  /** HTTP/1.1 connections go here instead of the node:http server (the lean engine, src/dataplane/http1/). */
  onHttp1?: ((socket: Socket) => void) | null;
}

export class H2cFront {
  readonly server: Server;
  readonly h2: Http2Server;
  private readonly http1: http.Server;
  private readonly opts: H2cFrontOptions;
  private readonly sessions = new Set<Http2Session>();

  constructor(http1: http.Server, onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void, opts: H2cFrontOptions) {
    this.http1 = http1;
    this.opts = opts;
    this.server = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.classify(s));
    this.h2 = http2.createServer();
    this.h2.on('request', onRequest);
    this.h2.on('session', (s: Http2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
    });
  }

  private classify(socket: Socket): void {
    this.opts.onSocket(socket);
    let seen: Buffer = Buffer.alloc(0);
    const onError = (): void => { socket.destroy(); };
    const onTimeout = (): void => { socket.destroy(); };
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const prefaceSoFar = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (prefaceSoFar && seen.length < H2_PREFACE.length) return; // could still be either
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(seen);
      if (prefaceSoFar) {
        this.h2.emit('connection', socket);
      } else if (this.opts.onHttp1 != null) {
        this.opts.onHttp1(socket);
      } else {
        this.http1.emit('connection', socket);
      }
      // The HTTP/1.1 parser reads the put-back bytes as 'data'; Http2Session takes them from the buffer.
      process.nextTick(() => socket.resume());
    };
    socket.on('error', onError);
    socket.setTimeout(this.opts.firstByteTimeoutMs, onTimeout);
    socket.on('data', onData);
    socket.resume();
  }

  /** Drain: GOAWAY to every HTTP/2 session (in-flight streams finish). */
  closeSessions(): void {
    for (const s of this.sessions) s.close();
  }

  destroySessions(): void {
    for (const s of this.sessions) s.destroy();
  }
}
