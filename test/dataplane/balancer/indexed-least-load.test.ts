// The indexed lc/wlc/sed/nq must choose exactly what the scans choose (the scans are the ipvs
// definitions: ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c, ip_vs_nq.c): seeded random sequences of
// picks with and without exclusions, attempt starts and finishes, weight changes and endpoint
// list changes (additions, removals, reorders, repeated ids, weight 0) are replayed on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer, leastLoadScan, type LoadListener, type LoadWatch } from '../../../src/dataplane/balancer/index.ts';
import { IndexedLeastLoadBalancer, type LeastLoadPolicy } from '../../../src/dataplane/balancer/indexed-least-load.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

/** mulberry32: a small seeded generator so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The load source both balancers read, with the change feed the indexed one listens to. */
class Loads implements LoadWatch {
  readonly counts = new Map<string, number>();
  readonly listeners = new Map<string, Set<LoadListener>>();
  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }
  add(id: string, d: number): void {
    this.counts.set(id, this.get(id) + d);
    for (const l of this.listeners.get(id) ?? []) l.loadChanged(id);
  }
  watch(id: string, l: LoadListener): void {
    let s = this.listeners.get(id);
    if (!s) this.listeners.set(id, (s = new Set()));
    s.add(l);
  }
  unwatch(id: string, l: LoadListener): void {
    const s = this.listeners.get(id);
    s?.delete(l);
    if (s?.size === 0) this.listeners.delete(id);
  }
}

const ctx = { clientIp: '192.0.2.1' };
const POLICIES: LeastLoadPolicy[] = ['least-connections', 'weighted-least-connections', 'shortest-expected-delay', 'never-queue'];

function endpointList(r: () => number, pool: number): Endpoint[] {
  const n = Math.floor(r() * 40);
  const eps: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * pool);
    // Weights 0-5 (0 = not used by wlc/sed/nq), some repeated ids.
    eps.push({ id: `e${k}`, address: `10.0.0.${k}`, port: 80, ready: true, weight: Math.floor(r() * 6) });
  }
  return eps;
}

for (const policy of POLICIES) {
  test(`${policy}: the index picks exactly what the scan picks over random sequences`, () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed * 7919);
      const loads = new Loads();
      const scan = leastLoadScan(policy, (id) => loads.get(id));
      const indexed = new IndexedLeastLoadBalancer(policy, (id) => loads.get(id), loads);
      const pool = 5 + Math.floor(r() * 60);
      let eps = endpointList(r, pool);
      scan.update(eps);
      indexed.update(eps);
      const open: string[] = [];
      for (let step = 0; step < 1500; step++) {
        const op = r();
        if (op < 0.45) {
          let exclude: Set<string> | null = null;
          if (r() < 0.3) {
            exclude = new Set();
            const k = Math.floor(r() * 4);
            for (let i = 0; i < k; i++) exclude.add(`e${Math.floor(r() * pool)}`);
          }
          const a = scan.pick(ctx, exclude);
          const b = indexed.pick(ctx, exclude);
          assert.equal(b?.id ?? null, a?.id ?? null, `seed ${seed} step ${step}`);
          assert.equal(b, a, `seed ${seed} step ${step}: the same list entry`);
          if (a !== null && r() < 0.9) {
            loads.add(a.id, 1);
            open.push(a.id);
          }
        } else if (op < 0.8) {
          if (open.length > 0) {
            const i = Math.floor(r() * open.length);
            loads.add(open[i], -1);
            open.splice(i, 1);
          }
        } else if (op < 0.9) {
          // Load from elsewhere (another cluster sharing the endpoint, or flows of an id not listed).
          const id = `e${Math.floor(r() * pool)}`;
          loads.add(id, 1);
          open.push(id);
        } else if (op < 0.95) {
          // Weight change of one entry, same ids.
          if (eps.length > 0) {
            const i = Math.floor(r() * eps.length);
            eps = eps.map((e, j) => (j === i ? { ...e, weight: Math.floor(r() * 6) } : e));
            scan.update(eps);
            indexed.update(eps);
          }
        } else {
          eps = endpointList(r, pool);
          scan.update(eps);
          indexed.update(eps);
        }
      }
    }
  });
}

test('the index subscribes to the listed endpoints only, and dispose lets go of all of them', () => {
  const loads = new Loads();
  const b = new IndexedLeastLoadBalancer('weighted-least-connections', (id) => loads.get(id), loads);
  const ep = (id: string): Endpoint => ({ id, address: id, port: 80, ready: true });
  b.update([ep('a'), ep('b'), ep('a')]);
  assert.deepEqual([...loads.listeners.keys()].sort(), ['a', 'b']);
  b.update([ep('b'), ep('c')]);
  assert.deepEqual([...loads.listeners.keys()].sort(), ['b', 'c']);
  loads.add('b', 1);
  assert.equal(b.pick(ctx)!.id, 'c');
  b.dispose();
  assert.equal(loads.listeners.size, 0);
});

test('createBalancer: an index when a change feed is given, the scan otherwise', () => {
  const loads = new Loads();
  for (const policy of POLICIES) {
    assert.ok(createBalancer({ policy, inflight: (id) => loads.get(id), watch: loads }) instanceof IndexedLeastLoadBalancer);
    assert.ok(!(createBalancer({ policy, inflight: (id) => loads.get(id) }) instanceof IndexedLeastLoadBalancer));
  }
  const empty = createBalancer({ policy: 'never-queue', watch: loads });
  assert.equal(empty.pick(ctx), null);
  assert.equal(empty.size, 0);
});
