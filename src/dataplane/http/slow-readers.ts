// Slow readers under contention (README "Limits and hostile traffic"; docs/hardening.md). A client
// that stops reading pauses its upstream exchange (backpressure), and the exchange keeps its
// upstream connection until --client-send-timeout. With the connections per endpoint bounded
// (--upstream-max-connections), enough such clients (`slowhttptest -X -c 1000`) hold every
// connection and every other request to that endpoint waits behind them for up to the send
// timeout: measured, availability probes took 13 s with a 5 s send timeout, and would take minutes
// with the 60 s default. nginx does not meet this case because it buffers the response
// (proxy_buffering, to disk) and releases the upstream; Portico does not buffer responses, so it
// chooses differently: while an endpoint's connections are all in use and a request is waiting, a
// response its client has not drained for CONTENDED_SEND_TIMEOUT_MS gives its connection up (the
// client connection is closed, as the send timeout would close it later). A client that reads,
// however slowly, drains its socket buffer and is never cut by this; with no contention nothing
// changes, and --client-send-timeout=0 turns this off with the send timeout.
import type { EndpointState } from '../upstream/endpoint-state.ts';

/** How long a response may sit unread while its connection is wanted by a waiting request. */
export const CONTENDED_SEND_TIMEOUT_MS = 1000;

/** The client side of an exchange: destroying it closes the client connection (HTTP/2: stream)
 *  and its 'close' aborts the upstream exchange, which releases the connection. */
interface Stalled {
  destroy(): void;
}

/** Per endpoint: the responses paused unread, oldest pause first (Map order). */
const stalled = new WeakMap<EndpointState, Map<Stalled, number>>();

/**
 * The response `res` of an exchange on `state` stopped draining: the send timeout to arm, which
 * is CONTENDED_SEND_TIMEOUT_MS (or less) while the endpoint's connections are all wanted.
 */
export function pausedSendTimeout(state: EndpointState | null, res: Stalled, sendTimeoutMs: number, maxConnections: number): number {
  if (state === null || sendTimeoutMs <= 0) return sendTimeoutMs;
  let m = stalled.get(state);
  if (m === undefined) stalled.set(state, m = new Map<Stalled, number>());
  m.delete(res);
  m.set(res, Date.now());
  return maxConnections > 0 && state.inflight > maxConnections ? Math.min(sendTimeoutMs, CONTENDED_SEND_TIMEOUT_MS) : sendTimeoutMs;
}

/** The response drained again, or the exchange is over. Returns `state`. */
export function noteResumed(state: EndpointState, res: Stalled): EndpointState {
  stalled.get(state)?.delete(res);
  return state;
}

/**
 * A request was just counted in flight on `state`: if requests have to wait for a connection, as
 * many stalled responses as there are waiters, longest-stalled first and each stalled for at least
 * the contended send timeout, give their connections up.
 */
export function yieldToWaiter(state: EndpointState, now: number, sendTimeoutMs: number, maxConnections: number): void {
  if (sendTimeoutMs <= 0 || maxConnections <= 0 || state.inflight <= maxConnections) return;
  const m = stalled.get(state);
  if (m === undefined) return;
  const cut: Stalled[] = [];
  for (const [res, since] of m) {
    if (cut.length >= state.inflight - maxConnections || now - since < Math.min(sendTimeoutMs, CONTENDED_SEND_TIMEOUT_MS)) break;
    cut.push(res);
  }
  // Destroyed after the walk: each destroy ends an exchange, which changes `m` and the count.
  for (const res of cut) {
    m.delete(res);
    res.destroy();
  }
}
