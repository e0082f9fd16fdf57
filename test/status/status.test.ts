// Leader election, Ingress status and Events through the real client library against the fake API server (README "Run in a cluster").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { LeaderElector } from '../../src/status/leader-election.ts';
import { IngressStatusWriter } from '../../src/status/ingress-status.ts';
import { EventRecorder } from '../../src/status/events.ts';
import { PublishAddressResolver, addressesFromService, parsePublishAddresses } from '../../src/status/publish-address.ts';
import { silentLogger } from '../../src/util/logger.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { diagnostic, type DiagnosticReason } from '../../src/model/diagnostic.ts';

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withServer(fn: (s: FakeApiServer) => Promise<void>): Promise<void> {
  const s = new FakeApiServer();
  await s.start();
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

const ing = (name: string, status?: unknown) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' }, spec: { rules: [{ host: `${name}.example` }] }, ...(status ? { status } : {}) });

test('two LeaderElectors on one Lease: exactly one leads; the other takes over after the first stops', async () => {
  await withServer(async (s) => {
    const mk = (id: string) => new LeaderElector({ kubeConfig: kubeConfigForServer(s.url), namespace: 'portico', leaseName: 'portico-leader', identity: id,
      logger: silentLogger(), leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 });
    const a = mk('a');
    const b = mk('b');
    const events: string[] = [];
    a.on('leading', () => events.push('a leading'));
    a.on('stopped leading', () => events.push('a stopped'));
    b.on('leading', () => events.push('b leading'));
    a.start();
    await until(() => a.isLeader);
    b.start();
    // Several retry periods and more than a lease duration: b must never lead while a renews.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(a.isLeader, true);
    assert.equal(b.isLeader, false);
    assert.equal(s.get('Lease', 'portico', 'portico-leader')!.spec.holderIdentity, 'a');
    await a.stop();
    await until(() => b.isLeader);
    assert.equal(a.isLeader, false);
    assert.deepEqual(events, ['a leading', 'a stopped', 'b leading']);
    const lease = s.get('Lease', 'portico', 'portico-leader')!;
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 0, 'a released the lease, so b took a free one');
    // The leader loses the API (updates forbidden): it steps down after the renew deadline.
    s.deny('Lease', ['update']);
    await until(() => !b.isLeader, 3000);
    s.allow('Lease');
    await b.stop();
  });
});

test('a crashed leader (no release) is replaced once its lease expires', async () => {
  await withServer(async (s) => {
    s.apply({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'portico' },
      spec: { holderIdentity: 'dead', leaseDurationSeconds: 1, renewTime: new Date().toISOString() } });
    const b = new LeaderElector({ kubeConfig: kubeConfigForServer(s.url), namespace: 'portico', leaseName: 'l', identity: 'b',
      logger: silentLogger(), leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 });
    const t0 = Date.now();
    b.start();
    await until(() => b.isLeader, 4000);
    assert.ok(Date.now() - t0 >= 900, 'waited out the observed lease');
    assert.equal(s.get('Lease', 'portico', 'l')!.spec.leaseTransitions, 1);
    await b.stop();
  });
});

test('IngressStatusWriter writes only differences, only as leader, and clears what stopped being ours', async () => {
  await withServer(async (s) => {
    let leader = false;
    const w = new IngressStatusWriter({ kubeConfig: kubeConfigForServer(s.url), logger: silentLogger(), isLeader: () => leader });
    const addr = [{ ip: '203.0.113.7' }];
    s.apply(ing('a'));
    s.apply(ing('b', { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }));
    s.apply(ing('foreign', { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } }));
    s.apply(ing('stale', { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }));
    const current = () => s.list('Ingress') as Ingress[];
    const desired = new Map([['default/a', addr], ['default/b', addr]]);
    const writes = () => s.requests.filter((r) => r.method === 'PATCH').length;

    assert.deepEqual(await w.sync(desired, current()), { written: [], cleared: [], failed: [] });
    assert.equal(writes(), 0, 'a follower writes nothing');

    leader = true;
    const r1 = await w.sync(desired, current());
    assert.deepEqual(r1.written, ['default/a'], 'b already carries the address');
    assert.deepEqual(r1.cleared, ['default/stale'], 'first sync clears unserved Ingresses carrying our address');
    assert.deepEqual(s.get('Ingress', 'default', 'a')!.status.loadBalancer.ingress, addr);
    assert.deepEqual(s.get('Ingress', 'default', 'foreign')!.status.loadBalancer.ingress, [{ ip: '198.51.100.1' }], 'another controller’s status is untouched');
    assert.ok(s.requests.filter((r) => r.method === 'PATCH').every((r) => r.path.endsWith('/status') && r.contentType === 'application/merge-patch+json'));

    const n = writes();
    assert.deepEqual((await w.sync(desired, current())).written, []);
    assert.equal(writes(), n, 'nothing differs, nothing written');

    const r3 = await w.sync(new Map([['default/a', addr]]), current());
    assert.deepEqual(r3.cleared, ['default/b']);
    assert.equal(s.get('Ingress', 'default', 'b')!.status.loadBalancer.ingress, undefined);
  });
});

