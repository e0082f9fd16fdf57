// One line per request after the response (hot-path rule 8): nothing is built when info is
// disabled, and the extra fields cost only when they are asked for.

import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import type { Logger } from '../../util/logger.ts';
import type { PorticoError } from '../../util/errors.ts';
import type { RequestContext } from './request-context.ts';
import { errorBody, nextRequestId, reasonPhrase } from './error-response.ts';

/** `--access-log-format`: one JSON object per line (default), or the combined log format of
 * Apache/nginx (`$remote_addr - - [$time_local] "$request" $status $bytes "$referer" "$ua"`). */
export type AccessLogFormat = 'json' | 'combined';

/** `--access-log-fields`: the closed set of extra fields, each read from data already at hand. */
export const ACCESS_LOG_FIELDS = ['request-id', 'trace-id', 'upstream-address', 'upstream-status', 'retries', 'tls-version', 'tls-cipher', 'sni'] as const;
export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number];

/**
 * The access log, compiled once from the flags: which fields, which format. `needsRequest` tells
 * the dataplane to keep a reference to the request on its context (combined lines and the TLS
 * fields read it when the line is written); otherwise nothing extra is kept.
 */
export class AccessLog {
  readonly needsRequest: boolean;
  private readonly logger: Logger;
  private readonly combined: boolean;
  private readonly f: Readonly<Record<AccessLogField, boolean>>;
  private readonly extras: boolean;
  private readonly raw: { write(s: string): unknown } | null;

  constructor(logger: Logger, format: AccessLogFormat = 'json', fields: readonly AccessLogField[] = []) {
    this.logger = logger;
    this.combined = format === 'combined';
    const set = new Set(fields);
    this.f = Object.fromEntries(ACCESS_LOG_FIELDS.map((k) => [k, set.has(k)])) as Record<AccessLogField, boolean>;
    this.extras = set.size > 0;
    this.needsRequest = this.combined || this.f['tls-version'] || this.f['tls-cipher'] || this.f.sni;
    // Combined lines go into the logger's own destination, so they stay in order with the JSON
    // lines and share its batching (pino.symbols.streamSym is pino's public handle on it).
    this.raw = this.combined ? (logger as unknown as Record<symbol, { write(s: string): unknown }>)[pino.symbols.streamSym] ?? null : null;
  }

  write(ctx: RequestContext, seconds: number): void {
    if (!this.logger.isLevelEnabled('info')) return;
    if (this.combined && this.raw !== null) {
      this.raw.write(this.combinedLine(ctx) + '\n');
      return;
    }
    const line: Record<string, unknown> = {
      method: ctx.method,
      host: ctx.host,
      path: ctx.path,
      status: ctx.status,
      endpoint: ctx.endpointId,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      bytes: ctx.bytesSent,
      route: ctx.route === null ? null : ctx.route.id,
      protocol: ctx.route === null ? null : ctx.route.upstream === null ? 'HTTP' : ctx.route.upstream.protocol,
      attempts: ctx.attempts,
      client: ctx.clientIp,
      error: ctx.error,
      requestId: ctx.requestId,
    };
    if (this.extras) this.addExtras(ctx, line);
    this.logger.info(line, 'request');
  }

  private addExtras(ctx: RequestContext, line: Record<string, unknown>): void {
    const f = this.f;
    // JSON lines always carry the id; combined lines add it as a field. A request that got neither
    // an upstream id nor an error id still gets one for its line.
    if (f['request-id']) line.requestId = ctx.requestId ?? (ctx.requestId = nextRequestId());
    if (f['trace-id']) line.traceId = ctx.trace === null ? null : ctx.trace.traceId;
    if (f['upstream-address']) line.upstreamAddress = ctx.endpointId;
    if (f['upstream-status']) line.upstreamStatus = upstreamStatus(ctx);
    if (f.retries) line.retries = ctx.attempts > 1 ? ctx.attempts - 1 : 0;
    if (f['tls-version'] || f['tls-cipher'] || f.sni) {
      const tls = tlsOf(ctx);
      if (f['tls-version']) line.tlsVersion = tls === null ? null : tls.getProtocol();
      if (f['tls-cipher']) line.tlsCipher = tls === null ? null : tls.getCipher()?.name ?? null;
      if (f.sni) line.sni = tls === null ? null : (tls as TLSSocket & { servername?: string | false }).servername || null;
    }
  }

  private combinedLine(ctx: RequestContext): string {
    const req = ctx.req;
    const target = req === null ? ctx.path : req.url ?? ctx.path;
    const version = req === null ? '1.1' : req.httpVersion;
    let line = `${ctx.clientIp} - - [${clfTime(Date.now())}] "${esc(ctx.method)} ${esc(target)} HTTP/${version}" ${ctx.status} ${ctx.bytesSent} ` +
      `"${esc(header(req, 'referer') ?? '-')}" "${esc(header(req, 'user-agent') ?? '-')}"`;
    if (this.extras) {
      const x: Record<string, unknown> = {};
      this.addExtras(ctx, x);
      // nginx-style key=value after the standard fields; absent values are "-".
      for (const [k, v] of Object.entries(x)) line += ` ${k}=${v === null || v === undefined ? '-' : esc(typeof v === 'string' ? v : JSON.stringify(v))}`;
    }
    return line;
  }
}

/** The upstream's status is what the client got, unless Portico answered itself. */
function upstreamStatus(ctx: RequestContext): number | null {
  return ctx.endpointId !== null && ctx.error === null ? ctx.status : null;
}

function tlsOf(ctx: RequestContext): TLSSocket | null {
  const s = ctx.req?.socket as TLSSocket | undefined;
  return s !== undefined && s !== null && typeof s.getProtocol === 'function' ? s : null;
}

function header(req: RequestContext['req'], name: string): string | undefined {
  if (req === null) return undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** Quotes, backslashes and control bytes as \xHH, as nginx's `escape=default` does. */
function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /["\\\x00-\x1f\x7f]/.test(s) ? s.replace(/["\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Dec/2026:19:35:00 +0000` (UTC). */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** An error answer on a raw socket (upgrade path, client errors): never throws. */
export function writeRawError(socket: Duplex, err: PorticoError, ctx?: { requestId: string | null }): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  // The id the upstream already got (request-decorator.ts), else a new one.
  const id = ctx?.requestId ?? nextRequestId();
  if (ctx !== undefined) ctx.requestId = id;
  const body = errorBody(err, id);
  socket.end(`HTTP/1.1 ${err.status} ${reasonPhrase(err.status)}\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-portico-error: ${err.code}\r\nx-request-id: ${id}\r\nx-content-type-options: nosniff\r\nserver: portico\r\nconnection: close\r\n\r\n${body}`);
}
