// Builders for Gateway API objects in tests, shaped like the YAML users write.
import { createServer } from 'node:net';
import type { KubeObject } from '../../src/k8s/types.ts';

const V1 = 'gateway.networking.k8s.io/v1';

export function gatewayClass(name = 'portico', controllerName = 'portico.io/gateway-controller'): KubeObject {
  return { apiVersion: V1, kind: 'GatewayClass', metadata: { name }, spec: { controllerName } } as KubeObject;
}

export function gateway(ns: string, name: string, listeners: Record<string, unknown>[], className = 'portico'): KubeObject {
  return { apiVersion: V1, kind: 'Gateway', metadata: { name, namespace: ns }, spec: { gatewayClassName: className, listeners } } as KubeObject;
}

export function httpRoute(ns: string, name: string, spec: Record<string, unknown>, created?: string): KubeObject {
  return { apiVersion: V1, kind: 'HTTPRoute', metadata: { name, namespace: ns, ...(created ? { creationTimestamp: created } : {}) }, spec } as KubeObject;
}

/** A TCP port free on 127.0.0.1 right now (Gateway listeners declare fixed ports). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
