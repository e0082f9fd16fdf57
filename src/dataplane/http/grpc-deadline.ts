// grpc-timeout (gRPC over HTTP/2, doc/PROTOCOL-HTTP2.md "Requests"): `TimeoutValue TimeoutUnit`,
// at most 8 digits, units H M S m u n. The gateway enforces it itself, so a call whose backend
// ignores the header still ends at its deadline with DEADLINE_EXCEEDED and its upstream stream
// reset. A malformed value is answered INTERNAL, as grpc-go's server does ("malformed grpc-timeout").

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** Milliseconds (at least 1), null when absent, NaN when malformed. */
export function grpcTimeoutMs(raw: string | string[] | undefined): number | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') return NaN;
  const m = /^(\d{1,8})([HMSmun])$/.exec(raw);
  if (m === null) return NaN;
  return Math.max(1, Math.ceil(Number(m[1]) * UNIT_MS[m[2]]));
}
