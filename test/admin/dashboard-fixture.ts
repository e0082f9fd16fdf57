// A running gateway with something on every dashboard page: two hosts (one over TLS from a Secret),
// a rejected path (diagnostics), an L4 TCP service, and an echo backend that has served traffic.
import { createServer } from 'node:net';
import type { KubeObject } from '../../src/k8s/types.ts';
import { makeCert, tlsSecret, type TestCert } from '../support/certs.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

export interface DashboardFixture {
  readonly gw: TestGateway;
  readonly cert: TestCert;
  objects(extra?: KubeObject[]): KubeObject[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startDashboardFixture(): Promise<DashboardFixture> {
  const echo = await startEchoServer({ name: 'web' });
  const cert = makeCert({ sans: ['shop.example.com'], cn: 'shop.example.com' });
  const l4Port = await freePort();
  const objects = (extra: KubeObject[] = []): KubeObject[] => [
    ingressClass(),
    ...backendFor('shop', 'web', [echo.port]),
    tlsSecret('shop', 'shop-tls', cert.certPem, cert.keyPem),
    ingress('shop', 'front', [
      { host: 'shop.example.com', paths: [{ path: '/', service: 'web', port: 80 }, { path: '/api', pathType: 'Exact', service: 'web', port: 80 }, { path: 'relative', service: 'web', port: 80 }] },
    ], { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] }),
    ingress('shop', 'missing', [{ host: 'gone.example.com', paths: [{ path: '/', service: 'nowhere', port: 80 }] }]),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tcp', namespace: 'shop' }, data: { [String(l4Port)]: 'shop/web:80' } } as KubeObject,
    ...extra,
  ];
  const gw = await startGateway(objects(), { httpsPort: 0, tcpServicesConfigMap: 'shop/tcp' });
  return {
    gw,
    cert,
    objects,
    close: async () => {
      await gw.close();
      await echo.close();
    },
  };
}
