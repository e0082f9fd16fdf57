// Timeouts for slow clients, armed only while they can matter (no timer on the common path):
//
// - Send timeout (`--client-send-timeout`): while a client does not read, the forwarder pauses the
//   upstream (backpressure) and the upstream body timeout is suspended with it, so nothing else
//   would ever fire: a slow reader (`slowhttptest -X`) held a client and an upstream connection
//   forever. Armed when the forwarder pauses, disarmed on 'drain'; on expiry the client response is
//   destroyed, whose 'close' aborts the upstream exchange (its connection is released, not reused).
//   Same meaning as nginx's send_timeout: the longest wait for one write to go through.
// - Body timeout (`--client-body-timeout`): the longest pause between two reads of a request body
//   (nginx client_body_timeout). Armed while the body is incomplete; on expiry the connection (or
//   HTTP/2 stream) is closed, which aborts the upstream request that was streaming it.
//
// Both use the socket's (HTTP/1) or stream's (HTTP/2) own idle timer, which Node refreshes on
// every completed read or write; an HTTP/1 socket whose timer fires with no listener is destroyed
// by Node's server, an HTTP/2 stream by the callback below.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

const kHooked = Symbol('portico.sendTimeoutHooked');

/** Shared 'timeout' listener (this = the response): the client stopped reading for too long. */
function onSendTimeout(this: AnyResponse): void {
  this.destroy();
}

/** The client stopped reading (res.write returned false): close both sides after `ms` of it. */
export function armSendTimeout(res: AnyResponse, ms: number): void {
  if (ms <= 0) return;
  const r = res as AnyResponse & { [kHooked]?: boolean };
  if (r[kHooked] !== true) {
    r[kHooked] = true;
    res.on('timeout', onSendTimeout);
  }
  res.setTimeout(ms);
}

/** The client read again ('drain'). */
export function disarmSendTimeout(res: AnyResponse): void {
  if ((res as AnyResponse & { [kHooked]?: boolean })[kHooked] === true && !res.destroyed) res.setTimeout(0);
}

function destroyStream(this: ServerHttp2Stream): void {
  this.destroy();
}

/** Shared 'end' listener of request bodies (this = the request): the body arrived whole. */
function onBodyEnd(this: AnyRequest): void {
  const stream = (this as Http2ServerRequest).stream as ServerHttp2Stream | undefined;
  if (stream !== undefined) {
    if (!stream.destroyed) stream.setTimeout(0);
  } else {
    const sock = (this as IncomingMessage).socket;
    if (sock !== null && !sock.destroyed) sock.setTimeout(0);
  }
}

/** A request body is about to be streamed upstream: bound the pause between two of its reads. */
export function armBodyTimeout(req: AnyRequest, h2: boolean, ms: number): void {
  if (ms <= 0 || req.readableEnded) return;
  if (h2) (req as Http2ServerRequest).stream.setTimeout(ms, destroyStream);
  else (req as IncomingMessage).socket.setTimeout(ms);
  req.once('end', onBodyEnd);
}
