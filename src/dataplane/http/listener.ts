// Plain-HTTP listener (README "Routing rules"). TLS lives in src/dataplane/tls and mounts the same
// HttpDataplane on its own server.
// - Malformed client HTTP ('clientError') gets a 400 once no response is being written on that
//   connection, never a crash (client-error.ts); only WebSocket handshakes leave the HTTP path.
// - close(drainTimeoutMs): stop accepting, close idle keep-alive connections, let in-flight
//   requests finish with 'Connection: close', destroy what remains at the deadline.

import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenOn } from '../listen.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { HttpDataplane } from './dataplane.ts';
import { isWebSocketUpgrade, onClientError, refuseConnect, responseClosed, responseOpened } from './client-error.ts';
import { http1ServerOptions, type Http1Limits } from './http1-limits.ts';
import { H2cFront } from './h2c-front.ts';
import { requestHandlerFault, upgradeHandlerFault } from './handler-fault.ts';
import { LeanEngine, leanLimits } from '../http1/engine.ts';
import { handToNode } from '../http1/handoff.ts';

export interface HttpListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** Slow-client bounds (http1-limits.ts); Node's defaults where absent. */
  limits?: Http1Limits;
  /** --http1-engine: 'lean' serves HTTP/1.1 with src/dataplane/http1 (default node:http). */
  engine?: 'node' | 'lean';
}

export class HttpListener {
  private readonly dataplane: HttpDataplane;
  private readonly opts: HttpListenerOptions;
  private readonly server: http.Server;
  /** Accepts the connections: HTTP/1.1 goes to `server`, HTTP/2 prior knowledge to its h2 server. */
  private readonly front: H2cFront;
  private readonly sockets = new Set<Socket | Duplex>();
  private readonly inflight = new Set<http.ServerResponse>();
  private draining = false;
  /** The lean HTTP/1.1 engine, when selected; it hands what it does not serve to `server`. */
  private readonly lean: LeanEngine | null;

  constructor(dataplane: HttpDataplane, opts: HttpListenerOptions) {
    this.dataplane = dataplane;
    this.opts = opts;
    // noDelay on the client side too (Nagle's delay otherwise shows in the p99 tail, docs/benchmarks/http.md); keepAliveTimeout above the
    // common 60 s load-balancer idle timeout would hold sockets for nothing, Node's 5 s is kept.
    // highWaterMark 128 KiB (docs/benchmarks/http.md): a 64 KiB upstream chunk written to the client no longer
    // reports backpressure on every write (16 KiB default), which paused and resumed the upstream
    // read once per chunk; a slow client still stops the upstream after 128 KiB per connection.
    this.server = http.createServer({ noDelay: true, highWaterMark: 128 * 1024, shouldUpgradeCallback: isWebSocketUpgrade,
      ...http1ServerOptions(opts.limits) });
    if (opts.limits !== undefined) this.server.keepAliveTimeout = opts.limits.keepaliveTimeoutMs;
    // node:http drops header fields past maxHeadersCount silently; the dataplane counts them instead (431).
    this.server.maxHeadersCount = 0;
    this.lean = opts.engine !== 'lean' ? null : new LeanEngine({
      view: dataplane.leanView(), handOff: (s, raw) => handToNode(s, raw, (x) => this.server.emit('connection', x)), scheme: 'http',
      ...leanLimits(opts.limits),
    });
    const lean = this.lean;
    const gauge = opts.metrics.activeConnections.labels('http');
    const track = (socket: Socket): void => {
      gauge.inc();
      this.sockets.add(socket);
      socket.once('close', () => {
        gauge.dec();
        this.sockets.delete(socket);
      });
    };
    this.front = new H2cFront(this.server, (req, res) => {
      try {
        this.dataplane.handleRequest(req, res, 'http', opts.port);
      } catch (err) {
        requestHandlerFault(err, req, res, opts.logger, opts.metrics);
      }
    }, {
      firstByteTimeoutMs: opts.limits?.headerTimeoutMs ?? 60_000,
      // At accept, as the HTTP/1.1 server's 'connection' did: a drain never misses a connection
      // whose first bytes are still on their way.
      onSocket: track,
      onHttp1: lean === null ? null : (socket) => lean.accept(socket),
    });
    // One shared 'close' listener per listener, not a closure per request (docs/benchmarks/http.md).
    const inflight = this.inflight;
    const onResponseClose = function onResponseClose(this: http.ServerResponse): void {
      inflight.delete(this);
      responseClosed(this);
    };
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      inflight.add(res);
      responseOpened(req, res);
      res.on('close', onResponseClose);
      if (this.draining) res.setHeader('connection', 'close');
      try {
        this.dataplane.handleRequest(req, res, 'http', opts.port);
      } catch (err) {
        requestHandlerFault(err, req, res, opts.logger, opts.metrics);
      }
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.dataplane.handleUpgrade(req, socket, head, 'http', opts.port);
      } catch (err) {
        upgradeHandlerFault(err, req, socket, opts.logger, opts.metrics);
      }
    });
    // Malformed request → 400 (or 431/408/505), never into the middle of a response (client-error.ts).
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(err, socket, opts.logger));
    this.server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => refuseConnect(socket));
  }

  listen(): Promise<number> {
    // The HTTP/1.1 server never listens itself: 'listening' starts its slow-client checks.
    return listenOn(this.front.server, { port: this.opts.port, host: this.opts.host }).then((port) => {
      this.server.emit('listening');
      return port;
    });
  }

  close(drainTimeoutMs: number): Promise<void> {
    this.draining = true;
    return new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        this.lean?.close();
        resolve();
      };
      const deadline = setTimeout(() => {
        this.lean?.close();
        this.server.closeAllConnections();
        this.front.destroySessions();
        for (const s of this.sockets) s.destroy();
        finish();
      }, drainTimeoutMs);
      // The front counts every accepted connection, HTTP/1.1 and HTTP/2 alike.
      this.front.server.close(() => finish());
      this.server.close();
      this.front.closeSessions();
      this.server.closeIdleConnections();
      this.lean?.drain();
      for (const res of this.inflight) {
        if (!res.headersSent) res.setHeader('connection', 'close');
        else res.shouldKeepAlive = false;
      }
      if (this.sockets.size === 0) finish();
    });
  }
}
