// README "TLS" "done when": an Ingress with spec.tls and its Secret in a folder, `portico serve`, and
// HTTPS gets the right certificate and backend; the Secret hot-swaps from the file; plain HTTP
// redirects; `portico certs` and /debug/certificates explain the choice without key material.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway, request } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';
import { describePeer, makeCert, tlsSecret } from '../support/certs.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

function get(port: number, servername: string, path = '/'): Promise<{ status: number; body: string; cn: string; sans: string[]; hsts: string | undefined }> {
  return new Promise((res, rej) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (r) => {
      const peer = (r.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, ...describePeer(peer), hsts: r.headers['strict-transport-security'] }));
    });
    req.on('error', rej);
    req.end();
  });
}

test('serve from files: SNI picks the Secret, wildcard and default follow SPEC §7, redirect and hot swap work', async () => {
  const echo = await startEchoServer({ name: 'web' });
  const one = makeCert({ sans: ['shop.test'], cn: 'shop-v1' });
  const two = makeCert({ sans: ['shop.test'], cn: 'shop-v2' });
  const wild = makeCert({ sans: ['*.apps.test'], cn: 'apps-wildcard' });
  const objs = (shopCert: typeof one): KubeObject[] => [
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    tlsSecret('default', 'shop-tls', shopCert.certPem, shopCert.keyPem),
    tlsSecret('default', 'apps-tls', wild.certPem, wild.keyPem, { stringData: true }),
    ingress('default', 'shop', [
      { host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] },
      { host: '*.apps.test', paths: [{ path: '/', service: 'web', port: 80 }] },
      { host: 'plain.test', paths: [{ path: '/', service: 'web', port: 80 }] },
    ], { tls: [{ hosts: ['shop.test'], secretName: 'shop-tls' }, { hosts: ['*.apps.test'], secretName: 'apps-tls' }] }),
  ];
  const gw = await startGateway(objs(one), { httpsPort: 0 });
  const httpsPort = gw.app.ports.https!;
  try {
    const a = await get(httpsPort, 'shop.test', '/x?y=1');
    assert.equal(a.cn, 'shop-v1');
    assert.equal(a.status, 200);
    const body = JSON.parse(a.body);
    assert.equal(body.name, 'web');
    assert.equal(body.headers['x-forwarded-proto'], 'https');
    assert.equal(a.hsts, 'max-age=15724800');

    assert.equal((await get(httpsPort, 'x.apps.test')).cn, 'apps-wildcard');
    assert.equal((await get(httpsPort, 'a.b.apps.test')).cn, 'Portico Default Certificate');
    assert.equal((await get(httpsPort, 'apps.test')).cn, 'Portico Default Certificate');
    assert.equal((await get(httpsPort, 'plain.test')).cn, 'Portico Default Certificate');

    // HTTP → HTTPS 308 for hosts in spec.tls only (README "TLS").
    const r = await request(gw.url + '/p?q=1', { host: 'shop.test' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.get('location'), `https://shop.test:${httpsPort}/p?q=1`);
    assert.equal((await request(gw.url + '/', { host: 'plain.test' })).status, 200);

    // Hot swap: a Secret change in the file reaches new handshakes within 1 s.
    const t = Date.now();
    await gw.write(objs(two));
    let cn = '';
    while (Date.now() - t < 2000 && (cn = (await get(httpsPort, 'shop.test')).cn) !== 'shop-v2') await new Promise((res) => setTimeout(res, 20));
    assert.equal(cn, 'shop-v2');
    assert.ok(Date.now() - t < 1000, `swap took ${Date.now() - t} ms`);

    const view = await request(gw.adminUrl + '/debug/certificates');
    const rows = view.json() as { host: string; served: string; secret: string | null }[];
    assert.deepEqual(rows.find((x) => x.host === 'shop.test'), { ...rows.find((x) => x.host === 'shop.test'), served: 'exact', secret: 'default/shop-tls' });
    assert.equal(rows.find((x) => x.host === '*.apps.test')?.served, 'wildcard');
    assert.equal(rows.find((x) => x.host === 'plain.test')?.served, 'default');
    const snap = (await request(gw.adminUrl + '/debug/snapshot')).text;
    for (const text of [view.text, snap]) {
      assert.doesNotMatch(text, /PRIVATE KEY/);
      assert.ok(!text.includes(one.keyPem.split('\n')[1]), 'no key material');
    }
  } finally {
    await gw.close();
    await echo.close();
  }
});

test('portico certs explains every host; a broken Secret is reported and falls back to the default', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-certs-'));
  const good = makeCert({ sans: ['good.test'] });
  const other = makeCert({ sans: ['other.test'] });
  try {
    await writeFile(join(dir, 'm.yaml'), toYaml([
      ingressClass(),
      ...backendFor('default', 'web', [8081]),
      tlsSecret('default', 'good', good.certPem, good.keyPem),
      tlsSecret('default', 'wrong', other.certPem, other.keyPem),
      ingress('default', 'i', [
        { host: 'good.test', paths: [{ path: '/', service: 'web', port: 80 }] },
        { host: 'wrong.test', paths: [{ path: '/', service: 'web', port: 80 }] },
      ], { tls: [{ hosts: ['good.test'], secretName: 'good' }, { hosts: ['wrong.test'], secretName: 'wrong' }] }),
    ]));
    const root = resolve(import.meta.dirname, '../..');
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/portico.js'), 'certs', '--resources', dir], { cwd: root });
    assert.match(stdout, /^good\.test\s+exact\s+default\/good/m);
    assert.match(stdout, /^wrong\.test\s+default\s+\(generated default\)/m);
    assert.match(stdout, /TLSCertificateMismatch/);
    assert.doesNotMatch(stdout, /PRIVATE KEY/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
