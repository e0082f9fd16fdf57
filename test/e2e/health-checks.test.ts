// Active health checks end to end: a Service annotated with portico.io/health-check-*, two
// backends, one flipped to failing and back while requests flow through the gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { startFlipServer, type FlipServer } from '../support/flip-server.ts';

let a: FlipServer;
let b: FlipServer;
let gw: TestGateway;

before(async () => {
  a = await startFlipServer('a');
  b = await startFlipServer('b');
  gw = await startGateway([
    ingressClass(),
    service('hc', 'web', [{ name: 'http', port: 8080 }], {}),
    endpointSlice('hc', 'web', 'web-a', ['127.0.0.1'], a.port),
    endpointSlice('hc', 'web', 'web-b', ['127.0.0.1'], b.port),
    ingress('hc', 'web', [{ host: 'hc.test', paths: [{ path: '/', service: 'web', port: 8080 }] }], {
      annotations: {
        // Generous timeout and two failures to go down: a loaded test machine must not time out a
        // healthy backend's probe twice in a row (that would be panic mode, not what is tested).
        'portico.io/health-check-path': '/healthz', 'portico.io/health-check-interval': '200ms',
        'portico.io/health-check-timeout': '190ms', 'portico.io/health-check-unhealthy-threshold': '2',
        'portico.io/health-check-healthy-threshold': '1',
      },
    }),
  ]);
});

after(async () => {
  await gw?.close();
  await a?.close();
  await b?.close();
});

async function names(n: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < n; i++) out.add((await request(`${gw.url}/x`, { host: 'hc.test' })).text);
  return out;
}

async function eventually(cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('not reached within 5 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('an endpoint failing its checks gets no traffic until it passes again; all failing is panic mode', async () => {
  await eventually(async () => a.probes > 0 && b.probes > 0);
  assert.deepEqual([...await names(6)].sort(), ['a', 'b']);
  a.healthy = false;
  await eventually(async () => (await names(6)).size === 1);
  assert.deepEqual([...await names(8)], ['b']);
  const ex = (await request(`${gw.adminUrl}/debug/explain?host=hc.test&path=/`)).json();
  assert.deepEqual(ex.endpoints.map((e: { activeHealthy: boolean }) => e.activeHealthy).sort(), [false, true]);
  // Both failing: panic mode serves from all rather than answering 503.
  b.healthy = false;
  await eventually(async () => {
    const e = (await request(`${gw.adminUrl}/debug/explain?host=hc.test&path=/`)).json();
    return e.endpoints.every((x: { activeHealthy: boolean }) => !x.activeHealthy);
  });
  const r = await request(`${gw.url}/x`, { host: 'hc.test' });
  assert.equal(r.status, 200);
  a.healthy = true;
  b.healthy = true;
  await eventually(async () => (await names(6)).size === 2);
  const metrics = (await request(`${gw.adminUrl}/metrics`)).text;
  assert.match(metrics, /portico_health_check_results_total\{cluster="hc\/web:8080",result="unhealthy"\} [1-9]/);
  assert.match(metrics, /portico_upstream_panic_total\{cluster="hc\/web:8080"\} [1-9]/);
});
