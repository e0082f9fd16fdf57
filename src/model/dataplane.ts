// The one contract every dataplane (HTTP, TLS, L4, and later worker processes) implements, so the
// controller drives them all the same way (ARCHITECTURE.md "Dataplane").
import type { Diagnostic } from './diagnostic.ts';
import type { Endpoint, EndpointSet } from './endpoint.ts';
import type { Snapshot } from './snapshot.ts';

/** What applying a snapshot produced besides serving it. */
export interface ApplyResult {
  /**
   * Problems only the dataplane can see (an L4 port that cannot be bound): attached to the object
   * they came from, reported with translation's. Replaced on every apply.
   */
  readonly diagnostics: readonly Diagnostic[];
}

export const APPLIED: ApplyResult = Object.freeze({ diagnostics: Object.freeze([]) });

export interface Dataplane {
  /** Short readable name (`http`, `tls`, `l4`): metrics label and /debug/snapshot key. */
  readonly name: string;
  /**
   * Serve this snapshot: compile, then swap by reference. Throwing means nothing changed and the
   * previous snapshot keeps serving (only programmer errors throw; bad input is a diagnostic).
   */
  apply(snapshot: Snapshot, endpoints: EndpointSet): ApplyResult | Promise<ApplyResult>;
  /** EndpointSlice fast path: one cluster's endpoints, updated in place. Unknown ids are ignored. */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void;
  /** Stop: let in-flight work finish within `drainMs`, then release every socket and timer. */
  close(drainMs: number): Promise<void>;
}
