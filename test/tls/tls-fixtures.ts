// Shared pieces of the TLS tests: snapshots made of test certificates, a real TLS client that
// reports the certificate it was served, and a minimal request handler for listener-only tests.

import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Certificate } from '../../src/model/certificate.ts';
import type { Snapshot } from '../../src/model/snapshot.ts';
import type { VirtualHost } from '../../src/model/route.ts';
import { emptySnapshot } from '../../src/model/snapshot.ts';
import type { HttpsRequestHandler } from '../../src/dataplane/tls/https-listener.ts';
import { describePeer, type TestCert } from '../support/certs.ts';

export function certificate(id: string, c: TestCert, names: string[]): Certificate {
  return { id, certPem: c.certPem, keyPem: c.keyPem, names, notBefore: c.cert.validity.notBefore.toISOString(), notAfter: c.cert.validity.notAfter.toISOString() };
}

export function vhost(hostname: string, certificateId: string | null): VirtualHost {
  const kind = hostname === '' ? 'any' : hostname.startsWith('*.') ? 'wildcard' : 'exact';
  return { hostname, kind, routes: [], fallback: null, certificateId };
}

export function snapshot(version: number, hosts: [string, string | null][], certs: Certificate[], defaultCertificateId: string | null = null): Snapshot {
  return { ...emptySnapshot(version), virtualHosts: hosts.map(([h, c]) => vhost(h, c)), certificates: certs, defaultCertificateId };
}

export interface Served { cn: string; sans: string[]; alpn: string | false; reused: boolean; session?: Buffer }

/** Full TLS handshake with a real client; resolves with what the server presented. */
export function handshake(port: number, servername: string | undefined, opts: { alpn?: string[]; session?: Buffer } = {}): Promise<Served> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({
      host: '127.0.0.1', port, rejectUnauthorized: false,
      ...(servername === undefined ? {} : { servername }),
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
      ...(opts.session ? { session: opts.session } : {}),
    });
    let session: Buffer | undefined;
    let finish: (() => void) | null = null;
    sock.on('session', (s) => {
      session = s;
      finish?.();
    });
    sock.setTimeout(5000, () => sock.destroy(new Error('handshake timeout')));
    sock.once('error', reject);
    sock.once('secureConnect', () => {
      const peer = describePeer(sock.getPeerCertificate());
      const out: Served = { ...peer, alpn: sock.alpnProtocol ?? false, reused: sock.isSessionReused() };
      // TLS 1.3 tickets arrive after the handshake: close once one came, or after a bound long
      // enough for a loaded machine (a server without tickets sends none).
      let done = false;
      const timer = setTimeout(() => finish?.(), 500);
      finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (session) out.session = session;
        sock.end();
        resolve(out);
      };
      if (session) finish();
    });
  });
}

/** Answers every request with its host and HTTP version: enough to see a connection work. */
export function plainHandler(): HttpsRequestHandler & { requests: number } {
  const h = {
    requests: 0,
    handleRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
      h.requests++;
      const body = JSON.stringify({ host: req.headers.host ?? req.headers[':authority'], version: req.httpVersion });
      (res as ServerResponse).writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      (res as ServerResponse).end(body);
    },
    handleUpgrade(_req: IncomingMessage, socket: Duplex): void {
      socket.destroy();
    },
  };
  return h;
}

/** One HTTP/1.1 request on an existing TLS socket; resolves with the body. */
export function requestOn(sock: tls.TLSSocket, host: string, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      const m = /content-length: (\d+)/i.exec(buf.slice(0, i));
      const len = m ? Number(m[1]) : 0;
      if (buf.length >= i + 4 + len) {
        sock.off('data', onData);
        sock.off('error', reject);
        resolve(buf.slice(i + 4, i + 4 + len));
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

export function connect(port: number, servername: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    sock.once('error', reject);
    sock.once('secureConnect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}
