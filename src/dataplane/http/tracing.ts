// OpenTelemetry tracing for the HTTP dataplane: W3C Trace Context in and out
// (https://www.w3.org/TR/trace-context/), one SERVER span per request, exported as OTLP/HTTP JSON
// (https://opentelemetry.io/docs/specs/otlp/#otlphttp). A measured lighter exporter rather than
// @opentelemetry/sdk-trace-base (README "Tracing"): the request path only parses the incoming
// header and, at the end, appends one small record to an array; spans are encoded and sent in
// batches from a timer. With tracing off none of this exists (the dataplane holds null).

import { Counter } from 'prom-client';
import type { Metrics } from '../../util/metrics.ts';
import type { Logger } from '../../util/logger.ts';
import { randomId128, randomId64 } from './ids.ts';
import type { RequestContext } from './request-context.ts';

/** The trace context of one request's server span. */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The caller's span, '' when this request started the trace. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly sampled: boolean;
}

export interface TracerOptions {
  /** OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces. */
  readonly endpoint: string;
  /** Probability a request without a sampled parent is recorded (parent-based otherwise). */
  readonly samplingRatio: number;
  readonly serviceName?: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly flushIntervalMs?: number;
  readonly maxQueue?: number;
  readonly exportTimeoutMs?: number;
}

/** Finished span data as the request path leaves it; encoded only at export time. */
interface SpanRecord {
  readonly t: TraceContext;
  readonly startMs: number;
  readonly endMs: number;
  readonly ctx: RequestContext;
}

// traceparent: version "00" - 32 hex trace-id - 16 hex parent-id - 2 hex flags (§3.2).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

export class Tracer {
  private readonly o: Required<Omit<TracerOptions, 'metrics' | 'logger'>> & Pick<TracerOptions, 'logger'>;
  private queue: SpanRecord[] = [];
  private exporting: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly exported: Counter;
  private readonly dropped: Counter<'reason'>;

