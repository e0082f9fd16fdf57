// The cluster benchmark's objects (README "Run in a cluster"): N Services, N EndpointSlices and N Ingresses
// over 100 namespaces plus the `portico` IngressClass. Shared by the initial-sync and propagation
// children so both measure the same shapes. KIND=gateway: N HTTPRoutes instead of the Ingresses, with
// the Gateway API CRDs installed, one GatewayClass of Portico's controller and one Gateway whose HTTP
// listener (port 80) takes routes from all namespaces (README "Gateway API").
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

export type BenchKind = 'ingress' | 'gateway';

/** KIND=gateway selects the Gateway API fixture; anything else (or unset) the Ingress one. */
export function benchKind(env: NodeJS.ProcessEnv = process.env): BenchKind {
  return env.KIND === 'gateway' ? 'gateway' : 'ingress';
}

const GATEWAY_V1 = 'gateway.networking.k8s.io/v1';
export const GATEWAY_NAMESPACE = 'gateway-system';
export const GATEWAY_NAME = 'gw';
/** The Gateway's listener port; Portico serves it on its HTTP port with --gateway-port-offset (README "Gateway API"). */
export const GATEWAY_LISTENER_PORT = 80;

export function gatewayClassObj(): Obj {
  return { apiVersion: GATEWAY_V1, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.io/gateway-controller' } };
}

/** One HTTP listener, no hostname, routes from every namespace (allowedRoutes.namespaces.from: All). */
export function gatewayObj(): Obj {
  return {
    apiVersion: GATEWAY_V1, kind: 'Gateway', metadata: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: GATEWAY_LISTENER_PORT, allowedRoutes: { namespaces: { from: 'All' } } }] },
  };
}

/** The HTTPRoute counterpart of ingressObj: the same hostnames and the two PathPrefix rules to Service i. */
export function httpRouteObj(i: number, name = appName(i), hostnames: readonly string[] = [appHost(i)]): Obj {
  const svc = appName(i);
  return {
    apiVersion: GATEWAY_V1, kind: 'HTTPRoute', metadata: { name, namespace: ns(i) },
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE }], hostnames: [...hostnames],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: svc, port: 80 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: svc, port: 80 }] },
      ],
    },
  };
}

/** The route object of `kind` for Service i (an Ingress or an HTTPRoute). */
export function routeObj(kind: BenchKind, i: number, name?: string, hosts?: readonly string[]): Obj {
  return kind === 'gateway' ? httpRouteObj(i, name, hosts) : ingressObj(i, name, hosts);
}

/** Fill `server` with N of each kind; `endpoints(i)` says where Service i's slice points. */
export function populate(server: FakeApiServer, n: number, endpoints: (i: number) => { addresses: readonly string[]; port: number }, kind: BenchKind = 'ingress'): void {
  if (kind === 'gateway') {
    server.installGatewayApi();
    server.apply(gatewayClassObj());
    server.apply(gatewayObj());
  }
  for (let i = 0; i < n; i++) {
    const ep = endpoints(i);
    server.apply(serviceObj(i));
    server.apply(sliceObj(i, ep.addresses, ep.port));
    server.apply(routeObj(kind, i));
  }
  if (kind === 'ingress') server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
}
