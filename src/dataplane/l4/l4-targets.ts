// What one L4 listener forwards to: its route's backends (model/l4.ts l4Backends), each a cluster
// (null: unresolved, its share rejected) with its stats and weight. A connection (UDP: a new
// session) takes the next pick and keeps that cluster for its whole life (draining, flow counts).
// Several backends split by weight with nginx's smooth weighted round-robin, as HTTP rules do
// (http/gateway-table.ts CompiledGatewayRule.pick): deterministic, no random numbers; weights 3:1
// give A A B A, A A B A, ... (gateway-api shared_types.go BackendRef.Weight: "weight/(sum of all
// weights in this BackendRefs list)"; tcproute_types.go TCPRouteRule.BackendRefs: "Connection
// rejections must respect weight").

import type { ClusterState } from './cluster-state.ts';
import type { L4Stats } from './l4-metrics.ts';

export interface L4Target {
  /** null: the backendRef could not be resolved; the connection is closed (UDP: datagram dropped). */
  readonly cluster: ClusterState | null;
  readonly stats: L4Stats;
  /** > 0. */
  readonly weight: number;
}

export class L4Targets {
  readonly list: readonly L4Target[];
  /** Cluster ids and weights: the same key on a reload keeps the round-robin position. */
  readonly key: string;
  private readonly total: number;
  private readonly current: number[];

  /** `prev`: the listener's targets before a reload; its round-robin state is kept when the key is the same. */
  constructor(list: readonly L4Target[], prev?: L4Targets) {
    this.list = list;
    this.key = list.map((t) => `${t.cluster?.id ?? '-'}*${t.weight}`).join(',');
    this.total = list.reduce((s, t) => s + t.weight, 0);
    this.current = prev !== undefined && prev.key === this.key ? prev.current : list.map(() => 0);
  }

  /** The first target (the route's `clusterId`). */
  get first(): L4Target | null {
    return this.list[0] ?? null;
  }

  /** The target of the next connection or session; null when there is none. */
  pick(): L4Target | null {
    const ts = this.list;
    if (ts.length <= 1) return ts.length === 0 ? null : ts[0];
    const cur = this.current;
    let best = 0;
    for (let i = 0; i < ts.length; i++) {
      cur[i] += ts[i].weight;
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= this.total;
    return ts[best];
  }
}
