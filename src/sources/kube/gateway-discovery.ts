import type { KubeConfig } from '@kubernetes/client-node';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import type { Kind } from '../../k8s/types.ts';
import type { Logger } from '../../util/logger.ts';
import { errorMessage, type BackoffOptions } from './kind-watcher.ts';
import { getJson } from './list.ts';
import { WATCHED_RESOURCES, type WatchedResource } from './resources.ts';

/** The Gateway API kinds cluster mode watches when their CRDs are installed (README "Gateway API"). */
export const GATEWAY_API_KINDS: readonly Kind[] = ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'TCPRoute', 'UDPRoute', 'TLSRoute', 'BackendTLSPolicy'];

/**
 * Versions looked up, preferred first: v1 is the standard channel; v1beta1 is where ReferenceGrant
 * lived before gateway-api v1.5 (and every kind before v1.0), so a cluster with older CRDs still works.
 */
const VERSIONS = ['v1', 'v1beta1', 'v1alpha3', 'v1alpha2'] as const;

/**
 * Which Gateway API kinds the API server serves, and at which version, from the discovery
 * documents (`GET /apis/gateway.networking.k8s.io/{version}`, an APIResourceList; 404 when no CRD
 * serves that version). Discovery needs no RBAC rule (system:discovery is bound to every
 * authenticated user), unlike watching CustomResourceDefinitions. v1alpha3 and v1alpha2 are where the
 * experimental channel serves TLSRoute, TCPRoute and UDPRoute. Namespace joins the set when any
 * Gateway API kind is there: its labels drive allowedRoutes.namespaces.selector.
 */
export async function discoverGatewayApi(kc: KubeConfig): Promise<Map<Kind, WatchedResource>> {
  const found = new Map<Kind, WatchedResource>();
  for (const version of VERSIONS) {
    const doc = await getJson(kc, `/apis/${GATEWAY_GROUP}/${version}`);
    const resources = Array.isArray(doc?.resources) ? (doc.resources as { name?: unknown; kind?: unknown }[]) : [];
    for (const kind of GATEWAY_API_KINDS) {
      const r = WATCHED_RESOURCES[kind];
      if (found.has(kind) || !resources.some((x) => x?.name === r.plural && x?.kind === kind)) continue;
      found.set(kind, { ...r, version });
    }
  }
  if (found.size > 0) found.set('Namespace', WATCHED_RESOURCES.Namespace);
  return found;
}

export interface GatewayDiscoveryOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** How often discovery is repeated to notice CRDs installed or removed later. Default 30000 ms. */
  readonly intervalMs: number;
  readonly backoff: BackoffOptions;
  /** The set changed (the first answer always counts as a change). */
  readonly onChange: (resources: ReadonlyMap<Kind, WatchedResource>) => void;
}

/**
 * Repeats discoverGatewayApi: at start, every `intervalMs`, and after a failure at the watchers'
 * backoff. `pending` until the first answer: the cold start waits for it, so Gateway routes that
 * exist are not answered 404 for want of having looked.
 */
export class GatewayDiscovery {
  private readonly o: GatewayDiscoveryOptions;
  private current = '';
  private answered = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(o: GatewayDiscoveryOptions) {
    this.o = o;
  }

  get pending(): boolean {
    return !this.answered;
  }

  /** Resolves after the first attempt (answered or failed). */
  start(): Promise<void> {
    this.stopped = false;
    return this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    let next = this.o.intervalMs;
    try {
      const found = await discoverGatewayApi(this.o.kubeConfig);
      if (this.stopped) return;
      this.failures = 0;
      const fingerprint = [...found.values()].map((r) => `${r.kind}@${r.version}`).sort().join(',');
      if (!this.answered || fingerprint !== this.current) {
        if (found.size === 0) this.o.logger.info({ source: 'kube', group: GATEWAY_GROUP }, 'Gateway API CRDs not installed; Gateway API objects are not watched (looked up again periodically)');
        else this.o.logger.info({ source: 'kube', kinds: fingerprint }, 'Gateway API CRDs found; watching them');
        this.current = fingerprint;
        this.answered = true;
        this.o.onChange(found);
      }
    } catch (err) {
      if (this.stopped) return;
      const cap = Math.min(this.o.backoff.maxMs, this.o.backoff.baseMs * 2 ** this.failures);
      this.failures = Math.min(this.failures + 1, 30);
      next = Math.round(cap / 2 + Math.random() * (cap / 2));
      this.o.logger.warn({ source: 'kube', group: GATEWAY_GROUP, err: errorMessage(err), retryInMs: next }, 'Gateway API discovery failed; retrying');
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.run(), next);
      this.timer.unref();
    }
  }
}
