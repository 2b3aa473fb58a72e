/**
 * Row-level queries over a provider table (CKAN's datastore_search): filters, full text, sort,
 * fields, limit/offset and keyset pagination, and totals that are estimated from the planner on
 * large tables (pg_class.reltuples without filters, EXPLAIN's row estimate with them) instead of
 * counting ten million rows. Identifiers come only from the dataset's published column list,
 * never from the request.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';
export interface SourceColumn {
  name: string;
  type: ColumnType;
  label?: string | null;
  description?: string | null;
}
/**
 * Where a dataset's rows are: the provider rows of one catalog resource (the resources module's
 * generic store resource_rows: data jsonb, keyed by row_key). Read-only here; the resources
 * module's `pageRows` has equality filters and keyset paging but no full text, sort, offset or
 * estimates, which CKAN clients need (see README: a deviation to fold back into that module).
 */
export interface RowSource {
  resourceId: string;
}

export class DatastoreError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'DatastoreError';
  }
}

export interface DatastoreQuery {
  filters?: Record<string, unknown>;
  q?: string;
  fields?: string[];
  /** "col", "col desc", "a asc, b desc". */
  sort?: string;
  limit: number;
  offset?: number;
  /** Opaque keyset cursor from a previous page's `_links.next`. */
  cursor?: string;
  includeTotal?: boolean;
  /** Above this many (estimated) rows the total is an estimate. */
  totalEstimationThreshold?: number;
}

export interface DatastoreResult {
  fields: { id: string; type: string; info?: { label?: string; notes?: string } }[];
  records: Record<string, unknown>[];
  total: number | null;
  total_was_estimated: boolean;
  limit: number;
  offset: number;
  sort: string;
  /** Keyset cursor after this page's last row (null on an empty page, or when the sort has mixed directions). */
  cursor: string | null;
  /** Whether rows follow this page. */
  more: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const KEY = '_id';

/** The SQL of one field: the text in the row's data, cast to its type. */
function colExpr(c: SourceColumn): RawBuilder<unknown> {
  if (c.name === KEY) return sql`row_key`;
  const t = sql`(data->>${c.name})`;
  switch (c.type) {
    case 'integer':
      return sql`${t}::bigint`;
    case 'number':
      return sql`${t}::numeric`;
    case 'boolean':
      return sql`${t}::boolean`;
    case 'date':
      return sql`${t}::date`;
    case 'datetime':
      return sql`${t}::timestamptz`;
    default:
      return t;
  }
}
const col = colExpr;

/** A request value as the JSON value stored for a field of this type (for `data @> …`, served by the GIN index). */
function castValue(c: SourceColumn, v: unknown, field: string): string | number | boolean | null {
  if (v === null) return null;
  const s = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (s === undefined) throw new DatastoreError(field, `value of "${c.name}" must be a string, number or boolean`);
  switch (c.type) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(s)) throw new DatastoreError(field, `"${c.name}" takes an integer`);
      return Number(s);
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(s)) throw new DatastoreError(field, `"${c.name}" takes a number`);
      return Number(s);
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new DatastoreError(field, `"${c.name}" takes a date YYYY-MM-DD`);
      return s;
    case 'datetime':
      if (Number.isNaN(Date.parse(s))) throw new DatastoreError(field, `"${c.name}" takes a date and time`);
      return s;
    case 'boolean':
      if (!/^(true|false)$/.test(s)) throw new DatastoreError(field, `"${c.name}" takes true or false`);
      return s === 'true';
    default:
      return s;
  }
}

/** A cursor value compared with the field's SQL expression. */
function typedParam(c: SourceColumn, v: unknown): RawBuilder<unknown> {
  if (c.name === KEY) return sql`${String(v)}`;
  const cast = { string: 'text', integer: 'bigint', number: 'numeric', boolean: 'boolean', date: 'date', datetime: 'timestamptz' }[c.type];
  return sql`CAST(${v === null ? null : String(v)} AS ${sql.raw(cast)})`;
}

interface SortKey {
  column: SourceColumn;
  desc: boolean;
}

const KEY_COLUMN: SourceColumn = { name: KEY, type: 'string' };

