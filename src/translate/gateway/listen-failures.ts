// An HTTP/HTTPS listener whose port the dataplane could not bind (ListenFailed,
// src/dataplane/http/gateway-ports.ts) is not Programmed, whatever translation found: the status says so with the
// spec's reasons (gateway_types.go: Accepted False / ListenerReasonPortUnavailable, "the port is
// already in use"; Programmed False / ListenerReasonInvalid). The dataplane diagnostics name the
// listener as translate's do (`listener "name": ...`).
import type { Diagnostic } from '../../model/diagnostic.ts';
import { cond, type ConditionReport, type GatewayStatusEntry, type GatewayStatusReport, type ListenerStatusReport } from './status-report.ts';

const LISTENER = /^listener "((?:[^"\\]|\\.)*)": (.*)$/s;

/** The report with each ListenFailed listener Accepted False/PortUnavailable and Programmed False. */
export function withListenFailures(report: GatewayStatusReport, diagnostics: readonly Diagnostic[]): GatewayStatusReport {
  const failed = new Map<string, Map<string, string>>();
  for (const d of diagnostics) {
    if (d.reason !== 'ListenFailed' || d.object.kind !== 'Gateway') continue;
    const m = LISTENER.exec(d.message);
    if (m === null) continue;
    const key = `${d.object.namespace}/${d.object.name}`;
    let byName = failed.get(key);
    if (byName === undefined) failed.set(key, (byName = new Map<string, string>()));
    byName.set(JSON.parse(`"${m[1]}"`) as string, m[2]);
  }
  if (failed.size === 0) return report;
  return { ...report, gateways: report.gateways.map((g) => { const f = failed.get(g.key); return f === undefined ? g : patchGateway(g, f); }) };
}

function patchGateway(g: GatewayStatusEntry, failed: Map<string, string>): GatewayStatusEntry {
  const listeners: ListenerStatusReport[] = g.listeners.map((l) => {
    const message = failed.get(l.name);
    if (message === undefined) return l;
    return { ...l, conditions: l.conditions.map((c) => c.type === 'Accepted' ? cond('Accepted', false, 'PortUnavailable', message)
      : c.type === 'Programmed' ? cond('Programmed', false, 'Invalid', message) : c) };
  });
  const programmed = listeners.some((l) => l.conditions.some((c) => c.type === 'Programmed' && c.status === 'True'));
  const conditions: ConditionReport[] = g.conditions.map((c) => {
    if (c.type === 'Accepted' && c.status === 'True') return cond('Accepted', true, 'ListenersNotValid', 'a listener port cannot be bound');
    if (c.type === 'Programmed' && !programmed) return cond('Programmed', false, 'Invalid', 'no listener is served');
    return c;
  });
  return { ...g, conditions, listeners };
}
