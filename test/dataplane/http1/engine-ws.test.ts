// WebSocket upgrades on the lean engine (src/dataplane/http1/ws-splice.ts): the handshake framed by
// the engine's parser, a fresh upstream connection, the 101 relayed, then a socket splice. Real
// `ws` clients and servers; raw sockets for the refusal and failure cases.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { startEchoServer, type EchoServer } from '../../support/echo-server.ts';
import { deadPort, eps, route, snapshot, startProxy, vhost, type Harness } from '../http/helpers.ts';

process.env.PORTICO_HTTP1_ENGINE = 'lean';

let a: EchoServer;
let refuser: http.Server;
let px: Harness;
let dead: number;

async function counts(): Promise<{ lean: number; node: number }> {
  const m = await px.metrics.http1EngineRequests.get();
  const v = (e: string): number => m.values.find((x) => x.labels.engine === e)?.value ?? 0;
  return { lean: v('lean'), node: v('node') };
}

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

const HANDSHAKE = (host: string): string => `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

before(async () => {
  a = await startEchoServer({ name: 'a' });
  // Answers every upgrade with a plain 403 and a body (the server declines the handshake).
  refuser = http.createServer((_req, res) => res.end('no'));
  refuser.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n8\r\ndeclined\r\n0\r\n\r\n'));
  await new Promise<void>((r) => refuser.listen(0, '127.0.0.1', () => r()));
  dead = await deadPort();
  px = await startProxy({ connectTimeoutMs: 1000 });
  px.dp.apply(snapshot(1, [
    vhost('a.example', [route('Prefix', '/', 'default/a:80')]),
    vhost('refuse.example', [route('Prefix', '/', 'default/refuse:80')]),
    vhost('dead.example', [route('Prefix', '/', 'default/dead:80')]),
  ], ['default/a:80', 'default/refuse:80', 'default/dead:80']),
  new Map([['default/a:80', eps(a.port)], ['default/refuse:80', eps((refuser.address() as AddressInfo).port)], ['default/dead:80', eps(dead)]]));
});

after(async () => {
  await px.close();
  await a.close();
  refuser.close();
});

test('a WebSocket through the lean engine: messages both ways, served by lean (not handed to node)', async () => {
  const before = await counts();
  const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws`, { headers: { host: 'a.example' } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  for (const m of ['ping', 'x'.repeat(200_000), 'last']) {
    ws.send(m);
    const got = await new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer)));
    assert.equal(got.toString(), m);
  }
  ws.close();
  await new Promise((r) => ws.once('close', r));
  const now = await counts();
  assert.equal(now.lean - before.lean, 1);
  assert.equal(now.node - before.node, 0);
});

test('the 101 is relayed as the upstream sent it; bytes sent right behind the handshake reach the upstream', async () => {
  // A masked text frame "hi" (RFC 6455 §5.2) in the same write as the handshake.
  const mask = [1, 2, 3, 4];
  const frame = Buffer.from([0x81, 0x82, ...mask, 'h'.charCodeAt(0) ^ mask[0], 'i'.charCodeAt(0) ^ mask[1]]);
  const out = await new Promise<Buffer>((resolve) => {
    const s = net.connect(px.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end !== -1 && all.length >= end + 4 + 4) { s.destroy(); resolve(all); }
    });
    s.on('error', () => {});
    s.write(Buffer.concat([Buffer.from(HANDSHAKE('a.example'), 'latin1'), frame]));
  });
  const text = out.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(text, /\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
  const body = out.subarray(text.indexOf('\r\n\r\n') + 4);
  // The echo server sends the message back unmasked: 0x81 0x02 "hi".
  assert.deepEqual([...body.subarray(0, 4)], [0x81, 0x02, 0x68, 0x69]);
});

test('an upstream that declines the handshake: its response is relayed (re-framed), then the close', async () => {
  const out = await raw(HANDSHAKE('refuse.example'));
  assert.match(out, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(out, /\r\nconnection: close\r\n/);
  assert.match(out, /\r\n\r\n8\r\ndeclined\r\n0\r\n\r\n$/);
});

test('upgrade failures are Portico answers: dead endpoint 502, unknown host 404 (from node), nothing spliced', async () => {
  const d = await raw(HANDSHAKE('dead.example'));
  assert.match(d, /^HTTP\/1\.1 502 /);
  assert.match(d, /x-portico-error: PORTICO_ERR_UPSTREAM_CONNECT/);
  const n = await raw(HANDSHAKE('nope.example'));
  assert.match(n, /^HTTP\/1\.1 404 /);
});

test('a non-WebSocket upgrade (h2c) still goes to node:http', async () => {
  const before = await counts();
  const out = await raw('GET /h2c HTTP/1.1\r\nHost: a.example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: close\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 /);
  const now = await counts();
  assert.equal(now.node - before.node, 1);
});

test('a client that drops a splice leaves the engine serving the next one', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws`, { headers: { host: 'a.example' } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.terminate();
  await new Promise((r) => ws.once('close', r));
  // The proxy's side went away too: a new splice still works (no leaked state).
  const ws2 = new WebSocket(`ws://127.0.0.1:${px.port}/ws`, { headers: { host: 'a.example' } });
  await new Promise((resolve, reject) => { ws2.once('open', resolve); ws2.once('error', reject); });
  ws2.send('again');
  assert.equal((await new Promise<Buffer>((resolve) => ws2.once('message', (d) => resolve(d as Buffer)))).toString(), 'again');
  ws2.close();
  await new Promise((r) => ws2.once('close', r));
});