function parseSort(sort: string | undefined, byName: Map<string, SourceColumn>): SortKey[] {
  const keys: SortKey[] = [];
  for (const part of (sort ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^"?([A-Za-z_][A-Za-z0-9_]*)"?(?:\s+(asc|desc))?$/i.exec(part);
    if (!m) throw new DatastoreError('sort', `cannot sort by "${part}"`);
    const c = m[1] === KEY ? KEY_COLUMN : byName.get(m[1]);
    if (!c) throw new DatastoreError('sort', `field "${m[1]}" not in table`);
    keys.push({ column: c, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' });
  }
  // The row key breaks ties, so that pages never overlap or skip.
  if (!keys.some((k) => k.column.name === KEY)) keys.push({ column: KEY_COLUMN, desc: keys.length ? keys[keys.length - 1].desc : false });
  return keys;
}

/** A keyset cursor: the sort values of the last row, and the total of the first page (not counted again on later pages). */
interface Cursor {
  k: unknown[];
  t?: number | null;
  e?: boolean;
}
function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}
function decodeCursor(cursor: string, n: number): Cursor {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && Array.isArray(v.k) && v.k.length === n && (v.t === undefined || v.t === null || typeof v.t === 'number')) return v;
  } catch {
    /* fall through */
  }
  throw new DatastoreError('cursor', 'invalid cursor (it belongs to another sort, or was altered)');
}

const cursorValue = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v);
const whereSql = (w: RawBuilder<unknown>[]) => (w.length ? sql`WHERE ${sql.join(w, sql` AND `)}` : sql``);

