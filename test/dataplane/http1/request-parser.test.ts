import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser } from '../../../src/dataplane/http1/parser.ts';
import { LIMITS, parseRequests, Recorder } from './parse-helpers.ts';

const STEPS = [0, 1, 3, 7];

function ok(input: string, check: (r: Recorder) => void): void {
  for (const step of STEPS) {
    const r = parseRequests(input, step);
    assert.equal(r.error, null, `step ${step}: ${JSON.stringify(r.error)}`);
    check(r);
  }
}

function bad(input: string, status: number, code?: string): void {
  for (const step of STEPS) {
    const r = parseRequests(input, step);
    assert.ok(r.error !== null, `step ${step}: accepted ${JSON.stringify(input)}`);
    assert.equal(r.error.status, status, `step ${step}: ${JSON.stringify(input)} → ${JSON.stringify(r.error)}`);
    if (code !== undefined) assert.equal(r.error.code, code);
    assert.ok(r.messages.every((m) => m.complete) || r.messages.length > 0);
  }
}

test('a simple GET: method, target, version, headers in original case with OWS trimmed', () => {
  ok('GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Thing: \t v a l \t \r\nEmpty:\r\n\r\n', (r) => {
    assert.equal(r.messages.length, 1);
    const { head, body, complete, trailers } = r.messages[0];
    assert.equal(head.method, 'GET');
    assert.equal(head.target, '/a?b=1');
    assert.equal(head.versionMinor, 1);
    assert.deepEqual(head.headers, ['Host', 'example.com', 'X-Thing', 'v a l', 'Empty', '']);
    assert.equal(head.contentLength, -1);
    assert.equal(head.chunked, false);
    assert.equal(head.keepAlive, true);
    assert.equal(head.upgrade, false);
    assert.equal(body, '');
    assert.equal(complete, true);
    assert.equal(trailers, null);
  });
});

test('Content-Length body, then a pipelined second request in strict order', () => {
  ok('POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /y HTTP/1.1\r\nHost: h\r\n\r\n', (r) => {
    assert.equal(r.messages.length, 2);
    assert.equal(r.messages[0].head.contentLength, 5);
    assert.equal(r.messages[0].body, 'hello');
    assert.equal(r.messages[1].head.target, '/y');
    assert.ok(r.messages[1].complete);
  });
});

test('chunked body with extensions and trailers', () => {
  const input = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;a=b;c="q \\" d"\r\nhello\r\nA\r\n0123456789\r\n0;last\r\nX-Sum: 1 \r\nOther: two\r\n\r\n';
  ok(input, (r) => {
    const m = r.messages[0];
    assert.equal(m.head.chunked, true);
    assert.equal(m.head.contentLength, -1);
    assert.equal(m.body, 'hello0123456789');
    assert.deepEqual(m.trailers, ['X-Sum', '1', 'Other', 'two']);
    assert.ok(m.complete);
  });
  ok('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', (r) => {
    assert.equal(r.messages[0].trailers, null);
    assert.ok(r.messages[0].complete);
  });
});

test('body chunks are subarrays of the input (no copy)', () => {
  const buf = Buffer.from('POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd');
  const chunks: Buffer[] = [];
  const p = new RequestParser(LIMITS, { onHead() {}, onBody(c) { chunks.push(c); }, onComplete() {}, onError() {} });
  p.execute(buf);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].buffer, buf.buffer);
});

test('leading empty lines are ignored (RFC 9112 §2.2)', () => {
  ok('\r\n\r\nGET / HTTP/1.1\r\n\r\n', (r) => assert.equal(r.messages.length, 1));
});

test('keep-alive: HTTP/1.1 default, Connection: close, HTTP/1.0 needs keep-alive', () => {
  ok('GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n', (r) => assert.equal(r.messages[0].head.keepAlive, false));
  ok('GET / HTTP/1.0\r\n\r\n', (r) => {
    assert.equal(r.messages[0].head.versionMinor, 0);
    assert.equal(r.messages[0].head.keepAlive, false);
  });
  ok('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', (r) => assert.equal(r.messages[0].head.keepAlive, true));
});

test('Expect: 100-continue on HTTP/1.1 only; upgrade needs Connection: upgrade and Upgrade', () => {
  ok('PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx', (r) => assert.equal(r.messages[0].head.expectContinue, true));
  ok('PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n', (r) => assert.equal(r.messages[0].head.expectContinue, false));
  ok('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n', (r) => assert.equal(r.messages[0].head.upgrade, false));
  ok('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', (r) => assert.equal(r.messages[0].head.upgrade, true));
});

test('after an upgrade request the parser stops; detach() returns the bytes that followed', () => {
  const r = new Recorder();
  const p = new RequestParser(LIMITS, r);
  p.execute(Buffer.from('GET /ws HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x00GET', 'latin1'));
  p.execute(Buffer.from(' / HTTP/1.1\r\n\r\n'));
  assert.equal(r.messages.length, 1);
  assert.ok(r.messages[0].complete);
  assert.equal(p.detach().toString('latin1'), '\x81\x00GET / HTTP/1.1\r\n\r\n');
  p.execute(Buffer.from('more'));
  assert.equal(r.messages.length, 1);
});