  constructor(opts: TracerOptions) {
    this.o = {
      endpoint: opts.endpoint, samplingRatio: opts.samplingRatio, serviceName: opts.serviceName ?? 'portico', logger: opts.logger,
      batchSize: opts.batchSize ?? 512, flushIntervalMs: opts.flushIntervalMs ?? 1000, maxQueue: opts.maxQueue ?? 4096, exportTimeoutMs: opts.exportTimeoutMs ?? 5000,
    };
    const r = opts.metrics.registry;
    this.exported = (r.getSingleMetric('portico_tracing_spans_exported_total') as Counter | undefined) ?? new Counter({
      name: 'portico_tracing_spans_exported_total', help: 'Spans the OTLP endpoint accepted.', registers: [r],
    });
    this.dropped = (r.getSingleMetric('portico_tracing_spans_dropped_total') as Counter<'reason'> | undefined) ?? new Counter({
      name: 'portico_tracing_spans_dropped_total', help: 'Spans dropped, by reason: queue_full (the exporter fell behind), export_failed (endpoint unreachable or refused).',
      labelNames: ['reason'], registers: [r],
    });
    this.timer = setInterval(() => void this.flush(), this.o.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Continue the caller's trace or start one (§3.2: an unparseable traceparent is ignored and a
   * new trace starts). Returns the context whose span id goes upstream as the new parent.
   */
  start(traceparent: string | undefined, tracestate: string | undefined): TraceContext {
    if (traceparent !== undefined) {
      const m = TRACEPARENT.exec(traceparent.trim().toLowerCase());
      // Version ff is invalid; a future version is read as far as version 00 goes (§3.2.4).
      if (m !== null && m[1] !== 'ff' && m[2] !== ZERO_TRACE && m[3] !== ZERO_SPAN && (m[1] !== '00' || m[5] === undefined)) {
        return { traceId: m[2], spanId: randomId64(), parentSpanId: m[3], traceState: tracestate ?? '', sampled: (parseInt(m[4], 16) & 1) === 1 };
      }
    }
    return { traceId: randomId128(), spanId: randomId64(), parentSpanId: '', traceState: '', sampled: Math.random() < this.o.samplingRatio };
  }

  /** The header value sent upstream: our span is the parent of whatever the upstream does. */
  static traceparent(t: TraceContext): string {
    return `00-${t.traceId}-${t.spanId}-${t.sampled ? '01' : '00'}`;
  }

  /** End of the request: one array push when sampled; never blocks, never throws. */
  end(ctx: RequestContext, t: TraceContext, startMs: number, endMs: number): void {
    if (!t.sampled) return;
    if (this.queue.length >= this.o.maxQueue) {
      this.dropped.inc({ reason: 'queue_full' });
      return;
    }
    this.queue.push({ t, startMs, endMs, ctx });
    if (this.queue.length >= this.o.batchSize && this.exporting === null) void this.flush();
  }

  /** Export what is queued (one request in flight at a time). Resolves when it is done. */
  async flush(): Promise<void> {
    while (this.exporting !== null) await this.exporting;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.o.batchSize);
    this.exporting = this.send(batch).finally(() => {
      this.exporting = null;
    });
    await this.exporting;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  private async send(batch: SpanRecord[]): Promise<void> {
    try {
      const res = await fetch(this.o.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(encode(batch, this.o.serviceName)),
        signal: AbortSignal.timeout(this.o.exportTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) this.exported.inc(batch.length);
      else this.failed(batch.length, `HTTP ${res.status}`);
    } catch (err) {
      this.failed(batch.length, (err as Error).message);
    }
  }

  private failed(n: number, why: string): void {
    this.dropped.inc({ reason: 'export_failed' }, n);
    this.o.logger.warn({ spans: n, endpoint: this.o.endpoint, error: why }, 'OTLP export failed; spans dropped');
  }
}

type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
const str = (key: string, v: string): { key: string; value: AnyValue } => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): { key: string; value: AnyValue } => ({ key, value: { intValue: String(v) } });

/** Milliseconds (fractional) since the epoch → OTLP's fixed64 nanoseconds, as a JSON string. */
function nanos(ms: number): string {
  return `${Math.round(ms * 1000)}000`;
}

/**
 * OTLP JSON (ExportTraceServiceRequest). Attribute names follow the HTTP semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/) plus portico.* for the gateway's
 * own route, cluster, endpoint and retries.
 */
export function encode(batch: readonly SpanRecord[], serviceName: string): unknown {
  return {
    resourceSpans: [{
      resource: { attributes: [str('service.name', serviceName)] },
      scopeSpans: [{
        scope: { name: 'portico' },
        spans: batch.map(({ t, startMs, endMs, ctx }) => {
          const route = ctx.route;
          const attributes = [
            str('http.request.method', ctx.method),
            str('url.path', ctx.path),
            int('http.response.status_code', ctx.status),
            str('client.address', ctx.clientIp),
            int('portico.retries', ctx.attempts > 1 ? ctx.attempts - 1 : 0),
          ];
          if (ctx.host !== null) attributes.push(str('server.address', ctx.host));
          if (route !== null) {
            attributes.push(str('portico.route', route.id), str('portico.ingress', route.ingress));
            if (route.cluster !== null) attributes.push(str('portico.cluster', route.cluster.id));
          }
          if (ctx.endpointId !== null) attributes.push(str('portico.endpoint', ctx.endpointId));
          if (ctx.error !== null) attributes.push(str('error.type', ctx.error));
          return {
            traceId: t.traceId,
            spanId: t.spanId,
            ...(t.parentSpanId ? { parentSpanId: t.parentSpanId } : {}),
            ...(t.traceState ? { traceState: t.traceState } : {}),
            name: route === null ? ctx.method : `${ctx.method} ${route.id}`,
            kind: 2, // SPAN_KIND_SERVER
            startTimeUnixNano: nanos(startMs),
            endTimeUnixNano: nanos(endMs),
            attributes,
            // Server spans: 5xx is an error, 4xx is the client's (semconv "Status").
            status: ctx.status >= 500 || ctx.status === 0 ? { code: 2, message: ctx.error ?? '' } : { code: 0 },
          };
        }),
      }],
    }],
  };
}
