// The TLS socket a request arrived on, for the client-certificate check: HTTP/1.1's req.socket, or
// for HTTP/2 the session's socket (a proxy of the TLSSocket that forwards reads). Null when there
// is none (a request over a plain connection on a listener that calls itself https).

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { DetailedPeerCertificate } from 'node:tls';
import type { PeerSocket } from '../../tls/peer-certificate.ts';

/**
 * A TLS connection that can no longer be read (an HTTP/2 session whose socket is gone: node's
 * proxy throws ERR_HTTP2_SOCKET_UNBOUND). It carries no policy tag, so a route with client
 * certificates answers it 421 rather than treating it as a plain connection.
 */
const UNBOUND: PeerSocket = { authorized: false, getPeerCertificate: () => ({}) as DetailedPeerCertificate };

export function peerSocket(req: IncomingMessage | Http2ServerRequest): PeerSocket | null {
  const h2 = (req as Http2ServerRequest).stream;
  try {
    const s = (h2 !== undefined ? h2.session?.socket : req.socket) as unknown as Partial<PeerSocket> | null | undefined;
    if (s === null || s === undefined) return h2 !== undefined ? UNBOUND : null;
    return typeof s.getPeerCertificate === 'function' ? (s as PeerSocket) : null;
  } catch {
    return UNBOUND;
  }
}
