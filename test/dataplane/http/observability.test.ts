import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { startEchoServer } from '../../support/echo-server.ts';
import { createLogger } from '../../../src/util/logger.ts';
import { eps, request, route, snapshot, startProxy, vhost } from './helpers.ts';

test('one access-log line per request and request metrics', async () => {
  const e = await startEchoServer();
  const lines: any[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l) lines.push(JSON.parse(l)); });
  const t = await startProxy({ logger: createLogger({ level: 'info', destination: sink }) });
  try {
    t.dp.apply(snapshot(1, [vhost('log.example', [route('Prefix', '/', 'default/e:80')])], ['default/e:80']),
      new Map([['default/e:80', eps(e.port)]]));
    await request(t.port, '/bytes/1000?x=1', { host: 'log.example' });
    await request(t.port, '/nope', { host: 'other' });
    await new Promise((r) => setTimeout(r, 50));
    const reqs = lines.filter((l) => l.msg === 'request');
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].method, 'GET');
    assert.equal(reqs[0].host, 'log.example');
    assert.equal(reqs[0].path, '/bytes/1000');
    assert.equal(reqs[0].status, 200);
    assert.equal(reqs[0].endpoint, `127.0.0.1:${e.port}`);
    assert.equal(reqs[0].bytes, 1000);
    assert.equal(typeof reqs[0].durationMs, 'number');
    assert.ok(reqs[0].route);
    assert.equal(reqs[1].status, 404);
    const text = await t.metrics.registry.metrics();
    assert.match(text, /portico_http_requests_total\{ingress="default\/ing",service="default\/e",code="2xx"\} 1/);
    assert.match(text, /portico_http_requests_total\{ingress="",service="",code="4xx"\} 1/);
    assert.match(text, /portico_active_connections\{listener="http"\}/);
  } finally {
    await t.close();
    await e.close();
  }
});

test('HTTP/2 compat requests: host from :authority, pseudo-headers never forwarded', async () => {
  const e = await startEchoServer();
  const t = await startProxy();
  t.dp.apply(snapshot(1, [vhost('h2.example', [route('Prefix', '/', 'default/e:80')])], ['default/e:80']),
    new Map([['default/e:80', eps(e.port)]]));
  const server = http2.createServer((req, res) => t.dp.handleRequest(req, res, 'https'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const body = await new Promise<{ status: number; json: any; server: unknown }>((resolve, reject) => {
      const s = client.request({ ':path': '/p?q', ':method': 'POST', ':authority': 'h2.example' });
      let status = 0;
      let srv: unknown;
      let text = '';
      s.on('response', (h) => { status = Number(h[':status']); srv = h.server; });
      s.on('data', (d) => { text += d; });
      s.on('end', () => resolve({ status, json: JSON.parse(text), server: srv }));
      s.on('error', reject);
      s.end('h2body');
    });
    assert.equal(body.status, 200);
    assert.equal(body.server, 'portico');
    assert.equal(body.json.host, 'h2.example');
    assert.equal(body.json.path, '/p?q');
    assert.equal(body.json.body, 'h2body');
    assert.equal(body.json.headers['x-forwarded-proto'], 'https');
    for (const k of Object.keys(body.json.headers)) assert.ok(!k.startsWith(':'), k);
  } finally {
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
    await t.close();
    await e.close();
  }
});

test('duration histogram counts every request of a route (direct entry update after the first)', async () => {
  const e = await startEchoServer();
  const t = await startProxy();
  try {
    t.dp.apply(snapshot(1, [vhost('hist.example', [route('Prefix', '/', 'default/e:80')])], ['default/e:80']),
      new Map([['default/e:80', eps(e.port)]]));
    for (let i = 0; i < 5; i++) assert.equal((await request(t.port, '/', { host: 'hist.example' })).status, 200);
    await new Promise((r) => setTimeout(r, 20));
    const text = await t.metrics.registry.metrics();
    const labels = 'ingress="default/ing",service="default/e"';
    assert.match(text, new RegExp(`portico_http_request_duration_seconds_count\\{${labels}\\} 5`));
    assert.match(text, new RegExp(`portico_http_request_duration_seconds_bucket\\{le="\\+Inf",${labels}\\} 5`));
    assert.match(text, new RegExp(`portico_http_request_duration_seconds_bucket\\{le="10",${labels}\\} 5`));
    t.metrics.registry.resetMetrics();
    assert.equal((await request(t.port, '/', { host: 'hist.example' })).status, 200);
    await new Promise((r) => setTimeout(r, 20));
    assert.match(await t.metrics.registry.metrics(), new RegExp(`portico_http_request_duration_seconds_count\\{${labels}\\} 1`));
  } finally {
    await t.close();
    await e.close();
  }
});

test('request counter per status class stays exact on the direct path, and after a reset', async () => {
  const e = await startEchoServer();
  const t = await startProxy();
  try {
    t.dp.apply(snapshot(1, [vhost('cnt.example', [route('Prefix', '/', 'default/e:80')])], ['default/e:80']),
      new Map([['default/e:80', eps(e.port)]]));
    for (let i = 0; i < 4; i++) await request(t.port, '/', { host: 'cnt.example' });
    for (let i = 0; i < 3; i++) await request(t.port, '/status/404', { host: 'cnt.example' });
    await new Promise((r) => setTimeout(r, 20));
    const labels = 'ingress="default/ing",service="default/e"';
    let text = await t.metrics.registry.metrics();
    assert.match(text, new RegExp(`portico_http_requests_total\\{${labels},code="2xx"\\} 4`));
    assert.match(text, new RegExp(`portico_http_requests_total\\{${labels},code="4xx"\\} 3`));
    t.metrics.registry.resetMetrics();
    await request(t.port, '/', { host: 'cnt.example' });
    await new Promise((r) => setTimeout(r, 20));
    text = await t.metrics.registry.metrics();
    assert.match(text, new RegExp(`portico_http_requests_total\\{${labels},code="2xx"\\} 1`));
  } finally {
    await t.close();
    await e.close();
  }
});
