// A backend that sends bytes behind a complete response (the start of a second response in the same
// write) must not have them read as the answer to the next request on that kept-alive connection
// (RFC 9112 §9.3.2: responses match requests by order; upstream-conn.ts unsolicited).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { eps, request, route, snapshot, startProxy, vhost, type Harness } from '../http/helpers.ts';

process.env.PORTICO_HTTP1_ENGINE = 'lean';

let px: Harness;
let backend: net.Server;
let conns = 0;

before(async () => {
  // Each request is answered with a whole response plus the head of a second one nobody asked for.
  backend = net.createServer((sock) => {
    conns++;
    sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nX-Injected: 1\r\n'));
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  px = await startProxy({ upstreamTimeoutMs: 2000 }, { maxHeaderSize: 16 * 1024, headerTimeoutMs: 1000, keepaliveTimeoutMs: 5000, maxHeaderCount: 100 });
  px.dp.apply(snapshot(1, [vhost('u.example', [route('Prefix', '/', 'default/u:80')])], ['default/u:80']),
    new Map([['default/u:80', eps((backend.address() as AddressInfo).port)]]));
});
after(async () => {
  await px.close();
  backend.close();
  backend.unref();
});

test('bytes after a complete upstream response poison that connection: the next request gets its own answer', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) {
    const r = await request(px.port, `/r${i}`, { host: 'u.example', agent });
    assert.equal(r.status, 200, `request ${i}`);
    assert.equal(r.body, 'ok');
    assert.equal(r.headers['x-injected'], undefined, 'the unsolicited head never reaches a client');
  }
  agent.destroy();
  assert.equal(conns, 3, 'a connection that sent unsolicited bytes is never reused');
});
