// The lean engine on the HTTPS port (README "Lean HTTP/1.1 engine"): HTTP/1.1 over TLS is the same
// engine over tls.TLSSocket, a net.Socket subclass (node docs "Class: tls.TLSSocket").
//
// The HTTPS listener is a node:http2 secure server with allowHTTP1 (https-listener.ts): its own
// 'secureConnection' listener, registered by the constructor, serves h2 sessions and hands
// HTTP/1.1 sockets to node:http. That listener is taken over here: after the handshake, a socket
// whose ALPN is `http/1.1` (or absent: RFC 7301 §3.2, no ALPN means HTTP/1.1 on this port) goes to
// the lean engine; `h2` still goes to node:http2. What the engine does not serve is given back to
// the same listener with the bytes read so far unread (handoff.ts), so node:http2's allowHTTP1
// path answers it exactly as it would have.
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { LeanEngine, type LeanEngineOptions } from './engine.ts';
import { handToNode } from './handoff.ts';

export type LeanTlsOptions = Omit<LeanEngineOptions, 'handOff' | 'scheme'>;

type SecureListener = (this: TlsServer, socket: TLSSocket) => void;

/**
 * Puts the lean engine in front of `server`'s HTTP/1.1 connections. Call right after creating
 * the server, before any other 'secureConnection' listener is added.
 */
export function attachLeanTls(server: TlsServer, o: LeanTlsOptions): LeanEngine {
  const listeners = server.listeners('secureConnection');
  if (listeners.length !== 1) throw new Error(`lean engine over TLS: expected the server's own secureConnection listener, found ${listeners.length}`);
  const node = listeners[0] as SecureListener;
  const serve = (s: Socket): void => { node.call(server, s as TLSSocket); };
  const engine = new LeanEngine({ ...o, scheme: 'https', handOff: (s, raw) => handToNode(s, raw, serve) });
  server.removeListener('secureConnection', node);
  server.on('secureConnection', function onSecureConnection(this: TlsServer, s: TLSSocket): void {
    const alpn = s.alpnProtocol;
    if (alpn === false || alpn === 'http/1.1') engine.accept(s);
    else node.call(this, s);
  });
  return engine;
}
