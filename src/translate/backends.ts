// Service backend → Cluster (SPEC §1.7 port chain). A backend that cannot be
// resolved is not an error that drops the route: the route answers 503 with the reason (§1.7
// [choice]), so the caller turns a failed resolution into RouteBackend 'unavailable'.

import { l4Balance, readAnnotations } from '../k8s/annotations/index.ts';
import { clampHealthTimeout, healthCheckFrom, outlierEject5xx } from '../k8s/annotations/balancing.ts';
import { nsName } from '../k8s/keys.ts';
import type { Service, ServicePort } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';
import type { DiagnosticReason } from '../model/diagnostic.ts';
import { clusterId, type BalancerPolicy, type Cluster, type SessionAffinity } from '../model/cluster.ts';

export type BackendResolution =
  | { ok: true; cluster: Cluster }
  | { ok: false; reason: DiagnosticReason; message: string };

/** SPEC §5.2: kube-proxy's default ClientIP affinity timeout. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export function resolveServiceBackend(
  view: StoreView,
  namespace: string,
  serviceName: string,
  port: { number?: number; name?: string },
  opts: { allowExternalName: boolean; protocol?: 'TCP' | 'UDP' },
): BackendResolution {
  const protocol = opts.protocol ?? 'TCP';
  const key = nsName(namespace, serviceName);
  const svc = view.get('Service', key);
  const portText = port.name !== undefined && port.name !== '' ? `port ${JSON.stringify(port.name)}` : `port ${port.number}`;
  if (!svc) return { ok: false, reason: 'ServiceNotFound', message: `Service ${key} not found` };
  const spec = svc.spec && typeof svc.spec === 'object' ? svc.spec : {};
  const ports: ServicePort[] = Array.isArray(spec.ports) ? spec.ports.filter((p) => p && typeof p === 'object') : [];
  const sp = findServicePort(ports, port, protocol);
  const isExternal = spec.type === 'ExternalName';

  if (isExternal) {
    if (!opts.allowExternalName) {
      // ExternalName lets anyone who can create a Service point traffic at any DNS name, so it is
      // opt-in (SPEC §1.7 "optional").
      return { ok: false, reason: 'ExternalNameNotAllowed', message: `Service ${key} is of type ExternalName, which is disabled (--allow-external-name)` };
    }
    const externalName = typeof spec.externalName === 'string' ? spec.externalName.trim().toLowerCase() : '';
    if (!externalName) return { ok: false, reason: 'InvalidService', message: `ExternalName Service ${key} has no spec.externalName` };
    // ExternalName Services often list no ports; a numbered backend port is then used as is
    // (ingress-nginx does the same). A named port must exist.
    let number: number;
    let name = '';
    if (sp) {
      number = sp.port as number;
      name = sp.name ?? '';
    } else if (port.number !== undefined && (port.name === undefined || port.name === '')) {
      number = port.number;
    } else {
      return { ok: false, reason: 'ServicePortNotFound', message: `Service ${key} has no ${protocol} ${portText}` };
    }
    return { ok: true, cluster: makeCluster(svc, namespace, serviceName, number, name, protocol, 'external-name', externalName) };
  }

  if (!sp) return { ok: false, reason: 'ServicePortNotFound', message: `Service ${key} has no ${protocol} ${portText}` };
  return { ok: true, cluster: makeCluster(svc, namespace, serviceName, sp.port as number, sp.name ?? '', protocol, 'endpoints', null) };
}

/** Backend port number ⇒ `spec.ports[].port`; name ⇒ `spec.ports[].name` (SPEC §1.1, §1.7). */
export function findServicePort(ports: readonly ServicePort[], want: { number?: number; name?: string }, protocol: 'TCP' | 'UDP'): ServicePort | undefined {
  const byName = want.name !== undefined && want.name !== '';
  return ports.find((p) =>
    (p.protocol ?? 'TCP') === protocol &&
    Number.isInteger(p.port) &&
    (byName ? p.name === want.name : p.port === want.number));
}

function makeCluster(svc: Service, namespace: string, service: string, port: number, portName: string,
  protocol: 'TCP' | 'UDP', kind: Cluster['kind'], externalName: string | null): Cluster {
  return {
    id: clusterId(namespace, service, port),
    namespace,
    service,
    port,
    portName,
    protocol,
    kind,
    externalName,
    balancer: balancerOf(svc),
    sessionAffinity: affinityOf(svc),
    ...healthCheckOf(svc),
    ...(readAnnotations(svc, 'Service').valueOr(outlierEject5xx, false) ? { eject5xx: true } : {}),
  };
}

/** `portico.io/health-check-*` on the Service (problems are reported by translate's Service check). */
function healthCheckOf(svc: Service): { healthCheck?: NonNullable<Cluster['healthCheck']> } {
  const hc = healthCheckFrom(readAnnotations(svc, 'Service'));
  return hc === null ? {} : { healthCheck: clampHealthTimeout(hc) };
}

/** README "TCP and UDP services (L4)": 'portico.io/l4-balance' on the Service; malformed values fall back to the default (reported by translate). */
export function balancerOf(svc: Service): BalancerPolicy {
  return readAnnotations(svc, 'Service').valueOr(l4Balance, 'round-robin');
}

/** SPEC §5.2: ClientIP affinity with `sessionAffinityConfig.clientIP.timeoutSeconds` (default 10800). */
export function affinityOf(svc: Service): SessionAffinity {
  const spec = svc.spec;
  if (spec?.sessionAffinity !== 'ClientIP') return { type: 'None', timeoutSeconds: DEFAULT_AFFINITY_TIMEOUT_SECONDS };
  const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  const timeoutSeconds = Number.isInteger(t) && (t as number) > 0 && (t as number) <= 86400 ? (t as number) : DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  return { type: 'ClientIP', timeoutSeconds };
}
