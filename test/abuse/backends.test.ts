// Abuse suite, misbehaving backends: every answer below is written by hand on a raw socket.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { raw, rawBackend, show, statusOf, type RawBackend } from './support.ts';

/** path → what the backend writes for it (undefined: hold the socket and write nothing). */
const ANSWERS: Record<string, ((s: Socket) => void) | undefined> = {
  '/continue': (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
  '/continue-twice': (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nnew'),
  '/early-hints': (s) => s.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
  '/no-content': (s) => s.write('HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nx-a: 1\r\n\r\n'),
  '/reset-mid-body': (s) => {
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhalf');
    setTimeout(() => s.resetAndDestroy(), 50);
  },
  '/cl-te': (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  '/bad-status': (s) => s.end('HTTP/1.1 2OO OK\r\ncontent-length: 2\r\n\r\nok'),
  '/crlf-header': (s) => s.end('HTTP/1.1 200 OK\r\nx-evil: a\rset-cookie: pwned=1\r\ncontent-length: 2\r\n\r\nok'),
  '/huge-headers': (s) => s.end(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(200_000)}\r\ncontent-length: 2\r\n\r\nok`),
  '/hang': undefined,
};

let be: RawBackend;
let px: Harness;

before(async () => {
  be = await rawBackend((sock, head) => {
    const path = head.split(' ')[1];
    const answer = ANSWERS[path];
    if (answer !== undefined) answer(sock);
  });
  px = await startProxy({ upstreamTimeoutMs: 800 });
  px.dp.apply(snapshot(1, [vhost('b', [route('Prefix', '/', 'default/be:80')])], ['default/be:80']),
    new Map([['default/be:80', eps(be.port)]]));
});
after(async () => {
  await px.close();
  await be.close();
});

async function get(t: import('node:test').TestContext, path: string, waitMs = 2500) {
  const sent = `GET ${path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n`;
  const r = await raw(px.port, sent, { waitMs });
  show(t, sent, r);
  return r;
}

test('B8: unsolicited 100 Continue before the real response is ignored (RFC 9110 §15.2)', async (t) => {
  const r = await get(t, '/continue');
  assert.equal(statusOf(r.text), 200);
  assert.ok(r.text.endsWith('\r\n\r\nok'), 'the final response reaches the client');
  assert.doesNotMatch(r.text, /100 Continue/);
  const r2 = await get(t, '/continue-twice');
  assert.equal(statusOf(r2.text), 201);
  assert.ok(r2.text.endsWith('new'));
});

test('B9: no Content-Length on a 204 (RFC 9110 §8.6)', async (t) => {
  const r = await get(t, '/no-content');
  assert.equal(statusOf(r.text), 204);
  assert.doesNotMatch(r.text, /content-length/i);
  assert.match(r.text, /x-a: 1/);
});

test('already held: 103 Early Hints is skipped and the final response follows', async (t) => {
  const r = await get(t, '/early-hints');
  assert.equal(statusOf(r.text.slice(r.text.lastIndexOf('HTTP/1.1 '))), 200);
  assert.ok(r.text.endsWith('ok'));
});

test('already held: a reset in the middle of the body cuts the client response (no short 200 passed as whole)', async (t) => {
  const r = await get(t, '/reset-mid-body');
  assert.equal(statusOf(r.text), 200);
  assert.ok(r.closed);
  const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
  assert.ok(body.length < 100, 'the client can tell the body is short');
});

test('already held: CL+TE response, bad status line, CR in a header value, huge headers → 502, nothing relayed', async (t) => {
  for (const path of ['/cl-te', '/bad-status', '/crlf-header', '/huge-headers']) {
    const r = await get(t, path);
    assert.equal(statusOf(r.text), 502, path);
    assert.doesNotMatch(r.text, /pwned|hello/);
  }
});

test('already held: a backend that never answers → 504 at --upstream-timeout', async (t) => {
  const r = await get(t, '/hang');
  assert.equal(statusOf(r.text), 504);
  assert.ok(r.ms < 2400, `answered after ${r.ms} ms`);
});
