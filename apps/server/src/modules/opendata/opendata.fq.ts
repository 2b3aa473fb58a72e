/**
 * The subset of Solr filter-query syntax that CKAN clients send in `fq` (and in `q` as
 * `field:value`): clauses joined by whitespace or AND (all must hold), each optionally prefixed
 * with `+`, `-` or `NOT`; a clause is `field:value`, `field:"a phrase"`, `field:(a OR b OR "c d")`,
 * `field:*` (has a value) or `field:[from TO to]` with `*` for an open end. Anything else (an
 * unknown field, OR between clauses, unbalanced quotes or brackets) is a FqError, which the CKAN
 * layer reports as CKAN does: 409 "Search Query Error".
 */
export const FQ_FIELDS = [
  'organization', 'groups', 'tags', 'res_format', 'license_id', 'name', 'id', 'access_level',
  'metadata_modified', 'metadata_created', 'capacity', 'dataset_type', 'type', 'state', 'spatial', 'frequency',
] as const;
export type FqField = (typeof FQ_FIELDS)[number];
const RANGE_FIELDS = new Set<FqField>(['metadata_modified', 'metadata_created']);

export interface FqClause {
  field: FqField;
  negate: boolean;
  /** Any of these values (OR). */
  values?: string[];
  /** Inclusive range; null is an open end. */
  range?: { from: string | null; to: string | null };
  /** `field:*`. */
  exists?: boolean;
}

export class FqError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FqError';
  }
}

function readValue(s: string, i: number): [string, number] {
  if (s[i] === '"') {
    let out = '';
    let j = i + 1;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\' && j + 1 < s.length) j++;
      out += s[j];
    }
    if (j >= s.length) throw new FqError('unbalanced quotes');
    return [out, j + 1];
  }
  let out = '';
  let j = i;
  for (; j < s.length && !/[\s()[\]{}"]/.test(s[j]); j++) {
    if (s[j] === '\\' && j + 1 < s.length) j++;
    out += s[j];
  }
  if (!out) throw new FqError(`expected a value at position ${i}`);
  return [out, j];
}

const isoLike = (v: string) => v === '*' || /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(v) || /^NOW([+-]\d+(DAY|DAYS|HOUR|HOURS|MONTH|MONTHS|YEAR|YEARS))?(\/DAY)?$/.test(v);

/** Resolves Solr date math (NOW, NOW-1DAY, NOW/DAY) against `now`. */
export function solrDate(v: string, now = new Date()): string {
  const m = /^NOW(?:([+-]\d+)(DAY|DAYS|HOUR|HOURS|MONTH|MONTHS|YEAR|YEARS))?(\/DAY)?$/.exec(v);
  if (!m) return v;
  const d = new Date(now);
  if (m[1]) {
    const n = Number(m[1]);
    const unit = m[2].replace(/S$/, '');
    if (unit === 'DAY') d.setUTCDate(d.getUTCDate() + n);
    if (unit === 'HOUR') d.setUTCHours(d.getUTCHours() + n);
    if (unit === 'MONTH') d.setUTCMonth(d.getUTCMonth() + n);
    if (unit === 'YEAR') d.setUTCFullYear(d.getUTCFullYear() + n);
  }
  if (m[3]) d.setUTCHours(0, 0, 0, 0);
  return d.toISOString();
}

export function parseFq(input: string): FqClause[] {
  const s = input.trim();
  const clauses: FqClause[] = [];
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  while (true) {
    ws();
    if (i >= s.length) break;
    if (s.startsWith('AND', i) && /[\s(]/.test(s[i + 3] ?? ' ')) {
      if (!clauses.length) throw new FqError('AND without a left-hand clause');
      i += 3;
      continue;
    }
    if (s.startsWith('OR', i) && /[\s(]/.test(s[i + 2] ?? ' ')) throw new FqError('OR between clauses is not supported; use field:(a OR b)');
    let negate = false;
    if (s[i] === '+') i++;
    else if (s[i] === '-') (negate = true), i++;
    else if (s.startsWith('NOT ', i)) (negate = true), (i += 4), ws();
    const m = /^([A-Za-z_][A-Za-z0-9_]*):/.exec(s.slice(i));
    if (!m) throw new FqError(`expected field:value at position ${i}`);
    const field = m[1] as FqField;
    if (!FQ_FIELDS.includes(field)) throw new FqError(`unknown field "${m[1]}"`);
    i += m[0].length;
    if (s[i] === '[' || s[i] === '{') {
      const close = s.indexOf(s[i] === '[' ? ']' : '}', i);
      if (close < 0) throw new FqError('unbalanced range brackets');
      const parts = s.slice(i + 1, close).trim().split(/\s+TO\s+/);
      if (parts.length !== 2 || !parts.every(isoLike)) throw new FqError('a range is [from TO to] with dates or *');
      if (!RANGE_FIELDS.has(field)) throw new FqError(`field "${field}" takes no range`);
      clauses.push({ field, negate, range: { from: parts[0] === '*' ? null : parts[0], to: parts[1] === '*' ? null : parts[1] } });
      i = close + 1;
    } else if (s[i] === '(') {
      const values: string[] = [];
      i++;
      while (true) {
        ws();
        if (i >= s.length) throw new FqError('unbalanced parentheses');
        if (s[i] === ')') {
          i++;
          break;
        }
        if (s.startsWith('OR', i) && /\s/.test(s[i + 2] ?? '')) {
          if (!values.length) throw new FqError('OR without a left-hand value');
          i += 2;
          continue;
        }
        const [v, j] = readValue(s, i);
        values.push(v);
        i = j;
      }
      if (!values.length) throw new FqError('empty parentheses');
      clauses.push({ field, negate, values });
    } else if (s[i] === '*' && (i + 1 >= s.length || /\s/.test(s[i + 1]))) {
      clauses.push({ field, negate, exists: true });
      i++;
    } else {
      const [v, j] = readValue(s, i);
      clauses.push({ field, negate, values: [v] });
      i = j;
    }
    if (i < s.length && !/\s/.test(s[i])) throw new FqError(`unexpected "${s[i]}" at position ${i}`);
  }
  return clauses;
}
