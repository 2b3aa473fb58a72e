/**
 * Row queries over one resource's rows (CKAN's datastore_search and the open data row API):
 * filters, full text, sort, fields, limit/offset and keyset pagination, and totals estimated from
 * the planner on large results instead of counting ten million rows.
 *
 * Access paths (resource_rows is LIST-partitioned by resource, so every query below is pruned to
 * the resource's own partition at plan time — the resource id is inlined as a literal):
 * - a field in `indexed` (a ready expression index `(<field expr>, row_key)` on the partition,
 *   built by ResourcesService.ensureRowIndexes) is filtered and sorted by its typed expression, so
 *   an equality filter + keyset page is one index range scan from the cursor, and the planner's
 *   row estimate comes from that index's statistics (per resource);
 * - any other field is filtered with `data @> {...}` (the GIN jsonb_path_ops index).
 * Identifiers come only from the published column list (validated), never from the request.
 */
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';
export interface SourceColumn {
  name: string;
  type: ColumnType;
  label?: string | null;
  description?: string | null;
}
/** Where a dataset's rows are: the rows of one catalog resource. */
export interface RowSource {
  resourceId: string;
}

export class RowQueryError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RowQueryError';
  }
}

export interface RowQuery {
  filters?: Record<string, unknown>;
  /** Full text: rows with a text field containing it (case-insensitive). */
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

export interface RowQueryResult {
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

export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = '_id';
/** Default: above this many (estimated) matching rows the total is the planner's estimate. */
export const DEFAULT_ESTIMATION_THRESHOLD = 10_000;

/** The partition holding one resource's rows. */
export function partitionName(resourceId: string): string {
  if (!UUID.test(resourceId)) throw new Error(`bad resource id ${resourceId}`);
  return `resource_rows_${resourceId.toLowerCase().replace(/-/g, '')}`;
}

/** The resource's partition as a table reference (every row of the resource is there). */
const rowsOf = (resourceId: string) => sql.table(partitionName(resourceId));

/** The name of the expression index of one field on a resource's partition (≤ 63 characters); `text`: its full-text (grams) index; `pair`: the index of a field pair ("a+b"). */
export function rowIndexName(resourceId: string, field: string, kind: RowIndexKind = 'btree'): string {
  return `${{ btree: 'rri', text: 'rrt', pair: 'rrp' }[kind]}_${resourceId.replace(/-/g, '').slice(0, 20)}_${createHash('sha1').update(field).digest('hex').slice(0, 12)}`;
}

/**
 * btree: `(<typed field expr>, row_key)` for filters, sorts and keyset pages; text: GIN on the
 * field's grams for `q`; pair: `(<expr a>, <expr b>, row_key)` for two equality filters on broad
 * fields (the field is recorded as "a+b", see pairField), chosen by the index job.
 */
export type RowIndexKind = 'btree' | 'text' | 'pair';

/** The recorded "field" of a pair index: the two names in order, joined by "+" (not a name character). */
export const pairField = (a: string, b: string) => [a, b].sort().join('+');

/** The SQL of a per-resource index on the resource's partition (`partition`); for a pair, `types` has both fields' types. */
export function rowIndexSql(name: string, partition: string, field: string, types: ReadonlyMap<string, ColumnType>, kind: RowIndexKind, concurrently: boolean): string {
  const how = concurrently ? 'CONCURRENTLY ' : '';
  const expr = (f: string) => {
    const t = types.get(f);
    if (!t || !indexableType(t)) throw new Error(`field ${f} cannot be indexed`);
    return fieldExprSql(f, t);
  };
  switch (kind) {
    case 'text':
      if (types.get(field) !== 'string') throw new Error(`field ${field} cannot be indexed`);
      return `CREATE INDEX ${how}${name} ON ${partition} USING gin (yiwang_text_grams(${fieldExprSql(field, 'string')}))`;
    case 'pair': {
      const [a, b, more] = field.split('+');
      if (!a || !b || more !== undefined) throw new Error(`bad field pair ${field}`);
      return `CREATE INDEX ${how}${name} ON ${partition} (${expr(a)}, ${expr(b)}, row_key)`;
    }
    default:
      return `CREATE INDEX ${how}${name} ON ${partition} (${expr(field)}, row_key)`;
  }
}

/** Whether a field of this type can have an expression index (the cast must be immutable; timestamptz input depends on the time zone). */
export const indexableType = (t: ColumnType) => t !== 'datetime';

/**
 * The SQL expression of a field, as text (written as literal SQL so that the planner matches it
 * with the index expression): the text in the row's data, cast to its type. Dates are compared as
 * their ISO text (validated YYYY-MM-DD on write), which sorts as the dates do and is immutable.
 */
export function fieldExprSql(name: string, type: ColumnType): string {
  if (!FIELD_NAME.test(name)) throw new Error(`bad field name ${name}`);
  const t = `(data->>'${name}')`;
  switch (type) {
    case 'integer':
      return `(${t}::bigint)`;
    case 'number':
      return `(${t}::numeric)`;
    case 'boolean':
      return `(${t}::boolean)`;
    case 'datetime':
      return `(${t}::timestamptz)`;
    default:
      return t;
  }
}

function colExpr(c: SourceColumn): RawBuilder<unknown> {
  if (c.name === KEY) return sql`row_key`;
  return sql.raw(fieldExprSql(c.name, c.type));
}
const col = colExpr;

/** A request value as the JSON value stored for a field of this type. */
function castValue(c: SourceColumn, v: unknown, field: string): string | number | boolean | null {
  if (v === null) return null;
  const s = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (s === undefined) throw new RowQueryError(field, `value of "${c.name}" must be a string, number or boolean`);
  switch (c.type) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(s)) throw new RowQueryError(field, `"${c.name}" takes an integer`);
      return Number(s);
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(s)) throw new RowQueryError(field, `"${c.name}" takes a number`);
      return Number(s);
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new RowQueryError(field, `"${c.name}" takes a date YYYY-MM-DD`);
      return s;
    case 'datetime':
      if (Number.isNaN(Date.parse(s))) throw new RowQueryError(field, `"${c.name}" takes a date and time`);
      return s;
    case 'boolean':
      if (!/^(true|false)$/.test(s)) throw new RowQueryError(field, `"${c.name}" takes true or false`);
      return s === 'true';
    default:
      return s;
  }
}

