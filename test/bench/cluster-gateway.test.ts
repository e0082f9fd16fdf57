// The cluster benchmark's Gateway API mode (docs/benchmarks/cluster.md "Gateway API") at a tiny size, so
// that the benchmark code keeps running: the full application in cluster mode against the fake API
// server, 20 HTTPRoutes, a few endpoint and HTTPRoute changes, each one seen through the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

interface Changes { endToEndMs: { count: number; timeouts: number }; histogram: { count: number } }

test('KIND=gateway: 20 HTTPRoutes are served at start, endpoint and HTTPRoute changes reach the gateway', async () => {
  const script = join(import.meta.dirname, '../../bench/cluster/propagation.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [script, '20', '4', '4'], {
    env: { ...process.env, KIND: 'gateway' }, encoding: 'utf8', timeout: 90_000,
  });
  const r = JSON.parse(stdout) as {
    kind: string; objects: Record<string, number>; coldStart: { readyMs: number; allTargetsServingMs: number };
    endpointChange: Changes; httpRouteChange: Changes; goals: Record<string, boolean>;
  };
  assert.equal(r.kind, 'gateway');
  assert.equal(r.objects.HTTPRoute, 20);
  // Every HTTPRoute's hostname is a host of the Gateway's listener; no Ingress virtual hosts.
  assert.equal(r.objects.gatewayHosts, 20);
  assert.equal(r.objects.virtualHosts, 0);
  assert.equal(r.objects.clusters, 20);
  assert.ok(r.coldStart.allTargetsServingMs >= r.coldStart.readyMs);
  for (const c of [r.endpointChange, r.httpRouteChange]) {
    assert.equal(c.endToEndMs.timeouts, 0);
    assert.equal(c.endToEndMs.count, 4);
    assert.ok(c.histogram.count >= 4, 'the propagation histogram counted each change');
  }
  assert.deepEqual(Object.keys(r.goals).sort(), ['endpointP99Under100ms', 'httpRouteP99Under1s', 'initialSyncUnder10s', 'rssUnder500MB']);
});
