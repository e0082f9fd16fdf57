// L4 routes come from the tcp/udp services ConfigMaps (README "TCP and UDP services"): listen
// port → Service port.
import type { ObjectRef } from './diagnostic.ts';

export type ProxyProtocolMode = 'none' | 'v1' | 'v2';

export interface L4Route {
  /** `tcp/9000` or `udp/5353`. */
  readonly id: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly listenPort: number;
  /** Cluster to forward to, or null when the backend could not be resolved (connections closed). */
  readonly clusterId: string | null;
  /** PROXY protocol sent upstream (`:PROXY` suffix in the ConfigMap value). */
  readonly proxyProtocol: ProxyProtocolMode;
  /** The ConfigMap entry as written, for explain/debug. */
  readonly source: string;
  /** The ConfigMap it came from: where a problem serving it (a port that cannot bind) is reported. */
  readonly origin: ObjectRef;
}
