// The private channel between the primary and its worker processes (child_process IPC with
// `serialization: 'advanced'`, i.e. the V8 structured clone: Maps, arrays and plain objects travel
// as they are, so a Snapshot and an EndpointSet need no codec; test/workers/codec.test.ts checks a
// round-tripped Snapshot compiles identically). Certificates and keys travel only here and are never
// logged: a malformed message is reported by its type alone.
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import type { Snapshot } from '../model/snapshot.ts';

/** What a worker needs to build its dataplanes: the process config, listener ports resolved. */
export interface WorkerInit<C = unknown> {
  readonly t: 'init';
  readonly id: number;
  readonly config: C;
  readonly ports: { readonly http: number; readonly https: number | null };
  /** 'reuseport': bind every listener with SO_REUSEPORT; 'primary': the primary accepts and hands connections over (primary-accept.ts). */
  readonly accept: WorkerAccept;
}

export type WorkerAccept = 'reuseport' | 'primary';

/** Which dataplane's checks a verdict belongs to (an L4 cluster is checked by TCP connect). */
export type HealthPlane = 'http' | 'l4';

/** The endpoints of one cluster that fail their active checks now (src/workers/shared-health.ts). */
export interface HealthMessage {
  readonly t: 'health';
  readonly plane: HealthPlane;
  readonly clusterId: string;
  readonly unhealthy: readonly string[];
}

export type ToWorker<C = unknown> =
  | WorkerInit<C>
  | { readonly t: 'apply'; readonly snapshot: Snapshot; readonly endpoints: EndpointSet }
  | { readonly t: 'endpoints'; readonly clusterId: string; readonly endpoints: readonly Endpoint[] }
  | HealthMessage
  /** Sent with the accepted socket as its handle (`--worker-accept primary`). */
  | { readonly t: 'conn'; readonly port: number }
  | { readonly t: 'metrics'; readonly seq: number }
  | { readonly t: 'drain'; readonly drainMs: number };

export type FromWorker =
  | { readonly t: 'listening' }
  | { readonly t: 'listen-failed'; readonly error: string }
  /** `failed`: names of the dataplanes whose apply threw (they keep their previous snapshot). */
  | { readonly t: 'applied'; readonly version: number; readonly diagnostics: readonly Diagnostic[]; readonly failed: readonly string[] }
  | { readonly t: 'metrics'; readonly seq: number; readonly metrics: readonly unknown[] };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A message from a worker, or null when it is not one this primary speaks (a bug: counted, logged). */
export function parseFromWorker(m: unknown): FromWorker | null {
  if (!isObj(m)) return null;
  switch (m.t) {
    case 'listening':
      return m as FromWorker;
    case 'listen-failed':
      return typeof m.error === 'string' ? (m as FromWorker) : null;
    case 'applied':
      return isInt(m.version) && Array.isArray(m.diagnostics) && isStrings(m.failed) ? (m as FromWorker) : null;
    case 'metrics':
      return isInt(m.seq) && Array.isArray(m.metrics) ? (m as FromWorker) : null;
    default:
      return null;
  }
}

function isSnapshot(v: unknown): v is Snapshot {
  return isObj(v) && isInt(v.version) && Array.isArray(v.virtualHosts) && Array.isArray(v.clusters) && Array.isArray(v.certificates) && Array.isArray(v.l4);
}

/** A message from the primary, or null when malformed. */
export function parseToWorker(m: unknown): ToWorker | null {
  if (!isObj(m)) return null;
  switch (m.t) {
    case 'init':
      return isInt(m.id) && isObj(m.config) && isObj(m.ports) && isInt(m.ports.http) && (m.accept === 'reuseport' || m.accept === 'primary') ? (m as unknown as ToWorker) : null;
    case 'conn':
      return isInt(m.port) ? (m as unknown as ToWorker) : null;
    case 'apply':
      return isSnapshot(m.snapshot) && m.endpoints instanceof Map ? (m as unknown as ToWorker) : null;
    case 'endpoints':
      return typeof m.clusterId === 'string' && Array.isArray(m.endpoints) ? (m as unknown as ToWorker) : null;
    case 'health':
      return (m.plane === 'http' || m.plane === 'l4') && typeof m.clusterId === 'string' && isStrings(m.unhealthy) ? (m as unknown as ToWorker) : null;
    case 'metrics':
      return isInt(m.seq) ? (m as unknown as ToWorker) : null;
    case 'drain':
      return isInt(m.drainMs) && m.drainMs >= 0 ? (m as unknown as ToWorker) : null;
    default:
      return null;
  }
}

/** How a malformed message is named in a log line: its `t` when it is a short word, never its content. */
export function messageKind(m: unknown): string {
  const t = isObj(m) ? m.t : undefined;
  return typeof t === 'string' && /^[a-z-]{1,20}$/.test(t) ? t : typeof m;
}
