// The TLS socket a request arrived on, for the client-certificate check: HTTP/1.1's req.socket, or
// for HTTP/2 the session's socket (a proxy of the TLSSocket that forwards reads). Null when there
// is none (a request over a plain connection on a listener that calls itself https).

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { PeerSocket } from '../../tls/peer-certificate.ts';

export function peerSocket(req: IncomingMessage | Http2ServerRequest): PeerSocket | null {
  const s = ((req as Http2ServerRequest).stream?.session?.socket ?? req.socket) as unknown as Partial<PeerSocket> | null | undefined;
  return s !== null && s !== undefined && typeof s.getPeerCertificate === 'function' ? (s as PeerSocket) : null;
}
