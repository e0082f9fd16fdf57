// RSS of a Portico process around bursts of concurrent keep-alive connections (docs/benchmarks/
// memory.md). Portico runs as its own process (`portico serve`, default flags) so the figures are
// its RSS alone (summed over its worker processes); this process opens BURST_CONNECTIONS connections at once, each sends one request
// and keeps the connection open until all have answered, then all close; after BURSTS bursts the
// process idles IDLE_SECONDS and RSS is read again from /proc/<pid>/status.
//   node bench/burst-memory.ts                  # glibc malloc defaults
//   MALLOC_ARENA_MAX=2 node bench/burst-memory.ts
//   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 NODE_ARGS=--max-semi-space-size=8 node bench/burst-memory.ts   # the image's settings
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchoServer } from '../test/support/echo-server.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../test/support/manifests.ts';

const CONNECTIONS = Number(process.env.BURST_CONNECTIONS ?? 10_000);
const BURSTS = Number(process.env.BURSTS ?? 3);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const HTTP_PORT = Number(process.env.PORTICO_PORT ?? 18181);

/** RSS of the process and its children (the worker processes, README "Worker processes"), kB. */
function rssKiB(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  return children.reduce((sum, c) => sum + rssKiB(c), own);
}

const rssMiB = (pid: number): number => Math.round(rssKiB(pid) / 1024);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const echo = await startEchoServer();
const dir = await mkdtemp(join(tmpdir(), 'portico-burst-'));
await writeFile(join(dir, 'main.yaml'), toYaml([ingressClass(), ...backendFor('default', 'web', [echo.port]),
  ingress('default', 'web', [{ paths: [{ path: '/', service: 'web', port: 80 }] }])]));
const child = spawn(process.execPath, [...(process.env.NODE_ARGS ?? '').split(' ').filter(Boolean), 'src/main.ts', 'serve', '--resources', dir, '--bind-address', '127.0.0.1', '--http-port', String(HTTP_PORT),
  '--https-port', 'off', '--admin-port', process.env.ADMIN_PORT ?? '0', '--log-level', 'warn', ...(process.env.PORTICO_ARGS ?? '').split(' ').filter(Boolean)], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
const pid = child.pid!;
// Ready means the worker processes are up too: the baseline is the whole tree's.
for (let i = 0; i < 300 && process.env.ADMIN_PORT; i++) {
  if (await fetch(`http://127.0.0.1:${process.env.ADMIN_PORT}/readyz`).then((r) => r.ok, () => false)) break;
  await sleep(100);
}
await sleep(3000);

/** One burst: CONNECTIONS sockets at once, one request each, all answered, then all closed. */
async function burst(): Promise<number> {
  const socks: net.Socket[] = [];
  let answered = 0;
  await new Promise<void>((resolve) => {
    let opened = 0;
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = net.connect(HTTP_PORT, '127.0.0.1', () => {
        s.write('GET /delay/200 HTTP/1.1\r\nHost: burst.test\r\n\r\n');
      });
      s.setNoDelay(true);
      s.on('data', () => {
        if (++answered === CONNECTIONS) resolve();
      });
      s.on('error', () => {
        if (++answered === CONNECTIONS) resolve();
      });
      socks.push(s);
      opened++;
    }
    void opened;
    setTimeout(resolve, 60_000);
  });
  const peak = rssMiB(pid);
  for (const s of socks) s.destroy();
  return peak;
}

const before = rssMiB(pid);
const peaks: number[] = [];
for (let i = 0; i < BURSTS; i++) {
  peaks.push(await burst());
  await sleep(2000);
}
const afterBursts = rssMiB(pid);
await sleep(IDLE_SECONDS * 1000);
const idle = rssMiB(pid);
const heap: Record<string, number> = {};
if (process.env.ADMIN_PORT) {
  // prom-client's default metrics: what the idle RSS is made of (V8 heap spaces, external).
  const text = await (await fetch(`http://127.0.0.1:${process.env.ADMIN_PORT}/metrics`)).text();
  for (const m of text.matchAll(/^portico_(nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_total_bytes\{space="(?:old|new|large_object)"\}) (\d+)/gm)) {
    heap[m[1]] = Math.round(Number(m[2]) / 2 ** 20);
  }
}
console.log(JSON.stringify({ heapMiB: heap,
  connections: CONNECTIONS, bursts: BURSTS, idleSeconds: IDLE_SECONDS, mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? 'default', preload: process.env.LD_PRELOAD ?? 'none', nodeArgs: process.env.NODE_ARGS ?? '',
  rssMiB: { before, peaks, afterBursts, afterIdle: idle }, ratioAfterIdle: Math.round((idle / before) * 100) / 100,
}));
child.kill('SIGTERM');
await echo.close();
process.exit(0);
