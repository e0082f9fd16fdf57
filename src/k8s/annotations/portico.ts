// Keys that exist only under portico.io/.

import { defineAnnotation } from './registry.ts';
import type { BalancerPolicy } from '../../model/balancing.ts';
import { L4_POLICIES, parseL4Balance } from './balancing.ts';

export type L4Balance = BalancerPolicy;

/** Balancing policy of every Cluster built from this Service (names: balancing.ts L4_POLICIES). */
export const l4Balance = defineAnnotation<L4Balance>({
  key: 'l4-balance', group: 'portico', kinds: ['Service'], scope: 'service', prefixes: 'portico', status: 'honoured',
  grammar: Object.keys(L4_POLICIES).join(' | '), defaultText: 'round-robin',
  parse: parseL4Balance, defaultValue: 'round-robin',
  help: 'balancing policy for the Service', difference: '',
});

export const PORTICO = [l4Balance] as const;
