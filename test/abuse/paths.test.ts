// Abuse suite, path tricks (B4): dot segments and escapes must not reach what no rule exposes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { eps, route, snapshot, startProxy, vhost, type Harness } from '../dataplane/http/helpers.ts';
import { raw, show, statusOf } from './support.ts';
import { normalizePath } from '../../src/dataplane/http/request-target.ts';

let echo: EchoServer;
const proxies: Harness[] = [];

async function proxy(escapedSlashes: 'keep' | 'reject' | 'unescape'): Promise<Harness> {
  const px = await startProxy({ escapedSlashes });
  px.dp.apply(snapshot(1, [vhost('api.test', [route('Prefix', '/api', 'default/echo:80')])], ['default/echo:80']),
    new Map([['default/echo:80', eps(echo.port)]]));
  proxies.push(px);
  return px;
}

before(async () => {
  echo = await startEchoServer({ name: 'echo' });
});
after(async () => {
  for (const px of proxies) await px.close();
  await echo.close();
});

async function send(t: import('node:test').TestContext, port: number, target: string) {
  const sent = `GET ${target} HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n`;
  const r = await raw(port, sent, { waitMs: 2000 });
  show(t, sent, r);
  const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
  let path: string | null = null;
  try { path = JSON.parse(body).path; } catch { /* not the echo */ }
  return { status: statusOf(r.text), path };
}

test('B4: dot segments (plain and percent-encoded) cannot escape a Prefix rule', async (t) => {
  const px = await proxy('keep');
  const before = echo.requests;
  for (const target of ['/api/../internal', '/api/%2e%2e/internal', '/api/.%2e/internal', '/api/%2E%2E/internal', '/api/./../internal']) {
    const r = await send(t, px.port, target);
    assert.equal(r.status, 404, `${target} is /internal: no rule`);
  }
  for (const target of ['/api/%2E%2E/%2E%2E/etc/passwd', '/..', '/api/../../x']) {
    const r = await send(t, px.port, target);
    assert.equal(r.status, 400, `${target} climbs above /`);
  }
  assert.equal(echo.requests, before, 'none of these reached the backend');
});

test('B4: the normalised path is what is matched and forwarded; query kept as sent; fragment dropped', async (t) => {
  const px = await proxy('keep');
  const cases: Array<[string, string]> = [
    ['/api/./v1/../v2', '/api/v2'],
    ['/%61pi/x', '/api/x'],
    ['/api/x%7e%41', '/api/x~A'],
    ['/api/a%2fb', '/api/a%2Fb'],
    ['/api/sp%20ace', '/api/sp%20ace'],
    ['/api/x?a=../b&c=%2e', '/api/x?a=../b&c=%2e'],
    ['/api/x#frag', '/api/x'],
    ['/api/x/.', '/api/x/'],
  ];
  for (const [target, forwarded] of cases) {
    const r = await send(t, px.port, target);
    assert.equal(r.status, 200, target);
    assert.equal(r.path, forwarded, target);
  }
  for (const target of ['/api/%zz', '/api/%2', 'api/x']) {
    assert.equal((await send(t, px.port, target)).status, 400, target);
  }
});

test('B4: --escaped-slashes reject|unescape', async (t) => {
  const rej = await proxy('reject');
  assert.equal((await send(t, rej.port, '/api/a%2Fb')).status, 400);
  assert.equal((await send(t, rej.port, '/api/a%5cb')).status, 400);
  assert.equal((await send(t, rej.port, '/api/ok')).status, 200);
  const un = await proxy('unescape');
  const r = await send(t, un.port, '/api/a%2Fb');
  assert.equal(r.path, '/api/a/b');
  // Decoded slashes separate segments, so they take part in dot-segment removal.
  assert.equal((await send(t, un.port, '/api/..%2F..%2Fetc')).status, 400);
});

test('normalizePath: RFC 3986 §5.2.4 examples and the fast path', () => {
  assert.equal(normalizePath('/a/b/c/./../../g'), '/a/g');
  assert.equal(normalizePath('/mid/content=5/../6'), '/mid/6');
  assert.equal(normalizePath('/a//b/../c'), '/a//c');
  assert.equal(normalizePath('/a/...'), '/a/...');
  const p = '/plain/path';
  assert.equal(normalizePath(p), p);
  assert.deepEqual(normalizePath('/../a'), { error: 'path climbs above the root' });
});
