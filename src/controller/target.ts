import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import type { Snapshot } from '../model/snapshot.ts';

/**
 * What the controller drives: the HTTP dataplane, the TLS SNI table, the L4 proxy. Apply is one
 * reference swap on the dataplane side; a target that throws keeps its previous state.
 */
export interface DataplaneTarget {
  readonly name: string;
  apply(snapshot: Snapshot, endpoints: EndpointSet): void | Promise<void>;
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void;
}
