// The load feed behind the indexed lc/wlc/sed/nq (indexed-least-load.ts): the HTTP endpoint
// state is shared by every cluster listing the endpoint, so an attempt started through one
// cluster must re-key the index of another; the L4 flow table feeds its own cluster. Each pick
// is compared with the scan over the same counts (the ipvs definition).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointRegistry } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { ClusterState, type Flow } from '../../../src/dataplane/l4/cluster-state.ts';
import { IndexedLeastLoadBalancer } from '../../../src/dataplane/balancer/indexed-least-load.ts';
import { leastLoadScan } from '../../../src/dataplane/balancer/index.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { cluster } from '../http/helpers.ts';

const ctx = { clientIp: '192.0.2.7' };

test('http: wlc clusters sharing endpoints see each other\'s in-flight attempts, as the scan does', () => {
  const reg = new EndpointRegistry();
  const rts = new ClusterRuntimes(reg);
  const eps = [1, 2, 3, 4].map((i) => makeEndpoint(`10.1.0.${i}`, 80));
  const a = { ...cluster('ns/a:80'), balancer: 'weighted-least-connections' as const };
  const b = { ...cluster('ns/b:80'), balancer: 'least-connections' as const };
  rts.reconcile([a, b], new Map([['ns/a:80', eps], ['ns/b:80', eps.slice(1)]]));
  const ra = rts.get('ns/a:80')!;
  const rb = rts.get('ns/b:80')!;
  assert.ok(ra.balancer instanceof IndexedLeastLoadBalancer);
  assert.ok(rb.balancer instanceof IndexedLeastLoadBalancer);
  const scanA = leastLoadScan('weighted-least-connections', (id) => reg.inflight(id));
  const scanB = leastLoadScan('least-connections', (id) => reg.inflight(id));
  scanA.update(eps);
  scanB.update(eps.slice(1));
  const open: [typeof ra, NonNullable<ReturnType<typeof reg.get>>][] = [];
  for (let i = 0; i < 200; i++) {
    const rt = i % 3 === 0 ? rb : ra;
    const scan = rt === rb ? scanB : scanA;
    const want = scan.pick(ctx, null)!;
    const got = rt.pick(ctx.clientIp, null, 0)!;
    assert.equal(got.id, want.id, `pick ${i}`);
    const st = rt.states.get(got.id)!;
    rt.begin(st);
    open.push([rt, st]);
    if (i % 4 === 3) {
      const [r, s] = open.splice((i * 7) % open.length, 1)[0];
      r.end(s);
    }
  }
  // Whoever writes an endpoint's count (not only begin/end), the index follows.
  reg.get(eps[0].id)!.inflight += 50;
  assert.equal(ra.pick(ctx.clientIp, null, 0)!.id, scanA.pick(ctx, null)!.id);
  assert.notEqual(ra.pick(ctx.clientIp, null, 0)!.id, eps[0].id);
  reg.get(eps[0].id)!.inflight -= 50;
  // Cluster b leaves: its balancer stops listening; a's still listens on every endpoint.
  rts.reconcile([a], new Map([['ns/a:80', eps]]));
  for (const e of eps) assert.equal(reg.get(e.id)!.listeners?.length, 1, e.id);
  // a switches to round-robin: the index is dropped with the next apply and nothing listens.
  rts.reconcile([{ ...a, balancer: 'round-robin' }], new Map([['ns/a:80', eps]]));
  rts.endApply(() => []);
  for (const e of eps) assert.equal(reg.get(e.id)!.listeners, null, e.id);
  rts.reconcile([], new Map());
});

test('l4: the flow table feeds the sed index; a replaced scheduler stops listening', () => {
  const eps = [1, 2, 3].map((i) => makeEndpoint(`10.8.0.${i}`, 5432));
  const st = new ClusterState({ ...cluster('db/pg:5432'), balancer: 'shortest-expected-delay' }, 1000);
  st.update(eps);
  const scan = leastLoadScan('shortest-expected-delay', (id) => st.inflight(id));
  scan.update(eps);
  const flows: [string, Flow][] = [];
  for (let i = 0; i < 60; i++) {
    const got = st.pick(ctx, null)!;
    assert.equal(got.id, scan.pick(ctx, null)!.id, `pick ${i}`);
    const f: Flow = { kind: 'tcp', close: () => undefined };
    st.add(got.id, f);
    flows.push([got.id, f]);
    if (i % 3 === 2) {
      const [id, g] = flows.splice(i % flows.length, 1)[0];
      st.remove(id, g);
      st.remove(id, g); // a second removal changes nothing
    }
  }
  const indexed = st.balancer as IndexedLeastLoadBalancer;
  st.reconfigure({ ...cluster('db/pg:5432'), balancer: 'round-robin' });
  assert.notEqual(st.balancer, indexed);
  assert.equal((Reflect.get(st, 'listeners') as Map<string, unknown>).size, 0, 'the dropped index no longer follows the flows');
  for (const [id, f] of flows) st.remove(id, f);
  assert.equal(st.inflight(eps[0].id), 0);
  st.reconfigure({ ...cluster('db/pg:5432'), balancer: 'never-queue' });
  assert.ok(st.balancer instanceof IndexedLeastLoadBalancer);
  st.dispose();
});
