// End to end: per-route proxy-read/send-timeout (between successive reads/writes), proxy-next-upstream
// (statuses, off), proxy-body-size (declared and streamed bodies, 1024-based, global default), no-op
// keys reported as info, and upstream response headers far above nginx's 4k proxy-buffer-size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, request as undiciRequest } from 'undici';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { deadPort } from '../dataplane/http/helpers.ts';

const NS = 'lim';
const A = 'nginx.ingress.kubernetes.io/';
let gw: TestGateway;
let gwGlobal: TestGateway;
const servers: http.Server[] = [];
let ok: { port: number; requests: number };
let failing: { port: number; requests: number };
let dead: number;

function backend(name: string, status = 200): Promise<{ port: number; requests: number }> {
  const state = { port: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const url = req.url ?? '/';
    if (url.startsWith('/nodrain')) {
      req.pause(); // never reads the body, never answers: the send timeout must fire
      return;
    }
    if (url.startsWith('/slow-headers/')) {
      req.resume();
      setTimeout(() => { if (!res.destroyed) res.end('late'); }, Number(url.split('/')[2]));
      return;
    }
    if (url.startsWith('/drip')) {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const t = setInterval(() => {
        res.write(`chunk${n}\n`);
        if (++n === 5) { clearInterval(t); res.end(); }
      }, 300);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (url.startsWith('/cookies')) {
      req.resume();
      const cookies = Array.from({ length: 40 }, (_, i) => `c${i}=${'x'.repeat(1000)}`);
      res.writeHead(200, { 'set-cookie': cookies, 'content-length': '2' });
      res.end('ok');
      return;
    }
    let length = 0;
    req.on('data', (c: Buffer) => { length += c.length; });
    req.on('end', () => {
      const body = JSON.stringify({ name, length });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { state.port = (server.address() as AddressInfo).port; resolve(state); }));
}

const route = (name: string, svc: string, annotations: Record<string, string>) =>
  ingress(NS, name, [{ host: `${name}.test`, paths: [{ path: '/', service: svc, port: 80 }] }], { annotations });

before(async () => {
  ok = await backend('ok');
  failing = await backend('failing', 503);
  dead = await deadPort();
  const objs = [
    ingressClass(),
    ...backendFor(NS, 'ok', [ok.port]),
    ...backendFor(NS, 'mixed', [ok.port, failing.port]),
    ...backendFor(NS, 'halfdead', [ok.port, dead]),
    route('read', 'ok', { [`${A}proxy-read-timeout`]: '1' }),
    route('unitful', 'ok', { [`${A}proxy-read-timeout`]: '60s' }),
    route('send', 'ok', { [`${A}proxy-send-timeout`]: '1' }),
    route('body', 'ok', { [`${A}proxy-body-size`]: '1k' }),
    route('retry503', 'mixed', { [`${A}proxy-next-upstream`]: 'error timeout http_503' }),
    route('default', 'mixed', {}),
    route('off', 'halfdead', { [`${A}proxy-next-upstream`]: 'off' }),
    route('noop', 'ok', { [`${A}proxy-buffer-size`]: '128k', [`${A}proxy-buffering`]: 'off', [`${A}proxy-http-version`]: '1.1' }),
  ];
  gw = await startGateway(objs);
  gwGlobal = await startGateway([
    ingressClass(),
    ...backendFor(NS, 'ok', [ok.port]),
    route('global', 'ok', {}),
    route('unlimited', 'ok', { [`${A}proxy-body-size`]: '0' }),
  ], { proxyBodySize: 2048 });
});

after(async () => {
  await gw.close();
  await gwGlobal.close();
  for (const s of servers) s.close();
});

test('proxy-read-timeout bounds the wait for the response head (504) but not a response that keeps sending', async () => {
  const slow = await request(gw.url + '/slow-headers/2200', { host: 'read.test' });
  assert.equal(slow.status, 504);
  assert.equal(slow.headers.get('x-portico-error'), 'PORTICO_ERR_UPSTREAM_TIMEOUT');
  // Five chunks 300 ms apart: 1.5 s in total, never 1 s without a read.
  const drip = await request(gw.url + '/drip', { host: 'read.test' });
  assert.equal(drip.status, 200);
  assert.equal(drip.text.split('\n').filter(Boolean).length, 5);
});

test('"60s" is not an integer: reported, the default timeout is kept', async () => {
  const d = gw.app.controller.diagnostics().find((x) => x.object.name === 'unitful' && x.reason === 'InvalidAnnotation');
  assert.ok(d, 'diagnostic');
  assert.match(d.message, /proxy-read-timeout/);
  assert.equal((await request(gw.url + '/slow-headers/1200', { host: 'unitful.test' })).status, 200);
});

test('proxy-send-timeout: an upstream that stops reading the body gets the request cut with 504', async () => {
  const started = Date.now();
  // 32 MiB never fits in the socket buffers, so the upstream's refusal to read stalls the writes.
  const chunk = Buffer.alloc(64 * 1024, 1);
  let sent = 0;
  const body = new Readable({ read() { if (sent < 512) { sent++; this.push(chunk); } else this.push(null); } });
  const res = await undiciRequest(gw.url + '/nodrain', { method: 'POST', headers: { host: 'send.test' }, body }).catch((e: Error) => e);
  const elapsed = Date.now() - started;
  if (res instanceof Error) {
    assert.ok(elapsed < 8000, `connection cut after the send timeout (${elapsed} ms): ${res.message}`);
  } else {
    assert.equal(res.statusCode, 504);
    await res.body.text();
  }
  assert.ok(elapsed >= 900, `not before the timeout (${elapsed} ms)`);
});

test('proxy-body-size: a declared length over the limit is 413 before the upstream sees anything', async () => {
  const before = ok.requests;
  const big = await request(gw.url + '/', { host: 'body.test', method: 'POST', body: 'x'.repeat(1025) });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get('x-portico-error'), 'PORTICO_ERR_BODY_TOO_LARGE');
  assert.equal(ok.requests, before, 'nothing forwarded');
  const fits = await request(gw.url + '/', { host: 'body.test', method: 'POST', body: 'x'.repeat(1024) });
  assert.equal(fits.status, 200);
  assert.equal(fits.json().length, 1024, '1k = 1024 bytes');
});

test('proxy-body-size: a chunked body is cut with 413 as soon as it crosses the limit', async () => {
  const parts = ['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600)];
  const res = await undiciRequest(gw.url + '/', { method: 'POST', headers: { host: 'body.test' }, body: Readable.from(parts.map((p) => Buffer.from(p))) });
  assert.equal(res.statusCode, 413);
  await res.body.text();
  const small = await undiciRequest(gw.url + '/', { method: 'POST', headers: { host: 'body.test' }, body: Readable.from([Buffer.from('x'.repeat(300))]) });
  assert.equal(small.statusCode, 200);
  assert.equal((await small.body.json() as { length: number }).length, 300);
});

test('--proxy-body-size is the default for routes without the annotation; "0" on a route lifts it', async () => {
  assert.equal((await request(gwGlobal.url + '/', { host: 'global.test', method: 'POST', body: 'x'.repeat(3000) })).status, 413);
  assert.equal((await request(gwGlobal.url + '/', { host: 'global.test', method: 'POST', body: 'x'.repeat(2000) })).status, 200);
  assert.equal((await request(gwGlobal.url + '/', { host: 'unlimited.test', method: 'POST', body: 'x'.repeat(100_000) })).status, 200);
});

test('proxy-next-upstream http_503 retries a 503 on the other endpoint; without it the 503 reaches the client', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await request(gw.url + '/', { host: 'retry503.test' })).status);
  assert.deepEqual(statuses, Array(8).fill(200));
  const plain: number[] = [];
  for (let i = 0; i < 8; i++) plain.push((await request(gw.url + '/', { host: 'default.test' })).status);
  assert.ok(plain.includes(503), `the default does not retry statuses (${plain.join(',')})`);
  // A POST whose body was sent is not retried (non_idempotent not set, body consumed).
  const posts: number[] = [];
  for (let i = 0; i < 8; i++) posts.push((await request(gw.url + '/', { host: 'retry503.test', method: 'POST', body: 'data' })).status);
  assert.ok(posts.includes(503), `POST with a body is not replayed (${posts.join(',')})`);
});

test('proxy-next-upstream off: a refused connection is not retried on another endpoint', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await request(gw.url + '/', { host: 'off.test' })).status);
  assert.ok(statuses.includes(502), `some requests hit the dead endpoint and are not retried (${statuses.join(',')})`);
  assert.ok(statuses.includes(200));
});

test('no-op keys are accepted with an info diagnostic; 40 KiB of Set-Cookie passes', async () => {
  const infos = gw.app.controller.diagnostics().filter((d) => d.object.name === 'noop');
  assert.deepEqual(infos.map((d) => [d.reason, d.severity]), [['IgnoredAnnotation', 'info'], ['IgnoredAnnotation', 'info'], ['IgnoredAnnotation', 'info']]);
  // The test client needs a header limit above undici's 16 KiB default too.
  const client = new Agent({ maxHeaderSize: 128 * 1024 });
  const r = await undiciRequest(gw.url + '/cookies', { headers: { host: 'noop.test' }, dispatcher: client });
  assert.equal(r.statusCode, 200);
  const cookies = r.headers['set-cookie'] as string[];
  assert.equal(cookies.length, 40);
  assert.equal(cookies.join('').length > 40_000, true);
  await r.body.text();
  await client.close();
});
