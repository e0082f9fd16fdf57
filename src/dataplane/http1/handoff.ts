// Which requests the lean engine serves itself, and handing a connection to node:http for the
// rest. The engine serves plain HTTP/1.1 requests to Ingress routes with a plain HTTP/1.1
// upstream and no per-route feature it does not implement yet; anything else goes, with the bytes
// read so far put back (socket.unshift), to the node:http server of the same listener, which then
// owns the connection (README "Lean HTTP/1.1 engine" lists the cases).
import type { Socket } from 'node:net';
import type { CompiledRoute } from '../http/compiled-route.ts';
import type { MessageHead } from './types.ts';

/** Methods the engine forwards; TRACE / CONNECT / others get node:http's answers (request-screen.ts). */
const SIMPLE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Head-level reasons to hand over: upgrades other than a bodiless WebSocket GET (ws-splice.ts),
 * unusual methods or targets, an Expect other than 100-continue.
 */
export function headNeedsNode(head: MessageHead): boolean {
  if ((head.upgrade && !isWebSocket(head)) || !SIMPLE_METHODS.has(head.method)) return true;
  if (head.target.charCodeAt(0) !== 0x2f) return true; // absolute-form, asterisk-form
  return !head.expectContinue && hasExpect(head.headers); // node:http answers 417
}

/**
 * A WebSocket opening handshake (RFC 6455 §4.1: GET, `Upgrade: websocket`, `Connection: upgrade`)
 * without a body; the node path's test is the same (client-error.ts isWebSocketUpgrade). Other
 * upgrades (h2c, unknown protocols) are served as plain HTTP/1.1 by node:http.
 */
export function isWebSocket(head: MessageHead): boolean {
  if (head.method !== 'GET' || !head.upgrade || head.chunked || head.contentLength > 0) return false;
  const raw = head.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === 7 && n.toLowerCase() === 'upgrade' && WEBSOCKET_TOKEN.test(raw[i + 1])) return true;
  }
  return false;
}
const WEBSOCKET_TOKEN = /(^|,)[ \t]*websocket[ \t]*(,|$)/i;

function hasExpect(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === 6 && n.toLowerCase() === 'expect') return true;
  }
  return false;
}

/**
 * Route fields the engine implements. A route carrying any other (access policies, actions,
 * an upstream policy, or a feature added later) goes to node:http: never served without it.
 */
const LEAN_ROUTE_FIELDS: ReadonlySet<string> = new Set(['id', 'origin', 'match', 'backend', 'service', 'sslRedirect', 'balancing']);
/** Verdict per compiled route, computed once (routes are immutable; a reload compiles new ones). */
const verdicts = new WeakMap<CompiledRoute, boolean>();

/**
 * Route-level reasons: access policies, routing actions (rewrites, redirects, canaries), an
 * upstream policy (TLS, HTTP/2, gRPC, timeouts, retries, body limit), any route field the engine
 * does not know, the HTTP→HTTPS redirect.
 */
export function routeNeedsNode(route: CompiledRoute, scheme: 'http' | 'https'): boolean {
  if (route.cluster === null || (scheme === 'http' && route.sslRedirect)) return true;
  let v = verdicts.get(route);
  if (v === undefined) {
    v = routeFieldReason(route) !== null;
    verdicts.set(route, v);
  }
  return v;
}

/** Why node:http serves requests to `route` (null: the lean engine does), in words (`portico explain`). */
export function routeHandOffReason(route: CompiledRoute, scheme: 'http' | 'https'): string | null {
  if (route.cluster === null) return 'no backend to forward to (node:http answers)';
  if (scheme === 'http' && route.sslRedirect) return 'the HTTP to HTTPS redirect';
  return routeFieldReason(route);
}

function routeFieldReason(route: CompiledRoute): string | null {
  if (route.policies !== null) return 'access policies (auth, allow-lists, rate limits, CORS)';
  if (route.actions !== null) return 'routing annotations (rewrites, redirects, canaries, affinity)';
  if (route.upstream !== null) return 'an upstream policy (TLS, HTTP/2, gRPC, timeouts, retries or body limit)';
  const model = route.route as unknown as Record<string, unknown>;
  const k = Object.keys(model).find((n) => model[n] !== undefined && !LEAN_ROUTE_FIELDS.has(n));
  return k === undefined ? null : `route field ${k}`;
}

/** The Host field value when there is exactly one, else null (node:http's screen answers those). */
export function singleHost(raw: readonly string[]): string | null {
  let host: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === 4 && (n.charCodeAt(0) | 0x20) === 0x68 && n.toLowerCase() === 'host') {
      if (host !== null) return null;
      host = raw[i + 1];
    }
  }
  return host;
}

/**
 * Gives the connection to node's server with `raw` (the current message and what followed)
 * unread; `serve` is how that server takes a connection ('connection' on a node:http server, the
 * allowHTTP1 listener of a node:http2 secure server: tls-attach.ts).
 */
export function handToNode(socket: Socket, raw: Buffer, serve: (s: Socket) => void): void {
  socket.pause();
  if (raw.length > 0) socket.unshift(raw);
  serve(socket);
  // node:http reads the put-back bytes as 'data' once the socket flows again (h2c-front.ts does the same).
  process.nextTick(resumeSocket, socket);
}

function resumeSocket(socket: Socket): void {
  socket.resume();
}