const SQL_TYPE = { string: 'text', integer: 'bigint', number: 'numeric', boolean: 'boolean', date: 'text', datetime: 'timestamptz' } as const;

/** A value compared with the field's SQL expression. */
function typedParam(c: SourceColumn, v: unknown): RawBuilder<unknown> {
  if (c.name === KEY) return sql`${String(v)}`;
  return sql`CAST(${v === null ? null : String(v)} AS ${sql.raw(SQL_TYPE[c.type])})`;
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
    if (!m) throw new RowQueryError('sort', `cannot sort by "${part}"`);
    const c = m[1] === KEY ? KEY_COLUMN : byName.get(m[1]);
    if (!c) throw new RowQueryError('sort', `field "${m[1]}" not in table`);
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
  throw new RowQueryError('cursor', 'invalid cursor (it belongs to another sort, or was altered)');
}

const cursorValue = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v);
const whereSql = (w: RawBuilder<unknown>[]) => (w.length ? sql`WHERE ${sql.join(w, sql` AND `)}` : sql``);

/** The WHERE conditions of a query (the resource, filters, full text). */
function conditions(resourceId: string, byName: Map<string, SourceColumn>, indexed: ReadonlySet<string>, q: Pick<RowQuery, 'filters' | 'q'>, textIndexed: ReadonlySet<string>): RawBuilder<unknown>[] {
  if (!UUID.test(resourceId)) throw new RowQueryError('resource_id', 'not a resource id');
  // The statements read the resource's partition itself (rowsOf: no partition pruning to plan).
  // The resource id stays a condition (a literal): the primary key (resource_id, row_key) then
  // gives the rows in key order, which is how a page without an indexed filter is read.
  const where: RawBuilder<unknown>[] = [sql`resource_id = ${sql.lit(resourceId.toLowerCase())}::uuid`];
  for (const [name, raw] of Object.entries(q.filters ?? {})) {
    const c = name === KEY ? KEY_COLUMN : byName.get(name);
    if (!c) throw new RowQueryError('filters', `field "${name}" not in table`);
    const vals = Array.isArray(raw) ? raw : [raw];
    if (!vals.length || vals.length > 100) throw new RowQueryError('filters', `filter "${name}" takes 1 to 100 values`);
    if (c.name === KEY) {
      where.push(sql`row_key IN (${sql.join(vals.map((v) => sql`${String(v)}`))})`);
      continue;
    }
    const cast = vals.map((v) => castValue(c, v, 'filters'));
    if (indexed.has(c.name)) {
      // The expression index: equality (or IN) on the typed expression, estimated from its statistics.
      const nonNull = cast.filter((v) => v !== null);
      const parts: RawBuilder<unknown>[] = [];
      if (nonNull.length === 1) parts.push(sql`${col(c)} = ${typedParam(c, nonNull[0])}`);
      else if (nonNull.length > 1) parts.push(sql`${col(c)} IN (${sql.join(nonNull.map((v) => typedParam(c, v)))})`);
      if (nonNull.length < cast.length) parts.push(sql`${col(c)} IS NULL`);
      where.push(parts.length === 1 ? parts[0] : sql`(${sql.join(parts, sql` OR `)})`);
      continue;
    }
    const ors = cast.map((cv) =>
      cv === null ? sql`(data->${c.name} IS NULL OR data->${c.name} = 'null'::jsonb)` : sql`data @> ${JSON.stringify({ [c.name]: cv })}::jsonb`,
    );
    where.push(ors.length === 1 ? ors[0] : sql`(${sql.join(ors, sql` OR `)})`);
  }
  if (q.q && q.q.trim()) {
    const textCols = [...byName.values()].filter((c) => c.type === 'string');
    if (!textCols.length) throw new RowQueryError('q', 'this table has no text to search');
    const needle = q.q.trim();
    // A row matches when a text field contains q, case-insensitively (lower() on both). When every
    // text field has a text index, their grams must also contain q's grams: a separate condition
    // (grams of a OR grams of b …) that the GIN indexes answer without reading rows; it changes no
    // answer, since a field that contains q has all of q's grams (migration 2026-11-26T0210). The
    // containment test is the condition rows are checked with, written first (cheap).
    const contains = textCols.map((c) => sql`strpos(lower(${col(c)}), lower(${needle})) > 0`);
    where.push(contains.length === 1 ? contains[0] : sql`(${sql.join(contains, sql` OR `)})`);
    if (textCols.every((c) => textIndexed.has(c.name))) {
      const grams = textCols.map((c) => sql`yiwang_text_grams(${col(c)}) @> yiwang_query_grams(${needle})`);
      where.push(grams.length === 1 ? grams[0] : sql`(${sql.join(grams, sql` OR `)})`);
    }
  }
  return where;
}

