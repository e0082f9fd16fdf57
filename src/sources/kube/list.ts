import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { KubeObject } from '../../k8s/types.ts';
import type { WatchedResource } from './resources.ts';
import { collectionPath } from './resources.ts';

export interface ListResult {
  metadata: { resourceVersion: string };
  items: KubeObject[];
}

/** A failed API request, with the HTTP code where the informer looks for it (`code`, `statusCode`). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly statusCode: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.statusCode = code;
    this.reason = reason;
  }
}

/**
 * List a whole collection in pages (`limit` + `continue`, SPEC §6.2) as raw JSON. The informer's
 * own list path would go through the generated client, which builds class instances with Date
 * timestamps and drops unknown fields (SPEC §6.4) and does not page. An expired continue token
 * (410) restarts the list from the beginning, as client-go's pager does.
 */
export async function listAll(kc: KubeConfig, r: WatchedResource, namespace: string | null, pageSize: number): Promise<ListResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await listPages(kc, r, namespace, pageSize);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 410 && err.reason === 'ContinueExpired') || attempt >= 2) throw err;
    }
  }
}

async function listPages(kc: KubeConfig, r: WatchedResource, namespace: string | null, pageSize: number): Promise<ListResult> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster in the kubeconfig');
  const items: KubeObject[] = [];
  let resourceVersion = '';
  let cont = '';
  do {
    const url = new URL(server.replace(/\/$/, '') + collectionPath(r, namespace));
    if (pageSize > 0) url.searchParams.set('limit', String(pageSize));
    if (cont) url.searchParams.set('continue', cont);
    if (r.fieldSelector) url.searchParams.set('fieldSelector', r.fieldSelector);
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    await kc.applySecurityAuthentication(ctx);
    const res = await fetch(url, { method: 'GET', headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() });
    const text = await res.text();
     
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.status !== 200) {
      const reason = typeof body?.reason === 'string' ? body.reason : res.statusText || 'Error';
      const message = typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`;
      // A 410 on a continued page means the token expired, not the watch history.
      throw new KubeApiError(res.status, res.status === 410 && cont ? 'ContinueExpired' : reason, message);
    }
    if (!body || !Array.isArray(body.items)) throw new KubeApiError(500, 'InvalidList', `list of ${r.plural} returned no items array`);
    for (const it of body.items) items.push(it as KubeObject);
    // Every page reports the first page's snapshot version; keep the first.
    if (!resourceVersion) resourceVersion = String(body.metadata?.resourceVersion ?? '');
    cont = typeof body.metadata?.continue === 'string' ? body.metadata.continue : '';
  } while (cont);
  return { metadata: { resourceVersion }, items };
}

/**
 * GET one API path as JSON (discovery documents): the body on 200, null on 404 (the group/version
 * is not served), KubeApiError otherwise. Same authentication path as the list.
 */
export async function getJson(kc: KubeConfig, path: string): Promise<Record<string, unknown> | null> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(server.replace(/\/$/, '') + path);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  await kc.applySecurityAuthentication(ctx);
  const res = await fetch(url, { method: 'GET', headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() });
  const text = await res.text();
  if (res.status === 404) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const b = (body ?? {}) as { reason?: unknown; message?: unknown };
  if (res.status !== 200 || typeof body !== 'object' || body === null) {
    throw new KubeApiError(res.status === 200 ? 500 : res.status, typeof b.reason === 'string' ? b.reason : res.statusText || 'Error',
      typeof b.message === 'string' ? b.message : `HTTP ${res.status} for ${path}`);
  }
  return body as Record<string, unknown>;
}
