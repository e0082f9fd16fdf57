// README "Annotations" reference, generated from the registry (`npm run docs`; a test fails when
// README drifts).

import { REGISTRY } from './index.ts';
import { NGINX_PREFIX, PORTICO_PREFIX, type AnnotationEntry } from './registry.ts';

const cell = (s: string) => (s === '' ? '' : s.replaceAll('|', '\\|'));

function prefixes(e: AnnotationEntry<unknown>): string {
  if (e.prefixes === 'portico') return `\`${PORTICO_PREFIX}\``;
  if (e.prefixes === 'nginx') return `\`${NGINX_PREFIX}\``;
  return 'both';
}

export function annotationsMarkdown(): string {
  const entries = REGISTRY.entries();
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  const summary = [...counts.entries()].sort().map(([s, n]) => `${n} ${s}`).join(', ');
  const rows = entries.map((e) =>
    `| \`${e.key}\` | ${e.status} | ${cell(e.grammar)} | ${cell(e.defaultText)} | ${e.scope} | ${prefixes(e)} | ${cell(e.help)} | ${cell(e.difference)} |`);
  return [
    `${entries.length} keys: ${summary}.`,
    '',
    '| key | status | grammar | default | scope | prefixes | what it does | difference from ingress-nginx |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
