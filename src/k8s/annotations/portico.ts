// Keys that exist only under portico.io/.

import { defineAnnotation } from './registry.ts';
import { oneOf } from './grammar.ts';

export type L4Balance = 'round-robin' | 'least-connections' | 'source-hash';

/** Balancing policy of every Cluster built from this Service. */
export const l4Balance = defineAnnotation<L4Balance>({
  key: 'l4-balance', group: 'portico', kinds: ['Service'], scope: 'service', prefixes: 'portico', status: 'honoured',
  grammar: 'round-robin | least-connections | source-hash', defaultText: 'round-robin',
  parse: oneOf(['round-robin', 'least-connections', 'source-hash'] as const), defaultValue: 'round-robin',
  help: 'balancing policy for the Service', difference: '',
});

export const PORTICO = [l4Balance] as const;
