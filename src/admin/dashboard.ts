// The dashboard (README "Dashboard and /api/v1"): one HTML page, one stylesheet and one small
// vanilla script, all served from here — no framework, no CDN, nothing fetched from elsewhere.
// A strict Content-Security-Policy backs that up: the page can only load its own files and call
// /api/v1/ on the same origin.

import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../util/metrics.ts';
import * as api from './api-v1.ts';

const ASSETS: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/dashboard/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function registerDashboard(app: FastifyInstance, sources: api.ApiSources, metrics: Metrics): void {
  const startedAt = Date.now();
  for (const [path, a] of Object.entries(ASSETS)) {
    // Read once at start: the files ship with the sources (the image copies src/).
    const body = readFileSync(new URL(`./dashboard/${a.file}`, import.meta.url));
    app.get(path, async (_req, reply) => reply.headers(SECURITY_HEADERS).type(a.type).send(body));
  }
  app.get('/dashboard/', async (_req, reply) => reply.redirect('/dashboard'));
  const json = (fn: (q: Record<string, string | undefined>) => unknown) =>
    async (req: { query: unknown }, reply: { headers: (h: object) => unknown }) => {
      reply.headers(SECURITY_HEADERS);
      return fn((req.query ?? {}) as Record<string, string | undefined>);
    };
  app.get('/api/v1/overview', json(() => api.overview(sources, metrics, startedAt)));
  app.get('/api/v1/routers', json(() => api.routers(sources)));
  app.get('/api/v1/certificates', json(() => api.certificates(sources)));
  app.get('/api/v1/l4', json(() => api.l4(sources)));
  app.get('/api/v1/diagnostics', json(() => api.diagnostics(sources)));
  app.get('/api/v1/explain', json((q) => api.explain(sources, q)));
}
