// Abuse suite: with --request-buffering, slow uploads hold no upstream connection until their body
// is complete; the body then reaches the backend whole.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Socket } from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { show, sleep, statusOf } from './support.ts';

let echo: EchoServer;
let px: Harness;

before(async () => {
  echo = await startEchoServer();
  px = await startProxy({ requestBufferBytes: 1024, clientBodyTimeoutMs: 5000 });
  px.dp.apply(snapshot(1, [vhost('b', [route('Prefix', '/', 'default/echo:80')])], ['default/echo:80']), new Map([['default/echo:80', eps(echo.port)]]));
});
after(async () => {
  await px.close();
  await echo.close();
});

test('--request-buffering: 20 slow uploads open no upstream connection until each body is whole', async (t) => {
  const head = 'POST /up HTTP/1.1\r\nHost: b\r\nContent-Length: 10\r\nConnection: close\r\n\r\n';
  const socks: Socket[] = [];
  const replies: Promise<string>[] = [];
  const before = echo.sockets;
  for (let i = 0; i < 20; i++) {
    const s = net.connect(px.port, '127.0.0.1', () => s.write(`${head}01234`));
    let text = '';
    replies.push(new Promise((r) => { s.on('data', (c: Buffer) => { text += c.toString(); }); s.on('close', () => r(text)); }));
    s.on('error', () => {});
    socks.push(s);
  }
  await sleep(400);
  const during = echo.sockets - before;
  for (const s of socks) s.write('56789');
  const texts = await Promise.all(replies);
  show(t, `20 × ${JSON.stringify(head + '01234')} … 400 ms … "56789"`, `upstream connections opened while the bodies trickled: ${during}; answers: ${texts.filter((x) => statusOf(x) === 200).length} × 200`);
  assert.equal(during, 0, 'no upstream connection while bodies were incomplete');
  for (const x of texts) {
    assert.equal(statusOf(x), 200);
    assert.equal(JSON.parse(x.slice(x.indexOf('\r\n\r\n') + 4)).body, '0123456789');
  }
});

test('--request-buffering: a body over the bound, or chunked, streams as before', async () => {
  const big = 'x'.repeat(4096);
  const s = net.connect(px.port, '127.0.0.1');
  let text = '';
  await new Promise<void>((r) => {
    s.on('connect', () => s.write(`POST /big HTTP/1.1\r\nHost: b\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n${big}`));
    s.on('data', (c: Buffer) => { text += c.toString(); });
    s.on('close', () => r());
  });
  assert.equal(statusOf(text), 200);
  assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).body, big);
});
