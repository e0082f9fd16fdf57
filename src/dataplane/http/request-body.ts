// The request body as undici reads it when a route limits its size or bounds the time the upstream
// may take to accept it. Only such requests pay for the wrapper; others hand `req` to undici as is.
//
// - proxy-body-size (nginx client_max_body_size; RFC 9110 §15.5.14 413 Content Too Large): a body
//   of unknown length fails as soon as it crosses the limit; undici aborts the upstream request
//   and the forwarder answers 413 if no response started. A known Content-Length over the limit is
//   refused before anything is forwarded (dataplane.ts).
// - proxy-send-timeout (nginx proxy_send_timeout: "between two successive write operations"): the
//   timer runs only while undici is not asking for the next chunk, i.e. while the upstream does not
//   accept bytes; time spent waiting for a slow client does not count.
//
// The client stream is read with its iterator's next() only (never `for await`, whose early exit
// would destroy the client's request and with it the connection the 413 must go out on).

import type { Readable } from 'node:stream';
import { PorticoError } from '../../util/errors.ts';

export function meteredBody(req: Readable, limit: number, sendTimeoutMs: number, route: string,
  abort: (err: PorticoError) => void): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
      let seen = 0;
      let waitingForClient = false;
      const timer = sendTimeoutMs > 0
        ? setTimeout(function onSendTimeout() {
          if (waitingForClient) {
            timer!.refresh();
            return;
          }
          abort(new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT',
            `upstream did not accept the request body for ${sendTimeoutMs} ms (proxy-send-timeout, route ${route})`));
        }, sendTimeoutMs)
        : null;
      const it = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      try {
        for (;;) {
          waitingForClient = true;
          const r = await it.next();
          waitingForClient = false;
          if (r.done === true) return;
          seen += r.value.length;
          if (limit > 0 && seen > limit) {
            throw new PorticoError('PORTICO_ERR_BODY_TOO_LARGE', `request body exceeds the ${limit}-byte limit of route ${route}`);
          }
          timer?.refresh();
          yield r.value;
        }
      } finally {
        if (timer !== null) clearTimeout(timer);
      }
    },
  };
}

/** Content-Length of a request, or -1 when absent or not a plain number (chunked, HTTP/2 without it). */
export function declaredLength(rawHeaders: readonly string[]): number {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      const v = rawHeaders[i + 1].trim();
      return /^\d{1,15}$/.test(v) ? Number(v) : -1;
    }
  }
  return -1;
}
