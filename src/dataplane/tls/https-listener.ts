// The HTTPS listener (README "TLS"): TLS terminated with the certificate the SNI table
// picks, HTTP/2 or HTTP/1.1 by ALPN, then the same HttpDataplane as the plain listener with
// scheme 'https'. A new SniTable is one reference swap: handshakes that started keep the context
// they were given, established connections are never touched.

import http2 from 'node:http2';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, Http2Session, ServerHttp2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TlsFront } from './tls-front.ts';
import type { PassthroughHost } from '../../model/passthrough.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import type { Duplex } from 'node:stream';
import type { TLSSocket, SecureContext, SecureContextOptions } from 'node:tls';
import { DEFAULT_TLS_POLICY, tlsContextOptions } from './tls-policy.ts';
import { MutualTable } from './mutual-table.ts';
import { kClientCert, type ClientCertTag } from './peer-certificate.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { SniTable } from './sni-table.ts';
import { tlsMetrics, handshakeErrorReason, type TlsMetrics } from './tls-metrics.ts';
import { guardSession, http2ServerOptions, type Http2Limits } from './http2-limits.ts';
import { requestHandlerFault, upgradeHandlerFault } from '../http/handler-fault.ts';
import { isWebSocketUpgrade, onClientError, refuseConnect, responseClosed, responseOpened } from '../http/client-error.ts';
import type { LeanView } from '../http1/lean-view.ts';
import type { LeanEngine } from '../http1/engine.ts';
import { attachLeanTls, type LeanTlsOptions } from '../http1/tls-attach.ts';

/** What the listener needs of HttpDataplane (src/dataplane/http/dataplane.ts). */
export interface HttpsRequestHandler {
  /** `port`: the configured port of the listener the request arrived on (Gateway listeners are per port). */
  handleRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, scheme: 'http' | 'https', port?: number): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https', port?: number): void;
  /** What the lean HTTP/1.1 engine routes with (src/dataplane/http1/lean-view.ts). */
  leanView?(): LeanView;
}

export interface HttpsListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** The table served until `setSniTable` replaces it. */
  sni: SniTable;
  /** Must match the SniTableBuilder's (0, or SSL_OP_NO_TICKET when resumption is off). */
  secureOptions?: number;
  /** Versions, ciphers, curves: the SniTableBuilder's policyOptions (tls-policy.ts). OpenSSL keeps
   * the version bounds and cipher list of the context a handshake started on, so the server's own
   * context must carry the same policy as the per-certificate ones. */
  tlsPolicy?: SecureContextOptions;
  /** Abort handshakes that take longer (default 10 s; Node's own default is 120 s). */
  handshakeTimeoutMs?: number;
  /** secureOptions of the client-certificate server (MutualTableBuilder.ticketlessOptions). */
  mutualSecureOptions?: number;
  /** Per-connection HTTP/2 bounds (http2-limits.ts); DEFAULT_HTTP2_LIMITS when absent. */
  http2?: Http2Limits;
  /** --http1-engine lean: HTTP/1.1 over TLS on the lean engine (src/dataplane/http1/tls-attach.ts). */
  lean?: LeanTlsOptions;
}

export const DEFAULT_HTTP2_LIMITS: Http2Limits = { maxConcurrentStreams: 128, maxHeaderListSize: 32 * 1024, idleTimeoutMs: 60_000, maxResets: 200 };

const LISTENER = 'https';

export class HttpsListener {
  private readonly dataplane: HttpsRequestHandler;
  private readonly opts: HttpsListenerOptions;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly tlsm: TlsMetrics;
  private readonly server: Http2SecureServer;
  /** TLS with client certificates, for the SNI names of mutualTable (mutual-table.ts). */
  private readonly mutual: Http2SecureServer;
  private mutualTable: MutualTable = MutualTable.EMPTY;
  private table: SniTable;
  private defaultHash: string;
  private readonly sockets = new Set<Socket>();
  private readonly tlsSockets = new Set<TLSSocket>();
  private readonly sessions = new Set<Http2Session>();
  /** HTTP/1.1 requests in flight per TLS socket; upgraded sockets count as busy forever. */
  private readonly busy = new Map<Duplex, number>();
  private draining = false;
  /** Accepts the port's connections: TLS here, or passthrough by SNI (tls-front.ts). */
  private readonly front: TlsFront;
  private socketsGone: (() => void) | null = null;
  private readonly lean: LeanEngine | null;

