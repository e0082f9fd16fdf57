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
import type { CompiledGatewayRule, GatewayTable } from './gateway-table.ts';
import type { RequestTarget } from './request-target.ts';
import { normalizeHost } from './request-target.ts';
import type { RequestContext } from './request-context.ts';
import type { AnyResponse } from './error-response.ts';
import { sendText } from './error-response.ts';
import type { ForwardTarget } from './forwarder.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** What the dataplane lends the Gateway path: its forwarding and rejection. */
export interface GatewayServeHost {
  reject(req: AnyRequest, res: AnyResponse, ctx: RequestContext, err: PorticoError): void;
  forward(req: AnyRequest, res: AnyResponse, ctx: RequestContext, rule: CompiledGatewayRule, scheme: 'http' | 'https',
    hostHeader: string | null, path: string, responseHeaders: ForwardTarget['responseHeaders']): void;
}

export function misdirected(table: GatewayTable, rule: CompiledGatewayRule, req: AnyRequest): boolean {
  const sni = (req.socket as TLSSocket | undefined)?.servername;
  if (typeof sni !== 'string' || sni === '') return false;
  return table.listenerFor('https', normalizeHost(sni)) !== rule.listener;
}

export function serveGatewayRule(dp: GatewayServeHost, table: GatewayTable, rule: CompiledGatewayRule, req: AnyRequest, res: AnyResponse,
  ctx: RequestContext, scheme: 'http' | 'https', rawHost: string | undefined, host: string | null, target: RequestTarget): void {
  ctx.route = rule.fallbackRoute;
  if (scheme === 'https' && misdirected(table, rule, req)) {
    dp.reject(req, res, ctx, new PorticoError('PORTICO_ERR_MISDIRECTED', `host ${JSON.stringify(host ?? '')} is not served by this TLS connection's listener`));
    return;
  }
  const query = target.forward.length > target.path.length ? target.forward.slice(target.forward.indexOf('?')) : '';
  const redirect = rule.redirect;
  if (redirect !== null) {
    const s = redirect.scheme ?? scheme;
    // Port: the filter's; else the scheme's well-known port when the filter sets a scheme; else
    // the listener's port. 80 for http and 443 for https are left out of Location.
    const port = redirect.port ?? (redirect.scheme !== null ? (s === 'https' ? 443 : 80) : rule.listener.model.port);
    const h = redirect.hostname ?? host ?? '';
    const authority = (s === 'http' && port === 80) || (s === 'https' && port === 443) ? h : `${h}:${port}`;
    const path = redirect.path === null ? target.path : modifyPath(redirect.path, target.path);
    ctx.status = redirect.statusCode;
    if (!req.readableEnded) req.resume();
    sendText(res, redirect.statusCode, 'redirecting\n', { location: `${s}://${authority}${path}${query}` });
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
  dp.forward(req, res, ctx, rule, scheme, hostHeader, path, rule.responseHeaders);
}
