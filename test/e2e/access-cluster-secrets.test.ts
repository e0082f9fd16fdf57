// Cluster mode: an Opaque basic-auth Secret named by auth-secret is read through its own
// metadata.name watch (never a watch of every Secret), followed on change, and forgotten when
// no Ingress names it any more. Real @kubernetes/client-node against the fake API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { request as undiciRequest } from 'undici';
import { startApp } from '../../src/app.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';

const A = 'nginx.ingress.kubernetes.io/';
const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
const opaque = (name: string, auth: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'app' }, type: 'Opaque', data: { auth: Buffer.from(auth).toString('base64') } });

async function eventually(fn: () => Promise<number>, want: number, ms = 4000): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v === want || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('referenced Opaque Secrets: per-name watch, served at cold start, re-read on change, dropped when unreferenced', async () => {
  const api = new FakeApiServer();
  await api.start();
  const echo = await startEchoServer({ name: 'web' });
  const stream = new PassThrough();
  stream.resume();
  api.apply(ingressClass());
  api.apply(service('app', 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('app', 'web', 'web-1', ['127.0.0.1'], echo.port));
  api.apply(opaque('htpasswd', 'ann:{PLAIN}one'));
  api.apply(opaque('unrelated', 'x:{PLAIN}y'));
  const annotated = () => ingress('app', 'staff', [{ host: 'staff.example', paths: [{ path: '/', service: 'web', port: 80 }] }],
    { annotations: { [`${A}auth-type`]: 'basic', [`${A}auth-secret`]: 'htpasswd' } });
  api.apply(annotated());
  const app = await startApp({ ...DEFAULTS, kubeconfig: '(test)', bindAddress: '127.0.0.1', httpPort: 0, httpsPort: null, adminPort: 0, drainTimeoutMs: 500 }, {
    logger: createLogger({ level: 'warn', destination: stream }), metrics: new Metrics({ defaultMetrics: false }),
    kubeConfig: kubeConfigForServer(api.url), leaderElection: { leaseDurationSeconds: 2, renewDeadlineMs: 1500, retryPeriodMs: 200, resyncMs: 500 }, deniedGraceMs: 500,
  });
  const url = `http://127.0.0.1:${app.ports.http}/`;
  const status = async (user: string, pw: string) => {
    const r = await undiciRequest(url, { headers: { host: 'staff.example', ...basic(user, pw) } });
    await r.body.dump();
    return r.statusCode;
  };
  try {
    await app.ready();
    // Ready means the referenced Secret was listed: the first request already authenticates.
    assert.equal(await status('ann', 'one'), 200);
    assert.equal(await status('ann', 'two'), 401);
    const secretCalls = api.requests.filter((r) => r.path.endsWith('/secrets'));
    assert.ok(secretCalls.some((r) => r.path === '/api/v1/namespaces/app/secrets' && decodeURIComponent(r.query).includes('fieldSelector=metadata.name=htpasswd')));
    for (const r of secretCalls) {
      const q = decodeURIComponent(r.query);
      assert.ok(q.includes('type=kubernetes.io/tls') || q.includes('metadata.name=htpasswd'), `unexpected Secret request ${r.path}${q}`);
    }

    api.apply(opaque('htpasswd', 'ann:{PLAIN}two'));
    assert.equal(await eventually(() => status('ann', 'two'), 200), 200);
    assert.equal(await status('ann', 'one'), 401);

    // The Ingress stops naming it: its watch stops (the Secret leaves the store).
    api.apply(ingress('app', 'staff', [{ host: 'staff.example', paths: [{ path: '/', service: 'web', port: 80 }] }]));
    assert.equal(await eventually(() => status('x', 'y'), 200), 200);
    // Named again: a new watch lists it again and the current content applies.
    api.apply(annotated());
    assert.equal(await eventually(() => status('x', 'y'), 401), 401);
    assert.equal(await status('ann', 'two'), 200);
  } finally {
    await app.stop(500);
    await echo.close();
    await api.stop();
  }
});
