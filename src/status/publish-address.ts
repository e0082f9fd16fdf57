import { isIP } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { splitKey } from '../k8s/keys.ts';
import type { IngressLoadBalancerIngress, Service } from '../k8s/types.ts';
import type { Logger } from '../util/logger.ts';
import { shortError } from './leader-election.ts';

/**
 * The addresses a `--publish-service` Service exposes (README "Run in a cluster"): its LoadBalancer
 * ingress IPs/hostnames, else its spec.externalIPs; empty when neither is set yet (a cloud LB
 * still provisioning), in which case no status is written rather than a wrong one.
 */
export function addressesFromService(svc: Service | undefined): IngressLoadBalancerIngress[] {
  if (!svc) return [];
  const out: IngressLoadBalancerIngress[] = [];
  for (const i of svc.status?.loadBalancer?.ingress ?? []) {
    if (i?.ip) out.push({ ip: i.ip });
    else if (i?.hostname) out.push({ hostname: i.hostname });
  }
  if (out.length === 0) for (const ip of svc.spec?.externalIPs ?? []) if (ip) out.push({ ip });
  return dedupe(out);
}

/** `--publish-address 203.0.113.7,lb.example.com`: IPs become `ip`, anything else `hostname`. */
export function parsePublishAddresses(values: readonly string[]): IngressLoadBalancerIngress[] {
  const out: IngressLoadBalancerIngress[] = [];
  for (const v of values.flatMap((s) => s.split(','))) {
    const t = v.trim();
    if (t) out.push(isIP(t) ? { ip: t } : { hostname: t.toLowerCase() });
  }
  return dedupe(out);
}

function dedupe(list: IngressLoadBalancerIngress[]): IngressLoadBalancerIngress[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const k = `${a.ip ?? ''}|${a.hostname ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Resolves the published addresses: the fixed `--publish-address` list when given, else a GET of
 * the `--publish-service` Service (it usually lives in Portico's own namespace, which the
 * watched namespace need not include, so it is read directly rather than from the Store).
 */
export class PublishAddressResolver {
  private readonly api: CoreV1Api | null;
  private readonly service: { namespace: string; name: string } | null;
  private readonly fixed: IngressLoadBalancerIngress[];
  private readonly logger: Logger;

  constructor(opts: { kubeConfig: KubeConfig; publishService: string | null; publishAddresses: readonly string[]; logger: Logger }) {
    this.fixed = parsePublishAddresses(opts.publishAddresses);
    this.service = opts.publishService ? splitKey(opts.publishService) : null;
    if (this.service && !this.service.namespace) throw new Error(`--publish-service must be namespace/name, got "${opts.publishService}"`);
    this.api = this.service && this.fixed.length === 0 ? opts.kubeConfig.makeApiClient(CoreV1Api) : null;
    this.logger = opts.logger;
  }

  /** Current addresses; on an API error, `null` (keep whatever status is there). */
  async resolve(): Promise<IngressLoadBalancerIngress[] | null> {
    if (this.fixed.length || !this.service || !this.api) return this.fixed;
    try {
      const svc = await this.api.readNamespacedService({ name: this.service.name, namespace: this.service.namespace });
      return addressesFromService(svc as unknown as Service);
    } catch (err) {
      this.logger.warn({ service: `${this.service.namespace}/${this.service.name}`, err: shortError(err) }, 'could not read the publish service');
      return null;
    }
  }
}
