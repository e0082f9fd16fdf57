// RequestMirror (gateway-api apis/v1/httproute_types.go HTTPRequestMirrorFilter): a copy of the
// request — method, the path and headers as forwarded (after URLRewrite and RequestHeaderModifier),
// the body — goes to one endpoint of the mirror's Service; its response is read and dropped and
// never reaches the client ("responses from this backend MUST be ignored"). Fire and forget: a
// slow or failing mirror never delays or fails the real request.
// Bounds (hostile or bursty traffic must not grow memory): at most MAX_INFLIGHT mirrored requests
// at a time, each with a 10 s deadline; a body is mirrored when its declared length is at most
// MIRROR_BODY_LIMIT (the request is then read whole before it is forwarded, as with
// --request-buffering); a body of unknown length or above the limit is not mirrored (README
// "Gateway API"). Sampling of percent/fraction is deterministic: a counter, not random numbers.
import { Agent, type Dispatcher } from 'undici';
import type { GatewayMirror } from '../../model/gateway.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { bufferBody, bufferableLength, responseGone } from './request-buffer.ts';

export const MIRROR_BODY_LIMIT = 1 << 20;
const MAX_INFLIGHT = 256;
const TIMEOUT_MS = 10_000;

export class CompiledMirror {
  readonly model: GatewayMirror;
  readonly cluster: ClusterRuntime | null;
  private credit = 0;

  constructor(model: GatewayMirror, cluster: ClusterRuntime | null) {
    this.model = model;
    this.cluster = cluster;
  }

  /** Whether this request is in the mirrored share (numerator of every denominator requests). */
  sample(): boolean {
    const { numerator, denominator } = this.model;
    if (numerator >= denominator) return true;
    this.credit += numerator;
    if (this.credit < denominator) return false;
    this.credit -= denominator;
    return true;
  }
}

export interface MirrorRequest {
  readonly method: string;
  readonly path: string;
  /** Flat [name, value, …] upstream header list. */
  readonly headers: readonly string[];
  readonly body: Buffer | null;
  readonly clientIp: string;
}

export class Mirrorer {
  private readonly agent: Dispatcher = new Agent({ connections: 32, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, connect: { timeout: 2000 } });
  private inflight = 0;
  /** Mirrors dropped: no endpoint, too many in flight, or a body that could not be copied. */
  skipped = 0;
  sent = 0;

  send(m: CompiledMirror, r: MirrorRequest): void {
    const cluster = m.cluster;
    const ep = cluster === null ? null : cluster.pick(r.clientIp, null, Date.now());
    if (ep === null || this.inflight >= MAX_INFLIGHT) {
      this.skipped++;
      return;
    }
    this.inflight++;
    this.sent++;
    const host = ep.address.includes(':') ? `[${ep.address}]` : ep.address;
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    this.agent.request({
      origin: `http://${host}:${ep.port}`, path: r.path, method: r.method,
      headers: [...r.headers], body: r.body, signal,
    }).then(
      (res) => res.body.dump().catch(() => undefined),
      () => undefined,
    ).finally(() => { this.inflight--; });
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

type AnyRequest = IncomingMessage | Http2ServerRequest;

/**
 * Sample the rule's mirrors, send the copies, then `forward` the request — with its body read
 * whole (`body`) when a mirror needs a copy of it, else streamed (`body` null).
 */
export function mirrorThenForward(mirrorer: Mirrorer, mirrors: readonly CompiledMirror[], req: AnyRequest, res: ServerResponse | Http2ServerResponse,
  r: Omit<MirrorRequest, 'body'> & { readonly hasBody: boolean }, forward: (body: Buffer | null) => void): void {
  const chosen = mirrors.filter((m) => m.sample());
  if (chosen.length === 0) return forward(null);
  const send = (body: Buffer | null): void => {
    for (const m of chosen) mirrorer.send(m, { method: r.method, path: r.path, headers: r.headers, body, clientIp: r.clientIp });
  };
  if (!r.hasBody) {
    send(null);
    return forward(null);
  }
  const length = bufferableLength(req, MIRROR_BODY_LIMIT);
  if (length <= 0) {
    mirrorer.skipped += chosen.length;
    return forward(null);
  }
  bufferBody(req, length, (body) => {
    if (responseGone(res)) return;
    send(body);
    forward(body);
  });
}
