// grpc-timeout (gRPC over HTTP/2, doc/PROTOCOL-HTTP2.md "Requests"): `TimeoutValue TimeoutUnit`,
// at most 8 digits, units H M S m u n. The gateway enforces it itself, so a call whose backend
// ignores the header still ends at its deadline with DEADLINE_EXCEEDED and its upstream stream
// reset. A malformed value is answered INTERNAL, as grpc-go's server does ("malformed grpc-timeout").

import { PorticoError } from '../../util/errors.ts';
import { GRPC_STATUS, sendGrpcError } from './grpc-error.ts';
import type { ForwardJob } from './forwarder.ts';

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** Milliseconds (at least 1), null when absent, NaN when malformed. */
export function grpcTimeoutMs(raw: string | string[] | undefined): number | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') return NaN;
  const m = /^(\d{1,8})([HMSmun])$/.exec(raw);
  if (m === null) return NaN;
  return Math.max(1, Math.ceil(Number(m[1]) * UNIT_MS[m[2]]));
}

/**
 * The job's deadline: the call's grpc-timeout for a gRPC upstream, else the route's timeout
 * (HTTPRoute timeouts). False when the grpc-timeout is malformed: the call was answered INTERNAL.
 */
export function armDeadline(job: ForwardJob, grpc: boolean, routeMs: number | undefined): boolean {
  const { req, res, ctx } = job;
  const ms = grpc ? grpcTimeoutMs(req.headers['grpc-timeout']) : null;
  if (ms !== null && Number.isNaN(ms)) {
    job.closed = true;
    if (!req.readableEnded) req.resume();
    ctx.error = 'PORTICO_ERR_BAD_REQUEST';
    ctx.status = 400;
    sendGrpcError(res, new PorticoError('PORTICO_ERR_BAD_REQUEST', `malformed grpc-timeout ${JSON.stringify(req.headers['grpc-timeout'])}`), GRPC_STATUS.INTERNAL);
    return false;
  }
  if (ms !== null) job.deadline = setTimeout(() => job.onDeadline(ms), ms);
  else if (routeMs !== undefined) job.deadline = setTimeout(() => job.onDeadline(routeMs, 'route timeout'), routeMs);
  return true;
}
