// Upstream-protocol benchmark: gRPC unary through Portico (client h2c on the HTTP port → GRPC
// upstream) against the same calls direct, and a small-body HTTP request to an HTTPS pod
// (backend-protocol HTTPS) against the same to a plain HTTP pod. Portico runs as its own process
// (`portico serve` on generated manifests) so its CPU is read alone from /proc/<pid>/stat.
//
//   node bench/upstream/run.ts                # 5 s per case
//   SECONDS_PER_CASE=2 CONCURRENCY=32 node bench/upstream/run.ts
//   CASES=upstream npm run bench              # the same, from the L7 bench entry point
//
// Reports requests/s, Portico CPU µs per request and the ratios the issue asks for (gRPC through
// Portico vs direct; HTTPS-upstream CPU per request vs plain-HTTP upstream, target ≤ 1.5×).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Agent, request } from 'undici';
import { makeCert } from '../../test/support/certs.ts';
import { EchoClient, startGrpcServer, unary, type Client } from '../../test/support/grpc.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../../test/support/manifests.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SECS = Number(process.env.SECONDS_PER_CASE ?? 5);
const CONC = Number(process.env.CONCURRENCY ?? 32);
const A = 'nginx.ingress.kubernetes.io/';
const TICK = 100; // USER_HZ: /proc stat times are in 1/100 s

async function cpuMs(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** Run `one` with CONC loops for SECS seconds; requests/s and Portico CPU per request. */
async function load(pid: number | null, one: () => Promise<void>): Promise<{ rps: number; cpuUsPerReq: number | null }> {
  const warmEnd = Date.now() + 500;
  await Promise.all(Array.from({ length: CONC }, async () => { while (Date.now() < warmEnd) await one(); }));
  const cpu0 = pid === null ? 0 : await cpuMs(pid);
  const t0 = performance.now();
  const end = Date.now() + SECS * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: CONC }, async () => { while (Date.now() < end) { await one(); n++; } }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = pid === null ? null : ((await cpuMs(pid)) - cpu0) * 1000 / n;
  return { rps: n / secs, cpuUsPerReq: cpu };
}

async function main(): Promise<void> {
  const body = 'x'.repeat(256);
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    _req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  };
  const pod = makeCert({ sans: ['pod.bench'] });
  const plainPod = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  const tlsPod = https.createServer({ cert: pod.certPem, key: pod.keyPem, keepAliveTimeout: 60_000 }, handler);
  const plainPort = await listen(plainPod);
  const tlsPort = await listen(tlsPod);
  const g = await startGrpcServer('bench');

  const dir = await mkdtemp(join(tmpdir(), 'portico-bench-up-'));
  await writeFile(join(dir, 'main.yaml'), toYaml([
    ingressClass(),
    ...backendFor('b', 'plain', [plainPort]),
    ...backendFor('b', 'tls', [tlsPort]),
    ...backendFor('b', 'grpc', [g.port]),
    ingress('b', 'plain', [{ host: 'plain.bench', paths: [{ path: '/', service: 'plain', port: 80 }] }]),
    ingress('b', 'tls', [{ host: 'tls.bench', paths: [{ path: '/', service: 'tls', port: 80 }] }], { annotations: { [`${A}backend-protocol`]: 'HTTPS' } }),
    ingress('b', 'grpc', [{ host: 'grpc.bench', paths: [{ path: '/', service: 'grpc', port: 80 }] }], { annotations: { [`${A}backend-protocol`]: 'GRPC' } }),
  ]));
  const port = 28790;
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'src/main.ts'), 'serve', '--resources', dir,
    '--http-port', String(port), '--https-port', 'off', '--admin-port', '28791', '--log-level', 'warn', '--bind-address', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch('http://127.0.0.1:28791/readyz').then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = child.pid as number;
    const agent = new Agent({ connections: CONC });
    const get = (host: string, p = port) => async (): Promise<void> => {
      const r = await request(`http://127.0.0.1:${p}/`, { headers: { host }, dispatcher: agent });
      await r.body.text();
    };
    const direct = new EchoClient(`127.0.0.1:${g.port}`, grpc.credentials.createInsecure()) as Client;
    const through = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'grpc.bench' }) as Client;
    const call = (c: Client) => async (): Promise<void> => { await unary(c, 'unary', { n: 1 }); };

    const rows: string[] = [];
    const grpcDirect = await load(null, call(direct));
    const grpcThrough = await load(pid, call(through));
    const plain = await load(pid, get('plain.bench'));
    const tls = await load(pid, get('tls.bench'));
    const f = (x: number | null) => (x === null ? '—' : x.toFixed(0));
    rows.push('| case | requests/s | Portico CPU µs/request |', '|---|---|---|');
    rows.push(`| gRPC unary, direct (grpc-js → grpc-js) | ${f(grpcDirect.rps)} | — |`);
    rows.push(`| gRPC unary through Portico (h2c in, GRPC upstream) | ${f(grpcThrough.rps)} | ${f(grpcThrough.cpuUsPerReq)} |`);
    rows.push(`| HTTP/1.1 256 B, plain-HTTP upstream | ${f(plain.rps)} | ${f(plain.cpuUsPerReq)} |`);
    rows.push(`| HTTP/1.1 256 B, HTTPS upstream (backend-protocol HTTPS) | ${f(tls.rps)} | ${f(tls.cpuUsPerReq)} |`);
    rows.push('');
    rows.push(`- gRPC through Portico / direct throughput: ${(grpcThrough.rps / grpcDirect.rps).toFixed(2)}`);
    rows.push(`- HTTPS-upstream / plain-upstream Portico CPU per request: ${((tls.cpuUsPerReq ?? 0) / (plain.cpuUsPerReq ?? 1)).toFixed(2)} (target ≤ 1.5)`);
    rows.push(`- settings: ${CONC} concurrent loops, ${SECS} s per case after 0.5 s warm-up; load generator, backends and Portico on the same machine`);
    console.log(rows.join('\n'));
    direct.close();
    through.close();
    await agent.close();
  } finally {
    child.kill('SIGTERM');
    plainPod.close();
    tlsPod.close();
    await g.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
