// An UpstreamProfile is one way of connecting to pods: wire protocol (HTTP/1.1, h2c, h2 over TLS),
// TLS settings and connect timeout. Routes with equal settings share one profile (cached by a key
// built from the plain-data policy), and each endpoint keeps one undici Pool per profile in its
// reference-counted EndpointState, so kept-alive (and TLS-resumed) connections survive snapshot
// swaps exactly like the default plain-HTTP pools (ARCHITECTURE.md hot-path rule 6).
//
// TLS towards pods (ingress-nginx proxyssl semantics, internal/ingress/annotations/proxyssl/main.go):
// - default: no verification and no SNI (proxy_ssl_verify off, proxy_ssl_server_name off);
// - verify on: the chain must verify against ca.crt of proxy-ssl-secret, or the default trust store
//   when no Secret is given (ingress-nginx silently verifies nothing then; Portico does not — README
//   "Upstream protocols"); the name checked is proxy-ssl-name, else the Service's DNS name
//   `service.namespace.svc` (nginx's default $proxy_host is an internal upstream name); the chain
//   may hold at most verify-depth certificates above the leaf (OpenSSL verify_depth);
// - a failure is a PorticoError PORTICO_ERR_UPSTREAM_TLS (502) naming the reason.

import { createHash } from 'node:crypto';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import { Agent, Client, Pool, type Dispatcher } from 'undici';
import type { Endpoint } from '../../model/endpoint.ts';
import type { UpstreamTls } from '../../model/upstream.ts';
import { PorticoError } from '../../util/errors.ts';
import type { EndpointState } from './endpoint-state.ts';
import { dropUnsolicitedContinue } from './interim-filter.ts';

/** Upstream response headers accepted (ingress-nginx users raise proxy-buffer-size for big cookies). */
export const MAX_RESPONSE_HEADER_BYTES = 128 * 1024;

export type Wire = 'http1' | 'h2c' | 'h2';

export interface ProfileSpec {
  readonly wire: Wire;
  /** null: plain TCP. */
  readonly tls: UpstreamTls | null;
  /** Name verified when tls.verify and no proxy-ssl-name (`service.namespace.svc`). */
  readonly defaultName: string;
  readonly connectTimeoutMs: number;
}

type ConnectFn = (opts: { hostname: string; port: string; protocol: string }, cb: (err: Error | null, socket: Socket | TLSSocket | null) => void) => void;

const SESSION_CACHE_MAX = 256;

export class UpstreamProfile {
  readonly key: string;
  readonly spec: ProfileSpec;
  private readonly poolOpts: Pool.Options;
  /** For an endpoint without state (its cluster left the snapshot while a request was on it). */
  private fallbackAgent: Agent | null = null;
  /** No route of the current snapshot uses this profile (UpstreamProfiles.prune). */
  retired = false;

  /** `upstreamTimeoutMs`: the pool's header/body idle timeouts (per-request values override them). */
  constructor(key: string, spec: ProfileSpec, upstreamTimeoutMs: number, maxConnections: number) {
    this.key = key;
    this.spec = spec;
    this.poolOpts = {
      // Bounded like the default pools (--upstream-max-connections; HTTP/2 multiplexes within them).
      connections: maxConnections > 0 ? maxConnections : null,
      // HTTP/1.1: no head-of-line blocking between clients; HTTP/2: undici multiplexes streams.
      ...(spec.wire === 'http1' ? { pipelining: 1 } : {}),
      allowH2: spec.wire !== 'http1',
      keepAliveTimeout: 4000,
      headersTimeout: upstreamTimeoutMs,
      bodyTimeout: upstreamTimeoutMs,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
      connect: connector(spec) as never,
    };
  }

  /** The endpoint's pool for this profile, created on first use and kept with the endpoint's state. */
  dispatcher(state: EndpointState | null, ep: Endpoint): { d: Dispatcher; origin: string | undefined } {
    const origin = originOf(ep, this.spec.tls !== null);
    // A retired profile stores no new pool in an endpoint's state: a request of an older snapshot
    // still running after the swap gets the profile's own agent, whose idle connections close by
    // keep-alive timeout, and nothing outlives the profile.
    if (state === null || this.retired) {
      this.fallbackAgent ??= new Agent(this.poolOpts);
      return { d: this.fallbackAgent, origin };
    }
    const pools = (state.profilePools ??= new Map<string, Dispatcher>());
    let p = pools.get(this.key);
    if (p === undefined) pools.set(this.key, (p = new Pool(origin, this.poolOpts)));
    return { d: p, origin: undefined };
  }

