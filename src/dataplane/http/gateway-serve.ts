// Serving a request a Gateway API rule matched (gateway-table.ts): 421 for a Host the TLS
// connection's listener does not serve, then the rule's redirect, or its weighted backend with
// URLRewrite and header modifiers, forwarded by the same Forwarder as Ingress routes.
// Semantics: gateway-api apis/v1/httproute_types.go HTTPRequestRedirectFilter, HTTPURLRewriteFilter,
// HTTPHeaderFilter, HTTPRouteRule.BackendRefs (500 for an invalid backend's share).
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { modifyPath } from '../../model/filters.ts';
import { PorticoError } from '../../util/errors.ts';
import { overlayModifiers, type CompiledGatewayRule, type GatewayTable } from './gateway-table.ts';
import type { CompiledRoute } from './compiled-route.ts';
import type { RequestTarget } from './request-target.ts';
import { normalizeHost } from './request-target.ts';
import type { RequestContext } from './request-context.ts';
import type { AnyResponse } from './error-response.ts';
import { sendText, writeHead } from './error-response.ts';
import { CompiledHeaderModifier } from './header-modifier.ts';
import type { HeaderModifier } from '../../model/filters.ts';
import type { ForwardTarget } from './forwarder.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** What the dataplane lends the Gateway path: its forwarding and rejection. */
export interface GatewayServeHost {
  reject(req: AnyRequest, res: AnyResponse, ctx: RequestContext, err: PorticoError): void;
  forward(req: AnyRequest, res: AnyResponse, ctx: RequestContext, rule: CompiledGatewayRule, scheme: 'http' | 'https',
    hostHeader: string | null, path: string, responseHeaders: ForwardTarget['responseHeaders'], backendHeaders: CompiledHeaderModifier | null): void;
}

export function misdirected(table: GatewayTable, rule: CompiledGatewayRule, req: AnyRequest): boolean {
  const sni = (req.socket as TLSSocket | undefined)?.servername;
  if (typeof sni !== 'string' || sni === '') return false;
  return table.listenerFor('https', rule.listener.bindPort, normalizeHost(sni)) !== rule.listener;
}

/**
 * Location of a RequestRedirect. Port: the filter's; else the scheme's well-known port when the
 * filter sets a scheme; else the listener's port. 80 for http and 443 for https are left out.
 */
export function redirectLocation(rule: CompiledGatewayRule, scheme: 'http' | 'https', host: string | null, target: RequestTarget): string {
  const redirect = rule.redirect!;
  const s = redirect.scheme ?? scheme;
  const port = redirect.port ?? (redirect.scheme !== null ? (s === 'https' ? 443 : 80) : rule.listener.model.port);
  const h = redirect.hostname ?? host ?? '';
  const authority = (s === 'http' && port === 80) || (s === 'https' && port === 443) ? h : `${h}:${port}`;
  const path = redirect.path === null ? target.path : modifyPath(redirect.path, target.path);
  return `${s}://${authority}${path}${queryOf(target)}`;
}

function queryOf(target: RequestTarget): string {
  return target.forward.length > target.path.length ? target.forward.slice(target.forward.indexOf('?')) : '';
}

/** An Upgrade (WebSocket) request a rule matched: where it goes, or the error to answer. */
export type UpgradeTarget =
  | { readonly kind: 'forward'; readonly cluster: NonNullable<CompiledRoute['cluster']>; readonly path: string; readonly host: string | null; readonly headers: CompiledHeaderModifier | null }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'error'; readonly error: PorticoError };