/** The page's statement of a row query, as searchRows runs it (for EXPLAIN in tests and the benchmark). */
export function rowPageStatement(resourceId: string, columns: SourceColumn[], q: RowQuery, indexed: ReadonlySet<string> = new Set(), textIndexed: ReadonlySet<string> = new Set()) {
  return prepare(resourceId, columns, q, indexed, textIndexed).statement;
}

function prepare(resourceId: string, columns: SourceColumn[], q: RowQuery, indexed: ReadonlySet<string>, textIndexed: ReadonlySet<string>) {
  for (const c of columns) if (!FIELD_NAME.test(c.name)) throw new Error(`bad column ${c.name}`);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const where = conditions(resourceId, byName, indexed, q, textIndexed);
  const sortKeys = parseSort(q.sort, byName);
  const uniform = sortKeys.every((k) => k.desc === sortKeys[0].desc);
  const pageWhere = [...where];
  let carried: Cursor | null = null;
  if (q.cursor) {
    if (!uniform) throw new RowQueryError('cursor', 'keyset paging needs one sort direction for all sort fields');
    carried = decodeCursor(q.cursor, sortKeys.length);
    const vals = carried.k;
    const lhs = sql.join(sortKeys.map((k) => col(k.column)));
    const rhs = sql.join(sortKeys.map((k, i) => typedParam(k.column, vals[i])));
    pageWhere.push(sortKeys[0].desc ? sql`(${lhs}) < (${rhs})` : sql`(${lhs}) > (${rhs})`);
  }
  const fields = q.fields?.length ? q.fields : columns.map((c) => c.name);
  for (const f of fields) if (f !== KEY && !byName.has(f)) throw new RowQueryError('fields', `field "${f}" not in table`);
  const selectCols = [...new Set(fields.filter((f) => f !== KEY))];
  const orderSql = sql.join(sortKeys.map((k) => sql`${col(k.column)} ${sql.raw(k.desc ? 'DESC' : 'ASC')}`));
  const offset = q.cursor ? 0 : (q.offset ?? 0);
  const sortCols = sortKeys.filter((k) => k.column.name !== KEY);
  const selectList = sql.join([
    sql`row_key AS "_id"`,
    sql`data`,
    ...sortCols.map((k, i) => sql`${col(k.column)} AS ${sql.id(`__s${i}`)}`),
  ]);
  const statement = sql<Record<string, unknown> & { _id: string; data: Record<string, unknown> }>`SELECT ${selectList} FROM ${rowsOf(resourceId)} ${whereSql(pageWhere)} ORDER BY ${orderSql} LIMIT ${q.limit + 1} OFFSET ${offset}`;
  return { byName, where, sortKeys, uniform, carried, selectCols, offset, statement };
}

