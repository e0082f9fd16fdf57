// `portico convert` round trip: Ingresses → Gateway API YAML (src/convert/) → served by Portico
// from that YAML alone, answering the same requests the same way; what cannot be expressed is
// listed and left out, never converted into something more open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolve_ } from 'node:path';
import { execFile } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../src/config/config.ts';
import { loadOffline } from '../../src/offline.ts';
import { convertSnapshot } from '../../src/convert/index.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { request, startGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { freePort } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const A = 'nginx.ingress.kubernetes.io/';

test('convert: the Gateway API objects serve what the Ingresses served; protected routes are listed, not converted', async () => {
  const api = await startEchoServer({ name: 'api' });
  const web = await startEchoServer({ name: 'web' });
  const fallback = await startEchoServer({ name: 'fallback' });
  const cert = makeCert({ sans: ['secure.test'] });
  const backends = [...backendFor('shop', 'api', [api.port]), ...backendFor('shop', 'web', [web.port]), ...backendFor('shop', 'fallback', [fallback.port])];
  const ingresses: KubeObject[] = [
    ingressClass(),
    tlsSecret('shop', 'secure-tls', cert.certPem, cert.keyPem),
    ingress('shop', 'main', [
      { host: 'shop.test', paths: [{ path: '/api', service: 'api', port: 80 }, { path: '/exact', pathType: 'Exact', service: 'api', port: 80 }, { path: '/', service: 'web', port: 80 }] },
    ], { defaultBackend: { service: 'fallback', port: 80 } }),
    ingress('shop', 'vhost', [{ host: 'vhost.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}upstream-vhost`]: 'internal.web' } }),
    ingress('shop', 'secure', [{ host: 'secure.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['secure.test'], secretName: 'secure-tls' }] }),
    ingress('shop', 'guarded', [{ host: 'guarded.test', paths: [{ path: '/', service: 'api', port: 80 }] }], { annotations: { [`${A}whitelist-source-range`]: '10.0.0.0/8' } }),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'portico-convert-'));
  try {
    await writeFile(join(dir, 'in.yaml'), toYaml([...ingresses, ...backends]));
    const off = await loadOffline({ ...DEFAULTS, resources: [dir] });
    const { yaml, skipped } = convertSnapshot(off.snapshot, { namespace: 'default', gatewayName: 'portico', httpPort: 80, httpsPort: 443 });
    // The allow-listed Ingress is not turned into an open HTTPRoute.
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], /^shop\/guarded#0\.0: access policies/);
    assert.match(yaml, /^# Not converted/);
    const objs = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
    const kinds = objs.map((o) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
    assert.ok(kinds.includes('ReferenceGrant shop/portico-gateway-default'), 'the Gateway may read the Secret in shop');
    assert.ok(kinds.includes('HTTPRoute shop/secure-secure-test-to-https'), 'ssl-redirect becomes a 308 on the HTTP listener');
    assert.ok(!kinds.some((k) => k.includes('guarded')));

    // The CLI prints the same, and exits 1 because a route was left out.
    const cli = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [resolve_(import.meta.dirname, '../../bin/portico.js'), 'convert', '--resources', dir], (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stdout, stderr }));
    });
    assert.equal(cli.code, 1);
    assert.equal(cli.stdout, yaml);
    assert.match(cli.stderr, /^not converted: shop\/guarded#0\.0: access policies/m);
    assert.match(cli.stderr, /1 left out, 0 dropped; exit 1/);

    // Serve the converted objects (and the backends) alone: no Ingress left.
    const port = await freePort();
    const gw = await startGateway([...objs, ...backends], { httpPort: port, gatewayPortOffset: port - 80 });
    try {
      const via = async (host: string, path: string) => {
        const r = await request(`http://127.0.0.1:${port}${path}`, { host });
        return r.status === 200 ? `${r.json().name} ${r.json().host}` : String(r.status);
      };
      assert.equal(await via('shop.test', '/api/x'), 'api shop.test');
      assert.equal(await via('shop.test', '/apix'), 'web shop.test', 'Prefix is element-wise on both sides');
      assert.equal(await via('shop.test', '/exact'), 'api shop.test');
      assert.equal(await via('shop.test', '/exact/more'), 'web shop.test');
      assert.equal(await via('vhost.test', '/'), 'web internal.web', 'upstream-vhost became URLRewrite hostname');
      const redirect = await request(`http://127.0.0.1:${port}/x?y=1`, { host: 'secure.test' });
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.get('location'), 'https://secure.test/x?y=1');
      assert.equal(await via('other.test', '/anything'), 'fallback other.test', 'the default backend serves every other host');
      assert.equal(await via('guarded.test', '/'), 'fallback guarded.test', 'not converted: guarded.test is not served by its own rules');
      // Only the HTTPS listener is off (this test serves no HTTPS port); nothing else is refused.
      assert.deepEqual(gw.app.controller.diagnostics().filter((d) => d.severity === 'error' && !/https-secure-test/.test(d.message)), [], 'the output is valid for Portico');
    } finally {
      await gw.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await api.close();
    await web.close();
    await fallback.close();
  }
});
