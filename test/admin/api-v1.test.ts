// /api/v1/ and the dashboard's files from a running gateway: contents, versioning, headers, and
// that nothing served contains key material or Secret data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../support/gateway.ts';
import { ingress } from '../support/manifests.ts';
import { startDashboardFixture } from './dashboard-fixture.ts';

test('api/v1 views: overview, routers, certificates, l4, diagnostics, explain', async () => {
  const f = await startDashboardFixture();
  try {
    const { gw } = f;
    for (let i = 0; i < 3; i++) assert.equal((await request(gw.url + '/', { host: 'gone.example.com' })).status, 503);
    const api = async (p: string) => {
      const r = await request(`${gw.adminUrl}/api/v1/${p}`);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      const j = r.json();
      assert.equal(j.apiVersion, 'v1');
      return j;
    };
    const o = await api('overview');
    assert.equal(o.ready, true);
    assert.equal(o.snapshotVersion, gw.app.controller.snapshot.version);
    assert.ok(o.reloads >= 1);
    assert.ok(o.diagnostics.errors >= 1, 'the relative path is rejected');
    const gone = o.traffic.find((t: { ingress: string }) => t.ingress === 'shop/missing');
    assert.deepEqual(gone, { ingress: 'shop/missing', service: 'shop/nowhere', requests: 3, errors: 3 });

    const r = await api('routers');
    const shop = r.hosts.find((h: { hostname: string }) => h.hostname === 'shop.example.com');
    assert.equal(shop.certificate, 'shop/shop-tls');
    assert.deepEqual(shop.routes.map((x: { match: { type: string; path: string } }) => `${x.match.type} ${x.match.path}`), ['Exact /api', 'Prefix /']);
    const eps = shop.routes[0].backend.endpoints;
    assert.equal(eps.length, 1);
    assert.equal(eps[0].ready, true);
    assert.equal(eps[0].healthy, true);
    const g = r.hosts.find((h: { hostname: string }) => h.hostname === 'gone.example.com');
    assert.equal(g.routes[0].backend.kind, 'unavailable');

    const c = await api('certificates');
    assert.equal(c.https, true);
    const row = c.hosts.find((h: { host: string }) => h.host === 'shop.example.com');
    assert.equal(row.secret, 'shop/shop-tls');
    assert.deepEqual(row.names, ['shop.example.com']);

    const l = await api('l4');
    assert.equal(l.routes.length, 1);
    assert.equal(l.routes[0].clusterId, 'shop/web:80');
    assert.equal(l.routes[0].endpoints.length, 1);

    const d = await api('diagnostics');
    assert.ok(d.items.some((x: { reason: string; object: { name: string } }) => x.reason === 'InvalidPath' && x.object.name === 'front'));
    assert.ok(d.items.some((x: { reason: string }) => x.reason === 'ServiceNotFound'));

    const e = await api(`explain?url=${encodeURIComponent('http://shop.example.com/api')}`);
    assert.deepEqual(e.request, { host: 'shop.example.com', path: '/api' });
    assert.equal(e.explanation.route.id, shop.routes[0].id);
    assert.equal(e.explanation.status, null);
    assert.deepEqual(e.candidates.map((c: { match: { path: string }; outcome: string }) => `${c.match.path} ${c.outcome}`), [
      '/api chosen',
      '/ matches, but lower precedence (longer path first, Exact before Prefix)',
    ]);
    const e3 = await api(`explain?url=${encodeURIComponent('shop.example.com/apix')}`);
    assert.deepEqual(e3.candidates.map((c: { outcome: string }) => c.outcome), ['path does not match', 'chosen']);
    const e2 = await api(`explain?url=${encodeURIComponent('nothing.example.com/x')}`);
    assert.equal(e2.explanation.status, 404);

    // After a config change the views follow.
    await gw.write(f.objects([ingress('shop', 'blog', [{ host: 'blog.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }])]));
    const r2 = await api('routers');
    assert.ok(r2.snapshotVersion > r.snapshotVersion);
    assert.ok(r2.hosts.some((h: { hostname: string }) => h.hostname === 'blog.example.com'));
  } finally {
    await f.close();
  }
});

test('dashboard files are self-contained, locked down by CSP, and nothing served holds key material', async () => {
  const f = await startDashboardFixture();
  try {
    const { gw, cert } = f;
    const served: string[] = [];
    for (const p of ['/dashboard', '/dashboard/app.js', '/dashboard/style.css']) {
      const r = await request(gw.adminUrl + p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      // No external assets: every src/href is a local path or a fragment.
      for (const m of r.text.matchAll(/(?:src|href)=["']([^"']+)["']/g)) assert.match(m[1], /^(\/|#)/, `${p}: ${m[1]}`);
      assert.doesNotMatch(r.text, /https?:\/\/(?!shop\.example\.com)/, `${p} references no other origin`);
      served.push(r.text);
    }
    assert.doesNotMatch(served[1], /innerHTML|insertAdjacentHTML|document\.write|eval\(/, 'configuration text is never parsed as HTML or code');
    for (const p of ['overview', 'routers', 'certificates', 'l4', 'diagnostics', 'explain?url=shop.example.com/']) served.push((await request(`${gw.adminUrl}/api/v1/${p}`)).text);
    for (const p of ['/debug/snapshot', '/debug/certificates', '/debug/diagnostics']) served.push((await request(gw.adminUrl + p)).text);
    const all = served.join('\n');
    const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const secret of [...body(cert.keyPem), ...body(cert.certPem), Buffer.from(cert.keyPem).toString('base64').slice(0, 60), Buffer.from(cert.certPem).toString('base64').slice(0, 60)]) {
      assert.ok(!all.includes(secret), 'key or certificate bytes served');
    }
    assert.doesNotMatch(all, /PRIVATE KEY|BEGIN CERTIFICATE|tls\.key|tls\.crt/);
  } finally {
    await f.close();
  }
});

test('api/v1 explain passes the URL\'s scheme and port (or scheme= and port=) to the dataplane', async () => {
  const { explain, explainTarget } = await import('../../src/admin/api-v1.ts');
  const seen: unknown[] = [];
  const src = { explain: (host: string | undefined, path: string, target?: unknown) => (seen.push([host, path, target]), { path, bucket: { kind: 'hostless', hostname: null }, route: null }), snapshot: () => ({ virtualHosts: [] }) };
  explain(src as never, { url: 'https://shop.test:8443/api?x=1' });
  explain(src as never, { url: 'shop.test/api' });
  explain(src as never, { host: 'shop.test', path: '/', scheme: 'https', port: '443' });
  assert.deepEqual(seen, [
    ['shop.test:8443', '/api?x=1', { scheme: 'https', port: 8443 }],
    ['shop.test', '/api', {}],
    ['shop.test', '/', { scheme: 'https', port: 443 }],
  ]);
  assert.deepEqual(explainTarget('ftp', '99999'), {}, 'an unknown scheme or a port out of range is left out');
});