/**
 * Runs a row query on one resource. `columns` are the readable columns (for the open data portal:
 * the published ones); the row key is readable as `_id`. `indexed`: the fields with a ready
 * expression index, `textIndexed`: those with a ready text index (ResourcesService.readyRowIndexes).
 */
export async function searchRows(db: Db, resourceId: string, columns: SourceColumn[], q: RowQuery, indexed: ReadonlySet<string> = new Set(), textIndexed: ReadonlySet<string> = new Set(), pairs: ReadonlySet<string> = new Set()): Promise<RowQueryResult> {
  const { byName, where, sortKeys, uniform, carried, selectCols, offset, statement } = prepare(resourceId, columns, q, indexed, textIndexed);
  const rows = q.limit > 0 ? await statement.execute(db) : { rows: [] };
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
  } else if (q.includeTotal !== false && !q.cursor && offset === 0 && q.limit > 0 && !more) {
    // A first page that holds every match: its length is the exact total (nothing to count).
    total = page.length;
  } else if (q.includeTotal !== false) {
    const threshold = q.totalEstimationThreshold ?? DEFAULT_ESTIMATION_THRESHOLD;
    const est = await estimateRows(db, resourceId, where);
    if (est !== null && est > threshold) {
      total = est;
      estimated = true;
    } else {
      total = await countMatches(db, resourceId, where, pairFiltered(q, indexed, pairs));
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

/**
 * Whether the query is two or more equality filters on indexed fields, two of them with a pair
 * index (and nothing else: no `q`, no filter that only the GIN index answers).
 */
function pairFiltered(q: RowQuery, indexed: ReadonlySet<string>, pairs: ReadonlySet<string>): boolean {
  const names = Object.keys(q.filters ?? {});
  if ((q.q && q.q.trim()) || names.length < 2 || !names.every((n) => indexed.has(n))) return false;
  return names.some((a) => names.some((b) => a < b && pairs.has(pairField(a, b))));
}

/**
 * The exact count of the matches (the planner estimated at most the threshold). With a pair index
 * for two of the filters, bitmap scans are off for the statement: the planner otherwise prefers a
 * BitmapAnd of the two single-field indexes, which reads both broad ranges to their end (at
 * 2,000,000 rows 165,000 index entries, 65 ms, against 17 ms for the pair index's 5,000 rows; it
 * costs reading an index entry far below what it takes on cached data). A statement-level
 * setting needs a transaction (SET LOCAL); inside the caller's transaction it is left alone.
 */
async function countMatches(db: Db, resourceId: string, where: RawBuilder<unknown>[], pairFilters: boolean): Promise<number> {
  const count = sql<{ n: string }>`SELECT count(*) AS n FROM ${rowsOf(resourceId)} ${whereSql(where)}`;
  if (!pairFilters || db.isTransaction) return Number((await count.execute(db)).rows[0].n);
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
    return Number((await count.execute(trx)).rows[0].n);
  });
}

const ckanType = (t: ColumnType) => ({ string: 'text', integer: 'int', number: 'numeric', date: 'date', datetime: 'timestamp', boolean: 'bool' })[t];

/**
 * The planner's row estimate for the conditions (EXPLAIN's top node; the resource's partition's
 * statistics: pg_class.reltuples without filters, the expression indexes' pg_stats with them);
 * null when it gives none.
 */
export async function estimateRows(db: Db, resourceId: string, where: RawBuilder<unknown>[]): Promise<number | null> {
  const r = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${rowsOf(resourceId)} ${whereSql(where)}`.execute(db);
  const raw = r.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: { 'Plan Rows': number } }[];
  const n = plan?.[0]?.Plan?.['Plan Rows'];
  return typeof n === 'number' ? n : null;
}

/** Iterates all rows in key order, in batches (downloads), up to `max` rows. */
export async function* allRows(db: Db, resourceId: string, columns: SourceColumn[], batch = 2000, max = 1_000_000): AsyncGenerator<Record<string, unknown>[]> {
  let cursor: string | undefined;
  let seen = 0;
  while (seen < max) {
    const page = await searchRows(db, resourceId, columns, { limit: Math.min(batch, max - seen), cursor, includeTotal: false, fields: columns.map((c) => c.name) });
    if (!page.records.length) return;
    seen += page.records.length;
    yield page.records;
    if (!page.cursor || !page.more) return;
    cursor = page.cursor;
  }
}
