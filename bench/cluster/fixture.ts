// The cluster benchmark's objects (README "Run in a cluster"): N Services, N EndpointSlices and N Ingresses
// over 100 namespaces plus the `portico` IngressClass. Shared by the initial-sync and propagation
// children so both measure the same shapes.
import type { FakeApiServer, Obj } from '../../test/support/fake-apiserver.ts';

export const NAMESPACES = 100;

export const ns = (i: number): string => `ns-${i % NAMESPACES}`;
export const appName = (i: number): string => `app-${i}`;
export const appHost = (i: number): string => `${appName(i)}.example.com`;

export function serviceObj(i: number): Obj {
  const name = appName(i);
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns(i), labels: { app: name } },
    spec: { type: 'ClusterIP', clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`, selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/** One slice per Service; `addresses` are its ready endpoints, all on `port`. */
export function sliceObj(i: number, addresses: readonly string[], port: number): Obj {
  const name = appName(i);
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${name}-abcde`, namespace: ns(i), labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: addresses.map((a, k) => ({ addresses: [a], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${k + 1}` })),
  };
}

/** One host, two paths (by port number and by port name), like a typical application Ingress. */
export function ingressObj(i: number, name = appName(i), hosts: readonly string[] = [appHost(i)]): Obj {
  const svc = appName(i);
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns(i), annotations: { 'portico.io/ssl-redirect': 'false' } },
    spec: { ingressClassName: 'portico', rules: hosts.map((host) => ({ host, http: { paths: [
      { path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } },
      { path: '/api', pathType: 'Prefix', backend: { service: { name: svc, port: { name: 'http' } } } },
    ] } })) },
  };
}

/** Fill `server` with N of each kind; `endpoints(i)` says where Service i's slice points. */
export function populate(server: FakeApiServer, n: number, endpoints: (i: number) => { addresses: readonly string[]; port: number }): void {
  for (let i = 0; i < n; i++) {
    const ep = endpoints(i);
    server.apply(serviceObj(i));
    server.apply(sliceObj(i, ep.addresses, ep.port));
    server.apply(ingressObj(i));
  }
  server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
}
