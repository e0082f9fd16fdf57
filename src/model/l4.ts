// L4 routes come from the tcp/udp services ConfigMaps (issue #5): listen port → Service port.

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
}
