// What the dataplane adds to a request beyond routing, decided once at start: the X-Request-Id
// (kept or generated, always sent upstream), the trace context (continued or started, always sent
// upstream), and a reference to the request when the access log needs it. The dataplane holds
// null when all three are off, so the request path pays one null check (hot-path rule: features
// that are off cost nothing).

import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { requestId } from './ids.ts';
import type { RequestContext } from './request-context.ts';
import { Tracer } from './tracing.ts';

export interface DecoratorOptions {
  /** Generate X-Request-Id when absent and pass it upstream (ingress-nginx generate-request-id). */
  readonly requestIds: boolean;
  /** Keep `ctx.req` for the access log (combined format, TLS fields). */
  readonly keepRequest: boolean;
  readonly tracer: Tracer | null;
}

// Longer incoming ids are replaced: the value is copied into logs and upstream headers.
const MAX_REQUEST_ID = 200;

export class RequestDecorator {
  private readonly ids: boolean;
  private readonly keep: boolean;
  private readonly tracer: Tracer | null;

  static create(o: DecoratorOptions): RequestDecorator | null {
    return o.requestIds || o.keepRequest || o.tracer !== null ? new RequestDecorator(o) : null;
  }

  private constructor(o: DecoratorOptions) {
    this.ids = o.requestIds;
    // Tracing keeps the request too: a request Portico answers itself (404, 503, redirect) never
    // builds upstream headers, and its span starts from the request's own at the end.
    this.keep = o.keepRequest || o.tracer !== null;
    this.tracer = o.tracer;
  }

  /** HTTP: `headers` is the flat upstream list [name, value, …] about to be sent. */
  onRequest(ctx: RequestContext, req: IncomingMessage | Http2ServerRequest, headers: string[]): void {
    if (this.keep) ctx.req = req;
    let rid: number = -1;
    let tp: string | undefined;
    let ts: string | undefined;
    let tpAt = -1;
    let tsAt = -1;
    for (let i = 0; i < headers.length; i += 2) {
      const n = headers[i];
      if (n.length === 12 && n.toLowerCase() === 'x-request-id') rid = i;
      else if (n.length === 11 && n.toLowerCase() === 'traceparent') {
        tp = headers[i + 1];
        tpAt = i;
      } else if (n.length === 10 && n.toLowerCase() === 'tracestate') {
        ts = ts === undefined ? headers[i + 1] : `${ts},${headers[i + 1]}`;
        tsAt = i;
      }
    }
    if (this.tracer !== null) {
      const t = this.tracer.start(tp, ts);
      ctx.trace = t;
      const value = Tracer.traceparent(t);
      if (tpAt >= 0) headers[tpAt + 1] = value;
      else headers.push('traceparent', value);
      // A tracestate that came with an unusable traceparent belongs to no trace (§3.3).
      if (tsAt >= 0 && t.parentSpanId === '') headers.splice(tsAt, 2);
    }
    if (this.ids) {
      if (rid >= 0 && headers[rid + 1].length > 0 && headers[rid + 1].length <= MAX_REQUEST_ID) ctx.requestId = headers[rid + 1];
      else {
        const id = ctx.trace !== null ? ctx.trace.traceId : requestId();
        ctx.requestId = id;
        if (rid >= 0) headers[rid + 1] = id;
        else headers.push('x-request-id', id);
      }
    }
  }

  /** WebSocket/upgrade: the same, on the header object the upgrade path sends. */
  onUpgrade(ctx: RequestContext, req: IncomingMessage, headers: OutgoingHttpHeaders): void {
    if (this.keep) ctx.req = req;
    if (this.tracer !== null) {
      const tp = headers.traceparent;
      const ts = headers.tracestate;
      const t = this.tracer.start(typeof tp === 'string' ? tp : undefined, Array.isArray(ts) ? ts.join(',') : typeof ts === 'string' ? ts : undefined);
      ctx.trace = t;
      headers.traceparent = Tracer.traceparent(t);
      if (t.parentSpanId === '') delete headers.tracestate;
    }
    if (this.ids) {
      const v = headers['x-request-id'];
      if (typeof v === 'string' && v.length > 0 && v.length <= MAX_REQUEST_ID) ctx.requestId = v;
      else headers['x-request-id'] = ctx.requestId = ctx.trace !== null ? ctx.trace.traceId : requestId();
    }
  }

  /** After the response: the span, when tracing. */
  onEnd(ctx: RequestContext): void {
    if (this.tracer !== null) {
      if (ctx.trace === null) {
        const raw = ctx.req === null ? [] : ctx.req.rawHeaders;
        let tp: string | undefined;
        let ts: string | undefined;
        for (let i = 0; i < raw.length; i += 2) {
          const n = raw[i].toLowerCase();
          if (n === 'traceparent') tp ??= raw[i + 1];
          else if (n === 'tracestate') ts = ts === undefined ? raw[i + 1] : `${ts},${raw[i + 1]}`;
        }
        ctx.trace = this.tracer.start(tp, ts);
      }
      const origin = performance.timeOrigin;
      this.tracer.end(ctx, ctx.trace, origin + ctx.start, origin + performance.now());
    }
  }
}
