// `--worker-accept primary` (README "Worker processes"), the fallback where SO_REUSEPORT is
// missing, forced here on Linux: the primary binds the ports and hands each accepted connection to
// a worker. Both workers serve, configuration reaches both, and a rolling restart under load fails
// no request: the primary's listener never closes, so not even a fresh connection is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { freshGet, load, perWorker, until } from './support.ts';
import { freePort } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import https from 'node:https';
import { makeCert, tlsSecret } from '../support/certs.ts';

const SLOW = 45_000;
let echo: EchoServer;
let gw: TestGateway;
let l4Port: number;
const tcpServices = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tcp', namespace: 'w' }, data: { [String(l4Port)]: 'w/echo:80' } } as KubeObject);
const cert = makeCert({ sans: ['sec.test'], cn: 'sec-cert' });
const objs = () => [ingressClass(), ...backendFor('w', 'echo', [echo.port]), ingress('w', 'app', [{ host: 'app.test', paths: [{ path: '/', service: 'echo', port: 80 }] }]), tcpServices(),
  tlsSecret('w', 'sec-tls', cert.certPem, cert.keyPem), ingress('w', 'sec', [{ host: 'sec.test', paths: [{ path: '/', service: 'echo', port: 80 }] }], { tls: [{ hosts: ['sec.test'], secretName: 'sec-tls' }] })];

before(async () => {
  echo = await startEchoServer({ name: 'echo' });
  l4Port = await freePort();
  gw = await startGateway(objs(), { workers: 2, workerAccept: 'primary', logLevel: 'warn', tcpServicesConfigMap: 'w/tcp', httpsPort: 0 }, { workers: { ackTimeoutMs: 5000, backoff: { minMs: 50, maxMs: 1000 } } });
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

const served = async (): Promise<Map<string, number>> => perWorker(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'portico_worker_http_requests');
const view = async () => (await (await fetch(`${gw.adminUrl}/debug/workers`)).json()) as { worker: number; pid: number | null; alive: boolean }[];

test('the primary holds the listening socket; its connections are spread over both workers', async () => {
  // The port is the primary's: a bind with SO_REUSEPORT by anyone else fails (no worker holds it with the option).
  const probe = net.createServer();
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once('error', resolve);
    probe.listen({ host: '127.0.0.1', port: gw.app.ports.http, reusePort: true }, () => resolve(null));
  });
  if (err === null) probe.close();
  assert.equal(err?.code, 'EADDRINUSE');
  const n = 20;
  for (let i = 0; i < n; i++) assert.equal((await freshGet(gw.app.ports.http, 'app.test')).status, 200);
  const s = await served();
  assert.equal(s.size, 2);
  for (const [w, count] of s) assert.ok(count > 0, `worker ${w} was handed no connection`);
  assert.equal([...s.values()].reduce((x, y) => x + y, 0), n);
});

test('HTTPS connections are handed over too: TLS is terminated in the workers with the Secret\'s certificate', async () => {
  const get = (): Promise<{ status: number; cn: string }> => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: gw.app.ports.https!, path: '/', servername: 'sec.test', headers: { host: 'sec.test' }, rejectUnauthorized: false, agent: false }, (r) => {
      const cn = (r.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN;
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode ?? 0, cn: String(cn) }));
    });
    req.on('error', reject);
    req.end();
  });
  const before = await served();
  for (let i = 0; i < 10; i++) assert.deepEqual(await get(), { status: 200, cn: 'sec-cert' });
  const after = await served();
  for (const w of ['1', '2']) assert.ok((after.get(w) ?? 0) > (before.get(w) ?? 0), `worker ${w} terminated none of the 10 connections`);
});

test('the L4 dataplane runs in the primary: a tcp-services port answers, counted in its own registry', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(l4Port, '127.0.0.1', () => s.end('GET /through-l4 HTTP/1.0\r\nHost: l4\r\n\r\n'));
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.destroy(new Error('timeout')), 5000).unref();
  });
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.match(await gw.app.metrics.registry.metrics(), /portico_l4_connections_total\{[^}]*\} [1-9]/);
});

test('a configuration change reaches both workers', async () => {
  await gw.write([...objs(), ingress('w', 'more', [{ host: 'more.test', paths: [{ path: '/', service: 'echo', port: 80 }] }])]);
  const before = await served();
  for (let i = 0; i < 10; i++) assert.equal((await freshGet(gw.app.ports.http, 'more.test')).status, 200);
  const after = await served();
  for (const w of ['1', '2']) assert.ok((after.get(w) ?? 0) > (before.get(w) ?? 0), `worker ${w} did not serve the new host`);
});

test('rolling restart under load with the primary accepting: zero failed requests, fresh connections included', async () => {
  const pids = (await view()).map((w) => w.pid);
  const kept = load(gw.app.ports.http, 6);
  const fresh = load(gw.app.ports.http, 4, { fresh: true });
  try {
    await until(() => [...kept.clients, ...fresh.clients].every((c) => c.ok > 3), SLOW, 'every client served');
    const res = await fetch(`${gw.adminUrl}/workers/restart`, { method: 'POST' });
    assert.equal(res.status, 200);
    const after = await view();
    assert.ok(after.every((w, i) => w.alive && w.pid !== pids[i]), 'both workers are new processes');
    const mark = [...kept.clients, ...fresh.clients].map((c) => c.ok);
    await until(() => [...kept.clients, ...fresh.clients].every((c, i) => c.ok > mark[i] + 3), SLOW, 'every client served after the restart');
  } finally {
    await Promise.all([kept.stop(), fresh.stop()]);
  }
  assert.deepEqual(kept.clients.map((c) => c.failed), kept.clients.map(() => 0), JSON.stringify(kept.clients));
  // A new connection is never refused or reset: the listener is the primary's throughout.
  assert.deepEqual(fresh.clients.map((c) => c.failed + c.retried), fresh.clients.map(() => 0), JSON.stringify(fresh.clients));
  const s = await served();
  for (const w of ['1', '2']) assert.ok((s.get(w) ?? 0) > 0, `new worker ${w} was handed no connection`);
});
