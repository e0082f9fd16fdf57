import type { Cluster } from './cluster.ts';
import type { Certificate } from './certificate.ts';
import type { L4Route } from './l4.ts';
import type { Route, VirtualHost } from './route.ts';
import type { GatewaySnapshot, GatewayTlsPort } from './gateway.ts';
import type { PassthroughHost } from './passthrough.ts';

/**
 * The whole routing configuration at one instant: immutable, plain serialisable data, no
 * Kubernetes types. Built by translate, served by the dataplane (ARCHITECTURE.md "Model").
 */
export interface Snapshot {
  /** Stamped by the controller; translate passes through what it was given. */
  readonly version: number;
  /** Sorted: exact hosts, then wildcards, then the hostless host (''), each by name. */
  readonly virtualHosts: readonly VirtualHost[];
  /** SPEC §1.8 [choice] (2): defaultBackend of the oldest Ingress of our class that has one. */
  readonly defaultRoute: Route | null;
  /** Sorted by id. */
  readonly clusters: readonly Cluster[];
  /** Sorted by id. */
  readonly certificates: readonly Certificate[];
  /** Id of the certificate served when SNI finds nothing (`--default-tls-secret`), or null (generated). */
  readonly defaultCertificateId: string | null;
  /** Sorted by id. */
  readonly l4: readonly L4Route[];
  /** Gateway API listeners and routes (model/gateway.ts); absent when no Gateway is served. */
  readonly gateway?: GatewaySnapshot;
  /** TLS passthrough hosts (model/passthrough.ts), sorted by hostname; absent when there are none. */
  readonly passthrough?: readonly PassthroughHost[];
  /** Gateway TLS passthrough listeners on their own ports (model/gateway.ts); absent when none. */
  readonly tlsPorts?: readonly GatewayTlsPort[];
}

export function emptySnapshot(version = 0): Snapshot {
  return {
    version,
    virtualHosts: [],
    defaultRoute: null,
    clusters: [],
    certificates: [],
    defaultCertificateId: null,
    l4: [],
  };
}
