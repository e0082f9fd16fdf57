// The primary's shared health checks (workers/shared-health.ts) probe every cluster an L4 route
// forwards to, so every backend of a weighted TCPRoute/UDPRoute (model/l4.ts backends), not only
// the first: the same set the L4 dataplane checks in one process (L4Dataplane.applyRoutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedHealth, type CheckedTarget } from '../../src/workers/shared-health.ts';
import { emptySnapshot } from '../../src/model/snapshot.ts';
import { cluster, route } from '../dataplane/l4/support.ts';

test('shared health: every backend cluster of a weighted L4 route is checked', () => {
  const synced: Record<string, string[]> = {};
  const health = new SharedHealth({
    checkers: (plane) => ({ sync: (ts: Iterable<CheckedTarget>) => { synced[plane] = [...ts].map((t) => t.id).sort(); }, close: () => {} }),
    publish: () => {},
  });
  const hc = { path: '/', scheme: 'http' as const, intervalMs: 1000, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1, expectedStatuses: [[200, 399] as const] };
  const [a, b, c] = ['l4/a:80', 'l4/b:80', 'l4/c:80'].map((id) => ({ ...cluster(id), healthCheck: hc }));
  const r = { ...route('TCP', 7000, a.id, 'none', 'gateway/l4/edge/tcp'), backends: [{ clusterId: a.id, weight: 3 }, { clusterId: null, weight: 1 }, { clusterId: b.id, weight: 1 }] };
  health.apply({ ...emptySnapshot(1), clusters: [a, b, c], l4: [r] }, new Map());
  assert.deepEqual(synced.l4, [a.id, b.id], 'both backends, not the unused cluster');
});
