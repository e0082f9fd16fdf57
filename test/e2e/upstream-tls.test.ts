// End to end: backend-protocol HTTPS / appProtocol https → TLS to real HTTPS pods (self-signed and
// CA-signed, with and without verification, SNI, an upstream client certificate), verification
// failures as 502 with a code and a log line, a missing proxy-ssl-secret as 503 for that route only,
// and pooled upstream TLS connections that survive a config swap (ingress-nginx proxyssl semantics).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeCa, makeCert, type TestCert } from '../support/certs.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const NS = 'tls';
const A = 'nginx.ingress.kubernetes.io/';
const ca = makeCa('Upstream Test CA');
const podCert = makeCert({ sans: ['pod.internal', 'web.tls.svc'], issuer: ca });
const selfSigned = makeCert({ sans: ['self.internal'] });
const clientCert = makeCert({ cn: 'portico-client', issuer: ca, clientAuth: true });

interface Pod { port: number; server: https.Server }
const pods: Record<string, Pod> = {};
let gw: TestGateway;

function startPod(cert: TestCert, opts: { requireClientCert?: boolean } = {}): Promise<Pod> {
  const server = https.createServer({
    cert: cert.certPem, key: cert.keyPem,
    ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: ca.certPem } : {}),
  }, (req, res) => {
    const s = req.socket as TLSSocket;
    const peer = s.getPeerCertificate();
    const body = JSON.stringify({ path: req.url, sni: s.servername || null, client: peer?.subject?.CN ?? null, remotePort: s.remotePort, proto: req.headers['x-forwarded-proto'] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

function backend(name: string, port: number, appProtocol?: string): KubeObject[] {
  const svc = service(NS, name, [{ name: 'https', port: 443, targetPort: port }]) as any;
  if (appProtocol) svc.spec.ports[0].appProtocol = appProtocol;
  return [svc, endpointSlice(NS, name, `${name}-0`, ['127.0.0.1'], port, 'https')];
}

function caSecret(name: string, withClient: boolean): KubeObject {
  const data: Record<string, string> = { 'ca.crt': ca.certPem };
  if (withClient) {
    data['tls.crt'] = clientCert.certPem;
    data['tls.key'] = clientCert.keyPem;
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'Opaque', stringData: data } as KubeObject;
}

function route(name: string, svc: string, annotations: Record<string, string>): KubeObject {
  return ingress(NS, name, [{ host: `${name}.test`, paths: [{ path: '/', service: svc, port: 443 }] }], { annotations });
}

function objects(extra: KubeObject[] = []): KubeObject[] {
  return [
    ingressClass(),
    ...backend('signed', pods.signed.port),
    ...backend('self', pods.self.port),
    ...backend('mtls', pods.mtls.port),
    ...backend('byapp', pods.signed.port, 'https'),
    caSecret('upstream-ca', false),
    caSecret('upstream-mtls', true),
    route('selfsigned', 'self', { [`${A}backend-protocol`]: 'https' }),
    route('verified', 'signed', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/upstream-ca', [`${A}proxy-ssl-name`]: 'pod.internal' }),
    route('svcname', 'signed', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/upstream-ca' }),
    route('wrongname', 'signed', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/upstream-ca', [`${A}proxy-ssl-name`]: 'other.internal' }),
    route('untrusted', 'self', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/upstream-ca' }),
    route('truststore', 'self', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on' }),
    route('sni', 'signed', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-server-name`]: 'on', [`${A}proxy-ssl-name`]: 'pod.internal' }),
    route('mutual', 'mtls', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/upstream-mtls', [`${A}proxy-ssl-name`]: 'pod.internal' }),
    route('noclient', 'mtls', { [`${A}backend-protocol`]: 'HTTPS' }),
    route('nosecret', 'signed', { [`${A}backend-protocol`]: 'HTTPS', [`${A}proxy-ssl-verify`]: 'on', [`${A}proxy-ssl-secret`]: 'tls/missing' }),
    route('appproto', 'byapp', {}),
    route('plain-to-tls', 'signed', {}),
    ...extra,
  ];
}

before(async () => {
  pods.signed = await startPod(podCert);
  pods.self = await startPod(selfSigned);
  pods.mtls = await startPod(podCert, { requireClientCert: true });
  // verboseErrors: these checks read the failure detail, which error bodies carry only then.
  gw = await startGateway(objects(), { verboseErrors: true });
});

after(async () => {
  await gw.close();
  for (const p of Object.values(pods)) p.server.close();
});

const get = (host: string, path = '/') => request(gw.url + path, { host });

test('backend-protocol HTTPS: TLS to a self-signed pod, no verification and no SNI by default', async () => {
  const r = await get('selfsigned.test', '/x');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().path, '/x');
  assert.equal(r.json().sni, null);
  assert.equal(r.json().client, null);
});

test('proxy-ssl-verify on with ca.crt and proxy-ssl-name verifies a CA-signed pod', async () => {
  const r = await get('verified.test');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().sni, null, 'proxy-ssl-server-name is off by default');
});

test('without proxy-ssl-name the Service DNS name service.namespace.svc is verified', async () => {
  // podCert lists web.tls.svc, not signed.tls.svc → the name check fails.
  const r = await get('svcname.test');
  assert.equal(r.status, 502);
  assert.equal(r.headers.get('x-portico-error'), 'PORTICO_ERR_UPSTREAM_TLS');
});

test('a certificate for another name is a 502 with PORTICO_ERR_UPSTREAM_TLS and a log line naming the cluster', async () => {
  const r = await get('wrongname.test');
  assert.equal(r.status, 502);
  assert.equal(r.headers.get('x-portico-error'), 'PORTICO_ERR_UPSTREAM_TLS');
  assert.match(r.text, /verification/);
  const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'upstream TLS failed' && l.route?.startsWith('tls/wrongname'));
  assert.ok(line, 'log line');
  assert.equal(line.cluster, 'tls/signed:443');
  assert.match(line.reason, /ALTNAME|other\.internal/);
});

test('a self-signed pod fails verification against ca.crt and against the default trust store', async () => {
  for (const host of ['untrusted.test', 'truststore.test']) {
    const r = await get(host);
    assert.equal(r.status, 502, host);
    assert.equal(r.headers.get('x-portico-error'), 'PORTICO_ERR_UPSTREAM_TLS', host);
    assert.match(r.text, /SELF_SIGNED|self.signed/i, host);
  }
});

test('proxy-ssl-server-name on sends proxy-ssl-name as SNI', async () => {
  const r = await get('sni.test');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().sni, 'pod.internal');
});

test('tls.crt/tls.key of proxy-ssl-secret are presented as the upstream client certificate', async () => {
  const r = await get('mutual.test');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().client, 'portico-client');
  const refused = await get('noclient.test');
  assert.equal(refused.status, 502, 'a pod requiring a client certificate refuses the handshake without one');
});

test('a missing proxy-ssl-secret: that route answers 503 SecretNotFound, the others keep serving', async () => {
  const r = await get('nosecret.test');
  assert.equal(r.status, 503);
  assert.match(r.text, /SecretNotFound/);
  const d = gw.app.controller.diagnostics().find((x) => x.reason === 'SecretNotFound');
  assert.ok(d, 'diagnostic');
  assert.equal(d.object.name, 'nosecret');
  assert.equal((await get('verified.test')).status, 200);
});

test('Service port appProtocol https selects TLS without any annotation; plain HTTP to a TLS pod fails', async () => {
  assert.equal((await get('appproto.test')).status, 200);
  const plain = await get('plain-to-tls.test');
  assert.ok(plain.status >= 500, `plain HTTP to a TLS port fails (${plain.status})`);
});

test('upstream TLS connections are pooled per endpoint and survive a config swap', async () => {
  const a = await get('selfsigned.test');
  const b = await get('selfsigned.test');
  assert.equal(a.json().remotePort, b.json().remotePort, 'kept-alive connection reused');
  await gw.write(objects([route('added', 'self', { [`${A}backend-protocol`]: 'HTTPS' })]));
  const c = await get('selfsigned.test');
  assert.equal(c.json().remotePort, a.json().remotePort, 'same connection after the swap');
  assert.equal((await get('added.test')).status, 200);
});

test('explain, metrics and access log carry the protocol, TLS verification mode and timeouts', async () => {
  const e = gw.app.http.explain('verified.test', '/');
  const u = e.upstream as Record<string, any>;
  assert.equal(u.protocol, 'HTTPS');
  assert.equal(u.tls.verify, 'on (ca.crt of tls/upstream-ca)');
  assert.equal(u.tls.name, 'pod.internal');
  assert.equal(u.connectTimeoutMs, 5000);
  assert.equal(u.readTimeoutMs, 60000);
  assert.equal(JSON.stringify(e).includes('PRIVATE KEY'), false, 'no key material');
  assert.equal((gw.app.http.explain('mutual.test', '/').upstream as any).tls.clientCertificate, 'tls/upstream-mtls');
  assert.equal((gw.app.http.explain('selfsigned.test', '/').upstream as any).tls.verify, 'off');
  const metrics = await (await fetch(gw.adminUrl + '/metrics')).text();
  assert.match(metrics, /portico_route_upstream_info\{[^}]*route="tls\/verified#0\.0"[^}]*protocol="HTTPS"[^}]*tls_verify="on"[^}]*\} 1/);
  assert.match(metrics, /portico_route_upstream_info\{[^}]*route="tls\/plain-to-tls#0\.0"[^}]*protocol="HTTP"[^}]*tls_verify="none"/);
  await get('selfsigned.test', '/logged');
  const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.path === '/logged');
  assert.equal(line?.protocol, 'HTTPS');
});
