// Label and field selectors as the API server parses them (K-AM ListOptions; SPEC §6.2).

export interface LabelRequirement { key: string; op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!exists'; values: string[] }
export interface FieldRequirement { field: string; op: 'eq' | 'neq'; value: string }

export function parseLabelSelector(s: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      out.push({ key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = p.match(/^([^!=\s]+)\s*!=\s*(.*)$/))) out.push({ key: m[1], op: 'neq', values: [m[2].trim()] });
    else if ((m = p.match(/^([^!=\s]+)\s*==?\s*(.*)$/))) out.push({ key: m[1], op: 'eq', values: [m[2].trim()] });
    else if ((m = p.match(/^!\s*(\S+)$/))) out.push({ key: m[1], op: '!exists', values: [] });
    else if (/^\S+$/.test(p)) out.push({ key: p, op: 'exists', values: [] });
    else throw Object.assign(new Error(`unable to parse requirement: ${p}`), { badSelector: true });
  }
  return out;
}

export function matchesLabelSelector(reqs: readonly LabelRequirement[], labels: Record<string, string>): boolean {
  for (const r of reqs) {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq': if (!has || v !== r.values[0]) return false; break;
      case 'neq': if (has && v === r.values[0]) return false; break;
      case 'in': if (!has || !r.values.includes(v)) return false; break;
      case 'notin': if (has && r.values.includes(v)) return false; break;
      case 'exists': if (!has) return false; break;
      case '!exists': if (has) return false; break;
    }
  }
  return true;
}

/** Fields every kind supports, plus `type` for Secrets (SPEC §6.1). */
function supportedField(kind: string, field: string): boolean {
  return field === 'metadata.name' || field === 'metadata.namespace' || (kind === 'Secret' && field === 'type');
}

export function parseFieldSelector(kind: string, s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const raw of s.split(',')) {
    const p = raw.trim();
    if (!p) continue;
    const m = p.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) throw Object.assign(new Error(`invalid field selector: ${p}`), { badSelector: true });
    const field = m[1].trim();
    if (!supportedField(kind, field)) throw Object.assign(new Error(`field label not supported: ${field}`), { badSelector: true });
    out.push({ field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim() });
  }
  return out;
}

 
export function matchesFieldSelector(reqs: readonly FieldRequirement[], obj: Record<string, any>): boolean {
  for (const r of reqs) {
    const v = r.field === 'type' ? obj.type : r.field === 'metadata.name' ? obj.metadata?.name : obj.metadata?.namespace;
    if ((r.op === 'eq') !== ((v ?? '') === r.value)) return false;
  }
  return true;
}
