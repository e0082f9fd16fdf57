// The lean engine's framing and timeouts on both legs: re-chunking, read-until-close upstreams,
// HEAD, backpressure, client aborts, slow clients, bounded upstream pools.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { startEchoServer, patternSha256, type EchoServer } from '../../support/echo-server.ts';
import { eps, request, route, snapshot, startProxy, vhost, type Harness } from '../http/helpers.ts';

process.env.PORTICO_HTTP1_ENGINE = 'lean';

let a: EchoServer;
let px: Harness;
let framed: net.Server;

/** Answers by path: /chunked (chunked + trailer), /close (no length, closes), anything else 204. */
async function framingBackend(): Promise<net.Server> {
  const s = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.on('data', (d) => {
      const line = d.toString('latin1').split('\r\n')[0];
      if (line.includes('/chunked')) sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n');
      else if (line.includes('/close')) sock.end('HTTP/1.1 200 OK\r\n\r\nuntil-close');
      else sock.write('HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return s;
}

before(async () => {
  a = await startEchoServer({ name: 'a' });
  framed = await framingBackend();
  px = await startProxy({ clientBodyTimeoutMs: 400, upstreamMaxConnections: 1 },
    { maxHeaderSize: 16 * 1024, headerTimeoutMs: 400, keepaliveTimeoutMs: 600, maxHeaderCount: 100 });
  px.dp.apply(snapshot(1, [
    vhost('a.example', [route('Prefix', '/', 'default/a:80')]),
    vhost('f.example', [route('Prefix', '/', 'default/f:80')]),
  ], ['default/a:80', 'default/f:80']),
  new Map([['default/a:80', eps(a.port)], ['default/f:80', eps((framed.address() as AddressInfo).port)]]));
});
after(async () => {
  await px.close();
  await a.close();
  framed.close();
});

function rawExchange(data: string, ms = 1500): Promise<string> {
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

test('a chunked upstream response is re-chunked to the client; Connection-listed fields dropped', async () => {
  const out = await rawExchange('GET /chunked HTTP/1.1\r\nHost: f.example\r\nConnection: close\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /transfer-encoding: chunked\r\n/);
  assert.doesNotMatch(out, /X-Drop/i);
  assert.match(out, /server: portico\r\n/);
  assert.ok(out.endsWith('3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'), JSON.stringify(out));
});

test('a read-until-close upstream body reaches the client chunked; a 204 has no body or length', async () => {
  const r = await request(px.port, '/close', { host: 'f.example' });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'until-close');
  const ten = await rawExchange('GET /close HTTP/1.0\r\nHost: f.example\r\nConnection: keep-alive\r\n\r\n');
  assert.doesNotMatch(ten, /transfer-encoding/i, 'no chunked coding to an HTTP/1.0 client');
  assert.match(ten, /connection: close\r\n\r\nuntil-close$/);
  const out = await rawExchange('GET /nothing HTTP/1.1\r\nHost: f.example\r\nConnection: close\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 204 No Content\r\n/);
  assert.doesNotMatch(out, /content-length/i);
  assert.ok(out.endsWith('\r\n\r\n'));
});

test('HEAD gets the headers only', async () => {
  const out = await rawExchange('HEAD /bytes/100 HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n');
  assert.match(out, /content-length: 100\r\n/i);
  assert.ok(out.endsWith('\r\n\r\n'));
});

test('a slow reader gets the whole body (backpressure pauses the upstream, resumes on drain)', async () => {
  const n = 4_000_000;
  const body = await new Promise<Buffer>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: px.port, path: `/bytes/${n}`, headers: { host: 'a.example' }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.pause();
      setTimeout(() => res.resume(), 200);
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
  assert.equal(body.length, n);
  assert.equal(createHash('sha256').update(body).digest('hex'), patternSha256(n));
});

test('a client that goes away mid-response frees the upstream slot (pool of 1 keeps serving)', async () => {
  await new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: px.port, path: '/bytes/20000000', headers: { host: 'a.example' }, agent: false }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.on('error', () => {});
  });
  const r = await request(px.port, '/after-abort', { host: 'a.example' });
  assert.equal(r.status, 200);
});

test('--upstream-max-connections 1: concurrent requests wait for the connection and all succeed', async () => {
  const rs = await Promise.all([1, 2, 3].map((i) => request(px.port, `/delay/100/${i}`, { host: 'a.example' })));
  assert.deepEqual(rs.map((r) => r.status), [200, 200, 200]);
  assert.equal(new Set(rs.map((r) => r.json.remotePort)).size, 1, 'one upstream connection');
});

test('a head that stops arriving gets 408; a body that stops closes the connection; idle keep-alive closes', async () => {
  const t0 = Date.now();
  const head = await rawExchange('GET / HTTP/1.1\r\nHost: a.ex', 3000);
  assert.match(head, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(Date.now() - t0 >= 350);
  const body = await rawExchange('POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 10\r\n\r\nabc', 3000);
  assert.equal(body, '', 'closed without an answer');
  const t1 = Date.now();
  const idle = await rawExchange('GET /k HTTP/1.1\r\nHost: a.example\r\n\r\n', 3000);
  assert.match(idle, /^HTTP\/1\.1 200 /);
  assert.ok(Date.now() - t1 >= 550 && Date.now() - t1 < 2900, 'closed at the keep-alive timeout');
});