/** The WHERE conditions of a query (scope, filters, full text). */
function conditions(src: RowSource, byName: Map<string, SourceColumn>, q: Pick<DatastoreQuery, 'filters' | 'q'>): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [sql`resource_id = ${src.resourceId}`];
  for (const [name, raw] of Object.entries(q.filters ?? {})) {
    const c = name === KEY ? KEY_COLUMN : byName.get(name);
    if (!c) throw new DatastoreError('filters', `field "${name}" not in table`);
    const vals = Array.isArray(raw) ? raw : [raw];
    if (!vals.length || vals.length > 100) throw new DatastoreError('filters', `filter "${name}" takes 1 to 100 values`);
    if (c.name === KEY) {
      where.push(sql`row_key IN (${sql.join(vals.map((v) => sql`${String(v)}`))})`);
      continue;
    }
    const ors = vals.map((v) => {
      const cv = castValue(c, v, 'filters');
      return cv === null ? sql`(data->${c.name} IS NULL OR data->${c.name} = 'null'::jsonb)` : sql`data @> ${JSON.stringify({ [c.name]: cv })}::jsonb`;
    });
    where.push(ors.length === 1 ? ors[0] : sql`(${sql.join(ors, sql` OR `)})`);
  }
  if (q.q && q.q.trim()) {
    const textCols = [...byName.values()].filter((c) => c.type === 'string');
    if (!textCols.length) throw new DatastoreError('q', 'this table has no text to search');
    const like = `%${q.q.trim().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(sql`(${sql.join(textCols.map((c) => sql`(data->>${c.name}) ILIKE ${like}`), sql` OR `)})`);
  }
  return where;
}

/**
 * Runs a datastore query. `columns` are the published columns (the only ones readable); the row
 * key is readable as `_id`.
 */
export async function datastoreSearch(db: Db, src: RowSource, columns: SourceColumn[], q: DatastoreQuery): Promise<DatastoreResult> {
  for (const c of columns) if (!IDENT.test(c.name)) throw new Error(`bad column ${c.name}`);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const where = conditions(src, byName, q);
  const sortKeys = parseSort(q.sort, byName);
  const uniform = sortKeys.every((k) => k.desc === sortKeys[0].desc);
  const pageWhere = [...where];
  let carried: Cursor | null = null;
  if (q.cursor) {
    if (!uniform) throw new DatastoreError('cursor', 'keyset paging needs one sort direction for all sort fields');
    carried = decodeCursor(q.cursor, sortKeys.length);
    const vals = carried.k;
    const lhs = sql.join(sortKeys.map((k) => col(k.column)));
    const rhs = sql.join(sortKeys.map((k, i) => typedParam(k.column, vals[i])));
    pageWhere.push(sortKeys[0].desc ? sql`(${lhs}) < (${rhs})` : sql`(${lhs}) > (${rhs})`);
  }
  const fields = q.fields?.length ? q.fields : columns.map((c) => c.name);
  for (const f of fields) if (f !== KEY && !byName.has(f)) throw new DatastoreError('fields', `field "${f}" not in table`);
  const selectCols = [...new Set(fields.filter((f) => f !== KEY))];
  const orderSql = sql.join(sortKeys.map((k) => sql`${col(k.column)} ${sql.raw(k.desc ? 'DESC' : 'ASC')}`));
  const offset = q.cursor ? 0 : (q.offset ?? 0);
  const sortCols = sortKeys.filter((k) => k.column.name !== KEY);
  const selectList = sql.join([
    sql`row_key AS "_id"`,
    sql`data`,
    ...sortCols.map((k, i) => sql`${col(k.column)} AS ${sql.id(`__s${i}`)}`),
  ]);
  const rows = await sql<Record<string, unknown> & { _id: string; data: Record<string, unknown> }>`SELECT ${selectList} FROM resource_rows ${whereSql(pageWhere)} ORDER BY ${orderSql} LIMIT ${q.limit + 1} OFFSET ${offset}`.execute(db);
  const more = rows.rows.length > q.limit;
  const page = rows.rows.slice(0, q.limit);
  const lastValues = (() => {
    if (!uniform || !page.length) return null;
    const last = page[page.length - 1];
    let si = 0;
    return sortKeys.map((k) => cursorValue(k.column.name === KEY ? last._id : last[`__s${si++}`]));
  })();
  const withId = !q.fields?.length || q.fields.includes(KEY);
  const records = page.map((r) => {
    const out: Record<string, unknown> = withId ? { _id: r._id } : {};
    const data = typeof r.data === 'string' ? JSON.parse(r.data) : r.data;
    for (const c of selectCols) out[c] = data[c] ?? null;
    return out;
  });

  let total: number | null = null;
  let estimated = false;
  if (q.includeTotal !== false && carried && typeof carried.t === 'number') {
    total = carried.t;
    estimated = !!carried.e;
  } else if (q.includeTotal !== false) {
    const threshold = q.totalEstimationThreshold ?? 100_000;
    const est = await estimateRows(db, where);
    if (est !== null && est > threshold) {
      total = est;
      estimated = true;
    } else {
      const c = await sql<{ n: string }>`SELECT count(*) AS n FROM resource_rows ${whereSql(where)}`.execute(db);
      total = Number(c.rows[0].n);
    }
  }
  return {
    fields: [
      ...(withId ? [{ id: KEY, type: 'text' }] : []),
      ...selectCols.map((c) => ({ id: c, type: ckanType(byName.get(c)!.type), info: { label: byName.get(c)!.label ?? undefined, notes: byName.get(c)!.description ?? undefined } })),
    ],
    records,
    total,
    total_was_estimated: estimated,
    limit: q.limit,
    offset,
    sort: sortKeys.map((k) => `${k.column.name} ${k.desc ? 'desc' : 'asc'}`).join(', '),
    cursor: lastValues ? encodeCursor({ k: lastValues, t: total, e: estimated }) : null,
    more,
  };
}

const ckanType = (t: ColumnType) => ({ string: 'text', integer: 'int', number: 'numeric', date: 'date', datetime: 'timestamp', boolean: 'bool' })[t];

/** The planner's row estimate for the conditions (EXPLAIN's top node); null when it gives none. */
export async function estimateRows(db: Db, where: RawBuilder<unknown>[]): Promise<number | null> {
  const r = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM resource_rows ${whereSql(where)}`.execute(db);
  const raw = r.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: { 'Plan Rows': number } }[];
  const n = plan?.[0]?.Plan?.['Plan Rows'];
  return typeof n === 'number' ? n : null;
}

/** Iterates all rows in key order, in batches (downloads), up to `max` rows. */
export async function* allRows(db: Db, src: RowSource, columns: SourceColumn[], batch = 2000, max = 1_000_000): AsyncGenerator<Record<string, unknown>[]> {
  let cursor: string | undefined;
  let seen = 0;
  while (seen < max) {
    const page = await datastoreSearch(db, src, columns, { limit: Math.min(batch, max - seen), cursor, includeTotal: false, fields: columns.map((c) => c.name) });
    if (!page.records.length) return;
    seen += page.records.length;
    yield page.records;
    if (!page.cursor || !page.more) return;
    cursor = page.cursor;
  }
}
