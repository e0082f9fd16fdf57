// `portico explain` / /debug/explain: which HTTP/1.1 engine answers a request to the explained
// route on each port (README "Lean HTTP/1.1 engine"), and why when it is node:http. HTTP/2 is
// always node:http2's; per-request reasons (an upgrade other than WebSocket, absolute-form or
// asterisk-form targets, TRACE / CONNECT, an Expect other than 100-continue, several Host
// fields) are listed in the README, not here: explain sees a host and a path, not a request.
import type { CompiledRoute } from '../http/compiled-route.ts';
import { routeHandOffReason } from './handoff.ts';

export interface EngineChoice {
  name: 'lean' | 'node';
  /** Why node:http serves it (null when the lean engine does). */
  reason: string | null;
}

export interface EngineExplanation {
  http: EngineChoice;
  https: EngineChoice;
}

/**
 * `configured` is --http1-engine; `dataplaneReason` a configuration-wide reason to hand every
 * request over (lean-view.ts dataplaneHandOffReason); `route` null when nothing matched.
 */
export function explainEngine(configured: 'node' | 'lean', dataplaneReason: string | null, route: CompiledRoute | null): EngineExplanation {
  const choose = (scheme: 'http' | 'https'): EngineChoice => {
    if (configured === 'node') return { name: 'node', reason: '--http1-engine node' };
    if (dataplaneReason !== null) return { name: 'node', reason: dataplaneReason };
    if (route === null) return { name: 'node', reason: 'no route matched (node:http answers 404)' };
    const why = routeHandOffReason(route, scheme);
    return why === null ? { name: 'lean', reason: null } : { name: 'node', reason: why };
  };
  return { http: choose('http'), https: choose('https') };
}
