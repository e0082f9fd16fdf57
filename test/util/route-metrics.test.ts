import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, RouteMetrics } from '../../src/util/route-metrics.ts';

// The reference: what prom-client's own Counter and Histogram render for the same requests.
function reference(obs: [string, string, number, number][]): Registry {
  const reg = new Registry();
  const c = new Counter({ name: 'portico_http_requests_total', help: 'HTTP requests served, by Ingress, Service and status class.', labelNames: ['ingress', 'service', 'code'] as const, registers: [reg] });
  const h = new Histogram({ name: 'portico_http_request_duration_seconds', help: 'Time from request to the end of the response.', labelNames: ['ingress', 'service'] as const, buckets: [...DURATION_BUCKETS], registers: [reg] });
  for (const [ingress, service, status, seconds] of obs) {
    const code = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
    c.inc({ ingress, service, code });
    h.observe({ ingress, service }, seconds);
  }
  return reg;
}

// Durations on, between and beyond the bounds; statuses of every class and outside 100–599.
const OBS: [string, string, number, number][] = [
  ['a/ing', 'a/svc', 200, 0.0004], ['a/ing', 'a/svc', 200, 0.001], ['a/ing', 'a/svc', 404, 0.0011],
  ['a/ing', 'a/svc', 503, 0.3], ['a/ing', 'a/svc', 101, 12], ['a/ing', 'a/svc', 302, 10],
  ['b/ing', 'b/svc', 499, 0.02], ['b/ing', 'b/svc', 600, 0.05], ['b/ing', 'b/svc', 99, 2.5],
];

test('RouteMetrics renders what prom-client Counter and Histogram render for the same requests', async () => {
  const reg = new Registry();
  const m = new RouteMetrics(reg);
  for (const [ingress, service, status, seconds] of OBS) m.for(ingress, service).observe(status, seconds);
  // Series order within a metric carries no meaning in the exposition format: compare as sets.
  const lines = async (r: Registry): Promise<string[]> => (await r.metrics()).split('\n').sort();
  assert.deepEqual(await lines(reg), await lines(reference(OBS)));
  const json = async (r: Registry): Promise<unknown[]> => (await r.getMetricsAsJSON())
    .map((x) => ({
      name: x.name, help: x.help, type: x.type,
      // Labels by name; prom-client's histogram also lists empty exemplar fields, which carry nothing.
      values: x.values.map((v) => JSON.stringify([Object.entries(v.labels).sort(), v.value, (v as { metricName?: string }).metricName])).sort(),
    }));
  assert.deepEqual(await json(reg), await json(reference(OBS)));
  // Worker processes send getMetricsAsJSON() through a structured clone: data only.
  assert.deepEqual(structuredClone(await reg.getMetricsAsJSON()), await reg.getMetricsAsJSON());
});

test('RouteMetrics: one stats object per pair, requests without a route are counted but not timed', async () => {
  const reg = new Registry();
  const m = new RouteMetrics(reg);
  assert.equal(m.for('a/ing', 'a/svc'), m.for('a/ing', 'a/svc'));
  assert.notEqual(m.for('a/ing', 'a/svc'), m.for('a/ing', 'b/svc'));
  m.for('', '').count1(404);
  m.for('', '').count1(404);
  const text = await reg.metrics();
  assert.match(text, /portico_http_requests_total\{ingress="",service="",code="4xx"\} 2/);
  assert.doesNotMatch(text, /duration_seconds_count/);
  assert.doesNotMatch(text, /ingress="a\/ing"/, 'a pair with no request has no series');
});

test('RouteMetrics: registry.resetMetrics() zeroes both metrics, counting goes on from there', async () => {
  const reg = new Registry();
  const m = new RouteMetrics(reg);
  const s = m.for('a/ing', 'a/svc');
  for (let i = 0; i < 3; i++) s.observe(200, 0.002);
  reg.resetMetrics();
  s.observe(200, 0.002);
  const text = await reg.metrics();
  assert.match(text, /portico_http_requests_total\{ingress="a\/ing",service="a\/svc",code="2xx"\} 1\n/);
  assert.match(text, /portico_http_request_duration_seconds_count\{ingress="a\/ing",service="a\/svc"\} 1\n/);
  assert.match(text, /portico_http_request_duration_seconds_bucket\{le="0.001",ingress="a\/ing",service="a\/svc"\} 0\n/);
});
