import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { startEchoServer, patternSha256, type EchoServer } from '../../support/echo-server.ts';
import { deadPort, eps, request, route, snapshot, startProxy, vhost, type Harness } from './helpers.ts';

let a: EchoServer, b: EchoServer, c: EchoServer;
let px: Harness;

before(async () => {
  [a, b, c] = await Promise.all([startEchoServer({ name: 'a' }), startEchoServer({ name: 'b' }), startEchoServer({ name: 'c' })]);
  px = await startProxy();
  px.dp.apply(snapshot(1, [
    vhost('foo.bar.com', [route('Prefix', '/', 'default/a:80'), route('Exact', '/b', 'default/b:80')]),
    vhost('*.foo.com', [route('Prefix', '/', 'default/b:80')]),
    vhost('down.example', [route('Prefix', '/', { unavailable: 'ServiceNotFound' })]),
    vhost('empty.example', [route('Prefix', '/', 'default/empty:80')]),
    vhost('rr.example', [route('Prefix', '/', 'default/rr:80')]),
  ], ['default/a:80', 'default/b:80', 'default/empty:80', 'default/rr:80']),
  new Map([['default/a:80', eps(a.port)], ['default/b:80', eps(b.port)], ['default/rr:80', eps(a.port, b.port, c.port)]]));
});
after(async () => {
  await px.close();
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('routes by host and path; method, path, query and body preserved', async () => {
  const r1 = await request(px.port, '/x/y?q=1&r=%20', { host: 'foo.bar.com', method: 'POST', body: 'hi' });
  assert.equal(r1.status, 200);
  assert.equal(r1.json.name, 'a');
  assert.equal(r1.json.path, '/x/y?q=1&r=%20');
  assert.equal(r1.json.method, 'POST');
  assert.equal(r1.json.body, 'hi');
  assert.equal(r1.json.host, 'foo.bar.com');
  assert.equal((await request(px.port, '/b', { host: 'FOO.bar.com.' })).json.name, 'b');
  assert.equal((await request(px.port, '/b', { host: 'foo.bar.com:8080' })).json.name, 'b');
  assert.equal((await request(px.port, '/', { host: 'bar.foo.com' })).json.name, 'b');
  // absolute-form target: its authority is the host (RFC 9112 §3.2.2)
  const abs = await request(px.port, 'http://foo.bar.com/b?z', { host: 'other' });
  assert.equal(abs.json.name, 'b');
  assert.equal(abs.json.path, '/b?z');
});

test('404 with a text body naming host and path; wildcard covers one label only', async () => {
  for (const host of ['baz.bar.foo.com', 'foo.com', 'subdomain.bar.com']) {
    const r = await request(px.port, '/p', { host });
    assert.equal(r.status, 404);
    assert.match(r.body, /no rule matched host/);
    assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_ROUTE_NOT_FOUND');
    assert.equal(r.headers.server, 'portico');
  }
});

test('503 for an unavailable backend (reason in body) and for a cluster without endpoints', async () => {
  const r = await request(px.port, '/', { host: 'down.example' });
  assert.equal(r.status, 503);
  assert.match(r.body, /ServiceNotFound/);
  const e = await request(px.port, '/', { host: 'empty.example' });
  assert.equal(e.status, 503);
  assert.equal(e.headers['x-portico-error'], 'PORTICO_ERR_NO_HEALTHY_ENDPOINT');
});

test('forwarded headers set; untrusted client X-Forwarded-* and X-Real-IP dropped; hop-by-hop stripped', async () => {
  const r = await request(px.port, '/', { host: 'foo.bar.com', headers: {
    'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-real-ip': '6.6.6.6', 'x-forwarded-host': 'evil',
    connection: 'keep-alive, x-secret', 'x-secret': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-connection': 'x',
    'user-agent': 'Go-http-client/1.1',
  } });
  const h = r.json.headers;
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], 'foo.bar.com');
  assert.equal(h['x-forwarded-port'], String(px.port));
  assert.equal(h['user-agent'], 'Go-http-client/1.1');
  for (const k of ['x-secret', 'keep-alive', 'te', 'proxy-connection']) assert.equal(h[k], undefined, k);
  assert.notEqual(h.connection, 'close');
  // response side: Server added, Content-Length kept (not re-chunked), Date present
  assert.equal(r.headers.server, 'portico');
  assert.ok(r.headers['content-length']);
  assert.equal(r.headers['transfer-encoding'], undefined);
  assert.ok(r.headers.date);
});

