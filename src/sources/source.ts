import type { Kind, KubeObject } from '../k8s/types.ts';
import type { Diagnostic } from '../model/diagnostic.ts';

/**
 * Where a Source delivers what it sees. Sources feed object events and say when they have
 * synced; they never translate (ARCHITECTURE.md "Source").
 */
export interface SourceSink {
  upsert(kind: Kind, obj: KubeObject): void;
  remove(kind: Kind, key: string): void;
  /** The source has delivered its complete initial state (every watched kind listed once). */
  synced(source: string): void;
  /**
   * Replace the source's own diagnostics (e.g. unparsable documents in a file) with this list.
   * Diagnostics of translation are separate and owned by the controller.
   */
  sourceDiagnostics(source: string, diagnostics: readonly Diagnostic[]): void;
}

export interface Source {
  /** Short readable name: `file`, `kube`. */
  readonly name: string;
  /** Begin delivering events. Resolves once started (not necessarily synced). */
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
  /** Read everything again now (SIGHUP): the file source re-reads its files, the Kubernetes source re-lists. Optional. */
  reload?(): Promise<void>;
}
