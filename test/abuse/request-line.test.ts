// Abuse suite, HTTP/1 request line and framing: what a hostile client writes on one connection.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { raw, rawBackend, responsesIn, show, sleep, statusOf, type RawBackend } from './support.ts';

let echo: EchoServer;
let slow: RawBackend;
let px: Harness;
const held: Socket[] = [];

before(async () => {
  echo = await startEchoServer({ name: 'echo' });
  // /slow: Content-Length 20, ten bytes now, ten when the test says so.
  slow = await rawBackend((sock) => {
    sock.write('HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n0123456789');
    held.push(sock);
  });
  px = await startProxy();
  px.dp.apply(snapshot(1, [
    vhost('x', [route('Prefix', '/slow', 'default/slow:80'), route('Prefix', '/', 'default/echo:80')]),
  ], ['default/echo:80', 'default/slow:80']),
  new Map([['default/echo:80', eps(echo.port)], ['default/slow:80', eps(slow.port)]]));
});
after(async () => {
  await px.close();
  await Promise.all([echo.close(), slow.close()]);
});

test('B2: HTTP/2.0 (or any major > 1) on the HTTP/1 parser → 505 and the connection closes', async (t) => {
  for (const version of ['HTTP/2.0', 'HTTP/3.0']) {
    const sent = `GET / ${version}\r\nHost: x\r\n\r\n`;
    const r = await raw(px.port, sent, { waitMs: 2000 });
    show(t, sent, r);
    if (r.text !== '') assert.equal(statusOf(r.text), 505, version);
    assert.ok(r.closed, `${version}: connection must be closed, not left open`);
  }
  const before = echo.requests;
  const sent = 'GET / HTTP/2.0\r\nHost: x\r\n\r\n';
  const r = await raw(px.port, sent, { waitMs: 2000 });
  assert.equal(statusOf(r.text), 505);
  assert.equal(echo.requests, before, 'nothing forwarded');
});

test('B5: a malformed request behind a streaming response never lands inside that response', async (t) => {
  const sent = ['GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', 'GARBAGE\r\n\r\n'];
  const pending = raw(px.port, sent, { gapMs: 150, waitMs: 3000 });
  await sleep(400);
  for (const s of held.splice(0)) s.write('abcdefghij'); // the rest of the 20 bytes
  const r = await pending;
  show(t, sent, r);
  const head = r.text.indexOf('\r\n\r\n');
  assert.equal(statusOf(r.text), 200);
  assert.equal(r.text.slice(head + 4, head + 24), '0123456789abcdefghij', 'the first response body is intact');
  const rest = r.text.slice(head + 24);
  assert.ok(rest === '' || statusOf(rest) === 400, `after the body: nothing or a 400, got ${JSON.stringify(rest.slice(0, 40))}`);
  assert.ok(r.closed, 'connection closed after the malformed request');
});

test('B6: non-WebSocket Upgrade (h2c, foo, POST+websocket) is served as plain HTTP/1.1 without the Upgrade', async (t) => {
  const cases = [
    'GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n',
    'GET /foo HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n',
    'POST /ws-post HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi',
  ];
  for (const sent of cases) {
    const r = await raw(px.port, sent, { until: (s) => s.includes('"remotePort"') || s.includes('\r\n\r\n') && !s.startsWith('HTTP/1.1 200'), waitMs: 2000 });
    show(t, sent, r);
    assert.equal(statusOf(r.text), 200, sent.split('\r\n')[0]);
    const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
    assert.equal(body.headers.upgrade, undefined, 'Upgrade is hop-by-hop: not forwarded');
    assert.equal(body.headers['http2-settings'], undefined, 'Connection-listed header not forwarded');
    if (sent.startsWith('POST')) assert.equal(body.body, 'hi');
  }
});

test('B7: OPTIONS * is answered by Portico (200 + Allow), never forwarded, never a connect failure', async (t) => {
  const before = echo.requests;
  const sent = 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n';
  for (let i = 0; i < 6; i++) {
    const r = await raw(px.port, sent, { until: (s) => s.includes('\r\n\r\n'), waitMs: 2000 });
    if (i === 0) show(t, sent, r);
    assert.equal(statusOf(r.text), 200);
    assert.match(r.text, /\r\nallow: [A-Z, ]*OPTIONS/i);
  }
  const other = 'GET * HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await raw(px.port, other, { until: (s) => s.includes('\r\n\r\n'), waitMs: 2000 });
  show(t, other, r);
  assert.equal(statusOf(r.text), 400);
  assert.equal(echo.requests, before, 'nothing forwarded');
  const metrics = await px.metrics.registry.metrics();
  assert.doesNotMatch(metrics, /portico_upstream_errors_total\{[^}]*UPSTREAM_CONNECT[^}]*\} [1-9]/, 'no connect failure counted');
  // The endpoint is still healthy: a normal request is forwarded.
  const ok = await raw(px.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { waitMs: 2000 });
  assert.equal(statusOf(ok.text), 200);
});

test('already held: CL+TE, TE obfuscation, duplicate CL, bad chunk, obs-fold → 400 and nothing forwarded', async (t) => {
  const before = echo.requests;
  const cases = [
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
  ];
  for (const sent of cases) {
    const r = await raw(px.port, sent, { waitMs: 2000 });
    show(t, sent, r);
    assert.equal(statusOf(r.text), 400, sent.split('\r\n').slice(2, 4).join(' | '));
    assert.equal(responsesIn(r.text), 1, 'exactly one response, no smuggled second one');
  }
  assert.equal(echo.requests, before, 'nothing forwarded');
});

test('already held: pipelined requests answered in order; absolute-form routed by its authority', async (t) => {
  const sent = 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET http://x/two HTTP/1.1\r\nHost: other\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const r = await raw(px.port, sent, { waitMs: 3000 });
  show(t, sent, r);
  assert.equal(responsesIn(r.text), 3);
  const paths = [...r.text.matchAll(/"path":"([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(paths, ['/one', '/two', '/three']);
});

test('already held: hop-by-hop and Connection-listed headers are not forwarded', async (t) => {
  const sent = 'GET /hop HTTP/1.1\r\nHost: x\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n\r\n';
  const r = await raw(px.port, sent, { waitMs: 2000 });
  show(t, sent, r);
  const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
  for (const h of ['x-secret', 'keep-alive', 'te', 'proxy-connection']) assert.equal(body.headers[h], undefined, h);
});
