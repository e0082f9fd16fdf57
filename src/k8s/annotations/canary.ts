// Canary Ingresses (ingress-nginx internal/ingress/annotations/canary and the docs' "Canary"
// section): an Ingress with `canary: "true"` adds an alternative backend to the main Ingress's
// route for the same host and path. Precedence: by-header, then by-cookie, then weight.

import { RE2JS } from 're2js';
import { defineAnnotation, type Parsed } from './registry.ts';
import { parseBool, parseInt } from './grammar.ts';

const q = (raw: string) => JSON.stringify(raw);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.6.2 token: header and cookie names

const token = (what: string) => (raw: string): Parsed<string> =>
  TOKEN.test(raw.trim()) ? { value: raw.trim() } : { error: `${q(raw)} is not a valid ${what} name` };

export const canary = defineAnnotation<boolean>({
  key: 'canary', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'false', parse: (raw, p) => parseBool(raw, p), defaultValue: false,
  help: "this Ingress's backends become alternatives of the main Ingress's same host and path",
  difference: 'the canary must match host, pathType and path of the main route',
});
export const canaryByHeader = defineAnnotation<string>({
  key: 'canary-by-header', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'header name', defaultText: 'none', parse: token('header'),
  help: 'header "always" sends to the canary, "never" to the main backend', difference: '',
});
export const canaryByHeaderValue = defineAnnotation<string>({
  key: 'canary-by-header-value', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'string', defaultText: 'none', parse: (raw) => ({ value: raw }),
  help: 'the header equal to this value sends to the canary (replaces always)', difference: '',
});
export const canaryByHeaderPattern = defineAnnotation<string>({
  key: 'canary-by-header-pattern', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'regex', defaultText: 'none',
  parse: (raw) => {
    try {
      RE2JS.compile(raw);
      return { value: raw };
    } catch (e) {
      return { error: `${q(raw)} is not an RE2 regex: ${JSON.stringify((e as Error).message)}` };
    }
  },
  help: 'the header matching this regex sends to the canary (ignored when canary-by-header-value is set)',
  difference: 'RE2 syntax instead of PCRE',
});
export const canaryByCookie = defineAnnotation<string>({
  key: 'canary-by-cookie', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'cookie name', defaultText: 'none', parse: token('cookie'),
  help: 'cookie "always" sends to the canary, "never" to the main backend', difference: '',
});
export const canaryWeight = defineAnnotation<number>({
  key: 'canary-weight', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'int >= 0', defaultText: '0', parse: (raw) => parseInt(raw, 0), defaultValue: 0,
  help: 'share of the remaining requests (out of canary-weight-total) sent to the canary', difference: '',
});
export const canaryWeightTotal = defineAnnotation<number>({
  key: 'canary-weight-total', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'int >= 1', defaultText: '100', parse: (raw) => parseInt(raw, 1), defaultValue: 100,
  help: 'total of canary-weight', difference: '',
});

// sessionaffinity/main.go `^(sticky|legacy)$` on the canary Ingress; controller.go
// mergeAlternativeBackend copies the main backend's affinity to the canary unless it is "legacy".
export const affinityCanaryBehavior = defineAnnotation<'sticky' | 'legacy'>({
  key: 'affinity-canary-behavior', group: 'canary', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'sticky | legacy', defaultText: 'sticky',
  parse: (raw) => raw.trim() === 'sticky' || raw.trim() === 'legacy' ? { value: raw.trim() as 'sticky' | 'legacy' } : { error: `expected sticky or legacy, got ${q(raw)}` },
  help: 'sticky: the main route\'s cookie affinity holds on the canary side too; legacy: canary requests are not sticky', difference: '',
});

export const CANARY = [canary, canaryByHeader, canaryByHeaderValue, canaryByHeaderPattern, canaryByCookie, canaryWeight, canaryWeightTotal, affinityCanaryBehavior] as const;
