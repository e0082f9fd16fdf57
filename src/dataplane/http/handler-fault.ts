// A programmer error thrown while handling one request must cost that request only: it is answered
// 500 (or, once its response has started, cut: HTTP/1 connection closed, HTTP/2 stream reset),
// counted in portico_request_handler_errors_total and logged once with its stack. Before this, such
// an exception reached main.ts's uncaughtException handler, which logged it and left the request
// unanswered and its connection open (the HTTP/2.0-on-HTTP/1 defect held sockets forever that way).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import { PorticoError } from '../../util/errors.ts';
import { sendError } from './error-response.ts';
import { writeRawError } from './access-log.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

const INTERNAL = 'internal error while handling the request';

/** After `handleRequest` threw: answer, count, log. Never throws itself. */
export function requestHandlerFault(err: unknown, req: AnyRequest, res: AnyResponse, logger: Logger, metrics: Metrics): void {
  metrics.requestHandlerErrors.inc();
  logger.error({ err, method: req.method, url: req.url }, 'request handler failed; answered 500');
  try {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    if ((req as Http2ServerRequest).stream === undefined) (res as ServerResponse).shouldKeepAlive = false;
    if (!req.readableEnded) req.resume();
    sendError(res, new PorticoError('PORTICO_ERR_INTERNAL', INTERNAL));
  } catch {
    res.destroy();
  }
}

/** After `handleUpgrade` threw: the raw socket gets a 500 and is closed. */
export function upgradeHandlerFault(err: unknown, req: IncomingMessage, socket: Duplex, logger: Logger, metrics: Metrics): void {
  metrics.requestHandlerErrors.inc();
  logger.error({ err, method: req.method, url: req.url }, 'upgrade handler failed; answered 500');
  try {
    writeRawError(socket, new PorticoError('PORTICO_ERR_INTERNAL', INTERNAL));
  } catch {
    socket.destroy();
  }
}