test('trusted proxy CIDR: client X-Forwarded-For appended, its -Proto/-Host kept', async () => {
  const t = await startProxy({ trustProxy: ['127.0.0.0/8'] });
  try {
    t.dp.apply(snapshot(1, [vhost('', [route('Prefix', '/', 'default/a:80')])], ['default/a:80']), new Map([['default/a:80', eps(a.port)]]));
    const r = await request(t.port, '/', { host: 'h', headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'orig' } });
    assert.equal(r.json.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(r.json.headers['x-forwarded-proto'], 'https');
    assert.equal(r.json.headers['x-forwarded-host'], 'orig');
  } finally {
    await t.close();
  }
});

test('upstream keep-alive: sequential requests reuse one upstream socket', async () => {
  const e = await startEchoServer({ name: 'ka' });
  const t = await startProxy();
  try {
    t.dp.apply(snapshot(1, [vhost('', [route('Prefix', '/', 'default/ka:80')])], ['default/ka:80']), new Map([['default/ka:80', eps(e.port)]]));
    for (let i = 0; i < 5; i++) assert.equal((await request(t.port, '/' + i, { host: 'x' })).status, 200);
    assert.equal(e.requests, 5);
    assert.equal(e.sockets, 1);
  } finally {
    await t.close();
    await e.close();
  }
});

test('large upload and download stream through with matching sha256', async () => {
  const size = 8 * 1024 * 1024 + 17;
  const up = Buffer.alloc(size, 7);
  const r = await request(px.port, '/upload', { host: 'foo.bar.com', method: 'PUT', body: up });
  assert.equal(r.json.body.length, size);
  assert.equal(r.json.body.sha256, createHash('sha256').update(up).digest('hex'));
  const got = await new Promise<{ sha: string; len: string | undefined }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: px.port, path: `/bytes/${size}`, headers: { host: 'foo.bar.com' }, agent: false }, (res) => {
      const h = createHash('sha256');
      res.on('data', (c: Buffer) => h.update(c));
      res.on('end', () => resolve({ sha: h.digest('hex'), len: res.headers['content-length'] }));
    }).on('error', reject);
  });
  assert.equal(got.len, String(size));
  assert.equal(got.sha, patternSha256(size));
});

test('WebSocket echo through the proxy', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws`, { headers: { host: 'foo.bar.com' } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('ping');
  const msg = await new Promise<WebSocket.RawData>((resolve) => ws.once('message', resolve));
  assert.equal((msg as Buffer).toString(), 'ping');
  ws.close();
  await new Promise((r) => ws.once('close', r));
});

test('WebSocket to an unknown host gets 404', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws`, { headers: { host: 'nope.example' } });
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
  assert.equal(status, 404);
});

test('retry past a dead endpoint, then success; all dead → 502', async () => {
  const d1 = await deadPort();
  const d2 = await deadPort();
  const t = await startProxy();
  try {
    t.dp.apply(snapshot(1, [vhost('', [route('Prefix', '/', 'default/r:80')])], ['default/r:80']), new Map([['default/r:80', eps(d1, a.port)]]));
    for (let i = 0; i < 4; i++) {
      const r = await request(t.port, '/', { host: 'x', method: 'POST', body: 'payload' });
      assert.equal(r.status, 200);
      assert.equal(r.json.body, 'payload');
    }
    t.dp.updateEndpoints('default/r:80', eps(d1, d2));
    const r = await request(t.port, '/', { host: 'x' });
    assert.equal(r.status, 502);
    assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_CONNECT');
  } finally {
    await t.close();
  }
});

