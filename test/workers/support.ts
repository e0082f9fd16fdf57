// Helpers for the worker-process tests: plain requests on fresh connections (so the kernel's
// SO_REUSEPORT spread decides which worker answers) and the per-worker series of /metrics.
import http from 'node:http';
import type { Socket } from 'node:net';

export interface Answer { status: number; body: string }

/** One request on its own connection (agent: false), never a reused socket. */
export function freshGet(port: number, host: string, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** `name{...worker="N"...} value` lines of a metrics text, as worker → value. */
export function perWorker(metricsText: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const w = /worker="(\d+)"/.exec(line)?.[1];
    if (w !== undefined) out.set(w, (out.get(w) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** Sum of every sample of `name` without a `worker` label (the merged counters). */
export function total(metricsText: string, name: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && !line.includes('worker="')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Client { ok: number; failed: number; closedSockets: number; retried: number; errors: string[] }

/**
 * `clients` loops of keep-alive requests, each on its own one-socket agent, until `stop()`. A GET
 * that fails on a reused connection before any response byte is retried once, as RFC 9112 §9.3.1
 * lets a client do for an idempotent request and browsers do (Node's http.Agent does not; its docs
 * show this `reusedSocket` retry): a server closing an idle keep-alive connection always races a
 * request the client is sending on it. Every other failure counts.
 */
export function load(port: number, clients: number, opts: { readonly host?: string; readonly path?: string; readonly fresh?: boolean } = {}): { clients: Client[]; stop: () => Promise<void> } {
  let running = true;
  const state: Client[] = [];
  const loops = Array.from({ length: clients }, async () => {
    const c: Client = { ok: 0, failed: 0, closedSockets: 0, retried: 0, errors: [] };
    state.push(c);
    // fresh: a new connection per request (no reuse, so nothing to retry).
    const agent = opts.fresh === true ? false : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const seen = new WeakSet<Socket>();
    let retry = false;
    while (running || retry) {
      await new Promise<void>((resolve) => {
        const isRetry = retry;
        retry = false;
        const req = http.get({ host: '127.0.0.1', port, path: opts.path ?? '/delay/5', headers: { host: opts.host ?? 'app.test' }, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) c.ok++;
            else {
              c.failed++;
              c.errors.push(`status ${res.statusCode}`);
            }
            resolve();
          });
        });
        // Bounded: a request that hangs must not keep the loop (and the test file) alive.
        req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
        req.on('socket', (s: Socket) => {
          if (seen.has(s) || agent === false) return;
          seen.add(s);
          // A close the client did not ask for: the server side of this connection went away.
          s.once('close', () => (running ? c.closedSockets++ : undefined));
        });
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (req.reusedSocket && !isRetry) {
            retry = true;
            c.retried++;
          } else {
            c.failed++;
            c.errors.push(`${err.code ?? err.message}${req.reusedSocket ? ' (reused connection)' : ''}`);
          }
          resolve();
        });
      });
    }
    if (agent !== false) agent.destroy();
  });
  return { clients: state, stop: async () => {
    running = false;
    await Promise.all(loops);
  } };
}

