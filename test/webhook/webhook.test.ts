// The validating admission webhook over real TLS, inside a running gateway: the same translate
// pipeline decides, with the gateway's current store as context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { startGateway } from '../support/gateway.ts';
import { ingress, ingressClass, service } from '../support/manifests.ts';
import { post, review, WEBHOOK_NAME } from './webhook-support.ts';

const cert = makeCert({ sans: [WEBHOOK_NAME], cn: 'webhook-one' });

async function withFiles<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-wh-'));
  try {
    await writeFile(join(dir, 'tls.crt'), cert.certPem);
    await writeFile(join(dir, 'tls.key'), cert.keyPem);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const base = [ingressClass(), service('default', 'web'), ingress('default', 'existing', [{ host: 'a.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }], { created: '2024-01-01T00:00:00Z' })];

test('webhook allows, warns and denies by the diagnostics of translate, over TLS', async () => {
  await withFiles(async (dir) => {
    const gw = await startGateway(base, { webhookPort: 0, webhookAddress: '127.0.0.1', webhookCertFile: join(dir, 'tls.crt'), webhookKeyFile: join(dir, 'tls.key') });
    try {
      const port = gw.app.ports.webhook!;
      const ca = cert.certPem;

      const ok = await post(port, ca, review(ingress('default', 'new', [{ host: 'b.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }])));
      assert.equal(ok.status, 200);
      const okBody = ok.json();
      assert.equal(okBody.apiVersion, 'admission.k8s.io/v1');
      assert.equal(okBody.kind, 'AdmissionReview');
      assert.equal(okBody.response.allowed, true);
      assert.equal(okBody.response.warnings, undefined);
      assert.match(okBody.response.uid, /^uid-/);

      const bad = ingress('default', 'bad', [{ host: 'c.example.com', paths: [{ path: 'no-slash', pathType: 'Exact', service: 'web', port: 80 }] }]);
      const denied = (await post(port, ca, review(bad))).json().response;
      assert.equal(denied.allowed, false);
      assert.equal(denied.status.code, 403);
      assert.match(denied.status.message, /Ingress default\/bad/);
      assert.match(denied.status.message, /InvalidPath/);

      // A missing Service is another object's state (objects arrive in any order): a warning.
      const missing = (await post(port, ca, review(ingress('default', 'later', [{ host: 'd.example.com', paths: [{ path: '/', service: 'not-yet', port: 80 }] }])))).json().response;
      assert.equal(missing.allowed, true);
      assert.ok(missing.warnings.some((w: string) => /ServiceNotFound/.test(w) && /not-yet/.test(w)), JSON.stringify(missing.warnings));

      // The store is the context: a new Ingress on a path the existing one serves loses it (SPEC §1.8).
      const clash = (await post(port, ca, review(ingress('default', 'clash', [{ host: 'a.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }])))).json().response;
      assert.equal(clash.allowed, true);
      assert.ok(clash.warnings.some((w: string) => /RouteConflict/.test(w) && /already served/.test(w)), JSON.stringify(clash.warnings));

      // An older Ingress updated to take that path: the warning names the Ingress that loses it.
      const older = ingress('default', 'older', [{ host: 'a.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }], { created: '2020-01-01T00:00:00Z' });
      const steal = (await post(port, ca, review(older, 'UPDATE'))).json().response;
      assert.equal(steal.allowed, true);
      assert.ok(steal.warnings.some((w: string) => w.startsWith('Ingress default/existing: RouteConflict')), JSON.stringify(steal.warnings));

      // Another class is not ours to judge, even when it is broken.
      const other = ingress('default', 'theirs', [{ host: 'e.example.com', paths: [{ path: 'x', pathType: 'Exact', service: 'web', port: 80 }] }], { className: 'nginx' });
      const otherReview = review(other);
      assert.deepEqual((await post(port, ca, otherReview)).json().response, { uid: JSON.parse(otherReview).request.uid, allowed: true });

      // DELETE is always allowed (nothing to validate).
      assert.equal((await post(port, ca, review(bad, 'DELETE', { object: null }))).json().response.allowed, true);

      // The review changed nothing: the gateway still serves only what it served.
      assert.deepEqual(gw.app.controller.served, ['default/existing']);
    } finally {
      await gw.close();
    }
  });
});

test('malformed AdmissionReviews get 4xx and the webhook keeps answering', async () => {
  await withFiles(async (dir) => {
    const gw = await startGateway(base, { webhookPort: 0, webhookAddress: '127.0.0.1', webhookCertFile: join(dir, 'tls.crt'), webhookKeyFile: join(dir, 'tls.key') });
    try {
      const port = gw.app.ports.webhook!;
      const ca = cert.certPem;
      const cases: [string, number][] = [
        ['not json', 400],
        ['[]', 400],
        [JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }), 400],
        [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 400],
        [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: '', kind: {}, operation: 'CREATE' } }), 400],
        [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { kind: 'Ingress', version: 'v1' }, operation: 'CREATE', object: 'text' } }), 400],
        [review({ metadata: { name: 'x', namespace: 'default' }, spec: { ingressClassName: 'portico', rules: 'not-a-list' } }), 200],
        [review({ metadata: 42, spec: null }), 200],
      ];
      for (const [body, status] of cases) {
        const r = await post(port, ca, body);
        assert.equal(r.status, status, `${body.slice(0, 80)} → ${r.status} ${r.text}`);
      }
      assert.equal((await post(port, ca, '', { method: 'GET' })).status, 405);
      assert.equal((await post(port, ca, '{}', { path: '/mutate' })).status, 404);
      assert.equal((await post(port, ca, review(base[2]), { contentType: 'text/plain' })).status, 415);
      assert.equal((await post(port, ca, 'x'.repeat(5 * 1024 * 1024)).catch(() => ({ status: 413 }))).status, 413);
      assert.equal((await post(port, ca, review(base[2]))).json().response.allowed, true);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.match(metrics, /portico_webhook_reviews_total\{verdict="malformed"\} 7/);
    } finally {
      await gw.close();
    }
  });
});

test('the serving certificate reloads from files and from a TLS Secret', async () => {
  const two = makeCert({ sans: [WEBHOOK_NAME], cn: 'webhook-two' });
  const ca = [cert.certPem, two.certPem];
  await withFiles(async (dir) => {
    const gw = await startGateway(base, { webhookPort: 0, webhookAddress: '127.0.0.1', webhookCertFile: join(dir, 'tls.crt'), webhookKeyFile: join(dir, 'tls.key') });
    try {
      const port = gw.app.ports.webhook!;
      assert.equal((await post(port, ca, review(base[2]))).peer.subject.CN, 'webhook-one');
      // Like the kubelet: new files next to the old, then an atomic rename.
      await writeFile(join(dir, 'tls.crt.new'), two.certPem);
      await rename(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
      await waitFor(async () => (await post(port, ca, review(base[2]))).peer.subject.CN === 'webhook-two');
      // A broken file keeps the previous certificate serving.
      await writeFile(join(dir, 'tls.crt'), 'garbage');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await post(port, ca, review(base[2]))).peer.subject.CN, 'webhook-two');
    } finally {
      await gw.close();
    }
  });

  const secretObjs = (c: typeof cert) => [...base, tlsSecret('portico', 'webhook-tls', c.certPem, c.keyPem)];
  const gw = await startGateway(secretObjs(cert), { webhookPort: 0, webhookAddress: '127.0.0.1', webhookTlsSecret: 'portico/webhook-tls' });
  try {
    const port = gw.app.ports.webhook!;
    assert.equal((await post(port, ca, review(base[2]))).peer.subject.CN, 'webhook-one');
    await gw.write(secretObjs(two)); // cert-manager renewing the Secret
    await waitFor(async () => (await post(port, ca, review(base[2]))).peer.subject.CN === 'webhook-two');
  } finally {
    await gw.close();
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
