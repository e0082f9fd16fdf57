// Assembles the GatewayStatusReport (status-report.ts) once listeners and routes are resolved.
import type { GatewayClass } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { GatewayListeners } from './listeners.ts';
import { cond, gatewayConditions, generationOf, listenerConditions, type GatewayStatusReport, type RouteStatusEntry } from './status-report.ts';

export type { GatewayStatusReport, RouteParentReport, RouteStatusEntry } from './status-report.ts';

export function gatewayStatusReport(classes: readonly GatewayClass[], byGateway: GatewayListeners['byGateway'], routes: readonly RouteStatusEntry[]): GatewayStatusReport {
  return {
    // gatewayclass_types.go GatewayClassConditionStatus: Accepted=True once the controller handles the class.
    classes: classes.map((c) => ({ name: c.metadata?.name ?? '', generation: generationOf(c), conditions: [cond('Accepted', true, 'Accepted')] }))
      .sort((a, b) => cmp(a.name, b.name)),
    gateways: [...byGateway.values()].map(({ gateway, states, declared }) => ({
      key: nsName(gateway.metadata?.namespace ?? '', gateway.metadata?.name ?? ''),
      generation: generationOf(gateway),
      conditions: gatewayConditions(states.map((s) => ({ accepted: s.accepted === null, served: s.served })), declared),
      listeners: states.map((s) => ({ name: s.name, supportedKinds: s.supportedKinds, attachedRoutes: s.attachedRoutes, conditions: listenerConditions(s) })),
    })).sort((a, b) => cmp(a.key, b.key)),
    routes: [...routes].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.key, b.key)),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
