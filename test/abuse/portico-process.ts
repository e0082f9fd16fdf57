// A Portico process tree for the memory checks (test/abuse/burst-memory.test.ts,
// test/abuse/slow/repeated-bursts.slow.ts): `portico serve` started as its own process (so RSS is
// Portico's alone, summed over the primary and its worker processes), bursts of concurrent
// keep-alive connections against it, and what its processes run with (/proc/<pid>/environ).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchoServer } from '../support/echo-server.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';

const root = new URL('../..', import.meta.url).pathname;
export const MiB = 2 ** 20;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** RSS of the process and its children (the worker processes), bytes. */
export function rss(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  return childrenOf(pid).reduce((sum, c) => sum + rss(c), own);
}

/** The largest value of a gauge over the primary and every worker process. */
export async function maxGauge(adminPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return Math.max(...text.split('\n').filter((l) => l.startsWith(name)).map((l) => Number(l.split(' ').at(-1))));
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** `n` sockets at once, one request each; resolves once every one was answered (the sockets stay open). */
export function burst(port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  return new Promise((resolve) => {
    let answered = 0;
    const one = (): void => {
      if (++answered === n) resolve(socks);
    };
    for (let i = 0; i < n; i++) {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /delay/100 HTTP/1.1\r\nHost: burst.test\r\n\r\n'));
      s.once('data', one);
      s.once('error', one);
      socks.push(s);
    }
  });
}

/** The environment a process runs with (after bin/portico.js re-executed itself, same pid). */
export function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

export const childrenOf = (pid: number): number[] => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

/** The caller's environment without the settings under test. */
export function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['LD_PRELOAD', 'NODE_OPTIONS', 'PORTICO_MEMORY_DEFAULTS']) if (!(k in extra)) delete env[k];
  return env;
}

export interface Portico {
  readonly pid: number;
  readonly httpPort: number;
  readonly adminPort: number;
  close(): Promise<void>;
}

/** `portico serve` over one Ingress to an echo backend, as its own process tree, ready. */
export async function startPortico(entry: 'bin/portico.js' | 'src/main.ts', env: NodeJS.ProcessEnv): Promise<Portico> {
  const echo = await startEchoServer();
  const dir = await mkdtemp(join(tmpdir(), 'portico-burst-'));
  await writeFile(join(dir, 'main.yaml'), toYaml([ingressClass(), ...backendFor('default', 'web', [echo.port]),
    ingress('default', 'web', [{ paths: [{ path: '/', service: 'web', port: 80 }] }])]));
  const [httpPort, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(root, entry), 'serve', '--resources', dir, '--bind-address', '127.0.0.1',
    '--http-port', String(httpPort), '--https-port', 'off', '--admin-port', String(adminPort), '--log-level', 'warn'],
  { stdio: ['ignore', 'ignore', 'inherit'], env });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 150; i++) {
    if (await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  return { pid: child.pid!, httpPort, adminPort, close: async () => {
    child.kill('SIGTERM');
    await exited;
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  } };
}