  /**
   * A client of one new connection to `ep` with this profile's settings, for the one request the
   * forwarder must not send on a kept-alive connection (the reuse race's retry); the caller closes
   * it once that request is dispatched.
   */
  oneConnection(ep: Endpoint): Client {
    const { connections: _pooled, ...opts } = this.poolOpts;
    return new Client(originOf(ep, this.spec.tls !== null), opts);
  }

  close(): void {
    this.fallbackAgent?.destroy().catch(() => undefined);
    this.fallbackAgent = null;
  }

  /**
   * No route uses the profile any more: each endpoint's pool for it leaves the endpoint state and
   * closes gracefully (undici `close()`: requests already dispatched finish, then the connections
   * close; nothing in flight is cut).
   */
  retire(states: Iterable<EndpointState>): void {
    this.retired = true;
    for (const s of states) {
      const pools = s.profilePools;
      const p = pools?.get(this.key);
      if (pools == null || p === undefined) continue;
      pools.delete(this.key);
      if (pools.size === 0) s.profilePools = null;
      p.close().catch(() => undefined);
    }
    const a = this.fallbackAgent;
    this.fallbackAgent = null;
    a?.close().catch(() => undefined);
  }
}

/** What `prune` reads of a compiled route: the profiles its requests dispatch to. */
interface ProfileUser {
  readonly upstream: { readonly plainProfile: UpstreamProfile | null; readonly secureProfile: UpstreamProfile | null } | null;
}

/** Profiles by key: one per distinct (wire, TLS settings, timeouts), shared by routes and snapshots. */
export class UpstreamProfiles {
  private readonly byKey = new Map<string, UpstreamProfile>();
  private readonly upstreamTimeoutMs: number;
  private readonly maxConnections: number;

  constructor(upstreamTimeoutMs: number, maxConnections = 0) {
    this.upstreamTimeoutMs = upstreamTimeoutMs;
    this.maxConnections = maxConnections;
  }

