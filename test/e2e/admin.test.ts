// README "Admin server": admin server endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway, request } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

test('healthz, readyz, metrics by ingress/service/status class, debug snapshot and diagnostics', async () => {
  const a = await startEchoServer({ name: 'a' });
  const gw = await startGateway([
    ingressClass(),
    ...backendFor('shop', 'web', [a.port]),
    ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }, { path: 'relative', service: 'web', port: 80 }] }]),
  ]);
  try {
    assert.equal((await request(gw.adminUrl + '/healthz')).status, 200);
    assert.equal((await request(gw.adminUrl + '/readyz')).status, 200);
    assert.equal((await request(gw.url + '/', { host: 'shop.test' })).status, 200);
    assert.equal((await request(gw.url + '/', { host: 'none.test' })).status, 404);

    const m = await request(gw.adminUrl + '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /portico_http_requests_total\{[^}]*ingress="shop\/front"[^}]*service="shop\/web"[^}]*code="2xx"[^}]*\} 1/);
    assert.match(m.text, /portico_http_requests_total\{[^}]*code="4xx"[^}]*\} 1/);
    assert.match(m.text, /portico_http_request_duration_seconds_bucket/);
    assert.match(m.text, /portico_snapshot_version [1-9]/);
    assert.match(m.text, /portico_config_reloads_total [1-9]/);
    assert.match(m.text, /portico_active_connections/);

    const snap = (await request(gw.adminUrl + '/debug/snapshot')).json();
    assert.ok(snap.virtualHosts.some((v: { hostname: string }) => v.hostname === 'shop.test'));
    assert.ok(Array.isArray(snap.clusters) && snap.clusters.some((c: { id: string }) => c.id === 'shop/web:80'));

    const diags = (await request(gw.adminUrl + '/debug/diagnostics')).json();
    assert.ok(diags.some((d: { object: { name: string } }) => d.object.name === 'front'), 'the invalid path is reported against its Ingress');
  } finally {
    await gw.close();
    await a.close();
  }
});
