// `portico convert` and TLS: the HTTPS listeners (one per TLS host, the Secret in the Ingress's
// namespace reached through a ReferenceGrant) serve the same certificate and backend as the
// Ingresses, over real TLS with SNI; ssl-redirect hosts redirect on HTTP, an ssl-redirect "false"
// host answers on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function get(port: number, servername: string, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (r) => {
      const cn = ((r.socket as TLSSocket).getPeerCertificate().subject as { CN?: string } | undefined)?.CN ?? '-';
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve(r.statusCode === 200 ? `${cn} ${JSON.parse(body).name} ${JSON.parse(body).path}` : `${cn} ${r.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}

test('convert: HTTPS listeners per TLS host serve the same certificate and backend; redirects on HTTP as before', async () => {
  const web = await startEchoServer({ name: 'web' });
  const api = await startEchoServer({ name: 'api' });
  const pair = makeCert({ sans: ['a.test', 'b.test'], cn: 'pair-cert' });
  const open = makeCert({ sans: ['open.test'], cn: 'open-cert' });
  const backends = [...backendFor('shop', 'web', [web.port]), ...backendFor('shop', 'api', [api.port])];
  const ingresses: KubeObject[] = [
    ingressClass(),
    tlsSecret('shop', 'pair-tls', pair.certPem, pair.keyPem),
    tlsSecret('shop', 'open-tls', open.certPem, open.keyPem),
    ingress('shop', 'pair', [{ host: 'a.test', paths: [{ path: '/', service: 'web', port: 80 }] }, { host: 'b.test', paths: [{ path: '/api', service: 'api', port: 80 }] }],
      { tls: [{ hosts: ['a.test', 'b.test'], secretName: 'pair-tls' }], annotations: { [`${A}app-root`]: '/app1' } }),
    ingress('shop', 'open', [{ host: 'open.test', paths: [{ path: '/', service: 'api', port: 80 }] }],
      { tls: [{ hosts: ['open.test'], secretName: 'open-tls' }], annotations: { [`${A}ssl-redirect`]: 'false' } }),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'portico-convert-tls-'));
  const [http1, https1, http2, https2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  try {
    await writeFile(join(dir, 'in.yaml'), toYaml([...ingresses, ...backends]));
    const off = await loadOffline({ ...DEFAULTS, resources: [dir] });
    // The listeners on this test's ports (a deployment keeps 80/443, or --gateway-port-offset).
    const conv = convertSnapshot(off.snapshot, { namespace: 'default', gatewayName: 'portico', httpPort: http2, httpsPort: https2, annotationReports: off.annotationReports });
    assert.deepEqual([...conv.skipped, ...conv.dropped], []);
    const objs = parseAllDocuments(conv.yaml).map((d) => d.toJS() as KubeObject);
    const gw = objs.find((o) => o.kind === 'Gateway') as unknown as { spec: { listeners: { name: string; hostname?: string; tls?: unknown }[] } };
    assert.deepEqual(gw.spec.listeners.map((l) => `${l.name} ${l.hostname ?? ''}`), ['http ', 'https-a-test a.test', 'https-b-test b.test', 'https-open-test open.test']);
    assert.ok(objs.some((o) => o.kind === 'ReferenceGrant' && o.metadata?.namespace === 'shop'), 'the Gateway in default may read the Secrets in shop');

    const before = await startGateway([...ingresses, ...backends], { httpPort: http1, httpsPort: https1 });
    // The output refers to the Secrets; they stay where they are.
    const after = await startGateway([...objs, ...ingresses.filter((o) => o.kind === 'Secret'), ...backends], { httpPort: http2, httpsPort: https2 });
    try {
      assert.deepEqual(after.app.controller.diagnostics().filter((d) => d.severity === 'error'), [], 'every listener is served');
      const cases: [string, string][] = [['a.test', '/'], ['a.test', '/x'], ['b.test', '/api/v1'], ['b.test', '/other'], ['open.test', '/o']];
      for (const [host, path] of cases) {
        const want = await get(https1, host, path);
        assert.equal(await get(https2, host, path), want, `https://${host}${path}`);
      }
      assert.equal(await get(https2, 'a.test', '/x'), 'pair-cert web /x');
      assert.equal(await get(https2, 'open.test', '/o'), 'open-cert api /o');
      const plain = async (port: number, host: string, path: string) => {
        const r = await request(`http://127.0.0.1:${port}${path}`, { host });
        return r.status === 200 ? `${r.json().name} ${r.json().path}` : `${r.status} ${(r.headers.get('location') ?? '').replace(/:\d+\//, '/')}`;
      };
      for (const [host, path] of cases) assert.equal(await plain(http2, host, path), await plain(http1, host, path), `http://${host}${path}`);
      assert.equal(await plain(http2, 'a.test', '/x?q=1'), '308 https://a.test/x?q=1');
      assert.equal(await plain(http2, 'open.test', '/o'), 'api /o', 'ssl-redirect "false" keeps HTTP');
      assert.equal(await plain(http2, 'a.test', '/'), '302 http://a.test/app1', 'app-root answers before ssl-redirect, as on the Ingress');
      assert.equal(await plain(http2, 'b.test', '/other'), '404 ', 'only what the redirected routes match is redirected');
    } finally {
      await before.close();
      await after.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await web.close();
    await api.close();
  }
});
