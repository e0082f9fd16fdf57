// What Portico would write into the status of the Gateway API objects it owns (README "Gateway API"
// "Status"), computed by the translator alongside the diagnostics: pure data, no clock (the writer,
// src/status/gateway-status.ts, adds lastTransitionTime, observedGeneration and addresses).
// Condition types and reasons: gateway-api apis/v1/gateway_types.go (ListenerConditionType,
// GatewayConditionType), gatewayclass_types.go, shared_types.go (RouteConditionType).
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';

export interface ConditionReport {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

export interface RouteGroupKind { readonly group: string; readonly kind: string }

export interface ListenerStatusReport {
  readonly name: string;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** Routes with Accepted=True attached to this listener (ListenerStatus.AttachedRoutes). */
  attachedRoutes: number;
  readonly conditions: readonly ConditionReport[];
}

export interface GatewayStatusEntry {
  /** `ns/name`. */
  readonly key: string;
  readonly generation: number;
  readonly conditions: readonly ConditionReport[];
  readonly listeners: readonly ListenerStatusReport[];
}

export interface ParentRefReport {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentReport {
  readonly parentRef: ParentRefReport;
  readonly conditions: readonly ConditionReport[];
}

export interface RouteStatusEntry {
  readonly kind: 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'UDPRoute' | 'TLSRoute';
  readonly key: string;
  readonly generation: number;
  readonly parents: readonly RouteParentReport[];
}

export interface GatewayStatusReport {
  /** GatewayClass name → conditions (only Portico's classes). */
  readonly classes: readonly { readonly name: string; readonly generation: number; readonly conditions: readonly ConditionReport[] }[];
  readonly gateways: readonly GatewayStatusEntry[];
  readonly routes: readonly RouteStatusEntry[];
  /** BackendTLSPolicies used by Portico's routes; absent in reports built before they existed. */
  readonly policies?: readonly PolicyStatusEntry[];
}

/** PolicyAncestorStatus (apis/v1 policy_types.go): one entry per Gateway whose routes use the policy. */
export interface PolicyStatusEntry {
  readonly kind: 'BackendTLSPolicy';
  readonly key: string;
  readonly generation: number;
  readonly ancestors: readonly { readonly ancestorRef: ParentRefReport; readonly conditions: readonly ConditionReport[] }[];
}

export const EMPTY_GATEWAY_STATUS: GatewayStatusReport = { classes: [], gateways: [], routes: [] };

export function cond(type: string, ok: boolean, reason: string, message = ''): ConditionReport {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

export const HTTP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };
export const GRPC_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'GRPCRoute' };
export const TCP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'TCPRoute' };
export const UDP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'UDPRoute' };
export const TLS_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'TLSRoute' };

/** metadata.generation of an object, 0 when absent (files carry none). */
export function generationOf(o: { metadata?: { generation?: unknown } } | undefined): number {
  const g = o?.metadata?.generation;
  return typeof g === 'number' && Number.isInteger(g) ? g : 0;
}

/**
 * One route parentRef's conditions (shared_types.go RouteConditionType): Accepted with the
 * attachment outcome, ResolvedRefs with the first backendRef problem of the route.
 */
export function routeParentConditions(accepted: string | null, acceptedMessage: string, refsProblem: { reason: string; message: string } | null): ConditionReport[] {
  return [
    accepted === null ? cond('Accepted', true, 'Accepted') : cond('Accepted', false, accepted, acceptedMessage),
    refsProblem === null ? cond('ResolvedRefs', true, 'ResolvedRefs') : cond('ResolvedRefs', false, refsProblem.reason, refsProblem.message),
  ];
}

/**
 * A listener's conditions from what collectListeners found. `accepted`: null or the Accepted=False
 * reason; `refs`: null or the ResolvedRefs=False reason; `conflicted`: null or the Conflicted=True reason.
 * Programmed is True only for a listener Portico serves.
 */
export function listenerConditions(o: { accepted: string | null; refs: string | null; conflicted: string | null; served: boolean; message: string }): ConditionReport[] {
  return [
    o.accepted === null ? cond('Accepted', true, 'Accepted') : cond('Accepted', false, o.accepted, o.message),
    o.refs === null ? cond('ResolvedRefs', true, 'ResolvedRefs') : cond('ResolvedRefs', false, o.refs, o.message),
    o.conflicted === null ? cond('Conflicted', false, 'NoConflicts') : cond('Conflicted', true, o.conflicted, o.message),
    o.served ? cond('Programmed', true, 'Programmed') : cond('Programmed', false, 'Invalid', o.message),
  ];
}

/** Gateway conditions from its listeners (gateway_types.go GatewayConditionType). */
export function gatewayConditions(listeners: readonly { accepted: boolean; served: boolean }[], declared: number): ConditionReport[] {
  const accepted = listeners.filter((l) => l.accepted).length;
  const served = listeners.filter((l) => l.served).length;
  const allValid = accepted === declared && declared > 0;
  return [
    accepted > 0 ? cond('Accepted', true, allValid ? 'Accepted' : 'ListenersNotValid', allValid ? '' : `${declared - accepted} of ${declared} listeners are not valid`)
      : cond('Accepted', false, 'ListenersNotValid', declared === 0 ? 'spec.listeners lists no listener' : 'no listener is valid'),
    served > 0 ? cond('Programmed', true, 'Programmed') : cond('Programmed', false, 'Invalid', 'no listener is served'),
  ];
}