  get(spec: ProfileSpec): UpstreamProfile {
    const key = profileKey(spec);
    let p = this.byKey.get(key);
    if (p === undefined) this.byKey.set(key, (p = new UpstreamProfile(key, spec, this.upstreamTimeoutMs, this.maxConnections)));
    return p;
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * After an apply: retire the profiles no route of the new tables uses (their pools close once
   * idle), so profiles of settings that were edited away do not pile up over many applies. Free
   * when no profile exists (routes without an upstream policy never create one).
   */
  prune(routes: Iterable<ProfileUser>, states: () => Iterable<EndpointState>): number {
    if (this.byKey.size === 0) return 0;
    const used = new Set<UpstreamProfile>();
    for (const r of routes) {
      const u = r.upstream;
      if (u === null) continue;
      if (u.plainProfile !== null) used.add(u.plainProfile);
      if (u.secureProfile !== null) used.add(u.secureProfile);
    }
    let n = 0;
    for (const [key, p] of this.byKey) {
      if (used.has(p)) continue;
      this.byKey.delete(key);
      p.retire(states());
      n++;
    }
    return n;
  }

  close(): void {
    for (const p of this.byKey.values()) p.close();
    this.byKey.clear();
  }
}

/** Stable across snapshots for equal settings; key material enters only as a digest. */
export function profileKey(s: ProfileSpec): string {
  const t = s.tls;
  const tlsPart = t === null ? 'plain' : createHash('sha256').update(JSON.stringify([
    t.verify, t.caPem, t.certPem, t.keyPem, t.name, t.serverName, t.verifyDepth, t.protocols, t.verify ? s.defaultName : '', t.ciphers,
  ])).digest('base64url').slice(0, 22);
  return `${s.wire}|${tlsPart}|${s.connectTimeoutMs}`;
}

function originOf(ep: Endpoint, secure: boolean): string {
  const host = ep.hostname ?? ep.address;
  const h = host.includes(':') ? `[${host}]` : host;
  return `${secure ? 'https' : 'http'}://${h}:${ep.port}`;
}

/** undici custom connector: full control over SNI, verification and h2c prior knowledge. */
function connector(spec: ProfileSpec): ConnectFn {
  const t = spec.tls;
  const alpn = spec.wire === 'http1' ? ['http/1.1'] : ['h2'];
  let ctx: tls.SecureContext | null = null;
  const sessions = new Map<string, Buffer>();
  if (t !== null) {
    ctx = tls.createSecureContext({
      ...(t.caPem !== null ? { ca: t.caPem } : {}),
      ...(t.certPem !== null && t.keyPem !== null ? { cert: t.certPem, key: t.keyPem } : {}),
      // proxy-ssl-ciphers (nginx proxy_ssl_ciphers: OpenSSL's TLS ≤ 1.2 cipher list; Node also
      // takes TLS 1.3 suite names TLS_* from the same list). Validated when the annotation was read.
      ...(t.ciphers !== null ? { ciphers: t.ciphers } : {}),
      minVersion: t.protocols[0],
      maxVersion: t.protocols[t.protocols.length - 1],
    });
  }
  return (opts, cb) => {
    const host = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
    const port = Number(opts.port);
    let done = false;
    const finish = (err: Error | null, s: Socket | TLSSocket | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // HTTP/1.1: unsolicited 100 Continue is skipped as on the default pools (interim-filter.ts).
      cb(err, s !== null && spec.wire === 'http1' ? dropUnsolicitedContinue(s) : s);
    };
    let socket: Socket | TLSSocket;
    const sessionKey = `${host}:${port}`;
    if (t === null) {
      socket = netConnect({ host, port, noDelay: true });
      socket.once('connect', () => {
        // RFC 9113 §3.3: HTTP/2 with prior knowledge; undici picks its h2 client from this field.
        if (spec.wire === 'h2c') (socket as unknown as { alpnProtocol: string }).alpnProtocol = 'h2';
        finish(null, socket);
      });
    } else {
      const name = t.name ?? (isIP(host) === 0 ? host : spec.defaultName);
      const servername = t.serverName && isIP(name) === 0 ? name : undefined;
      const s = tls.connect({
        host, port, secureContext: ctx as tls.SecureContext, servername, ALPNProtocols: alpn,
        session: sessions.get(sessionKey),
        // Checked below, so the error can say why and the connection never carries a request;
        // Node's own name check would test the pod IP, not proxy-ssl-name.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      socket = s;
      s.setNoDelay(true);
      s.on('session', (session: Buffer) => {
        if (sessions.size >= SESSION_CACHE_MAX && !sessions.has(sessionKey)) sessions.delete(sessions.keys().next().value as string);
        sessions.set(sessionKey, session);
      });
      s.once('secureConnect', () => {
        const problem = t.verify ? verifyPeer(s, t.name ?? spec.defaultName, t.verifyDepth) : null;
        if (problem !== null) {
          sessions.delete(sessionKey);
          s.destroy();
          finish(new PorticoError('PORTICO_ERR_UPSTREAM_TLS', `TLS to ${sessionKey} failed verification: ${problem}`, { retryable: true }), null);
          return;
        }
        if (spec.wire === 'h2' && s.alpnProtocol !== 'h2') {
          s.destroy();
          finish(new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `upstream ${sessionKey} did not negotiate HTTP/2 (ALPN ${JSON.stringify(s.alpnProtocol || 'none')})`, { retryable: true }), null);
          return;
        }
        finish(null, s);
      });
    }
    socket.once('error', (err: Error) => {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // Handshake failures (protocol version, alert from the pod) are TLS errors, not connect errors.
      if (t !== null && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /alert|handshake/i.test(err.message))) {
        finish(new PorticoError('PORTICO_ERR_UPSTREAM_TLS', `TLS to ${sessionKey} failed: ${err.message}`, { retryable: true, cause: err }), null);
        return;
      }
      finish(err, null);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      const e = new Error(`connect to ${sessionKey} timed out after ${spec.connectTimeoutMs} ms`) as NodeJS.ErrnoException;
      e.code = 'UND_ERR_CONNECT_TIMEOUT';
      finish(e, null);
    }, spec.connectTimeoutMs);
  };
}

/** Chain verified against the context's trust anchors, name, depth; null when fine. */
function verifyPeer(s: TLSSocket, name: string, depth: number): string | null {
  if (!s.authorized) return String(s.authorizationError ?? 'certificate not trusted');
  const leaf = s.getPeerCertificate(true);
  const idErr = tls.checkServerIdentity(name, leaf);
  if (idErr !== undefined) return `${(idErr as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}: ${idErr.message}`;
  let n = 0;
  let c: PeerCertificate & { issuerCertificate?: PeerCertificate } = leaf;
  while (c.issuerCertificate !== undefined && c.issuerCertificate !== c && n < 32) {
    c = c.issuerCertificate;
    n++;
  }
  return n > depth ? `certificate chain has ${n} certificates above the leaf, more than proxy-ssl-verify-depth ${depth}` : null;
}
