// `portico explain` names the HTTP/1.1 engine that answers a request (explanation.http1Engine).
// The verdict comes from the engine's own hand-over rules (handoff.ts routeHandOffReason, which
// routeNeedsNode uses too; lean-view.ts dataplaneHandOffReason, which the view's table() uses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpDataplane } from '../../../src/dataplane/http/dataplane.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import type { HttpDataplaneOptions } from '../../../src/dataplane/http/http-dataplane-options.ts';
import { eps, route, snapshot, vhost } from '../http/helpers.ts';

function dataplane(opts: Partial<HttpDataplaneOptions>): HttpDataplane {
  const dp = new HttpDataplane({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), trustProxy: [], connectTimeoutMs: 1000,
    upstreamTimeoutMs: 1000, httpsPort: 443, hsts: null, ...opts });
  dp.apply(snapshot(1, [
    vhost('plain.example', [route('Prefix', '/', 'default/a:80')]),
    vhost('secure.example', [route('Prefix', '/', 'default/a:80', { sslRedirect: true })]),
    vhost('gone.example', [route('Prefix', '/', { unavailable: 'ServiceNotFound' })]),
  ], ['default/a:80']), new Map([['default/a:80', eps(1)]]));
  return dp;
}

test('lean: a plain route is served by the lean engine on both ports', async () => {
  const dp = dataplane({ http1Engine: 'lean' });
  try {
    assert.deepEqual(dp.explain('plain.example', '/x').http1Engine, { http: { name: 'lean', reason: null }, https: { name: 'lean', reason: null } });
  } finally {
    await dp.close();
  }
});

test('lean: the HTTP→HTTPS redirect, an unavailable backend and no route are node:http, with the reason', async () => {
  const dp = dataplane({ http1Engine: 'lean' });
  try {
    const s = dp.explain('secure.example', '/').http1Engine!;
    assert.equal(s.http.name, 'node');
    assert.match(s.http.reason!, /redirect/);
    assert.deepEqual(s.https, { name: 'lean', reason: null });
    assert.equal(dp.explain('gone.example', '/').http1Engine!.http.name, 'node');
    const none = dp.explain('nothing.example', '/').http1Engine!;
    assert.equal(none.http.name, 'node');
    assert.match(none.http.reason!, /no route/);
  } finally {
    await dp.close();
  }
});

test('a dataplane-wide feature the engine leaves to node:http hands every request over, and says which', async () => {
  const body = dataplane({ http1Engine: 'lean', maxBodyBytes: 1024 });
  const log = dataplane({ http1Engine: 'lean', accessLog: { format: 'combined', fields: [] } });
  try {
    assert.match(body.explain('plain.example', '/').http1Engine!.http.reason!, /--proxy-body-size/);
    assert.match(log.explain('plain.example', '/').http1Engine!.https.reason!, /access log/);
  } finally {
    await body.close();
    await log.close();
  }
});

test('--http1-engine node: node:http everywhere', async () => {
  const dp = dataplane({ http1Engine: 'node' });
  try {
    assert.deepEqual(dp.explain('plain.example', '/').http1Engine!.http, { name: 'node', reason: '--http1-engine node' });
  } finally {
    await dp.close();
  }
});
