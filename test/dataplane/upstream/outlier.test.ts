// Outlier ejection timings on a fake clock (every call is given the time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OUTLIER, OutlierState } from '../../../src/dataplane/upstream/outlier.ts';
import { EndpointRegistry } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { cluster } from '../http/helpers.ts';

const cfg = DEFAULT_OUTLIER;

test('consecutive failures eject; a success in between resets the count', () => {
  const o = new OutlierState();
  const t = 5_000_000;
  for (let i = 0; i < 4; i++) assert.equal(o.record('5xx', t + i * 1000, cfg), false);
  assert.equal(o.record('ok', t + 4500, cfg), false);
  for (let i = 0; i < 4; i++) assert.equal(o.record('timeout', t + 20_000 + i, cfg), false);
  assert.equal(o.record('connect', t + 20_010, cfg), true);
});

test('ejection time: base × times ejected, capped at the maximum, decaying while healthy', () => {
  const o = new OutlierState();
  let t = 1_000_000;
  const times: number[] = [];
  for (let k = 0; k < 12; k++) {
    times.push(o.eject(t, cfg));
    assert.ok(o.ejected(t + times[k] - 1) && !o.ejected(t + times[k]));
    t += times[k]; // fails again the moment it is back
  }
  assert.deepEqual(times.slice(0, 4), [30_000, 60_000, 90_000, 120_000]);
  assert.equal(Math.max(...times), cfg.maxEjectionMs);
  assert.equal(times[11], 300_000);
  // Healthy for 10 base periods: the multiplier drops by 10 (from 12 to 2), next is 3 × base.
  assert.equal(o.eject(t + 10 * cfg.baseEjectionMs, cfg), 90_000);
});

test('cluster: at most 50 % ejected, ejected endpoints skipped, state survives a config swap', () => {
  const reg = new EndpointRegistry();
  let now = 2_000_000;
  const ejections: string[] = [];
  const rts = new ClusterRuntimes(reg, { onEject: (_c, e, reason) => ejections.push(`${e} ${reason}`), now: () => now });
  const eps = [1, 2, 3, 4].map((i) => makeEndpoint(`10.7.0.${i}`, 80));
  rts.reconcile([{ ...cluster('ns/a:80'), eject5xx: true }], new Map([['ns/a:80', eps]]));
  const rt = rts.get('ns/a:80')!;
  for (const e of eps.slice(0, 3)) for (let i = 0; i < 5; i++) rt.report(reg.get(e.id)!, '5xx', now);
  assert.deepEqual(ejections, ['10.7.0.1:80 5xx', '10.7.0.2:80 5xx'], 'the third is kept: 2 of 4 is the cap');
  const picked = new Set<string>();
  for (let i = 0; i < 20; i++) picked.add(rt.pick('c', null, now)!.id);
  assert.deepEqual([...picked].sort(), ['10.7.0.3:80', '10.7.0.4:80']);
  // A new snapshot with the same endpoints keeps the ejection.
  rts.reconcile([{ ...cluster('ns/a:80'), eject5xx: true }], new Map([['ns/a:80', [...eps]]]));
  assert.equal(reg.get(eps[0].id)!.healthy(now), false);
  now += 30_000;
  assert.equal(reg.get(eps[0].id)!.healthy(now), true, 'back after the base ejection time');
});

test('5xx answers eject only where the Service opts in; connect failures and timeouts always count', () => {
  const reg = new EndpointRegistry();
  const now = 3_000_000;
  const rts = new ClusterRuntimes(reg);
  const eps = [1, 2].map((i) => makeEndpoint(`10.7.1.${i}`, 80));
  rts.reconcile([cluster('ns/b:80')], new Map([['ns/b:80', eps]]));
  const rt = rts.get('ns/b:80')!;
  for (let i = 0; i < 10; i++) rt.report(reg.get(eps[0].id)!, '5xx', now);
  assert.equal(reg.get(eps[0].id)!.healthy(now), true);
  for (let i = 0; i < 5; i++) rt.report(reg.get(eps[1].id)!, i % 2 ? 'timeout' : 'connect', now);
  assert.equal(reg.get(eps[1].id)!.healthy(now), false);
});
