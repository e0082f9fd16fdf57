// TLS passthrough hosts (README "TLS passthrough"): TLS connections on the HTTPS port whose SNI
// names one of these hosts are relayed undecrypted to the Cluster's endpoints.

export interface PassthroughHost {
  /**
   * Lower-case exact host name; SNI must equal it (ingress-nginx pkg/tcpproxy Get: exact match).
   * A Gateway API TLSRoute may also give '*.example.com': any SNI name under it (longest suffix first).
   */
  readonly hostname: string;
  /** The Cluster of the host's `/` path, or null when its backend could not be resolved (connections closed). */
  readonly clusterId: string | null;
  /** `ns/name` of the Ingress the host came from (oldest wins, SPEC §1.8); `TLSRoute ns/name` for a Gateway API route. */
  readonly ingress: string;
}
