// RSS of a Portico process around bursts of concurrent keep-alive connections (docs/benchmarks/
// memory.md). Portico runs as its own process (`node bin/portico.js serve`, default flags, as
// `npm start` runs it) so the figures are its RSS alone (summed over its worker processes); this
// process opens BURST_CONNECTIONS connections at once, each sends one request and keeps the
// connection open until all have answered, then all close; RSS is read from /proc/<pid>/status at
// each burst's peak and SETTLE_SECONDS (default 2) after it; after BURSTS bursts the process idles IDLE_SECONDS and RSS is
// read again.
//   node bench/burst-memory.ts                  # the defaults bin/portico.js applies (jemalloc when installed, 8 MiB semi-space)
//   PORTICO_MEMORY_DEFAULTS=off node bench/burst-memory.ts                      # glibc malloc, Node's defaults
//   PORTICO_MEMORY_DEFAULTS=off MALLOC_ARENA_MAX=2 NODE_ARGS=--max-semi-space-size=8 node bench/burst-memory.ts
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
const SETTLE_SECONDS = Number(process.env.SETTLE_SECONDS ?? 2);
const HTTP_PORT = Number(process.env.PORTICO_PORT ?? 18181);

/** RSS of the process and its children (the worker processes, README "Worker processes"), kB. */
function rssKiB(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  return children.reduce((sum, c) => sum + rssKiB(c), own);
}

const rssMiB = (pid: number): number => Math.round(rssKiB(pid) / 1024);

/** SMAPS=1: resident MiB of each process of the tree by kind of mapping (what the idle RSS is made of). */
function smaps(pid: number): Record<string, Record<string, number>> {
  const kinds: Record<string, number> = {};
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '' ? 'anonymous' : head[1].startsWith('/') ? 'file' : head[1];
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]);
  }
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  const all: Record<string, Record<string, number>> = { [pid]: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, Math.round(v / 1024)])) };
  for (const c of children) Object.assign(all, smaps(c));
  return all;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const echo = await startEchoServer();
const dir = await mkdtemp(join(tmpdir(), 'portico-burst-'));
await writeFile(join(dir, 'main.yaml'), toYaml([ingressClass(), ...backendFor('default', 'web', [echo.port]),
  ingress('default', 'web', [{ paths: [{ path: '/', service: 'web', port: 80 }] }])]));
const child = spawn(process.execPath, [...(process.env.NODE_ARGS ?? '').split(' ').filter(Boolean), 'bin/portico.js', 'serve', '--resources', dir, '--bind-address', '127.0.0.1', '--http-port', String(HTTP_PORT),
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
if (process.env.SMAPS) console.log(JSON.stringify({ before: smaps(pid) }));
const peaks: number[] = [];
const afterEach: number[] = [];
for (let i = 0; i < BURSTS; i++) {
  peaks.push(await burst());
  await sleep(SETTLE_SECONDS * 1000);
  afterEach.push(rssMiB(pid));
}
const afterBursts = rssMiB(pid);
await sleep(IDLE_SECONDS * 1000);
const idle = rssMiB(pid);
if (process.env.SMAPS) console.log(JSON.stringify({ afterIdle: smaps(pid) }));
// What Portico runs with after bin/portico.js applied its defaults (it re-execs in place, same pid).
const childEnv = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
  .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const heap: Record<string, number> = {};
if (process.env.ADMIN_PORT) {
  // prom-client's default metrics, per process (worker label): what the idle RSS is made of (V8
  // heap used and committed, external memory).
  const text = await (await fetch(`http://127.0.0.1:${process.env.ADMIN_PORT}/metrics`)).text();
  for (const m of text.matchAll(/^portico_nodejs_(heap_size_used_bytes|heap_size_total_bytes|external_memory_bytes)(?:\{worker="(\d+)"\})? (\d+)/gm)) {
    heap[`${m[1].replace('_bytes', '')}${m[2] === undefined ? '' : `{worker=${m[2]}}`}`] = Math.round(Number(m[3]) / 2 ** 20);
  }
}
console.log(JSON.stringify({ heapMiB: heap,
  connections: CONNECTIONS, bursts: BURSTS, settleSeconds: SETTLE_SECONDS, idleSeconds: IDLE_SECONDS, memoryDefaults: process.env.PORTICO_MEMORY_DEFAULTS ?? 'on',
  malloc: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_') || k === 'GLIBC_TUNABLES')),
  preload: childEnv.LD_PRELOAD ?? 'none', nodeOptions: childEnv.NODE_OPTIONS ?? '', nodeArgs: process.env.NODE_ARGS ?? '',
  rssMiB: { before, peaks, afterEach, afterBursts, afterIdle: idle }, ratioAfterIdle: Math.round((idle / before) * 100) / 100,
}));
child.kill('SIGTERM');
await echo.close();
process.exit(0);
