// The benchmark's generated configuration must be what the load asks for (docs/benchmarks/http.md): every
// host/path the wrk script and the microbenchmarks request resolves to the intended Service, with
// no error diagnostics, and the nginx/HAProxy files describe the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixture, hostName, pathName } from '../../bench/lib/fixture.ts';
import { Store } from '../../src/store/store.ts';
import { translate, defaultTranslateOptions } from '../../src/translate/index.ts';
import { RouteTable } from '../../src/dataplane/http/route-table.ts';
import type { Route } from '../../src/model/route.ts';

test('every generated host and path resolves to its Service, without error diagnostics', () => {
  const fx = makeFixture({ ingresses: 3, hostsPerIngress: 4, pathsPerHost: 5, servicesPerIngress: 5, backendPort: 28080, wsPort: 28082 });
  assert.equal(fx.rules, 3 * 4 * 5 + 1);
  const store = new Store();
  for (const o of fx.ingressClasses) store.upsert('IngressClass', o);
  for (const o of fx.services) store.upsert('Service', o);
  for (const o of fx.slices) store.upsert('EndpointSlice', o);
  for (const o of fx.ingresses) store.upsert('Ingress', o);
  const r = translate(store, { ...defaultTranslateOptions(), version: 1 });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(r.served.length, 4);
  const table = new RouteTable(r.snapshot, (route) => route as never);
  for (let n = 0; n < 12; n++) {
    for (let j = 0; j < 5; j++) {
      const hit = table.resolve(hostName(n), `${pathName(j)}/hello`) as unknown as Route | null;
      assert.ok(hit, `${hostName(n)}${pathName(j)}`);
      assert.deepEqual(hit.backend, { kind: 'cluster', clusterId: `bench/svc-${Math.floor(n / 4)}-${j}:80` });
    }
  }
  const ws = table.resolve('ws.bench.test', '/') as unknown as Route | null;
  assert.deepEqual(ws?.backend, { kind: 'cluster', clusterId: 'bench/ws-echo:80' });
});

test('gen-config writes the same table for Portico, nginx and HAProxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  try {
    const out = execFileSync(process.execPath, [join(import.meta.dirname, '../../bench/lib/gen-config.ts'), '--out', dir,
      '--backend-port', '28080', '--ws-port', '28082', '--ingresses', '2', '--hosts', '3', '--paths', '4', '--services', '2',
      '--http-port', '28101'], { encoding: 'utf8', timeout: 15_000 });
    assert.match(out, /rules=25 hosts=7 ingresses=3 services=5/);
    assert.deepEqual(readdirSync(join(dir, 'portico')).sort(), ['00-class.yaml', '10-services.yaml', '20-endpointslices.yaml', '30-ingresses.yaml']);
    const nginx = readFileSync(join(dir, 'nginx-servers.conf'), 'utf8');
    assert.equal(nginx.match(/server_name /g)?.length, 7);
    assert.equal(nginx.match(/location \/api\/s\d+\/ /g)?.length, 24);
    const map = readFileSync(join(dir, 'haproxy-routes.map'), 'utf8').trim().split('\n');
    assert.equal(map.length, 25);
    assert.equal(map[0], 'h0.bench.test/api/s0/ be_app');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
