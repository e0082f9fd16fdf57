// Echo backend for tests: a real HTTP/1.1 server on 127.0.0.1 that describes each request as JSON,
// echoes WebSocket messages, delays on demand and streams large bodies. Nothing mocked (test rules).
//
//   GET /anything            → 200 JSON { name, method, path, host, headers, body, remotePort }
//   /delay/<ms>[/...]        → same JSON after <ms> milliseconds
//   /bytes/<n>               → <n> bytes of a deterministic pattern, Content-Length set, streamed
//   /status/<code>[/...]     → same JSON with that status code
//   WebSocket upgrade        → every message is sent back unchanged
//
// Request bodies up to 64 KiB are echoed as text; larger ones as { sha256, length }.

import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoServer {
  readonly port: number;
  readonly url: string;
  readonly name: string;
  /** Requests answered so far (HTTP only). */
  readonly requests: number;
  /** TCP connections accepted so far (distinct sockets). */
  readonly sockets: number;
  close(): Promise<void>;
}

export interface EchoBody {
  name: string;
  method: string;
  path: string;
  host: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string | { sha256: string; length: number };
  remotePort: number | undefined;
}

const TEXT_LIMIT = 64 * 1024;

/** Deterministic byte pattern used by /bytes/<n>; tests can hash the same pattern. */
export function patternChunk(size: number, offset: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (offset + i) % 251;
  return b;
}

/** sha256 of the /bytes/<n> body, for comparison with what a client received. */
export function patternSha256(n: number): string {
  const h = createHash('sha256');
  const step = 64 * 1024;
  for (let off = 0; off < n; off += step) h.update(patternChunk(Math.min(step, n - off), off));
  return h.digest('hex');
}

export async function startEchoServer(opts: { name?: string; host?: string } = {}): Promise<EchoServer> {
  const name = opts.name ?? 'echo';
  const host = opts.host ?? '127.0.0.1';
  let requests = 0;
  let sockets = 0;
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    requests++;
    const path = req.url ?? '';
    const bytes = /^\/bytes\/(\d+)/.exec(path);
    if (bytes) {
      req.resume();
      streamBytes(res, Number(bytes[1]));
      return;
    }
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
      if (length <= TEXT_LIMIT) parts.push(c);
    });
    req.on('end', () => {
      const body: EchoBody = {
        name,
        method: req.method ?? '',
        path,
        host: req.headers.host,
        headers: req.headers,
        body: length <= TEXT_LIMIT ? Buffer.concat(parts).toString('utf8') : { sha256: hash.digest('hex'), length },
        remotePort: req.socket.remotePort,
      };
      const status = /^\/status\/(\d{3})/.exec(path);
      const delay = /^\/delay\/(\d+)/.exec(path);
      const send = (): void => {
        if (res.destroyed) return;
        const text = JSON.stringify(body);
        res.writeHead(status ? Number(status[1]) : 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (delay) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, Number(delay[1]));
        timers.add(t);
      } else {
        send();
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets++;
    open.add(s);
    s.on('close', () => open.delete(s));
  });

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    port,
    url: `http://${urlHost}:${port}`,
    name,
    get requests() {
      return requests;
    },
    get sockets() {
      return sockets;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function streamBytes(res: http.ServerResponse, n: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
  const step = 64 * 1024;
  let off = 0;
  const pump = (): void => {
    while (off < n) {
      const size = Math.min(step, n - off);
      const ok = res.write(patternChunk(size, off));
      off += size;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}