test('CONNECT takes authority-form, has no content and stops the parser', () => {
  ok('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 3\r\n\r\nabc', (r) => {
    assert.equal(r.messages[0].head.upgrade, true);
    assert.equal(r.messages[0].body, '');
    assert.ok(r.messages[0].complete);
  });
  bad('CONNECT /x HTTP/1.1\r\n\r\n', 400, 'bad_request_target');
});

test('request-target forms (RFC 9112 §3.2)', () => {
  ok('OPTIONS * HTTP/1.1\r\n\r\n', (r) => assert.equal(r.messages[0].head.target, '*'));
  ok('GET http://example.com/x HTTP/1.1\r\n\r\n', (r) => assert.equal(r.messages[0].head.target, 'http://example.com/x'));
  bad('GET * HTTP/1.1\r\n\r\n', 400, 'bad_request_target');
  bad('GET example.com HTTP/1.1\r\n\r\n', 400, 'bad_request_target');
  bad('GET /a\x7f HTTP/1.1\r\n\r\n', 400);
  bad('GET /\xe9 HTTP/1.1\r\n\r\n', 400);
  bad('GET  / HTTP/1.1\r\n\r\n', 400);
  bad('GET / HTTP/1.1 \r\n\r\n', 400);
});

test('methods: tokens only; unrecognised tokens get 501', () => {
  bad('G(T / HTTP/1.1\r\n\r\n', 400, 'bad_method');
  bad(' GET / HTTP/1.1\r\n\r\n', 400, 'bad_method');
  bad('BREW / HTTP/1.1\r\n\r\n', 501, 'method_not_implemented');
  ok('M-SEARCH / HTTP/1.1\r\n\r\n', (r) => assert.equal(r.messages[0].head.method, 'M-SEARCH'));
});

test('versions: 1.0 and 1.1 only (505), grammar exact (400)', () => {
  bad('GET / HTTP/1.2\r\n\r\n', 505, 'version_not_supported');
  bad('GET / HTTP/2.0\r\n\r\n', 505);
  bad('GET / HTTP/0.9\r\n\r\n', 505);
  bad('GET / http/1.1\r\n\r\n', 400, 'bad_version');
  bad('GET / HTTP/1.10\r\n\r\n', 400);
  bad('GET / HTTP/11\r\n\r\n', 400);
  bad('GET /\r\n\r\n', 400);
});

test('bare LF and bare CR are rejected everywhere in the head', () => {
  bad('GET / HTTP/1.1\nHost: h\r\n\r\n', 400, 'bad_line_ending');
  bad('GET / HTTP/1.1\r\nHost: h\n\r\n', 400, 'bad_line_ending');
  bad('GET / HTTP/1.1\r\nHost: h\r\n\n', 400, 'bad_line_ending');
  bad('GET / HTTP/1.1\r\nHost: h\r\r\n\r\n', 400);
  bad('GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n', 400);
});

test('field grammar: token names, no space before colon, no obs-fold, no controls in values', () => {
  bad('GET / HTTP/1.1\r\nHost : h\r\n\r\n', 400, 'bad_header_name');
  bad('GET / HTTP/1.1\r\n: h\r\n\r\n', 400, 'bad_header_name');
  bad('GET / HTTP/1.1\r\nA(b: h\r\n\r\n', 400, 'bad_header_name');
  bad('GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n', 400, 'obs_fold');
  bad('GET / HTTP/1.1\r\n Host: h\r\n\r\n', 400, 'obs_fold');
  bad('GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', 400, 'bad_header_value');
  bad('GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n', 400, 'bad_header_value');
  bad('GET / HTTP/1.1\r\nNoColon\r\n\r\n', 400, 'bad_header_name');
  ok('GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n', (r) => assert.equal(r.messages[0].head.headers[1], 'caf\xe9'));
});

test('Content-Length: duplicates, lists, signs, overflow and CL+TE are 400', () => {
  bad('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', 400, 'duplicate_content_length');
  bad('POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx', 400, 'bad_content_length');
  bad('POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx', 400, 'bad_content_length');
  bad('POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 400, 'bad_content_length');
  bad('POST / HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n', 400, 'bad_content_length');
  bad('POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'cl_and_te');
  ok('POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n', (r) => assert.ok(r.messages[0].complete));
});

test('Transfer-Encoding: only a lone final chunked is framed; final coding not chunked 400 (RFC 9112 §6.3), other codings before chunked 501', () => {
  ok('POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n', (r) => assert.equal(r.messages[0].head.chunked, true));
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 400, 'bad_transfer_encoding');
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n', 400, 'bad_transfer_encoding');
  // Trailing HTAB is OWS, outside the field value (RFC 9110 §5.5): chunked (llhttp refuses it).
  ok('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n2\r\nhi\r\n0\r\n\r\n', (r) => assert.equal(r.messages[0].body, 'hi'));
  // 0xA0 is obs-text, not OWS (RFC 9110 §5.6.3): not the chunked coding.
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: \xA0chunked\r\n\r\n0\r\n\r\n', 400, 'bad_transfer_encoding');
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, 'unsupported_transfer_encoding');
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400, 'bad_transfer_encoding');
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400);
  bad('POST / HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n', 400);
  bad('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'transfer_encoding_in_http10');
});

