import type { Endpoint } from '../../model/endpoint.ts';

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA 2018; the c
 * parameter of Envoy's `hash_balance_factor`): an endpoint already carrying more than
 * ceil(c · (total + 1) / n) requests is passed over for the key's next choice, so one hot key
 * cannot pile onto one endpoint while the others idle. c = 1.25 keeps most keys where plain
 * consistent hashing puts them.
 */
export const LOAD_FACTOR = 1.25;

/** Probes of alternate positions before giving up and taking the least loaded one seen. */
export const MAX_PROBES = 8;

export interface LoadProbe {
  inflight(id: string): number;
  total(): number;
}

export function capacity(load: LoadProbe, n: number): number {
  return Math.ceil((LOAD_FACTOR * (load.total() + 1)) / n);
}

export function overloaded(load: LoadProbe, e: Endpoint, cap: number): boolean {
  return load.inflight(e.id) + 1 > cap;
}