  constructor(dataplane: HttpsRequestHandler, opts: HttpsListenerOptions) {
    this.dataplane = dataplane;
    this.opts = opts;
    this.log = opts.logger;
    this.metrics = opts.metrics;
    this.tlsm = tlsMetrics(opts.metrics);
    this.table = opts.sni;
    this.defaultHash = opts.sni.fallback.hash;
    const secureOptions = opts.secureOptions ?? 0;
    const h2limits = opts.http2 ?? DEFAULT_HTTP2_LIMITS;
    const policy = opts.tlsPolicy ?? tlsContextOptions(DEFAULT_TLS_POLICY);
    const serverOptions = {
      ...http2ServerOptions(h2limits),
      ...policy,
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      // The server's own context answers clients that send no SNI (SPEC §7 "No SNI ⇒ default").
      cert: opts.sni.fallback.pem.certPem,
      key: opts.sni.fallback.pem.keyPem,
      secureOptions,
      handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
    };
    this.server = http2.createSecureServer({
      ...serverOptions,
      // Hot path: one Map get on the current table (README "TLS").
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => cb(null, this.table.lookup(servername)),
    });
    // Before any other 'secureConnection' listener: it takes over the server's own (tls-attach.ts).
    // The client-certificate server below stays on node:http: its hosts' routes carry access
    // policies, which the lean engine hands over anyway (http1/handoff.ts).
    this.lean = opts.lean === undefined ? null : attachLeanTls(this.server, opts.lean);
    // The server for SNI names with client-certificate auth (mutual-table.ts): it asks for a
    // certificate and lets the handshake complete whatever the outcome, so that the HTTP layer
    // answers 400 with a readable body as nginx does (rejectUnauthorized false;
    // src/dataplane/http/policies/client-cert.ts decides per request).
    const mutualTable = (): MutualTable => this.mutualTable;
    const sniTable = (): SniTable => this.table;
    this.mutual = http2.createSecureServer({
      ...serverOptions,
      secureOptions: opts.mutualSecureOptions ?? secureOptions,
      requestCert: true,
      rejectUnauthorized: false,
      // Node calls the SNI callback as a method of the TLSSocket being negotiated: the socket is
      // tagged with the policy key whose CA verified it (peer-certificate.ts). A name that is no
      // longer a mutual host gets its ordinary context and no tag, so no route trusts the socket.
      SNICallback: function (this: TLSSocket, servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) {
        const e = mutualTable().lookup(servername);
        if (e === null) return cb(null, sniTable().lookup(servername));
        const ctx = e.materialise();
        // OpenSSL refused the CA or CRL: no handshake rather than one that verifies nothing.
        if (ctx === null) return cb(new Error('client certificate CA unavailable'));
        (this as unknown as { [kClientCert]?: ClientCertTag })[kClientCert] = { key: e.key };
        cb(null, ctx);
      },
    });
    for (const server of [this.server, this.mutual]) this.wire(server, h2limits);
    this.recordExpiry(opts.sni);
    this.front = new TlsFront({
      logger: opts.logger, metrics: opts.metrics, helloTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      terminate: (s) => this.server.emit('connection', s),
      terminateMutual: (s) => this.mutual.emit('connection', s),
      onRejected: (reason) => this.tlsm.handshakeErrors.inc({ reason }),
    });
  }

  /** Hosts asking for client certificates (README "Client certificates"), from the next handshake on. */
  setMutualTable(table: MutualTable): void {
    this.mutualTable = table;
    this.front.setMutual(table.size === 0 ? null : (name) => table.lookup(name) !== null);
  }

  /** TLS passthrough hosts of the Snapshot (README "TLS passthrough"). */
  setPassthrough(hosts: readonly PassthroughHost[], clusters: readonly Cluster[], endpoints: EndpointSet): void {
    this.front.apply(hosts, clusters, endpoints);
  }

  updatePassthroughEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.front.updateEndpoints(clusterId, endpoints);
  }

  get sniTable(): SniTable {
    return this.table;
  }

  /** Serve a new table from the next handshake on (README "TLS"). */
  setSniTable(table: SniTable): void {
    this.table = table;
    if (table.fallback.hash !== this.defaultHash) {
      // Only clients without SNI use the server's own context; swap it when the default moved.
      this.server.setSecureContext({ ...(this.opts.tlsPolicy ?? tlsContextOptions(DEFAULT_TLS_POLICY)),
        cert: table.fallback.pem.certPem, key: table.fallback.pem.keyPem, secureOptions: this.opts.secureOptions ?? 0 });
      this.defaultHash = table.fallback.hash;
    }
    this.recordExpiry(table);
  }

  async listen(): Promise<number> {
    const port = await this.front.listen(this.opts.host, this.opts.port);
    this.log.info({ host: this.opts.host, port }, 'https listener started');
    return port;
  }

  /** Stop accepting, let in-flight requests finish (h2: GOAWAY), destroy what is left at the deadline. */
  async close(drainTimeoutMs: number): Promise<void> {
    this.draining = true;
    // The server itself never listens (the front does): closed = every terminated socket gone.
    this.server.close();
    this.mutual.close();
    const gone = new Promise<void>((resolve) => { if (this.sockets.size === 0) resolve(); else this.socketsGone = resolve; });
    const closed = Promise.all([gone, this.front.close(drainTimeoutMs)]).then(() => undefined);
    for (const s of this.sessions) s.close();
    // Idle HTTP/1.1 keep-alive sockets have nothing to finish; busy ones close after their response.
    // The lean engine's own connections close when idle, busy ones after their response.
    for (const s of this.tlsSockets) if (s.alpnProtocol !== 'h2' && !this.busy.has(s) && this.lean?.owns(s) !== true) s.destroy();
    this.lean?.drain();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainTimeoutMs);
      timer.unref();
    });
    await Promise.race([closed, deadline]);
    clearTimeout(timer);
    for (const s of this.sessions) s.destroy();
    for (const s of this.tlsSockets) s.destroy();
    for (const s of this.sockets) s.destroy();
    await closed;
    this.lean?.close();
  }

  /** The same handlers on both TLS servers (the mutual one only adds client certificates). */
  private wire(server: Http2SecureServer, h2limits: Http2Limits): void {
    // HTTP/1.1 over TLS follows the plain listener's rules (client-error.ts): only WebSocket
    // handshakes leave the HTTP path, malformed requests never land inside a response, CONNECT 405.
    (server as unknown as { shouldUpgradeCallback: (req: IncomingMessage) => boolean }).shouldUpgradeCallback = isWebSocketUpgrade;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(err, socket, this.log));
    // HTTP/1 CONNECT hands over the socket; HTTP/2 CONNECT (request, response) is screened → 405.
    server.on('connect', (req: IncomingMessage | Http2ServerRequest, second: Duplex | Http2ServerResponse) => {
      if ((req as Http2ServerRequest).stream === undefined) refuseConnect(second as Duplex);
      else this.onRequest(req, second as Http2ServerResponse);
    });
    server.on('request', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('connection', (s: Socket) => this.onConnection(s));
    server.on('secureConnection', (s: TLSSocket) => this.onSecureConnection(s));
    server.on('session', (s: Http2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
      guardSession(s as ServerHttp2Session, h2limits);
      if (this.draining) s.close();
    });
    server.on('tlsClientError', (err: Error, sock: TLSSocket) => {
      const reason = handshakeErrorReason(err);
      this.tlsm.handshakeErrors.inc({ reason });
      this.log.debug({ reason, remote: sock?.remoteAddress }, 'tls handshake failed');
    });
    server.on('sessionError', (err: Error) => this.log.debug({ err: err.message }, 'http2 session error'));
    server.on('error', (err: Error) => this.log.error({ err: err.message }, 'https listener error'));
  }

  private onConnection(s: Socket): void {
    this.sockets.add(s);
    this.metrics.activeConnections.inc({ listener: LISTENER });
    s.once('close', () => {
      this.sockets.delete(s);
      this.metrics.activeConnections.dec({ listener: LISTENER });
      if (this.sockets.size === 0) this.socketsGone?.();
    });
  }

  private onSecureConnection(s: TLSSocket): void {
    this.tlsSockets.add(s);
    s.once('close', () => {
      this.tlsSockets.delete(s);
      this.busy.delete(s);
    });
  }

  private onRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    if ((req as Http2ServerRequest).stream === undefined) {
      // HTTP/1.1 over TLS: count in-flight per socket so that close() can drain idle keep-alive
      // sockets at once and busy ones after their response.
      const sock = (req as IncomingMessage).socket;
      this.busy.set(sock, (this.busy.get(sock) ?? 0) + 1);
      responseOpened(req as IncomingMessage, res as ServerResponse);
      if (this.draining) (res as ServerResponse).setHeader('connection', 'close');
      res.once('close', () => {
        responseClosed(res as ServerResponse);
        const n = (this.busy.get(sock) ?? 1) - 1;
        if (n > 0) {
          this.busy.set(sock, n);
          return;
        }
        this.busy.delete(sock);
        if (this.draining) sock.destroy();
      });
    }
    try {
      this.dataplane.handleRequest(req, res, 'https', this.opts.port);
    } catch (err) {
      requestHandlerFault(err, req, res, this.log, this.metrics);
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.busy.set(socket, Number.POSITIVE_INFINITY);
    try {
      this.dataplane.handleUpgrade(req, socket, head, 'https', this.opts.port);
    } catch (err) {
      upgradeHandlerFault(err, req, socket, this.log, this.metrics);
    }
  }

  private recordExpiry(table: SniTable): void {
    const g = this.tlsm.certificateExpiry;
    g.reset();
    const set = (secret: string | null, host: string, notAfter: string): void => {
      const t = Date.parse(notAfter);
      if (!Number.isNaN(t)) g.set({ secret: secret ?? '', host }, Math.floor(t / 1000));
    };
    for (const [host, e] of table.exact) set(e.certificateId, host, e.notAfter);
    for (const [host, e] of table.wildcard) set(e.certificateId, host, e.notAfter);
    set(table.fallback.certificateId, '', table.fallback.notAfter);
  }
}
