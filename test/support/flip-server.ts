// A backend whose health can be flipped: GET /healthz answers 200 or 503, everything else answers
// 200 with the server's name. Counts health probes and the most probes seen in flight at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlipServer {
  readonly port: number;
  readonly name: string;
  healthy: boolean;
  probes: number;
  /** Delay of /healthz answers in ms. */
  delayMs: number;
  close(): Promise<void>;
}

/** Shared by every flip server of a test: probes in flight now and at most. */
export const inflight = { now: 0, max: 0 };

export async function startFlipServer(name: string): Promise<FlipServer> {
  const s: FlipServer = {
    port: 0, name, healthy: true, probes: 0, delayMs: 0,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      s.probes++;
      inflight.now++;
      inflight.max = Math.max(inflight.max, inflight.now);
      setTimeout(() => {
        inflight.now--;
        res.writeHead(s.healthy ? 200 : 503).end();
      }, s.delayMs);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (s as { port: number }).port = (server.address() as AddressInfo).port;
  return s;
}

export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