test('chunk grammar: hex size bound, no BWS in extensions, CRLF after data', () => {
  const pre = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
  bad(pre + 'g\r\n', 400, 'bad_chunk');
  bad(pre + '\r\n', 400, 'bad_chunk');
  bad(pre + '5 \r\nhello\r\n0\r\n\r\n', 400, 'bad_chunk');
  bad(pre + '5 ;a\r\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5;\r\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5;a=\r\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5;a="x\r\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5;a="x"y\r\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5\r\nhelloX\r\n0\r\n\r\n', 400);
  bad(pre + '5\r\nhello\rX0\r\n\r\n', 400);
  bad(pre + '5\nhello\r\n0\r\n\r\n', 400);
  bad(pre + '5\r\rhello\r\n0\r\n\r\n', 400, 'bad_line_ending');
  bad(pre + 'fffffffffffffff\r\n', 400, 'bad_chunk');
  bad(pre + '1;' + 'a'.repeat(5000) + '\r\n', 400, 'chunk_line_too_long');
  bad(pre + '0\r\nX : y\r\n\r\n', 400, 'bad_header_name');
  ok(pre + '000a\r\n0123456789\r\n0\r\n\r\n', (r) => assert.equal(r.messages[0].body, '0123456789'));
});

test('limits: request line → 414, header bytes and count → 431, exactly at the limit passes', () => {
  const limits = { maxRequestLineBytes: 20, maxHeaderBytes: 30, maxHeaderCount: 2 };
  const line = 'GET /' + 'a'.repeat(6) + ' HTTP/1.1'; // 20 bytes
  for (const step of STEPS) {
    assert.equal(parseRequests(line + '\r\n\r\n', step, limits).error, null);
    assert.equal(parseRequests('GET /' + 'a'.repeat(7) + ' HTTP/1.1\r\n\r\n', step, limits).error?.status, 414);
    assert.equal(parseRequests('GET /' + 'a'.repeat(100), step, limits).error?.status, 414);
    // 28 bytes of field line + final CRLF = 30.
    assert.equal(parseRequests(line + '\r\nA: ' + 'x'.repeat(23) + '\r\n\r\n', step, limits).error, null);
    assert.equal(parseRequests(line + '\r\nA: ' + 'x'.repeat(24) + '\r\n\r\n', step, limits).error?.code, 'header_section_too_large');
    assert.equal(parseRequests(line + '\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', step, limits).error?.code, 'too_many_headers');
    assert.equal(parseRequests(line + '\r\nA: 1\r\nB: 2\r\n\r\n', step, limits).error, null);
  }
});

test('after onError the parser stays failed until reset()', () => {
  const r = new Recorder();
  const p = new RequestParser(LIMITS, r);
  p.execute(Buffer.from('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n'));
  assert.equal(r.error?.code, 'bad_header_name');
  p.execute(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  assert.equal(r.messages.length, 0);
  p.reset();
  r.error = null;
  p.execute(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  assert.equal(r.messages.length, 1);
});

test('pause() in onComplete holds pipelined input until resume()', () => {
  const r = new Recorder();
  const p = new RequestParser(LIMITS, r);
  r.onCompleteHook = () => p.pause();
  p.execute(Buffer.from('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3'));
  assert.equal(r.messages.length, 1);
  p.execute(Buffer.from(' HTTP/1.1\r\n\r\n'));
  assert.equal(r.messages.length, 1);
  p.resume();
  assert.equal(r.messages.length, 2);
  p.resume();
  assert.deepEqual(r.messages.map((m) => m.head.target), ['/1', '/2', '/3']);
  assert.equal(p.idle, true);
});

test('detach() from onHead returns the whole message as received, even across reads', () => {
  const r = new Recorder();
  const p = new RequestParser(LIMITS, r);
  let raw: Buffer | null = null;
  r.onHeadHook = (head) => { if (head.target === '/b') raw = p.detach(); };
  p.execute(Buffer.from('GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nHo'));
  assert.equal(raw, null);
  p.execute(Buffer.from('st: h\r\nContent-Length: 2\r\n\r\nxyGET'));
  assert.equal(String(raw), 'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxyGET');
  assert.equal(r.messages.length, 2);
  assert.equal(r.messages[1].body, '');
  p.execute(Buffer.from(' / HTTP/1.1\r\n\r\n'));
  assert.equal(r.messages.length, 2);
});
