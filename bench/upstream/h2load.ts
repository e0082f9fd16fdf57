// gRPC unary under h2load (Debian nghttp2-client): the same HTTP/2 load straight to a gRPC server
// and through Portico (h2c prior knowledge on the HTTP port → `backend-protocol: GRPC`, HTTP/2 to
// the pod), so the two differ only by the Portico hop. Portico runs as its own process
// (`portico serve` on generated manifests); its CPU per request is read from /proc/<pid>/stat.
//
//   node bench/upstream/h2load.ts                          # 5 s per case, 4 connections × 16 streams
//   DURATION=3 CLIENTS=2 STREAMS=8 node bench/upstream/h2load.ts
//
// h2load counts HTTP/2 responses; a gRPC error would still be a 200 with `grpc-status` in the
// trailers, so one call each way is checked with @grpc/grpc-js first. docs/benchmarks/upstream.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EchoClient, startGrpcServer, unary, type Client } from '../../test/support/grpc.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../../test/support/manifests.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DURATION = Number(process.env.DURATION ?? 5);
const CLIENTS = Number(process.env.CLIENTS ?? 4);
const STREAMS = Number(process.env.STREAMS ?? 16);
const TICK = 100; // USER_HZ: /proc stat times are in 1/100 s
const PORT = 28794;
const ADMIN = 28795;

async function cpuMs(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

interface H2loadResult { rps: number; done: number; ok2xx: number; meanMs: number | null }

/**
 * One h2load run; the request is a gRPC unary call (5-byte frame header + JSON message). Async:
 * the gRPC server runs in this process and must keep answering meanwhile.
 */
async function h2load(url: string, authority: string, bodyFile: string): Promise<H2loadResult> {
  const r = await run('h2load', ['-D', String(DURATION), '--warm-up-time', '1', '-c', String(CLIENTS), '-m', String(STREAMS),
    '-d', bodyFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', `:authority: ${authority}`, url]);
  if (r.status !== 0) throw new Error(`h2load failed: ${r.stderr || r.stdout}`);
  const out = r.stdout;
  const num = (re: RegExp): number | null => { const m = re.exec(out); return m === null ? null : Number(m[1]); };
  return {
    rps: num(/finished in [\d.]+m?s, ([\d.]+) req\/s/) ?? 0,
    done: num(/requests: \d+ total, \d+ started, (\d+) done/) ?? 0,
    ok2xx: num(/status codes: (\d+) 2xx/) ?? 0,
    meanMs: (() => { const m = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(out); return m === null ? null : toMs(m[1]); })(),
  };
}

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function toMs(v: string): number {
  if (v.endsWith('us')) return Number(v.slice(0, -2)) / 1000;
  if (v.endsWith('ms')) return Number(v.slice(0, -2));
  return Number(v.slice(0, -1)) * 1000;
}

async function main(): Promise<void> {
  if (spawnSync('h2load', ['--version']).status !== 0) {
    console.error('h2load not found: apt-get install nghttp2-client');
    process.exit(2);
  }
  const g = await startGrpcServer('bench');
  const dir = await mkdtemp(join(tmpdir(), 'portico-bench-h2load-'));
  const msg = Buffer.from(JSON.stringify({ n: 1 }));
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  const bodyFile = join(dir, 'unary.bin');
  await writeFile(bodyFile, frame);
  await writeFile(join(dir, 'main.yaml'), toYaml([
    ingressClass(),
    ...backendFor('b', 'grpc', [g.port]),
    ingress('b', 'grpc', [{ host: 'grpc.bench', paths: [{ path: '/', service: 'grpc', port: 80 }] }], { annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC' } }),
  ]));
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'src/main.ts'), 'serve', '--resources', dir,
    '--http-port', String(PORT), '--https-port', 'off', '--admin-port', String(ADMIN), '--log-level', 'warn', '--bind-address', '127.0.0.1'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${ADMIN}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The calls h2load will make must succeed as gRPC, which h2load itself cannot see.
    for (const [target, authority] of [[`127.0.0.1:${g.port}`, null], [`127.0.0.1:${PORT}`, 'grpc.bench']] as const) {
      const c = new EchoClient(target, grpc.credentials.createInsecure(), authority === null ? {} : { 'grpc.default_authority': authority }) as Client;
      const reply = await unary(c, 'unary', { n: 1 }) as { name: string };
      c.close();
      if (reply.name !== 'bench') throw new Error(`unexpected reply via ${target}`);
    }
    const path = '/portico.test.Echo/Unary';
    const direct = await h2load(`http://127.0.0.1:${g.port}${path}`, `127.0.0.1:${g.port}`, bodyFile);
    const pid = child.pid as number;
    const cpu0 = await cpuMs(pid);
    const through = await h2load(`http://127.0.0.1:${PORT}${path}`, 'grpc.bench', bodyFile);
    // The CPU window includes h2load's 1 s warm-up, which ran at about the measured rate.
    const cpuUs = ((await cpuMs(pid)) - cpu0) * 1000 / Math.max(1, through.done * (DURATION + 1) / DURATION);
    const f = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));
    console.log([
      '| case | requests/s | mean latency ms | 2xx / done | Portico CPU µs/request |', '|---|---:|---:|---:|---:|',
      `| gRPC unary direct (h2load → grpc-js) | ${f(direct.rps)} | ${f(direct.meanMs, 2)} | ${direct.ok2xx} / ${direct.done} | — |`,
      `| gRPC unary through Portico (h2c in, GRPC upstream) | ${f(through.rps)} | ${f(through.meanMs, 2)} | ${through.ok2xx} / ${through.done} | ${f(cpuUs)} |`,
      '',
      `- through / direct throughput: ${(through.rps / direct.rps).toFixed(2)}`,
      `- settings: h2load -D ${DURATION} --warm-up-time 1 -c ${CLIENTS} -m ${STREAMS}; h2load, the gRPC server and Portico on the same machine`,
      '  (Portico CPU is over warm-up + measurement, divided by the requests of both, the warm-up ones estimated at the measured rate)',
    ].join('\n'));
  } finally {
    child.kill('SIGTERM');
    await g.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
