// The status objects Portico writes for Gateway API kinds, merged into what is there (gateway-api
// apis/v1/gateway_types.go ListenerStatus.Conditions "Notes for implementors": read-modify-write,
// never remove or reorder conditions another party owns, one condition per type,
// observedGeneration = metadata.generation). lastTransitionTime moves only when a condition's
// status changes (metav1.Condition).
import type { ConditionReport, GatewayStatusEntry, PolicyStatusEntry, RouteParentReport } from '../translate/gateway/status-report.ts';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

type Obj = Record<string, unknown>;

export interface GatewayAddress { type: 'IPAddress' | 'Hostname'; value: string }

export function mergeConditions(current: unknown, desired: readonly ConditionReport[], generation: number, now: string): Condition[] {
  const cur = Array.isArray(current) ? (current as Condition[]).filter((c) => c && typeof c.type === 'string') : [];
  const make = (d: ConditionReport): Condition => {
    const old = cur.find((c) => c.type === d.type);
    const since = old && old.status === d.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
    // The API requires a non-empty message field to be present; an empty one is allowed.
    return { type: d.type, status: d.status, reason: d.reason, message: d.message, observedGeneration: generation, lastTransitionTime: since };
  };
  const mine = new Set(desired.map((d) => d.type));
  const out = cur.map((c) => (mine.has(c.type) ? make(desired.find((d) => d.type === c.type)!) : c));
  for (const d of desired) if (!cur.some((c) => c.type === d.type)) out.push(make(d));
  return out;
}

export function gatewayClassStatus(current: Obj | undefined, desired: readonly ConditionReport[], generation: number, now: string): Obj {
  return { ...(current ?? {}), conditions: mergeConditions(current?.conditions, desired, generation, now) };
}

/** Gateway status: conditions merged, addresses and listeners are Portico's outright (it is the Gateway's controller). */
export function gatewayStatus(current: Obj | undefined, desired: GatewayStatusEntry, addresses: readonly GatewayAddress[] | null, now: string): Obj {
  const curListeners = Array.isArray(current?.listeners) ? (current.listeners as Obj[]) : [];
  const out: Obj = {
    ...(current ?? {}),
    conditions: mergeConditions(current?.conditions, desired.conditions, desired.generation, now),
    listeners: desired.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
      attachedRoutes: l.attachedRoutes,
      conditions: mergeConditions(curListeners.find((c) => c?.name === l.name)?.conditions, l.conditions, desired.generation, now),
    })),
  };
  // null (the publish address could not be read): leave status.addresses as it is.
  if (addresses !== null) {
    if (addresses.length > 0) out.addresses = addresses.map((a) => ({ ...a }));
    else delete out.addresses;
  }
  return out;
}

/**
 * Route status.parents: the entries of other controllers kept as they are, Portico's replaced by
 * one per parentRef it handles (shared_types.go RouteStatus.Parents).
 */
export function routeStatus(current: Obj | undefined, parents: readonly RouteParentReport[], controllerName: string, generation: number, now: string): Obj {
  const cur = Array.isArray(current?.parents) ? (current.parents as Obj[]) : [];
  const others = cur.filter((p) => p?.controllerName !== controllerName);
  const mine = cur.filter((p) => p?.controllerName === controllerName);
  const ours = parents.map((p) => {
    const old = mine.find((m) => sameParentRef(m.parentRef as Obj | undefined, p.parentRef));
    return { parentRef: { ...p.parentRef }, controllerName, conditions: mergeConditions(old?.conditions, p.conditions, generation, now) };
  });
  return { ...(current ?? {}), parents: [...others, ...ours] };
}

/**
 * Policy status.ancestors (apis/v1 policy_types.go PolicyStatus): other controllers' entries kept,
 * Portico's replaced by one per Gateway through which its routes use the policy.
 */
export function policyStatus(current: Obj | undefined, ancestors: PolicyStatusEntry['ancestors'], controllerName: string, generation: number, now: string): Obj {
  const cur = Array.isArray(current?.ancestors) ? (current.ancestors as Obj[]) : [];
  const others = cur.filter((p) => p?.controllerName !== controllerName);
  const mine = cur.filter((p) => p?.controllerName === controllerName);
  const ours = ancestors.map((a) => {
    const old = mine.find((m) => sameParentRef(m.ancestorRef as Obj | undefined, a.ancestorRef));
    return { ancestorRef: { ...a.ancestorRef }, controllerName, conditions: mergeConditions(old?.conditions, a.conditions, generation, now) };
  });
  return { ...(current ?? {}), ancestors: [...others, ...ours] };
}

function sameParentRef(a: Obj | undefined, b: RouteParentReport['parentRef']): boolean {
  if (!a) return false;
  return (a.group ?? 'gateway.networking.k8s.io') === b.group && (a.kind ?? 'Gateway') === b.kind && a.namespace === b.namespace
    && a.name === b.name && a.sectionName === b.sectionName && a.port === b.port;
}

/** Key-order-insensitive JSON, to compare a desired status with the one the API returned. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as Obj).filter((k) => (v as Obj)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Obj)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
