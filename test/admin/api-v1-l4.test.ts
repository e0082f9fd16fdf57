// GET /api/v1/l4 (README "Admin API"): a weighted TCPRoute/UDPRoute shows its backends and weights;
// a ConfigMap route has no `backends` field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { l4, type ApiSources } from '../../src/admin/api-v1.ts';
import { emptySnapshot } from '../../src/model/snapshot.ts';
import { route } from '../dataplane/l4/support.ts';

test('api/v1 l4: backends and weights of a weighted route; none on a ConfigMap route', () => {
  const weighted = { ...route('TCP', 7000, 'l4/a:80', 'none', 'gateway/l4/edge/tcp'), backends: [{ clusterId: 'l4/a:80', weight: 3 }, { clusterId: null, weight: 1 }] };
  const plain = route('TCP', 9000, 'default/db:5432');
  const src = {
    snapshot: () => ({ ...emptySnapshot(1), l4: [weighted, plain] }),
    endpoints: () => new Map([['l4/a:80', [{ id: '10.0.0.1:80', ready: true }]]]),
  } as unknown as ApiSources;
  const out = l4(src) as { routes: Record<string, unknown>[] };
  assert.deepEqual(out.routes[0].backends, [{ clusterId: 'l4/a:80', weight: 3 }, { clusterId: null, weight: 1 }]);
  assert.equal(out.routes[0].clusterId, 'l4/a:80');
  assert.deepEqual(out.routes[0].endpoints, [{ id: '10.0.0.1:80', ready: true }]);
  assert.equal('backends' in out.routes[1], false);
});