test('slow upstream → 504 with a short timeout', async () => {
  const t = await startProxy({ upstreamTimeoutMs: 200 });
  try {
    t.dp.apply(snapshot(1, [vhost('', [route('Prefix', '/', 'default/a:80')])], ['default/a:80']), new Map([['default/a:80', eps(a.port)]]));
    const r = await request(t.port, '/delay/3000', { host: 'x' });
    assert.equal(r.status, 504);
  } finally {
    await t.close();
  }
});

test('malformed request line → 400 and the server keeps serving', async () => {
  const reply = await new Promise<string>((resolve) => {
    const s = net.connect(px.port, '127.0.0.1', () => s.write('GARBAGE\r\n\r\n'));
    let text = '';
    s.on('data', (d: Buffer) => { text += d.toString(); });
    s.on('close', () => resolve(text));
    s.on('error', () => resolve(text));
  });
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
  assert.equal((await request(px.port, '/', { host: 'foo.bar.com' })).status, 200);
});

test('updateEndpoints moves traffic without apply; round-robin across 3 backends', async () => {
  const seen = new Map<string, number>();
  for (let i = 0; i < 9; i++) {
    const r = await request(px.port, '/', { host: 'rr.example' });
    seen.set(r.json.name, (seen.get(r.json.name) ?? 0) + 1);
  }
  assert.deepEqual([...seen.entries()].sort(), [['a', 3], ['b', 3], ['c', 3]]);
  const v = px.dp.snapshotVersion;
  px.dp.updateEndpoints('default/rr:80', eps(c.port));
  for (let i = 0; i < 3; i++) assert.equal((await request(px.port, '/', { host: 'rr.example' })).json.name, 'c');
  assert.equal(px.dp.snapshotVersion, v);
  px.dp.updateEndpoints('default/rr:80', eps(a.port, b.port, c.port));
});

test('apply under steady traffic loses no request', async () => {
  const t = await startProxy();
  try {
    const apply = (v: number) => t.dp.apply(snapshot(v, [vhost('', [route('Prefix', '/', 'default/s:80')])], ['default/s:80']),
      new Map([['default/s:80', eps(a.port, b.port)]]));
    apply(1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let stop = false;
    const statuses: number[] = [];
    const workers = Array.from({ length: 8 }, async () => {
      while (!stop) statuses.push((await request(t.port, '/', { host: 'x', agent })).status);
    });
    for (let v = 2; v < 40; v++) {
      apply(v);
      await new Promise((r) => setTimeout(r, 5));
    }
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    assert.ok(statuses.length > 20);
    assert.deepEqual(statuses.filter((s) => s !== 200), []);
    assert.equal(t.dp.snapshotVersion, 39);
  } finally {
    await t.close();
  }
});

test('SSL redirect: 308 to https with port; explain describes the choice', async () => {
  const t = await startProxy({ httpsPort: 8443 });
  try {
    t.dp.apply(snapshot(3, [vhost('secure.example', [route('Prefix', '/', 'default/a:80', { sslRedirect: true })])], ['default/a:80']),
      new Map([['default/a:80', eps(a.port)]]));
    const r = await request(t.port, '/p?q=1', { host: 'Secure.Example:80' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, 'https://secure.example:8443/p?q=1');
    const x = t.dp.explain('secure.example', '/p');
    assert.equal(x.bucket.kind, 'exact');
    assert.equal(x.matchedBy, 'rule');
    assert.deepEqual(x.backend, { kind: 'cluster', clusterId: 'default/a:80', service: 'default/a' });
    assert.equal(x.endpoints.length, 1);
    assert.equal(t.dp.explain('other', '/').status, 404);
  } finally {
    await t.close();
  }
});

test('drain on close lets a slow in-flight request finish', async () => {
  const t = await startProxy();
  t.dp.apply(snapshot(1, [vhost('', [route('Prefix', '/', 'default/a:80')])], ['default/a:80']), new Map([['default/a:80', eps(a.port)]]));
  const pending = request(t.port, '/delay/300', { host: 'x' });
  await new Promise((r) => setTimeout(r, 100));
  const closed = t.listener.close(5000);
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal(r.headers.connection, 'close');
  await closed;
  await t.dp.close();
  await assert.rejects(request(t.port, '/', { host: 'x' }));
});
