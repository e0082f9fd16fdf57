// Abuse suite, strictness where nginx is strict: Host, methods, Forwarded, what error bodies reveal.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { deadPort, eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { createLogger } from '../../src/util/logger.ts';
import { raw, show, statusOf } from './support.ts';

let echo: EchoServer;
let px: Harness;
let trace: Harness;
const logs: string[] = [];

async function start(allowTrace: boolean): Promise<Harness> {
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const h = await startProxy({ allowTrace, verboseErrors: false, logger: createLogger({ level: 'info', destination: stream }) });
  h.dp.apply(snapshot(1, [vhost('s', [route('Prefix', '/dead', 'default/dead:80'), route('Prefix', '/', 'default/echo:80')])], ['default/echo:80', 'default/dead:80']),
    new Map([['default/echo:80', eps(echo.port)], ['default/dead:80', eps(await deadPort())]]));
  return h;
}

before(async () => {
  echo = await startEchoServer();
  px = await start(false);
  trace = await start(true);
});
after(async () => {
  await px.close();
  await trace.close();
  await echo.close();
});

async function exchange(t: import('node:test').TestContext, port: number, sent: string) {
  const r = await raw(port, sent, { waitMs: 2000, until: (s) => /\r\n\r\n/.test(s) && (/content-length: 0\r\n/i.test(s) || /\n\n?$|\}$/.test(s)) });
  show(t, sent, r);
  return r;
}

test('two Host lines, or a Host that is not host[:port] → 400, nothing forwarded', async (t) => {
  const before = echo.requests;
  for (const hosts of [['s', 's'], ['s', 'evil']]) {
    const sent = `GET / HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}\r\n`;
    assert.equal(statusOf((await exchange(t, px.port, sent)).text), 400);
  }
  for (const host of ['s/evil', 's evil', 's:80x', 'a@b', 's\\x']) {
    assert.equal(statusOf((await exchange(t, px.port, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).text), 400, host);
  }
  assert.equal(echo.requests, before);
  assert.equal(statusOf((await exchange(t, px.port, 'GET / HTTP/1.1\r\nHost: s:8080\r\nConnection: close\r\n\r\n')).text), 200);
  assert.equal(statusOf((await exchange(t, px.port, 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n')).text), 404);
});

test('TRACE → 405 unless --allow-trace; CONNECT → 405', async (t) => {
  const tr = 'TRACE / HTTP/1.1\r\nHost: s\r\nCookie: secret\r\n\r\n';
  const r = await exchange(t, px.port, tr);
  assert.equal(statusOf(r.text), 405);
  assert.match(r.text, /\r\nallow: GET/i);
  assert.doesNotMatch(r.text, /secret/);
  assert.equal(statusOf((await exchange(t, trace.port, 'TRACE / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n')).text), 200, 'forwarded when allowed');
  const cs = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n';
  const c = await raw(px.port, cs, { waitMs: 2000 });
  show(t, cs, c);
  assert.equal(statusOf(c.text), 405);
  assert.ok(c.closed);
});

test("an untrusted client's Forwarded header is dropped like its X-Forwarded-*", async (t) => {
  const sent = 'GET / HTTP/1.1\r\nHost: s\r\nForwarded: for=6.6.6.6;proto=https\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n';
  const r = await exchange(t, px.port, sent);
  const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
  assert.equal(body.headers.forwarded, undefined);
  assert.equal(body.headers['x-forwarded-for'], '127.0.0.1');
});

test('error bodies carry the code and a request id (also in the access log), never an endpoint address; nosniff', async (t) => {
  const r = await exchange(t, px.port, 'GET /dead HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(r.text), 502);
  assert.match(r.text, /\r\nx-content-type-options: nosniff\r\n/);
  assert.doesNotMatch(r.text, /127\.0\.0\.1|default\/dead/, 'no address, no object name');
  const id = /request-id: (\S+)/.exec(r.text)?.[1];
  assert.ok(id !== undefined, 'request id in the body');
  await new Promise((res) => setTimeout(res, 50));
  assert.ok(logs.some((l) => l.includes(`"requestId":"${id}"`) && l.includes('PORTICO_ERR_UPSTREAM_CONNECT')), 'the access log line has the same id');
  const nf = await exchange(t, px.port, 'GET / HTTP/1.1\r\nHost: nowhere\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(nf.text), 404);
  assert.match(nf.text, /code: PORTICO_ERR_ROUTE_NOT_FOUND/);
});
