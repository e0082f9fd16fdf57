// Builders for the Kubernetes objects tests feed Portico, so a test reads like the YAML a user writes.
import { stringify } from 'yaml';
import type { KubeObject } from '../../src/k8s/types.ts';

export function ingressClass(name = 'portico', controller = 'portico.io/ingress-controller'): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec: { controller } } as KubeObject;
}

export function service(ns: string, name: string, ports: { name?: string; port: number; targetPort?: number; protocol?: string }[] = [{ name: 'http', port: 80 }], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { ports: ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })), ...extra },
  } as KubeObject;
}

export interface SliceEndpoint { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }

export function endpointSlice(ns: string, svc: string, name: string, endpoints: (string | SliceEndpoint)[], port: number, portName = 'http', protocol = 'TCP'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol }],
    endpoints: endpoints.map((e) => {
      const x = typeof e === 'string' ? { ip: e } : e;
      return { addresses: [x.ip], conditions: { ready: x.ready ?? true, serving: x.serving ?? x.ready ?? true, terminating: x.terminating ?? false } };
    }),
  } as KubeObject;
}

export interface PathSpec { path: string; pathType?: string; service: string; port: number | string }
export interface RuleSpec { host?: string; paths: PathSpec[] }

export function ingress(ns: string, name: string, rules: RuleSpec[], opts: { className?: string | null; defaultBackend?: { service: string; port: number | string }; tls?: { hosts: string[]; secretName?: string }[]; annotations?: Record<string, string>; created?: string } = {}): KubeObject {
  const backend = (service: string, port: number | string) => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });
  const spec: Record<string, unknown> = {};
  if (opts.className !== null) spec.ingressClassName = opts.className ?? 'portico';
  if (opts.defaultBackend) spec.defaultBackend = backend(opts.defaultBackend.service, opts.defaultBackend.port);
  if (opts.tls) spec.tls = opts.tls;
  if (rules.length > 0) {
    spec.rules = rules.map((r) => ({
      ...(r.host ? { host: r.host } : {}),
      http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: backend(p.service, p.port) })) },
    }));
  }
  const metadata: Record<string, unknown> = { name, namespace: ns };
  if (opts.annotations) metadata.annotations = opts.annotations;
  if (opts.created) metadata.creationTimestamp = opts.created;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, spec } as KubeObject;
}

/** A Service + EndpointSlice pointing at local test servers (loopback is allowed in file mode). */
export function backendFor(ns: string, name: string, ports: number[], servicePort = 80): KubeObject[] {
  return [
    service(ns, name, [{ name: 'http', port: servicePort, targetPort: ports[0] }]),
    // One slice per port: each echo server listens on its own port.
    ...ports.map((p, i) => endpointSlice(ns, name, `${name}-${i}`, ['127.0.0.1'], p)),
  ];
}

export function toYaml(objs: readonly KubeObject[]): string {
  return objs.map((o) => stringify(o)).join('---\n');
}
