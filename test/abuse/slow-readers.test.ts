// Abuse suite, slow readers under contention (src/dataplane/http/slow-readers.ts): with the
// endpoint's connections (--upstream-max-connections) all held by clients that stopped reading,
// a request to the same endpoint is served within seconds, not after --client-send-timeout (60 s
// by default): a response stalled for over a second gives its connection up to the waiting
// request. On both HTTP/1 engines. The slowhttptest version (1,000 connections) is in
// test/abuse/slow/slowhttptest.slow.ts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { request, startGateway, type TestGateway } from '../support/gateway.ts';
import { sleep } from './support.ts';

const MAX = 2;
let echo: EchoServer;

before(async () => {
  echo = await startEchoServer({ name: 'web' });
});
after(async () => {
  await echo.close();
});

/** A client that asks for a large body and never reads it; resolves when its connection closes. */
function stalledReader(port: number): { closed: Promise<void>; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write('GET /bytes/1000000000 HTTP/1.1\r\nHost: slow.test\r\n\r\n');
    socket.pause();
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => {});
  return { closed, socket };
}

for (const engine of ['lean', 'node'] as const) {
  test(`${engine} engine: ${MAX} stalled readers hold every upstream connection; a request to the same endpoint is served within seconds and a stalled reader is closed`, { timeout: 30_000 }, async (t) => {
    let gw: TestGateway | null = null;
    const readers: ReturnType<typeof stalledReader>[] = [];
    try {
      gw = await startGateway([ingressClass(), ...backendFor('default', 'web', [echo.port]),
        ingress('default', 'web', [{ paths: [{ path: '/', service: 'web', port: 80 }] }])],
      { logLevel: 'warn', http1Engine: engine, upstreamMaxConnections: MAX, clientSendTimeoutMs: 60_000 });
      for (let i = 0; i < MAX; i++) readers.push(stalledReader(gw.app.ports.http));
      // Long enough for the socket buffers to fill and the responses to count as stalled.
      await sleep(2000);
      const t0 = Date.now();
      const r = await Promise.race([request(`${gw.url}/anything`, { host: 'slow.test' }), sleep(10_000).then(() => null)]);
      const ms = Date.now() - t0;
      // A paused socket does not see its connection closed: read again, the cut one ends.
      for (const x of readers) x.socket.resume();
      const cut = await Promise.race([Promise.any(readers.map((x) => x.closed)).then(() => true), sleep(3000).then(() => false)]);
      t.diagnostic(`sent: ${MAX} x GET /bytes/1000000000 never read (--upstream-max-connections ${MAX}, --client-send-timeout 60s), then GET /anything`);
      t.diagnostic(`got:  ${r === null ? 'no answer within 10 s' : `${r.status} after ${ms} ms`}; a stalled reader closed: ${cut}`);
      assert.ok(r !== null, 'the request waiting for a connection was not served within 10 s');
      assert.equal(r.status, 200);
      assert.ok(ms < 5000, `served after ${ms} ms`);
      assert.ok(cut, 'no stalled reader was closed');
    } finally {
      for (const x of readers) x.socket.destroy();
      await gw?.close();
    }
  });
}
