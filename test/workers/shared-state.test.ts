// State that is per worker or must agree across workers (README "Worker processes"): cookie
// affinity tokens are the same in every worker (a hash of cluster and endpoint, not a per-process
// secret), and rate limits are per worker process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { perWorker } from './support.ts';

let a: EchoServer;
let b: EchoServer;
let gw: TestGateway;

before(async () => {
  a = await startEchoServer({ name: 'a' });
  b = await startEchoServer({ name: 'b' });
  gw = await startGateway([ingressClass(), ...backendFor('w', 'pair', [a.port, b.port]),
    ingress('w', 'sticky', [{ host: 'sticky.test', paths: [{ path: '/', service: 'pair', port: 80 }] }], {
      annotations: { 'nginx.ingress.kubernetes.io/affinity': 'cookie', 'nginx.ingress.kubernetes.io/affinity-mode': 'persistent' } }),
    ingress('w', 'limited', [{ host: 'limited.test', paths: [{ path: '/', service: 'pair', port: 80 }] }], {
      annotations: { 'nginx.ingress.kubernetes.io/limit-rpm': '1', 'nginx.ingress.kubernetes.io/limit-burst-multiplier': '1' } }),
  ], { workers: 2, logLevel: 'warn' });
});

after(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

function get(host: string, cookie?: string): Promise<{ status: number; name: string | null; setCookie: string | null }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: gw.app.ports.http, path: '/', agent: false, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        name: res.statusCode === 200 ? JSON.parse(body).name : null,
        setCookie: res.headers['set-cookie']?.[0]?.split(';')[0] ?? null,
      }));
    }).on('error', reject);
  });
}

const served = async (): Promise<Map<string, number>> => perWorker(await (await fetch(`${gw.adminUrl}/metrics`)).text(), 'portico_worker_http_requests');

test('cookie affinity: every worker issues the same token for an endpoint and honours the other\'s', async () => {
  const tokenOf = new Map<string, string>();
  for (let i = 0; i < 30; i++) {
    const r = await get('sticky.test');
    assert.equal(r.status, 200);
    assert.ok(r.setCookie);
    const seen = tokenOf.get(r.name!);
    if (seen) assert.equal(r.setCookie, seen, `one token per endpoint, whichever worker answered`);
    tokenOf.set(r.name!, r.setCookie);
  }
  const perWorkerBefore = await served();
  assert.equal(perWorkerBefore.size, 2, 'both workers answered');
  for (const [name, cookie] of tokenOf) {
    for (let i = 0; i < 10; i++) assert.equal((await get('sticky.test', cookie)).name, name);
  }
});

test('rate limits are per worker: limit-rpm 1 with burst 1 passes two requests per worker process', async () => {
  const before = await served();
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) statuses.push((await get('limited.test')).status);
  const after = await served();
  const hit = [...after].filter(([w, n]) => n > (before.get(w) ?? 0)).length;
  assert.equal(hit, 2, 'fresh connections reached both workers');
  assert.equal(statuses.filter((s) => s === 200).length, 2 * hit, statuses.join(','));
  assert.ok(statuses.filter((s) => s === 503).length === 30 - 2 * hit);
});
