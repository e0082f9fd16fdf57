// The lean HTTP/1.1 engine end to end: real sockets both legs, the proxy harness of the HTTP
// dataplane tests with `--http1-engine lean`.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startEchoServer, patternSha256, type EchoServer } from '../../support/echo-server.ts';
import { deadPort, eps, request, route, snapshot, startProxy, vhost, type Harness } from '../http/helpers.ts';
import { createHash } from 'node:crypto';

process.env.PORTICO_HTTP1_ENGINE = 'lean';

let a: EchoServer;
let px: Harness;
let bad: net.Server;
let silent: net.Server;
let dead: number;

/** A backend that answers every request with `reply` (raw bytes), then keeps the socket. */
async function rawBackend(reply: string): Promise<net.Server> {
  const s = net.createServer((sock) => {
    sock.on('data', () => sock.write(reply));
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return s;
}
const portOf = (s: net.Server): number => (s.address() as AddressInfo).port;

async function counts(): Promise<{ lean: number; node: number }> {
  const m = await px.metrics.http1EngineRequests.get();
  const v = (e: string): number => m.values.find((x) => x.labels.engine === e)?.value ?? 0;
  return { lean: v('lean'), node: v('node') };
}

/** Raw exchange: writes `data`, collects until the peer closes or `ms` pass. */
function raw(data: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(px.port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => { out += c.toString('latin1'); });
    s.on('error', () => {});
    const t = setTimeout(() => { s.destroy(); resolve(out); }, ms);
    s.on('close', () => { clearTimeout(t); resolve(out); });
    s.write(data);
  });
}

before(async () => {
  a = await startEchoServer({ name: 'a' });
  bad = await rawBackend('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n');
  silent = await rawBackend('');
  dead = await deadPort();
  px = await startProxy({ upstreamTimeoutMs: 600, maxHeaderCount: 20, requestIds: true },
    { maxHeaderSize: 16 * 1024, headerTimeoutMs: 1000, keepaliveTimeoutMs: 2000, maxHeaderCount: 20 });
  px.dp.apply(snapshot(1, [
    vhost('a.example', [route('Prefix', '/', 'default/a:80')]),
    vhost('retry.example', [route('Prefix', '/', 'default/retry:80')]),
    vhost('bad.example', [route('Prefix', '/', 'default/bad:80')]),
    vhost('silent.example', [route('Prefix', '/', 'default/silent:80')]),
    vhost('tls.example', [route('Prefix', '/', 'default/a:80', { sslRedirect: true })]),
  ], ['default/a:80', 'default/retry:80', 'default/bad:80', 'default/silent:80']),
  new Map([['default/a:80', eps(a.port)], ['default/retry:80', eps(dead, a.port)], ['default/bad:80', eps(portOf(bad))],
    ['default/silent:80', eps(portOf(silent))]]));
});
after(async () => {
  await px.close();
  await a.close();
  bad.close();
  silent.close();
});

test('the lean engine serves plain routes: method, path, body, forwarded headers, keep-alive both legs', async () => {
  const before = await counts();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r1 = await request(px.port, '/x?q=1', { host: 'a.example', method: 'POST', body: 'hello', agent });
  const r2 = await request(px.port, '/y', { host: 'a.example', agent });
  agent.destroy();
  assert.equal(r1.status, 200);
  assert.equal(r1.json.path, '/x?q=1');
  assert.equal(r1.json.method, 'POST');
  assert.equal(r1.json.body, 'hello');
  assert.equal(r1.json.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(r1.json.headers['x-forwarded-proto'], 'http');
  assert.equal(r1.json.headers['x-forwarded-host'], 'a.example');
  assert.ok(typeof r1.json.headers['x-request-id'] === 'string');
  assert.equal(r1.headers.connection, 'keep-alive');
  assert.equal(r2.json.remotePort, r1.json.remotePort, 'upstream connection reused');
  const after = await counts();
  assert.equal(after.lean - before.lean, 2);
  assert.equal(after.node - before.node, 0);
});

test('chunked request bodies are re-framed upstream; large bodies stream with their bytes intact', async () => {
  const body = Buffer.alloc(300 * 1024, 7);
  const got = await new Promise<any>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: px.port, path: '/up', method: 'PUT', headers: { host: 'a.example' }, agent: false }, (res) => {
      let s = '';
      res.on('data', (c) => { s += c; });
      res.on('end', () => resolve(JSON.parse(s)));
    });
    req.on('error', reject);
    for (let i = 0; i < 3; i++) req.write(body.subarray(i * 100 * 1024, (i + 1) * 100 * 1024));
    req.end();
  });
  assert.equal(got.body.length, body.length);
  assert.equal(got.body.sha256, createHash('sha256').update(body).digest('hex'));
  const big = await request(px.port, '/bytes/1000000', { host: 'a.example' });
  assert.equal(big.status, 200);
  assert.equal(createHash('sha256').update(Buffer.from(big.body, 'utf8')).digest('hex').length, 64);
  const b2 = await new Promise<Buffer>((resolve) => {
    http.get({ host: '127.0.0.1', port: px.port, path: '/bytes/500000', headers: { host: 'a.example' }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
    });
  });
  assert.equal(createHash('sha256').update(b2).digest('hex'), patternSha256(500000));
});

