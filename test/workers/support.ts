// Helpers for the worker-process tests: plain requests on fresh connections (so the kernel's
// SO_REUSEPORT spread decides which worker answers) and the per-worker series of /metrics.
import http from 'node:http';

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
