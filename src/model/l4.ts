// L4 routes come from the tcp/udp services ConfigMaps (README "TCP and UDP services"): listen
// port → Service port.
import type { ObjectRef } from './diagnostic.ts';

export type ProxyProtocolMode = 'none' | 'v1' | 'v2';

export interface L4Backend {
  /** null: the backendRef could not be resolved; its share of connections is rejected. */
  readonly clusterId: string | null;
  /** > 0. */
  readonly weight: number;
}

/** The clusters an L4Route forwards to (null: unresolved), with their weights. */
export function l4Backends(r: L4Route): readonly L4Backend[] {
  return r.backends ?? [{ clusterId: r.clusterId, weight: 1 }];
}

export interface L4Route {
  /** `tcp/9000` or `udp/5353`. */
  readonly id: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly listenPort: number;
  /** Cluster to forward to, or null when the backend could not be resolved (connections closed). */
  readonly clusterId: string | null;
  /**
   * A Gateway API TCPRoute/UDPRoute rule with several backendRefs of weight > 0: connections (UDP:
   * sessions) split by weight, a null clusterId rejecting its share (translate/gateway/l4-routes.ts).
   * Absent: `clusterId` alone (the tcp/udp services ConfigMaps); when present, `clusterId` is the first's.
   */
  readonly backends?: readonly L4Backend[];
  /** PROXY protocol sent upstream (`:PROXY` suffix in the ConfigMap value). */
  readonly proxyProtocol: ProxyProtocolMode;
  /** The ConfigMap entry as written, for explain/debug. */
  readonly source: string;
  /** The ConfigMap it came from: where a problem serving it (a port that cannot bind) is reported. */
  readonly origin: ObjectRef;
}
