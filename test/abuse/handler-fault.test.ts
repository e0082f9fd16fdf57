// Abuse suite: a request that makes the handler throw (a programmer error) costs that request only.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { PassThrough } from 'node:stream';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { eps, route, snapshot, vhost } from '../dataplane/http/helpers.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { HttpListener } from '../../src/dataplane/http/listener.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { raw, show, statusOf } from './support.ts';

/** The real dataplane with one planted bug: '/boom' throws inside the request handler. */
class FaultyDataplane extends HttpDataplane {
  override handleRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, scheme: 'http' | 'https'): void {
    if (req.url === '/boom') throw new TypeError('planted bug');
    super.handleRequest(req, res, scheme);
  }
}

let echo: EchoServer;
let listener: HttpListener;
let dp: FaultyDataplane;
let port: number;
const metrics = new Metrics({ defaultMetrics: false });
const logs: string[] = [];

before(async () => {
  echo = await startEchoServer();
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ level: 'warn', destination: stream });
  dp = new FaultyDataplane({ logger, metrics, trustProxy: [], connectTimeoutMs: 2000, upstreamTimeoutMs: 5000, httpsPort: null, hsts: null });
  dp.apply(snapshot(1, [vhost('f', [route('Prefix', '/', 'default/echo:80')])], ['default/echo:80']), new Map([['default/echo:80', eps(echo.port)]]));
  listener = new HttpListener(dp, { host: '127.0.0.1', port: 0, logger, metrics });
  port = await listener.listen();
});
after(async () => {
  await listener.close(500);
  await dp.close();
  await echo.close();
});

test('an exception in the request handler answers 500, closes that connection, is counted and logged once with its stack', async (t) => {
  const sent = 'GET /boom HTTP/1.1\r\nHost: f\r\n\r\n';
  const r = await raw(port, sent, { waitMs: 2000 });
  show(t, sent, r);
  assert.equal(statusOf(r.text), 500);
  assert.match(r.text, /x-portico-error: PORTICO_ERR_INTERNAL/);
  assert.doesNotMatch(r.text, /planted bug|TypeError/, 'no internals in the body');
  assert.ok(r.closed, 'connection closed');
  const m = await metrics.registry.getSingleMetricAsString('portico_request_handler_errors_total');
  assert.match(m, /portico_request_handler_errors_total 1\b/);
  await new Promise((res) => setTimeout(res, 50));
  const lines = logs.filter((l) => l.includes('planted bug'));
  assert.equal(lines.length, 1, 'logged once');
  assert.match(lines[0], /"stack":"TypeError: planted bug/);
  const ok = await raw(port, 'GET / HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n', { waitMs: 2000 });
  assert.equal(statusOf(ok.text), 200, 'everything else keeps being served');
});