export function upgradeTarget(table: GatewayTable, rule: CompiledGatewayRule, req: AnyRequest, ctx: RequestContext, scheme: 'http' | 'https',
  rawHost: string | undefined, host: string | null, target: RequestTarget): UpgradeTarget {
  ctx.route = rule.fallbackRoute;
  if (scheme === 'https' && misdirected(table, rule, req)) {
    return { kind: 'error', error: new PorticoError('PORTICO_ERR_MISDIRECTED', `host ${JSON.stringify(host ?? '')} is not served by this TLS connection's listener`) };
  }
  if (rule.redirect !== null) return { kind: 'redirect', status: rule.redirect.statusCode, location: redirectLocation(rule, scheme, host, target) };
  const backend = rule.pick();
  if (backend === null || backend.unresolved) return { kind: 'error', error: new PorticoError('PORTICO_ERR_BACKEND_INVALID', `rule ${rule.rule.id} has no usable backend for this request`) };
  ctx.route = backend.route;
  const cluster = backend.route.cluster;
  if (cluster === null) return { kind: 'error', error: new PorticoError('PORTICO_ERR_BACKEND_UNAVAILABLE', backend.route.unavailableMessage ?? 'backend unavailable') };
  const rw = rule.rewrite;
  return {
    kind: 'forward', cluster,
    path: rw === null || rw.path === null ? target.forward : modifyPath(rw.path, target.path) + queryOf(target),
    host: rw !== null && rw.hostname !== null ? rw.hostname : rawHost ?? null,
    // The backendRef's RequestHeaderModifier, applied after the rule's.
    headers: backend.requestHeaders,
  };
}

export function serveGatewayRule(dp: GatewayServeHost, table: GatewayTable, rule: CompiledGatewayRule, req: AnyRequest, res: AnyResponse,
  ctx: RequestContext, scheme: 'http' | 'https', rawHost: string | undefined, host: string | null, target: RequestTarget): void {
  ctx.route = rule.fallbackRoute;
  if (scheme === 'https' && misdirected(table, rule, req)) {
    dp.reject(req, res, ctx, new PorticoError('PORTICO_ERR_MISDIRECTED', `host ${JSON.stringify(host ?? '')} is not served by this TLS connection's listener`));
    return;
  }
  const query = queryOf(target);
  // CORS (gateway-cors.ts): a preflight is answered here; an actual request gets its headers added.
  let cors: HeaderModifier | null = null;
  if (rule.cors !== null) {
    const pre = rule.cors.preflight(ctx.method, req.headers);
    if (pre !== null) {
      ctx.status = 204;
      if (!req.readableEnded) req.resume();
      writeHead(res, 204, Object.fromEntries(pre));
      res.end();
      return;
    }
    cors = rule.cors.responseHeaders(typeof req.headers.origin === 'string' ? req.headers.origin : undefined);
  }
  const redirect = rule.redirect;
  if (redirect !== null) {
    ctx.status = redirect.statusCode;
    if (!req.readableEnded) req.resume();
    sendText(res, redirect.statusCode, 'redirecting\n', { location: redirectLocation(rule, scheme, host, target) });
    return;
  }
  const backend = rule.pick();
  if (backend === null || backend.unresolved) {
    if (backend !== null) ctx.route = backend.route;
    dp.reject(req, res, ctx, new PorticoError('PORTICO_ERR_BACKEND_INVALID',
      backend === null ? `rule ${rule.rule.id} has no usable backend` : `backend of rule ${rule.rule.id} cannot be resolved (${backend.route.unavailableReason})`));
    return;
  }
  ctx.route = backend.route;
  if (backend.route.cluster === null) {
    dp.reject(req, res, ctx, new PorticoError('PORTICO_ERR_BACKEND_UNAVAILABLE', backend.route.unavailableMessage ?? 'backend unavailable'));
    return;
  }
  const rw = rule.rewrite;
  const path = rw === null || rw.path === null ? target.forward : modifyPath(rw.path, target.path) + query;
  const hostHeader = rw !== null && rw.hostname !== null ? rw.hostname : rawHost ?? null;
  // The rule's ResponseHeaderModifier, the backendRef's over it, CORS over both (CORS wins for its names).
  const own = backend.responseHeaders;
  const responseHeaders = cors !== null ? new CompiledHeaderModifier(overlayModifiers(own?.model ?? rule.rule.filters.responseHeaders, cors)) : own?.compiled ?? rule.responseHeaders;
  dp.forward(req, res, ctx, rule, scheme, hostHeader, path, responseHeaders, backend.requestHeaders);
}