test('EventRecorder: a Warning Event per diagnostic, deduplicated per object+reason and token-bucket limited', async () => {
  await withServer(async (s) => {
    let now = 1_000_000;
    const rec = new EventRecorder({ kubeConfig: kubeConfigForServer(s.url), logger: silentLogger(), instance: 'portico-0',
      burst: 3, refillPerSecond: 1, perObjectIntervalMs: 60_000, now: () => now, lookupUid: () => 'uid-9' });
    const d = (name: string, reason: DiagnosticReason = 'ServiceNotFound') => diagnostic({ kind: 'Ingress', namespace: 'default', name }, reason, `service of ${name} not found`);
    assert.equal(rec.record(d('a')), true);
    assert.equal(rec.record(d('a')), false, 'same object+reason suppressed');
    assert.equal(rec.record(d('a', 'InvalidPath')), true, 'another reason is another Event');
    assert.equal(rec.record(d('b')), true);
    assert.equal(rec.record(d('c')), false, 'bucket empty');
    now += 1000;
    assert.equal(rec.record(d('c')), true, 'one token refilled');
    now += 60_000;
    assert.equal(rec.record(d('a')), true, 'interval passed');
    await rec.flush();
    const evs = s.list('Event', 'default');
    assert.equal(evs.length, 5);
    const e = evs.find((x) => x.involvedObject.name === 'b')!;
    assert.equal(e.type, 'Warning');
    assert.equal(e.reason, 'ServiceNotFound');
    assert.equal(e.message, 'service of b not found');
    assert.deepEqual(e.involvedObject, { kind: 'Ingress', name: 'b', namespace: 'default', apiVersion: 'networking.k8s.io/v1', uid: 'uid-9' });
    assert.deepEqual(rec.stats, { sent: 5, suppressed: 1, rateLimited: 1, failed: 0 });
    // Only the leader reports.
    const follower = new EventRecorder({ kubeConfig: kubeConfigForServer(s.url), logger: silentLogger(), instance: 'portico-1', isLeader: () => false });
    assert.equal(follower.record(d('z')), false);
  });
});

test('publish addresses: LoadBalancer ingress, else externalIPs; --publish-address list; resolver reads the Service', async () => {
  assert.deepEqual(addressesFromService({ status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example' }] } }, spec: { externalIPs: ['9.9.9.9'] } }),
    [{ ip: '1.2.3.4' }, { hostname: 'lb.example' }]);
  assert.deepEqual(addressesFromService({ spec: { externalIPs: ['9.9.9.9', '9.9.9.9'] } }), [{ ip: '9.9.9.9' }]);
  assert.deepEqual(addressesFromService({ spec: {} }), []);
  assert.deepEqual(parsePublishAddresses(['203.0.113.1, LB.Example.com', '2001:db8::1']), [{ ip: '203.0.113.1' }, { hostname: 'lb.example.com' }, { ip: '2001:db8::1' }]);
  await withServer(async (s) => {
    s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'portico', namespace: 'portico' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } });
    const r = new PublishAddressResolver({ kubeConfig: kubeConfigForServer(s.url), publishService: 'portico/portico', publishAddresses: [], logger: silentLogger() });
    assert.deepEqual(await r.resolve(), [{ ip: '203.0.113.9' }]);
    s.deny('Service');
    assert.equal(await r.resolve(), null);
  });
});
