import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../../src/dataplane/http1/parser.ts';
import { LIMITS, parseResponses, Recorder } from './parse-helpers.ts';

const STEPS = [0, 1, 5];

function ok(input: string, methods: string[], check: (r: Recorder) => void): void {
  for (const step of STEPS) {
    const r = parseResponses(input, methods, step);
    assert.equal(r.error, null, `step ${step}: ${JSON.stringify(r.error)}`);
    check(r);
  }
}

function bad(input: string, code?: string): void {
  for (const step of STEPS) {
    const r = parseResponses(input, ['GET'], step);
    assert.ok(r.error !== null, `step ${step}: accepted ${JSON.stringify(input)}`);
    if (code !== undefined) assert.equal(r.error.code, code, JSON.stringify(input));
  }
}

test('status line, reason, headers and a Content-Length body; keep-alive then a second response', () => {
  ok('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: y\r\n\r\nhiHTTP/1.1 404 Not  Found\r\nContent-Length: 0\r\n\r\n', ['GET', 'GET'], (r) => {
    assert.equal(r.messages.length, 2);
    const [a, b] = r.messages;
    assert.equal(a.head.statusCode, 200);
    assert.equal(a.head.reason, 'OK');
    assert.equal(a.head.method, '');
    assert.deepEqual(a.head.headers, ['Content-Length', '2', 'X', 'y']);
    assert.equal(a.body, 'hi');
    assert.equal(a.head.keepAlive, true);
    assert.equal(b.head.statusCode, 404);
    assert.equal(b.head.reason, 'Not  Found');
    assert.ok(b.complete);
  });
});

test('a status line without reason phrase, with or without the SP', () => {
  ok('HTTP/1.1 204\r\n\r\n', ['GET'], (r) => assert.equal(r.messages[0].head.reason, ''));
  ok('HTTP/1.1 204 \r\n\r\n', ['GET'], (r) => assert.ok(r.messages[0].complete));
});

test('HEAD, 204 and 304 responses have no body whatever their headers say (RFC 9112 §6.3)', () => {
  ok('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx', ['HEAD', 'GET', 'GET'], (r) => {
    assert.equal(r.messages.length, 3);
    assert.equal(r.messages[0].body, '');
    assert.equal(r.messages[0].head.contentLength, 10);
    assert.equal(r.messages[1].body, '');
    assert.equal(r.messages[2].body, 'x');
  });
});

test('interim 1xx responses go to onInterim, the final response follows', () => {
  ok('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz', ['POST'], (r) => {
    assert.deepEqual(r.interim.map((h) => h.statusCode), [100, 103]);
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0].body, 'z');
  });
});

test('101 and 2xx to CONNECT end parsing: the rest is the tunnel', () => {
  const rec = new Recorder();
  const p = new ResponseParser(LIMITS, rec);
  p.expect('GET');
  p.execute(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframe'));
  assert.equal(rec.messages[0].head.upgrade, true);
  assert.ok(rec.messages[0].complete);
  assert.equal(p.detach().toString(), 'frame');
  ok('HTTP/1.1 200 Connection established\r\nContent-Length: 3\r\n\r\n', ['CONNECT'], (r) => {
    assert.equal(r.messages[0].head.upgrade, true);
    assert.equal(r.messages[0].body, '');
  });
});

test('chunked response with trailers; non-final chunked and other codings read until close', () => {
  ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n', ['GET'], (r) => {
    assert.equal(r.messages[0].body, 'abc');
    assert.deepEqual(r.messages[0].trailers, ['T', '1']);
  });
  // 0xA0 is obs-text, not OWS (RFC 9110 §5.6.3): `\xA0chunked` is an unknown coding, as llhttp reads it.
  for (const te of ['gzip', 'chunked, gzip', '\xA0chunked', 'chunked\xA0', '\xA0chunked, gzip']) {
    const rec = new Recorder();
    const p = new ResponseParser(LIMITS, rec);
    p.expect('GET');
    p.execute(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\nraw`, 'latin1'));
    p.execute(Buffer.from('more'));
    assert.equal(rec.messages[0].head.keepAlive, false);
    assert.equal(rec.messages[0].complete, false);
    p.finish();
    assert.equal(rec.messages[0].body, 'rawmore');
    assert.ok(rec.messages[0].complete);
  }
});

test('OWS around field values is SP / HTAB only (RFC 9110 §5.6.3, RFC 9112 §5.1)', () => {
  ok('HTTP/1.1 200 OK\r\nContent-Length: \t\t 3 \t\r\n\r\nabc', ['GET'], (r) => {
    assert.deepEqual(r.messages[0].head.headers, ['Content-Length', '3']);
    assert.equal(r.messages[0].body, 'abc');
  });
  bad('HTTP/1.1 200 OK\r\nContent-Length: \xA03\r\n\r\nabc', 'bad_content_length');
  // `Connection: \xA0close` names no option this parser knows: HTTP/1.1 stays persistent.
  ok('HTTP/1.1 200 OK\r\nConnection: \xA0close\r\nContent-Length: 0\r\n\r\n', ['GET'], (r) => assert.equal(r.messages[0].head.keepAlive, true));
});

test('no framing at all: read until close; finish() fails a truncated body or head', () => {
  const rec = new Recorder();
  const p = new ResponseParser(LIMITS, rec);
  p.expect('GET');
  p.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\nbody'));
  p.finish();
  assert.equal(rec.messages[0].body, 'body');
  assert.ok(rec.messages[0].complete);
  for (const partial of ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab', 'HTTP/1.1 200 O', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab']) {
    const r = new Recorder();
    const q = new ResponseParser(LIMITS, r);
    q.expect('GET');
    q.execute(Buffer.from(partial));
    q.finish();
    assert.equal(r.error?.code, 'incomplete_message', partial);
  }
  const idle = new Recorder();
  const q = new ResponseParser(LIMITS, idle);
  q.finish();
  assert.equal(idle.error, null);
});

test('a bad upstream response fails: CL+TE, duplicate CL, bad status line, bare LF, obs-fold', () => {
  bad('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'cl_and_te');
  bad('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'duplicate_content_length');
  bad('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'bad_content_length');
  bad('HTTP/1.1 20 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1 2000 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1 099 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1 600 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1 200 O\x01K\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1  200 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/1.1\r\n\r\n', 'bad_status_line');
  bad('HTTP/2 200 OK\r\n\r\n', 'bad_status_line');
  bad('HTTP/2.0 200 OK\r\n\r\n', 'version_not_supported');
  bad('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', 'bad_line_ending');
  bad('HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 'obs_fold');
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'bad_chunk');
  bad('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'transfer_encoding_in_http10');
  // RFC 9112 §6.1: chunked MUST NOT be applied more than once (differential fuzz seeds 134, 1674, 2338).
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'bad_transfer_encoding');
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 'bad_transfer_encoding');
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked, chunked\r\n\r\n', 'bad_transfer_encoding');
  const long = parseResponses('HTTP/1.1 200 ' + 'x'.repeat(200), ['GET'], 0, { ...LIMITS, maxRequestLineBytes: 100 });
  assert.equal(long.error?.code, 'bad_status_line');
});