test('pipelined requests are answered in order on one connection', async () => {
  const out = await raw('GET /delay/150/one HTTP/1.1\r\nHost: a.example\r\n\r\nGET /two HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n');
  const one = out.indexOf('/delay/150/one');
  const two = out.indexOf('"/two"');
  assert.ok(one > 0 && two > one, out);
  assert.equal(out.match(/HTTP\/1\.1 200/g)?.length, 2);
});

test('malformed requests get 400/431/501 from the engine and the connection closes; nothing reaches a backend', async () => {
  const before = a.requests;
  assert.match(await raw('GET / HTTP/1.1\r\nHost: a.example\r\nBad Header: x\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close/);
  assert.match(await raw('GET / HTTP/1.1\nHost: a.example\n\n'), /^HTTP\/1\.1 400 /);
  assert.match(await raw('POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await raw('POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'), /^HTTP\/1\.1 501 /);
  let many = 'GET / HTTP/1.1\r\nHost: a.example\r\n';
  for (let i = 0; i < 25; i++) many += `X-${i}: v\r\n`;
  assert.match(await raw(many + '\r\n'), /^HTTP\/1\.1 431 /);
  assert.equal(a.requests, before);
});

test('a request the engine does not implement is handed to node:http with its bytes', async () => {
  const before = await counts();
  const r = await request(px.port, '/', { host: 'tls.example' });
  assert.equal(r.status, 308, 'ssl-redirect answered by the node path');
  const nf = await request(px.port, '/', { host: 'nowhere.example' });
  assert.equal(nf.status, 404);
  assert.equal(nf.headers['x-portico-error'], 'PORTICO_ERR_ROUTE_NOT_FOUND');
  const odd = await raw('GET /odd HTTP/1.1\r\nHost: a.example\r\nExpect: something-else\r\nConnection: close\r\n\r\n');
  assert.match(odd, /^HTTP\/1\.1 417 /, 'node:http answers an unknown expectation');
  const after = await counts();
  assert.equal(after.node - before.node, 3);
});

test('HTTP/1.0 clients and Expect: 100-continue are served by the engine', async () => {
  const before = await counts();
  const ten = await raw('GET /ten HTTP/1.0\r\nHost: a.example\r\n\r\n');
  assert.match(ten, /^HTTP\/1\.1 200 [\s\S]*connection: close\r\n[\s\S]*"\/ten"/);
  const kept = await raw('GET /kept HTTP/1.0\r\nHost: a.example\r\nConnection: keep-alive\r\n\r\n', 800);
  assert.match(kept, /connection: keep-alive\r\n/);
  const cont = await new Promise<string>((resolve) => {
    const s = net.connect(px.port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
      if (out === 'HTTP/1.1 100 Continue\r\n\r\n') s.write('hello');
    });
    s.on('close', () => resolve(out));
    s.write('POST /c HTTP/1.1\r\nHost: a.example\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
  });
  assert.match(cont, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.match(cont, /"body":"hello"/);
  const after = await counts();
  assert.equal(after.lean - before.lean, 3);
  assert.equal(after.node - before.node, 0);
});

test('connect failures are retried on another endpoint (SPEC §1.7)', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await request(px.port, `/r${i}`, { host: 'retry.example' });
    assert.equal(r.status, 200);
    assert.equal(r.json.name, 'a');
  }
});

test('an invalid upstream response (CL+TE) is a 502 and that connection is not reused', async () => {
  const r = await request(px.port, '/', { host: 'bad.example' });
  assert.equal(r.status, 502);
  assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_RESET');
});

test('an upstream that never answers is a 504 after the upstream timeout', async () => {
  const t0 = Date.now();
  const r = await request(px.port, '/', { host: 'silent.example' });
  assert.equal(r.status, 504);
  assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_TIMEOUT');
  assert.ok(Date.now() - t0 >= 500);
});

test('--max-header-count is enforced on the node path too (node:http would truncate)', async () => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < 25; i++) headers[`x-${i}`] = 'v';
  const r = await request(px.port, '/', { host: 'tls.example', headers });
  assert.equal(r.status, 431);
});
