// Synthetic but realistic Kubernetes objects for the benchmarks (docs/benchmarks/http.md): many Ingresses, each
// with several hosts and several Prefix paths, every path on its own Service with one
// EndpointSlice. The HTTP rig (bench/run.sh) writes them as manifests; the microbenchmarks load
// them straight into a Store. One generator, so both measure the same shape of configuration.
//
// Naming is a contract with bench/lua/spread.lua, bench/lib/gen-config.ts (nginx/HAProxy) and
// bench/micro: host n is `h<n>.bench.test`, path j is `/api/s<j>`, Ingress i owns hosts
// i*H … i*H+H-1, and path j of every host of Ingress i goes to Service `svc-<i>-<j % S>`.

import type { EndpointSlice, Ingress, IngressClass, KubeObject, Secret, Service } from '../../src/k8s/types.ts';

export interface FixtureShape {
  readonly ingresses: number;
  readonly hostsPerIngress: number;
  readonly pathsPerHost: number;
  /** Services per Ingress; path j uses Service j % servicesPerIngress. */
  readonly servicesPerIngress: number;
  /** Where every EndpointSlice points (127.0.0.1). */
  readonly backendPort: number;
  readonly namespace?: string;
  /** Adds a `ws.bench.test` Ingress to this port (WebSocket echo backend). */
  readonly wsPort?: number | null;
  /** PEM pair: adds a kubernetes.io/tls Secret `bench-tls` and spec.tls on every Ingress. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string } | null;
}

export interface Fixture {
  readonly ingressClasses: IngressClass[];
  readonly services: Service[];
  readonly slices: EndpointSlice[];
  readonly ingresses: Ingress[];
  readonly secrets: Secret[];
  /** ingresses × hosts × paths (+1 with the WebSocket Ingress). */
  readonly rules: number;
  readonly hosts: number;
}

export const BENCH_DOMAIN = 'bench.test';
export const hostName = (n: number): string => `h${n}.${BENCH_DOMAIN}`;
export const pathName = (j: number): string => `/api/s${j}`;

const CREATED = Date.UTC(2026, 0, 1);

function meta(name: string, namespace: string, seq: number, labels?: Record<string, string>): KubeObject['metadata'] {
  return {
    name,
    namespace,
    uid: `bench-${namespace}-${name}`,
    resourceVersion: '1',
    // Distinct ages keep the SPEC §1.8 oldest-first merge order deterministic.
    creationTimestamp: new Date(CREATED + seq * 1000).toISOString(),
    ...(labels ? { labels } : {}),
  };
}

function service(name: string, ns: string, seq: number, targetPort: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, ns, seq),
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort, protocol: 'TCP' }] },
  };
}

function slice(svc: string, ns: string, seq: number, port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(`${svc}-1`, ns, seq, { 'kubernetes.io/service-name': svc }),
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  };
}

export function makeFixture(shape: FixtureShape): Fixture {
  const ns = shape.namespace ?? 'bench';
  const { ingresses: I, hostsPerIngress: H, pathsPerHost: P, servicesPerIngress: S } = shape;
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  const ingresses: Ingress[] = [];
  const secrets: Secret[] = [];
  let seq = 0;
  if (shape.tls) {
    secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('bench-tls', ns, seq++),
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from(shape.tls.certPem).toString('base64'),
        'tls.key': Buffer.from(shape.tls.keyPem).toString('base64'),
      },
    });
  }
  for (let i = 0; i < I; i++) {
    for (let s = 0; s < S; s++) {
      const name = `svc-${i}-${s}`;
      services.push(service(name, ns, seq, shape.backendPort));
      slices.push(slice(name, ns, seq++, shape.backendPort));
    }
    const rules = [];
    const hosts: string[] = [];
    for (let k = 0; k < H; k++) {
      const host = hostName(i * H + k);
      hosts.push(host);
      const paths = [];
      for (let j = 0; j < P; j++) {
        paths.push({
          path: pathName(j),
          pathType: 'Prefix',
          backend: { service: { name: `svc-${i}-${j % S}`, port: { name: 'http' } } },
        });
      }
      rules.push({ host, http: { paths } });
    }
    ingresses.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(`ing-${i}`, ns, seq++),
      spec: {
        ingressClassName: 'portico',
        ...(shape.tls ? { tls: [{ hosts, secretName: 'bench-tls' }] } : {}),
        rules,
      },
    });
  }
  let rules = I * H * P;
  let hosts = I * H;
  if (shape.wsPort) {
    services.push(service('ws-echo', ns, seq, shape.wsPort));
    slices.push(slice('ws-echo', ns, seq++, shape.wsPort));
    ingresses.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('ws', ns, seq),
      spec: {
        ingressClassName: 'portico',
        rules: [{ host: `ws.${BENCH_DOMAIN}`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'ws-echo', port: { name: 'http' } } } }] } }],
      },
    });
    rules++;
    hosts++;
  }
  const ingressClasses: IngressClass[] = [{
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'portico', uid: 'bench-class', resourceVersion: '1', creationTimestamp: new Date(CREATED).toISOString() },
    spec: { controller: 'portico.io/ingress-controller' },
  }];
  return { ingressClasses, services, slices, ingresses, secrets, rules, hosts };
}
