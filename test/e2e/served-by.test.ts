import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, request } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

test('/debug/snapshot and /metrics say which snapshot version every dataplane serves', async () => {
  const gw = await startGateway([
    ingressClass(),
    ...backendFor('shop', 'web', [1]),
    ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
  ], { httpsPort: 0 });
  try {
    const v = gw.app.controller.snapshot.version;
    const snap = (await request(gw.adminUrl + '/debug/snapshot')).json();
    assert.equal(snap.version, v);
    assert.deepEqual(snap.servedBy, { http: v, tls: v, l4: v, 'gateway-ports': v });
    const m = (await request(gw.adminUrl + '/metrics')).text;
    for (const name of ['http', 'tls', 'l4', 'gateway-ports']) assert.match(m, new RegExp(`portico_dataplane_snapshot_version\\{dataplane="${name}"\\} ${v}`));
  } finally {
    await gw.close();
  }
});
