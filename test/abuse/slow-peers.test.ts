// Abuse suite, slow peers over HTTP/1: a client that stops reading (B3), stops sending its body,
// or never finishes its request head. Each must end with both sides closed, the upstream released.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { raw, rawBackend, show, sleep, statusOf, type RawBackend } from './support.ts';

/** A backend streaming an endless body with backpressure; counts its open connections. */
async function endlessBackend(): Promise<{ port: number; readonly open: number; close(): Promise<void> }> {
  const socks = new Set<Socket>();
  const chunk = Buffer.alloc(64 * 1024, 97);
  const server = net.createServer((s) => {
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => s.destroy());
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\n');
      const pump = (): void => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    get open() { return socks.size; },
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let endless: Awaited<ReturnType<typeof endlessBackend>>;
let hold: RawBackend;
let px: Harness;

before(async () => {
  endless = await endlessBackend();
  hold = await rawBackend(() => { /* reads the head, never answers */ });
  px = await startProxy({ clientSendTimeoutMs: 500, clientBodyTimeoutMs: 500, upstreamTimeoutMs: 30_000 },
    { maxHeaderSize: 32 * 1024, headerTimeoutMs: 500, keepaliveTimeoutMs: 300 });
  px.dp.apply(snapshot(1, [vhost('s', [route('Prefix', '/big', 'default/endless:80'), route('Prefix', '/', 'default/hold:80')])],
    ['default/endless:80', 'default/hold:80']),
  new Map([['default/endless:80', eps(endless.port)], ['default/hold:80', eps(hold.port)]]));
});
after(async () => {
  await px.close();
  await Promise.all([endless.close(), hold.close()]);
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}

test('B3: a client that stops reading is closed after --client-send-timeout, and the upstream with it', async (t) => {
  const readers: Socket[] = [];
  const sent = 'GET /big HTTP/1.1\r\nHost: s\r\n\r\n';
  for (let i = 0; i < 5; i++) {
    const c = net.connect(px.port, '127.0.0.1');
    c.on('error', () => {});
    c.write(sent);
    c.pause(); // never read: the kernel buffers fill, then Portico's writes stop completing
    readers.push(c);
  }
  assert.ok(await until(() => endless.open === 5, 3000), 'five upstream connections while the responses stream');
  const released = await until(() => endless.open === 0, 6000);
  const closed = readers.map((c) => {
    c.resume(); // now read what is left: the stream must end (closed by Portico), not continue
    return new Promise<number>((r) => {
      let n = 0;
      c.on('data', (d: Buffer) => { n += d.length; });
      c.on('close', () => r(n));
      setTimeout(() => r(-1), 3000);
    });
  });
  const received = await Promise.all(closed);
  show(t, sent, `5 paused readers: upstream connections open after the timeout: ${endless.open}; ` +
    `client bytes then drained before close: ${received.join(', ')} (of a 1,000,000,000-byte body)`);
  assert.ok(released, `upstream connections still open: ${endless.open}`);
  for (const n of received) assert.ok(n >= 0 && n < 1_000_000_000, 'the client connection was closed by Portico');
});

test('--client-body-timeout: a body that stops arriving closes the client and the upstream request', async (t) => {
  const sent = ['POST /upload HTTP/1.1\r\nHost: s\r\nContent-Length: 100\r\n\r\n', '0123456789'];
  const before = hold.connections;
  const r = await raw(px.port, sent, { gapMs: 50, waitMs: 3000 });
  show(t, sent, r);
  assert.ok(r.closed, 'client connection closed');
  assert.ok(r.ms < 2500, `closed after ${r.ms} ms`);
  assert.ok(hold.connections > before, 'the request had reached the upstream');
  assert.ok(await until(() => hold.open === 0, 2000), `upstream connections still open: ${hold.open}`);
});

test('--client-header-timeout: a request head that never ends → 408 and close', async (t) => {
  const sent = 'GET / HTTP/1.1\r\nHost: s\r\nX-Slow: ';
  const r = await raw(px.port, sent, { waitMs: 4000 });
  show(t, sent, r);
  assert.equal(statusOf(r.text), 408);
  assert.ok(r.closed);
  assert.ok(r.ms < 3000, `after ${r.ms} ms`);
});

test('--keepalive-timeout: an idle keep-alive connection is closed', async (t) => {
  const sent = 'OPTIONS * HTTP/1.1\r\nHost: s\r\n\r\n';
  const r = await raw(px.port, sent, { waitMs: 3000 });
  show(t, sent, r);
  assert.equal(statusOf(r.text), 200);
  assert.ok(r.closed && r.ms < 2000, `closed after ${r.ms} ms`);
});

test('--max-header-size: a head over the bound → 431', async (t) => {
  const sent = `GET / HTTP/1.1\r\nHost: s\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`;
  const r = await raw(px.port, sent, { waitMs: 2000 });
  show(t, sent, r);
  assert.equal(statusOf(r.text), 431);
});

test('a client that goes away in the middle of its request body releases the upstream connection', async (t) => {
  const socks: Socket[] = [];
  const sent = 'POST /upload HTTP/1.1\r\nHost: s\r\nContent-Length: 8192\r\n\r\nabc';
  for (let i = 0; i < 10; i++) {
    const s = net.connect(px.port, '127.0.0.1', () => s.write(sent));
    s.on('error', () => {});
    socks.push(s);
  }
  assert.ok(await until(() => hold.open >= 10, 2000), 'the uploads reached the upstream');
  for (const s of socks) s.destroy();
  const released = await until(() => hold.open === 0, 400); // well before the 500 ms body timeout
  show(t, `10 × ${JSON.stringify(sent)}, then the client closes`, `upstream connections open 400 ms later: ${hold.open}`);
  assert.ok(released, `upstream connections still open: ${hold.open}`);
});
