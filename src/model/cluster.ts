// A Cluster is one Service port as a forwarding target, without its endpoints.
// Id format `namespace/service:port` with the Service's numeric port (SPEC §1.7 port chain),
// so an Ingress naming the port and another numbering it share one cluster.

import type { BalancerPolicy, HealthCheck } from './balancing.ts';

export type { BalancerPolicy } from './balancing.ts';

export interface SessionAffinity {
  readonly type: 'None' | 'ClientIP';
  /** SPEC §5.2: default 10800 s. */
  readonly timeoutSeconds: number;
}

export interface Cluster {
  readonly id: string;
  readonly namespace: string;
  readonly service: string;
  /** Service port number (`spec.ports[].port`). */
  readonly port: number;
  /** Service port name, '' when unnamed. Joins to EndpointSlice port names (SPEC §4.2). */
  readonly portName: string;
  readonly protocol: 'TCP' | 'UDP';
  /** 'endpoints': pod addresses from EndpointSlices; 'external-name': DNS name of an ExternalName Service. */
  readonly kind: 'endpoints' | 'external-name';
  /** For kind 'external-name' only. */
  readonly externalName: string | null;
  readonly balancer: BalancerPolicy;
  readonly sessionAffinity: SessionAffinity;
  /** Active health checks (`portico.io/health-check-*`); absent = none. */
  readonly healthCheck?: HealthCheck;
  /** `portico.io/outlier-eject-5xx`: 5xx responses count towards outlier ejection; absent = only connect failures and timeouts. */
  readonly eject5xx?: boolean;
}

export function clusterId(namespace: string, service: string, port: number): string {
  return `${namespace}/${service}:${port}`;
}
