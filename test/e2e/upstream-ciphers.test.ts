// proxy-ssl-ciphers (ingress-nginx proxyssl/main.go: `^[A-Za-z0-9\+\:\_\-\!]*$`, invalid ⇒ warning
// and the default; nginx proxy_ssl_ciphers): the OpenSSL cipher list towards HTTPS pods, seen by
// a real TLS pod as the cipher it negotiates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Store } from '../../src/store/store.ts';
import type { KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';
import { parseCiphers } from '../../src/k8s/annotations/upstream.ts';
import { makeCert } from '../support/certs.ts';
import { eps, request, route as plainRoute, snapshot, startProxy, vhost } from '../dataplane/http/helpers.ts';
import { DEFAULT_UPSTREAM_TLS, describeUpstream, type UpstreamPolicy } from '../../src/model/upstream.ts';

const A = 'nginx.ingress.kubernetes.io/';

test('proxy-ssl-ciphers grammar: the ingress-nginx character set, and OpenSSL must match a cipher', () => {
  assert.deepEqual(parseCiphers(' ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384 '), { value: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' });
  assert.deepEqual(parseCiphers('HIGH:!aNULL:!MD5'), { value: 'HIGH:!aNULL:!MD5' });
  for (const bad of ['', 'HIGH;!aNULL', 'HIGH !aNULL', '@SECLEVEL=0', 'NO-SUCH-CIPHER', 'A'.repeat(2000)]) assert.ok('error' in parseCiphers(bad), bad);
});

test('proxy-ssl-ciphers reaches Route.upstream.tls; an invalid list is reported and the default kept', () => {
  const s = new Store();
  const objs = [
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'u' }, spec: { ports: [{ name: 'p', port: 80 }] } },
    ...[['good', 'ECDHE-RSA-AES128-GCM-SHA256'], ['bad', 'RC4;rm']].map(([name, ciphers]) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'u', annotations: { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-ciphers`]: ciphers } },
      spec: { ingressClassName: 'portico', rules: [{ host: `${name}.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] },
    })),
  ];
  for (const o of objs as KubeObject[]) s.upsert(o.kind as Kind, o);
  const r = translate(s, defaultTranslateOptions());
  const up = (host: string) => r.snapshot.virtualHosts.find((v) => v.hostname === host)!.routes[0].upstream;
  assert.equal(up('good.test')?.tls?.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256');
  assert.equal((describeUpstream(up('good.test')).tls as { ciphers: string }).ciphers, 'ECDHE-RSA-AES128-GCM-SHA256', 'explain shows it');
  assert.equal(up('bad.test')?.tls?.ciphers, null);
  assert.ok(r.diagnostics.some((d) => d.object.name === 'bad' && d.reason === 'InvalidAnnotation' && /proxy-ssl-ciphers/.test(d.message)));
});

test('proxy-ssl-ciphers: the pod negotiates the listed cipher; a list the pod does not share is a 502', async () => {
  const cert = makeCert({ sans: ['pod.internal'] });
  const pod = https.createServer({ cert: cert.certPem, key: cert.keyPem, maxVersion: 'TLSv1.2' }, (req, res) => {
    res.end((req.socket as TLSSocket).getCipher().name);
  });
  await new Promise<void>((r) => pod.listen(0, '127.0.0.1', () => r()));
  const port = (pod.address() as AddressInfo).port;
  const policy = (ciphers: string | null): UpstreamPolicy => ({
    protocol: 'HTTPS', protocolSource: 'annotation', tls: { ...DEFAULT_UPSTREAM_TLS, ciphers }, connectTimeoutMs: null, readTimeoutMs: null,
    sendTimeoutMs: null, retry: null, maxBodyBytes: null,
  });
  const t = await startProxy();
  try {
    const routes = [['a.test', 'ECDHE-RSA-AES128-GCM-SHA256'], ['b.test', 'ECDHE-RSA-AES256-GCM-SHA384'], ['c.test', 'ECDHE-ECDSA-AES128-GCM-SHA256'], ['d.test', null]] as const;
    t.dp.apply(snapshot(1, routes.map(([host, c]) => vhost(host, [{ ...plainRoute('Prefix', '/', 'ns/pod:443'), upstream: policy(c) }])), ['ns/pod:443']),
      new Map([['ns/pod:443', eps(port)]]));
    assert.equal((await request(t.port, '/', { host: 'a.test' })).body, 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal((await request(t.port, '/', { host: 'b.test' })).body, 'ECDHE-RSA-AES256-GCM-SHA384');
    const none = await request(t.port, '/', { host: 'c.test' }); // an ECDSA suite against an RSA certificate
    assert.equal(none.status, 502);
    assert.equal(none.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_TLS');
    assert.equal((await request(t.port, '/', { host: 'd.test' })).status, 200, 'the default list still works');
  } finally {
    await t.close();
    await new Promise<void>((r) => pod.close(() => r()));
  }
});
