// An Endpoint is one dialable pod address for one Cluster. Endpoints live outside the Snapshot
// (ARCHITECTURE.md "EndpointSet"): they change fast and are applied per cluster.

export interface Endpoint {
  /** `ip:port` (IPv6 in brackets): the key per-endpoint upstream state is stored under. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** False only when no ready endpoint existed and this one is serving-and-terminating (SPEC §4.2). */
  readonly ready: boolean;
  /** Set for endpoints of an ExternalName cluster: the DNS name to resolve at connect time. */
  readonly hostname?: string;
  /** Relative weight for the weighted schedulers (ipvs wrr/wlc/sed/nq); absent = 1. */
  readonly weight?: number;
}

/** clusterId → endpoints, sorted by id so equal sets compare equal. */
export type EndpointSet = ReadonlyMap<string, readonly Endpoint[]>;

export function endpointId(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function makeEndpoint(address: string, port: number, ready = true, hostname?: string): Endpoint {
  const e: Endpoint = hostname === undefined
    ? { id: endpointId(address, port), address, port, ready }
    : { id: endpointId(address, port), address, port, ready, hostname };
  return e;
}
