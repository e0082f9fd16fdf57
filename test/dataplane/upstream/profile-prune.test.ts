// Upstream profiles (upstream-profile.ts) are shared across snapshots by settings; the ones no
// route uses after an apply are freed, their per-endpoint pools closed gracefully: a request
// already on such a pool finishes, and many applies with ever-new settings keep the count bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import type { UpstreamPolicy } from '../../../src/model/upstream.ts';
import type { UpstreamProfiles } from '../../../src/dataplane/upstream/upstream-profile.ts';
import type { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { eps, request, route, snapshot, startProxy, vhost } from '../http/helpers.ts';

const policy = (connectTimeoutMs: number): UpstreamPolicy => ({
  protocol: 'HTTP', protocolSource: 'annotation', tls: null, connectTimeoutMs, readTimeoutMs: null, sendTimeoutMs: null,
  retry: null, maxBodyBytes: null,
});

test('profiles no route uses are freed after an apply, without cutting the request in flight on them', async () => {
  let slowStarted: () => void = () => undefined;
  const started = new Promise<void>((r) => { slowStarted = r; });
  const backend = http.createServer((req, res) => {
    if (req.url === '/slow') {
      slowStarted();
      setTimeout(() => res.end('slow done'), 300);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const port = (backend.address() as AddressInfo).port;
  const t = await startProxy();
  const profiles = Reflect.get(t.dp, 'profiles') as UpstreamProfiles;
  const endpoints = eps(port);
  const apply = (v: number, withPolicy: boolean): void => {
    const r = route('Prefix', '/', 'ns/web:80');
    t.dp.apply(snapshot(v, [vhost('app.test', [withPolicy ? { ...r, upstream: policy(1000 + v) } : r])], ['ns/web:80']), new Map([['ns/web:80', endpoints]]));
  };
  try {
    apply(1, true);
    assert.equal(profiles.size, 1);
    const slow = request(t.port, '/slow', { host: 'app.test' });
    await started;
    const runtimes = Reflect.get(t.dp, 'runtimes') as ClusterRuntimes;
    const state = runtimes.registry.get(endpoints[0].id)!;
    const oldPool = [...state.profilePools!.values()][0] as Dispatcher & { closed: boolean; destroyed: boolean };
    apply(2, true); // a new connect timeout: a new profile; the old one has no route left
    assert.equal(profiles.size, 1);
    assert.equal(state.profilePools, null, 'the old pool left the endpoint state (the new profile has none yet)');
    assert.equal(oldPool.closed, true, 'closing: no new request goes to it');
    assert.equal(oldPool.destroyed, false, 'but not destroyed');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow done', 'the request on the retired pool finished');
    for (let v = 3; v <= 40; v++) {
      apply(v, true);
      assert.equal((await request(t.port, '/', { host: 'app.test' })).body, 'ok');
    }
    assert.equal(profiles.size, 1, 'one profile for the one route, after 40 applies');
    assert.equal(state.profilePools!.size, 1, 'and one pool on the endpoint');
    apply(41, false); // no route with a policy: nothing left
    assert.equal(profiles.size, 0);
    assert.equal(state.profilePools, null);
    assert.equal((await request(t.port, '/', { host: 'app.test' })).body, 'ok');
  } finally {
    await t.close();
    await new Promise<void>((r) => backend.close(() => r()));
  }
});
