// L4 cluster state: the ipvs scheduler the Service names, kept across reconfigures with the same
// policy, and endpoints failing active TCP checks skipped (all failing: all used).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterState } from '../../../src/dataplane/l4/cluster-state.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { cluster } from '../http/helpers.ts';

const eps = [1, 2, 3].map((i) => makeEndpoint(`10.8.0.${i}`, 5432));
const ctx = { clientIp: '192.0.2.9', destination: '10.96.0.10' };

test('l4: the Service policy selects the ipvs scheduler; same policy keeps the balancer', () => {
  const st = new ClusterState({ ...cluster('db/pg:5432'), balancer: 'never-queue' }, 1000);
  st.update(eps);
  assert.equal(st.balancer.policy, 'never-queue');
  const b = st.balancer;
  st.reconfigure({ ...cluster('db/pg:5432'), balancer: 'never-queue' });
  assert.equal(st.balancer, b);
  st.reconfigure({ ...cluster('db/pg:5432'), balancer: 'destination-hash' });
  assert.equal(st.balancer.policy, 'destination-hash');
  const first = st.pick(ctx, null)!;
  for (let i = 0; i < 5; i++) assert.equal(st.pick({ ...ctx, clientIp: `192.0.2.${i}` }, null)!.id, first.id, 'dh: one destination, one endpoint');
  st.dispose();
});

test('l4: endpoints failing active checks are skipped; all failing is panic mode; removal forgets the verdict', () => {
  const st = new ClusterState(cluster('db/pg:5432'), 1000);
  st.update(eps);
  st.setHealthy(eps[0].id, false);
  st.setHealthy(eps[1].id, false);
  for (let i = 0; i < 6; i++) assert.equal(st.pick(ctx, null)!.id, eps[2].id);
  st.setHealthy(eps[2].id, false);
  assert.ok(st.pick(ctx, null) !== null);
  st.update(eps.slice(1));
  assert.equal(st.unhealthy.has(eps[0].id), false);
  st.setHealthy(eps[1].id, true);
  st.setHealthy(eps[2].id, true);
  assert.equal(st.unhealthy.size, 0);
  st.dispose();
});
