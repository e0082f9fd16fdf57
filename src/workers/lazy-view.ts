// With worker processes the primary serves no traffic, but explain, /debug/certificates and the
// dashboard read its own compiled HTTP and TLS dataplanes. Compiling them on every snapshot would
// add a third full compile per change on the primary's core (docs/benchmarks/workers.md), so this
// target only keeps the latest snapshot and its endpoints, and compiles when a view asks. Its
// apply reports no diagnostics: the workers' (through the pool) are the ones that count.
import { APPLIED, type ApplyResult, type Dataplane } from '../model/dataplane.ts';
import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import type { Snapshot } from '../model/snapshot.ts';

/** The synchronous part of a dataplane a view compiles (HttpDataplane, TlsDataplane). */
export interface ViewTarget {
  apply(snapshot: Snapshot, endpoints: EndpointSet): ApplyResult;
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void;
}

export class LazyView implements Dataplane {
  readonly name = 'primary-view';
  private readonly targets: readonly ViewTarget[];
  private pending: { snapshot: Snapshot; endpoints: Map<string, readonly Endpoint[]> } | null = null;

  constructor(targets: readonly ViewTarget[]) {
    this.targets = targets;
  }

  apply(snapshot: Snapshot, endpoints: EndpointSet): ApplyResult {
    this.pending = { snapshot, endpoints: new Map(endpoints) };
    return APPLIED;
  }

  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    if (this.pending === null) {
      for (const t of this.targets) t.updateEndpoints(clusterId, endpoints);
    } else if (this.pending.endpoints.has(clusterId)) {
      this.pending.endpoints.set(clusterId, endpoints);
    }
  }

  /** Compile what changed since the last view; then the targets answer for the current snapshot. */
  current(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    for (const t of this.targets) t.apply(p.snapshot, p.endpoints);
  }

  /** The targets are closed by their owner (app.ts). */
  async close(): Promise<void> {}
}
