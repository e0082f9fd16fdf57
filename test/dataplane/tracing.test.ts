// Tracing through the running gateway, checked by an OTLP/HTTP receiver in the test: W3C trace
// context continued or started and always passed upstream, one server span per request with the
// route, cluster, endpoint, status and retries; an unreachable collector drops spans with a count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startEchoServer } from '../support/echo-server.ts';
import { request, startGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

interface Receiver { url: string; spans: any[]; posts: number; close(): Promise<void> }

async function otlpReceiver(): Promise<Receiver> {
  const spans: any[] = [];
  let posts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts++;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/v1/traces');
      assert.match(req.headers['content-type'] ?? '', /application\/json/);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans) {
        assert.deepEqual(rs.resource.attributes, [{ key: 'service.name', value: { stringValue: 'portico' } }]);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, get posts() { return posts; }, close: () => new Promise((r) => server.close(() => r())) };
}

const attrs = (span: any): Record<string, string> => Object.fromEntries(span.attributes.map((a: any) => [a.key, a.value.stringValue ?? a.value.intValue]));

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const objects = (port: number) => [ingressClass(), ...backendFor('shop', 'web', [port]),
  ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
  ingress('shop', 'broken', [{ host: 'down.test', paths: [{ path: '/', service: 'absent', port: 80 }] }])];

test('spans continue or start a trace, go upstream, and reach the OTLP receiver', async () => {
  const echo = await startEchoServer();
  const rx = await otlpReceiver();
  const gw = await startGateway(objects(echo.port), { otlpEndpoint: rx.url, traceSamplingRatio: 1, accessLogFields: ['trace-id', 'request-id'] });
  try {
    // 1. Continue the caller's sampled trace.
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const up = (await request(gw.url + '/cart', { host: 'shop.test', headers: { traceparent: parent, tracestate: 'vendor=x' } })).json();
    const m = /^00-4bf92f3577b34da6a3ce929d0e0e4736-([0-9a-f]{16})-01$/.exec(up.headers.traceparent);
    assert.ok(m, `upstream got ${up.headers.traceparent}`);
    assert.notEqual(m[1], '00f067aa0ba902b7', 'our span is the upstream\'s parent');
    assert.equal(up.headers.tracestate, 'vendor=x');
    // 2. No traceparent: a new trace, and the request id is its trace id.
    const fresh = (await request(gw.url + '/new', { host: 'shop.test' })).json();
    const f = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(fresh.headers.traceparent);
    assert.ok(f);
    assert.equal(fresh.headers['x-request-id'], f[1]);
    // 3. A garbled traceparent starts a new trace (W3C §3.2) and its tracestate is dropped.
    const bad = (await request(gw.url + '/bad', { host: 'shop.test', headers: { traceparent: '00-zz-yy-01', tracestate: 'a=b' } })).json();
    assert.match(bad.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(bad.headers.tracestate, undefined);
    // 4. Portico's own 503.
    assert.equal((await request(gw.url + '/', { host: 'down.test' })).status, 503);

    await waitFor(() => rx.spans.length >= 4);
    const byPath = new Map(rx.spans.map((s) => [attrs(s)['url.path'], s]));
    const cont = byPath.get('/cart');
    assert.equal(cont.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(cont.parentSpanId, '00f067aa0ba902b7');
    assert.equal(cont.spanId, m[1]);
    assert.equal(cont.traceState, 'vendor=x');
    assert.equal(cont.kind, 2);
    assert.equal(cont.name, 'GET shop/front#0.0');
    const a = attrs(cont);
    assert.equal(a['http.request.method'], 'GET');
    assert.equal(a['http.response.status_code'], '200');
    assert.equal(a['portico.route'], 'shop/front#0.0');
    assert.equal(a['portico.ingress'], 'shop/front');
    assert.equal(a['portico.cluster'], 'shop/web:80');
    assert.equal(a['portico.endpoint'], `127.0.0.1:${echo.port}`);
    assert.equal(a['portico.retries'], '0');
    assert.equal(a['server.address'], 'shop.test');
    assert.ok(BigInt(cont.endTimeUnixNano) >= BigInt(cont.startTimeUnixNano));
    assert.ok(Math.abs(Number(BigInt(cont.startTimeUnixNano) / 1_000_000n) - Date.now()) < 60_000, 'wall-clock nanoseconds');
    assert.deepEqual(cont.status, { code: 0 });
    const fs = byPath.get('/new');
    assert.equal(fs.traceId, f[1]);
    assert.equal(fs.parentSpanId, undefined);
    const down = rx.spans.find((s) => attrs(s)['server.address'] === 'down.test');
    assert.equal(down.status.code, 2);
    assert.equal(attrs(down)['error.type'], 'PORTICO_ERR_BACKEND_UNAVAILABLE');
    // The access log names the same trace.
    const lines = gw.logs.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.traceId === '4bf92f3577b34da6a3ce929d0e0e4736'));
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /portico_tracing_spans_exported_total [4-9]/);
  } finally {
    await gw.close();
    await rx.close();
    await echo.close();
  }
});

test('sampling: ratio 0 records nothing but still passes context upstream; a sampled parent is followed', async () => {
  const echo = await startEchoServer();
  const rx = await otlpReceiver();
  const gw = await startGateway(objects(echo.port), { otlpEndpoint: rx.url, traceSamplingRatio: 0 });
  try {
    const up = (await request(gw.url + '/a', { host: 'shop.test' })).json();
    assert.match(up.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const unsampledParent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    assert.match((await request(gw.url + '/b', { host: 'shop.test', headers: { traceparent: unsampledParent } })).json().headers.traceparent, /-00$/);
    const sampledParent = '00-11111111111111111111111111111111-2222222222222222-01';
    await request(gw.url + '/c', { host: 'shop.test', headers: { traceparent: sampledParent } });
    await waitFor(() => rx.spans.length >= 1);
    await new Promise((r) => setTimeout(r, 1200)); // one more flush interval: nothing else arrives
    assert.deepEqual(rx.spans.map((s) => s.traceId), ['11111111111111111111111111111111']);
  } finally {
    await gw.close();
    await rx.close();
    await echo.close();
  }
});

test('an unreachable collector drops spans with a count and never slows requests', async () => {
  const echo = await startEchoServer();
  const rx = await otlpReceiver();
  const dead = rx.url;
  await rx.close(); // nothing listens there now
  const gw = await startGateway(objects(echo.port), { otlpEndpoint: dead });
  try {
    const started = performance.now();
    for (let i = 0; i < 20; i++) assert.equal((await request(gw.url + `/r${i}`, { host: 'shop.test' })).status, 200);
    assert.ok(performance.now() - started < 3000, 'requests do not wait for the exporter');
    await waitFor(() => gw.logs.some((l) => l.includes('OTLP export failed')), 5000);
    // The spans may leave in more than one batch (one per flush interval): wait for all 20.
    let metrics = '';
    const end = Date.now() + 5000;
    while (!/portico_tracing_spans_dropped_total\{reason="export_failed"\} 20\b/.test(metrics) && Date.now() < end) {
      metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(metrics, /portico_tracing_spans_dropped_total\{reason="export_failed"\} 20\b/);
  } finally {
    await gw.close();
    await echo.close();
  }
});
