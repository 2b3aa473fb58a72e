/**
 * All SQL of the catalog's own tables (catalog_*), and its signing key in node_meta. No rules.
 * Statements are unnamed (Kysely/pg default): a named prepared statement would get a generic
 * plan, and for array containment the generic plan is a sequential scan.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';
import type { CatalogItemsTable, CatalogBundlesTable, CatalogSearchTable } from '../../db/types';

type Insertable<T> = { [K in keyof T]?: unknown };

// ---- items ----------------------------------------------------------------------------------

type ItemRow = Insertable<CatalogItemsTable> & { id: string; implementation_code: string; department_id: string; region_code: string; name: string };
type ItemVersionRow = { item_id: string; version: number; implementation_code: string; content: string; findings: string; published_by: string | null };

export const itemsRepo = {
  byId: (db: Db, id: string) => db.selectFrom('catalog_items').selectAll().where('id', '=', id).executeTakeFirst(),
  byIdForUpdate: (db: Db, id: string) => db.selectFrom('catalog_items').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),
  byCode: (db: Db, code: string) => db.selectFrom('catalog_items').selectAll().where('implementation_code', '=', code).executeTakeFirst(),
  byIds: (db: Db, ids: string[]) => (ids.length ? db.selectFrom('catalog_items').selectAll().where('id', 'in', ids).execute() : Promise.resolve([])),
  insert: (db: Db, row: ItemRow | ItemRow[]) => db.insertInto('catalog_items').values(row as never).execute(),
  update: (db: Db, id: string, patch: Insertable<CatalogItemsTable>) =>
    db.updateTable('catalog_items').set({ ...(patch as object), updated_at: sql`now()` } as never).where('id', '=', id).execute(),
  list: (db: Db, f: { departmentId?: string; status?: string; q?: string; limit: number; offset: number }) => {
    let q = db.selectFrom('catalog_items').select(['id', 'implementation_code', 'name', 'department_id', 'region_code', 'status', 'latest_version', 'lint_errors', 'lint_warnings', 'updated_at'])
      .select(sql<boolean>`draft IS NOT NULL`.as('has_draft'));
    if (f.departmentId) q = q.where('department_id', '=', f.departmentId);
    if (f.status) q = q.where('status', '=', f.status as never);
    if (f.q) q = q.where('name', 'like', `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return q.orderBy('updated_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
  },
  insertVersion: (db: Db, row: ItemVersionRow | ItemVersionRow[]) => db.insertInto('catalog_item_versions').values(row).execute(),
  versions: (db: Db, id: string) =>
    db.selectFrom('catalog_item_versions').select(['version', 'published_at', 'published_by']).where('item_id', '=', id).orderBy('version', 'desc').execute(),
  version: (db: Db, id: string, version: number) =>
    db.selectFrom('catalog_item_versions').selectAll().where('item_id', '=', id).where('version', '=', version).executeTakeFirst(),
  /** Latest published versions of items (for bundles, relint). */
  latestVersions: (db: Db, ids: string[]) =>
    ids.length
      ? db.selectFrom('catalog_item_versions as v').innerJoin('catalog_items as i', (j) => j.onRef('i.id', '=', 'v.item_id').onRef('i.latest_version', '=', 'v.version'))
          .select(['v.item_id', 'v.version', 'v.content', 'v.findings', 'i.status']).where('v.item_id', 'in', ids).execute()
      : Promise.resolve([]),
  publishedIdsPage: (db: Db, after: string, limit: number) =>
    db.selectFrom('catalog_items').select('id').where('status', '=', 'published').where('id', '>', after).orderBy('id').limit(limit).execute(),
};

// ---- bundles --------------------------------------------------------------------------------

export const bundlesRepo = {
  byId: (db: Db, id: string) => db.selectFrom('catalog_bundles').selectAll().where('id', '=', id).executeTakeFirst(),
  byIdForUpdate: (db: Db, id: string) => db.selectFrom('catalog_bundles').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),
  byCode: (db: Db, code: string) => db.selectFrom('catalog_bundles').selectAll().where('code', '=', code).executeTakeFirst(),
  insert: (db: Db, row: Insertable<CatalogBundlesTable> & { id: string; code: string; lead_department_id: string; region_code: string; name: string }) =>
    db.insertInto('catalog_bundles').values(row as never).execute(),
  update: (db: Db, id: string, patch: Insertable<CatalogBundlesTable>) =>
    db.updateTable('catalog_bundles').set({ ...(patch as object), updated_at: sql`now()` } as never).where('id', '=', id).execute(),
  list: (db: Db, f: { departmentId?: string; status?: string; q?: string; limit: number; offset: number; publishedOnly?: boolean }) => {
    let q = db.selectFrom('catalog_bundles').select(['id', 'code', 'name', 'lead_department_id', 'region_code', 'status', 'latest_version', 'lint_errors', 'lint_warnings', 'updated_at', 'use_count'])
      .select(sql<boolean>`draft IS NOT NULL`.as('has_draft'));
    if (f.departmentId) q = q.where('lead_department_id', '=', f.departmentId);
    if (f.status) q = q.where('status', '=', f.status as never);
    if (f.q) q = q.where('name', 'like', `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return q.orderBy('updated_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
  },
  insertVersion: (db: Db, row: { bundle_id: string; version: number; content: string; findings: string; published_by: string | null }) =>
    db.insertInto('catalog_bundle_versions').values(row).execute(),
  versions: (db: Db, id: string) =>
    db.selectFrom('catalog_bundle_versions').select(['version', 'published_at', 'published_by']).where('bundle_id', '=', id).orderBy('version', 'desc').execute(),
  version: (db: Db, id: string, version: number) =>
    db.selectFrom('catalog_bundle_versions').selectAll().where('bundle_id', '=', id).where('version', '=', version).executeTakeFirst(),
  setItems: async (db: Db, bundleId: string, itemIds: string[]) => {
    await db.deleteFrom('catalog_bundle_items').where('bundle_id', '=', bundleId).execute();
    if (itemIds.length) await db.insertInto('catalog_bundle_items').values(itemIds.map((item_id) => ({ bundle_id: bundleId, item_id }))).execute();
  },
  /** Published bundles that contain an item. */
  containing: (db: Db, itemId: string) =>
    db.selectFrom('catalog_bundle_items as bi').innerJoin('catalog_bundles as b', 'b.id', 'bi.bundle_id').select(['b.id', 'b.name'])
      .where('bi.item_id', '=', itemId).where('b.status', '=', 'published').execute(),
};

// ---- search ---------------------------------------------------------------------------------

export type SearchRow = Omit<CatalogSearchTable, 'use_count'>;

/** A query term: any one of the alternatives (each a set of codes that must all be present). */
export type CodeTerm = number[][];

export interface SearchFilters {
  departmentId?: string;
  /** Region filter: items of these exact regions (the region and its ancestors) or of the subtree pattern. */
  region?: { exact: string[]; pattern: string };
  itemType?: string;
  object?: string;
  theme?: string;
  crossProvince?: boolean;
  minDepth?: number;
  kind?: 'item' | 'bundle';
}

const SEARCH_COLUMNS = sql.raw(
  'entity_id, kind, version, name, department_id, region_code, item_type, service_objects, themes, depth, cross_province, promised_days, exempt_count, material_count, use_count',
);

export interface SearchHit {
  entity_id: string;
  kind: 'item' | 'bundle';
  version: number;
  name: string;
  department_id: string;
  region_code: string;
  item_type: string;
  service_objects: string[];
  themes: string[];
  depth: number;
  cross_province: boolean;
  promised_days: number;
  exempt_count: number;
  material_count: number;
  use_count: number;
  snippet: string;
}

function containment(column: 'terms' | 'name_terms', terms: CodeTerm[]): RawBuilder<boolean> {
  const col = sql.raw(column);
  const single = [...new Set(terms.filter((t) => t.length === 1).flatMap((t) => t[0]))];
  const parts: RawBuilder<unknown>[] = [];
  if (single.length) parts.push(sql`${col} @> ${single}::int4[]`);
  for (const t of terms.filter((x) => x.length > 1)) parts.push(sql`(${sql.join(t.map((codes) => sql`${col} @> ${codes}::int4[]`), sql` OR `)})`);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` AND `)})` : sql<boolean>`true`;
}

function filterSql(f: SearchFilters): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.departmentId) parts.push(sql`department_id = ${f.departmentId}::uuid`);
  if (f.region) parts.push(sql`(region_code = ANY(${f.region.exact}::text[]) OR region_code LIKE ${f.region.pattern})`);
  if (f.itemType) parts.push(sql`item_type = ${f.itemType}`);
  if (f.object) parts.push(sql`service_objects @> ARRAY[${f.object}]::text[]`);
  if (f.theme) parts.push(sql`themes @> ARRAY[${f.theme}]::text[]`);
  if (f.crossProvince !== undefined) parts.push(sql`cross_province = ${f.crossProvince}`);
  if (f.minDepth) parts.push(sql`depth >= ${f.minDepth}`);
  if (f.kind) parts.push(sql`kind = ${f.kind}`);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` AND `)})` : sql<boolean>`true`;
}

/**
 * Runs search statements with sequential scans off: a capped match ("the first N rows that
 * contain these bigrams") must come from the GIN index, or a rare word scans the whole table.
 * The planner cannot know that the bigrams of one word are correlated, so its estimates for
 * array containment are no guide here. Without a query (filters only) this is not used.
 */
function searchPlan<T>(db: Db, run: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    return run(trx);
  });
}

export const searchRepo = {
  /** Inserts or replaces the row of an entry; its use count is kept. */
  upsert: (db: Db, row: SearchRow) =>
    db.insertInto('catalog_search').values(row)
      .onConflict((oc) => oc.column('entity_id').doUpdateSet((eb) => {
        const cols = Object.keys(row).filter((k) => k !== 'entity_id') as (keyof SearchRow)[];
        return Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)])) as never;
      }))
      .execute(),
  insertMany: (db: Db, rows: SearchRow[]) => (rows.length ? db.insertInto('catalog_search').values(rows).execute() : Promise.resolve()),
  remove: (db: Db, id: string) => db.deleteFrom('catalog_search').where('entity_id', '=', id).returning(['name', 'snippet']).executeTakeFirst(),
  row: (db: Db, id: string) => db.selectFrom('catalog_search').select(['name', 'snippet', 'use_count']).where('entity_id', '=', id).executeTakeFirst(),

  /**
   * A page of hits. Matches in the name or an alias come first — bundles (a small partial index),
   * then items — ranked by score (words in the name itself, an exact name, use); then matches
   * elsewhere (materials, themes), by use. Each branch reads at most `cap` matching rows, so a
   * query costs about the same at a million items as at a thousand: with the same item offered in
   * thousands of regions, a broad word matches thousands of rows, and ranking all of them would
   * cost more than the answer is worth (narrow by region to see a place's own).
   */
  page: async (db: Db, p: { terms: CodeTerm[]; words: string[][]; filters: SearchFilters; q: string; limit: number; offset: number; cap: number }): Promise<SearchHit[]> => {
    const where = filterSql(p.filters);
    if (p.terms.length === 0) {
      const r = await sql<SearchHit>`SELECT ${SEARCH_COLUMNS}, snippet FROM catalog_search WHERE ${where} ORDER BY use_count DESC, name LIMIT ${p.limit} OFFSET ${p.offset}`.execute(db);
      return r.rows;
    }
    const inName = containment('name_terms', p.terms);
    const inAll = containment('terms', p.terms);
    // A word in the name itself (not only in an alias) ranks higher.
    const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const nameBoost = p.words.length ? sql.join(p.words.map((alts) => sql`(CASE WHEN name LIKE ANY(${alts.map(like)}::text[]) THEN 1 ELSE 0 END)`), sql` + `) : sql`0`;
    const score = sql`(CASE WHEN kind = 'bundle' THEN 2 ELSE 0 END) + (CASE WHEN name = ${p.q} THEN 3 ELSE 0 END) + ${nameBoost} + ln(1 + use_count) * 0.3 - length(name) * 0.02`;
    const cap = Math.max(p.cap, p.limit + p.offset);
    return searchPlan(db, async (trx) => (await sql<SearchHit>`
      SELECT * FROM (
        (SELECT ${SEARCH_COLUMNS}, snippet, 0 AS tier, ${score} AS score FROM catalog_search WHERE ${where} AND kind = 'bundle' AND ${inName})
        UNION ALL
        (SELECT n.*, 0 AS tier, ${score} AS score FROM
           (SELECT ${SEARCH_COLUMNS}, snippet FROM catalog_search WHERE ${where} AND kind = 'item' AND ${inName} LIMIT ${cap}) n)
        UNION ALL
        (SELECT t.*, 1 AS tier, ln(1 + t.use_count) * 0.3 AS score FROM
           (SELECT ${SEARCH_COLUMNS}, snippet FROM catalog_search WHERE ${where} AND ${inAll} AND NOT ${inName} LIMIT ${cap}) t)
      ) r ORDER BY tier, score DESC, use_count DESC, name LIMIT ${p.limit} OFFSET ${p.offset}`.execute(trx)).rows);
  },

  /** Total and facet counts over the matches (at most `cap` rows are counted). */
  facets: async (db: Db, p: { terms: CodeTerm[]; filters: SearchFilters; cap: number; regionDigits: number }) => {
    const where = sql`${filterSql(p.filters)} AND ${containment('terms', p.terms)}`;
    const r = await searchPlan(db, (trx) => sql<{ f: string; v: string | null; n: number }>`
      WITH m AS MATERIALIZED (SELECT department_id, region_code, item_type, service_objects, themes, depth, cross_province FROM catalog_search WHERE ${where} LIMIT ${p.cap})
      SELECT 'total' AS f, '' AS v, count(*)::int AS n FROM m
      UNION ALL (SELECT 'department', department_id::text, count(*)::int FROM m GROUP BY 2 ORDER BY 3 DESC LIMIT 30)
      UNION ALL (SELECT 'region', rpad(left(region_code, ${p.regionDigits}), 6, '0'), count(*)::int FROM m GROUP BY 2 ORDER BY 3 DESC LIMIT 40)
      UNION ALL (SELECT 'type', item_type, count(*)::int FROM m GROUP BY 2)
      UNION ALL (SELECT 'object', o, count(*)::int FROM m, unnest(m.service_objects) o GROUP BY 2)
      UNION ALL (SELECT 'theme', t, count(*)::int FROM m, unnest(m.themes) t GROUP BY 2 ORDER BY 3 DESC LIMIT 30)
      UNION ALL (SELECT 'depth', depth::text, count(*)::int FROM m GROUP BY 2)
      UNION ALL (SELECT 'crossProvince', cross_province::text, count(*)::int FROM m GROUP BY 2)`.execute(trx));
    return r.rows;
  },

  themeCounts: async (db: Db) =>
    (await sql<{ theme: string; n: number }>`SELECT t AS theme, count(*)::int AS n FROM catalog_search, unnest(themes) t GROUP BY t`.execute(db)).rows,

  addUses: async (db: Db, uses: Map<string, number>) => {
    const ids = [...uses.keys()];
    const ns = [...uses.values()];
    await sql`UPDATE catalog_search s SET use_count = s.use_count + v.n FROM (SELECT unnest(${ids}::uuid[]) AS id, unnest(${ns}::int[]) AS n) v WHERE s.entity_id = v.id`.execute(db);
    await sql`UPDATE catalog_items s SET use_count = s.use_count + v.n FROM (SELECT unnest(${ids}::uuid[]) AS id, unnest(${ns}::int[]) AS n) v WHERE s.id = v.id`.execute(db);
    await sql`UPDATE catalog_bundles s SET use_count = s.use_count + v.n FROM (SELECT unnest(${ids}::uuid[]) AS id, unnest(${ns}::int[]) AS n) v WHERE s.id = v.id`.execute(db);
  },
};

// ---- suggestions ----------------------------------------------------------------------------

export const suggestionsRepo = {
  /** Counts each text once more per entry that now uses it. */
  add: (db: Db, rows: { text: string; kind: string; terms: number[] }[]) => {
    const counted = new Map<string, { text: string; kind: string; terms: number[]; refs: number }>();
    for (const r of rows) {
      const c = counted.get(r.text);
      if (c) c.refs++;
      else counted.set(r.text, { ...r, refs: 1 });
    }
    return counted.size
      ? db.insertInto('catalog_suggestions').values([...counted.values()])
          .onConflict((oc) => oc.column('text').doUpdateSet({ refs: sql`catalog_suggestions.refs + excluded.refs` }))
          .execute()
      : Promise.resolve();
  },
  /** Counts a text once less, and drops it when nothing uses it any more. */
  remove: async (db: Db, texts: string[]) => {
    if (!texts.length) return;
    await db.updateTable('catalog_suggestions').set({ refs: sql`refs - 1` }).where('text', 'in', texts).execute();
    await db.deleteFrom('catalog_suggestions').where('refs', '<=', 0).execute();
  },
  find: async (db: Db, alternatives: number[][], prefix: string, limit: number) => {
    const cond = sql.join(alternatives.map((codes) => sql`terms @> ${codes}::int4[]`), sql` OR `);
    return (await sql<{ text: string; kind: string }>`SELECT text, kind FROM catalog_suggestions WHERE (${cond})
      ORDER BY starts_with(text, ${prefix}) DESC, (kind = 'bundle') DESC, (kind = 'item') DESC, refs DESC, length(text), text LIMIT ${limit}`.execute(db)).rows;
  },
};

// ---- themes, synonyms, signing key ----------------------------------------------------------

export const vocabRepo = {
  themes: (db: Db) => db.selectFrom('catalog_themes').selectAll().orderBy('sort').execute(),
  synonyms: (db: Db) => db.selectFrom('catalog_synonyms').select(['kind', 'terms']).orderBy('id').execute(),
  replaceSynonyms: async (db: Db, groups: { kind: 'equivalent' | 'expansion'; terms: string[] }[]) => {
    await db.deleteFrom('catalog_synonyms').execute();
    if (groups.length) await db.insertInto('catalog_synonyms').values(groups).execute();
  },
  meta: (db: Db, key: string) => db.selectFrom('node_meta').select('value').where('key', '=', key).executeTakeFirst(),
  insertMetaIfAbsent: (db: Db, key: string, value: object) =>
    db.insertInto('node_meta').values({ key, value: JSON.stringify(value) }).onConflict((oc) => oc.column('key').doNothing()).execute(),
};

// ---- accuracy -------------------------------------------------------------------------------

export const accuracyRepo = {
  byDepartment: async (db: Db) =>
    (await sql<{ department_id: string; entries: number; bundles: number; with_errors: number; with_warnings: number; score_sum: number }>`
      SELECT department_id, count(*)::int AS entries, sum(is_bundle)::int AS bundles,
        count(*) FILTER (WHERE lint_errors > 0)::int AS with_errors,
        count(*) FILTER (WHERE lint_errors = 0 AND lint_warnings > 0)::int AS with_warnings,
        sum(CASE WHEN lint_errors > 0 THEN 0 ELSE greatest(50, 100 - 10 * lint_warnings) END)::float8 AS score_sum
      FROM (SELECT department_id, lint_errors, lint_warnings, 0 AS is_bundle FROM catalog_items WHERE status = 'published'
            UNION ALL SELECT lead_department_id, lint_errors, lint_warnings, 1 FROM catalog_bundles WHERE status = 'published') e
      GROUP BY department_id`.execute(db)).rows,
  rules: async (db: Db) =>
    (await sql<{ rule: string; n: number }>`
      SELECT r AS rule, count(*)::int AS n FROM (
        SELECT unnest(lint_rules) AS r FROM catalog_items WHERE status = 'published'
        UNION ALL SELECT unnest(lint_rules) FROM catalog_bundles WHERE status = 'published') x
      GROUP BY r ORDER BY 2 DESC`.execute(db)).rows,
};

// ---- bulk load (benchmark) ------------------------------------------------------------------

/**
 * Multi-row inserts of published items for the benchmark's generated catalog: one statement per
 * batch keeps a million rows to minutes. The rows are built by the same code as a publish.
 */
export const bulkRepo = {
  insertPublished: async (
    db: Db,
    rows: { item: Insertable<CatalogItemsTable> & { id: string }; version: { item_id: string; version: number; implementation_code: string; content: string; findings: string; published_by: null }; search: SearchRow }[],
  ) => {
    if (!rows.length) return;
    await db.insertInto('catalog_items').values(rows.map((r) => r.item) as never).execute();
    await db.insertInto('catalog_item_versions').values(rows.map((r) => r.version)).execute();
    await db.insertInto('catalog_search').values(rows.map((r) => r.search)).execute();
  },
  dropSearchIndexes: async (db: Db) => {
    await sql`DROP INDEX IF EXISTS catalog_search_terms`.execute(db);
    await sql`DROP INDEX IF EXISTS catalog_search_name_terms`.execute(db);
  },
  createSearchIndexes: async (db: Db) => {
    await sql`CREATE INDEX catalog_search_terms ON catalog_search USING gin (terms) WITH (fastupdate = off)`.execute(db);
    await sql`CREATE INDEX catalog_search_name_terms ON catalog_search USING gin (name_terms) WITH (fastupdate = off)`.execute(db);
    await sql`ANALYZE catalog_search`.execute(db);
  },
  sizes: async (db: Db) =>
    (await sql<{ name: string; bytes: number }>`SELECT c.relname AS name, pg_relation_size(c.oid)::bigint AS bytes FROM pg_class c
      WHERE c.relname IN ('catalog_search', 'catalog_search_terms', 'catalog_search_name_terms', 'catalog_items', 'catalog_item_versions')`.execute(db)).rows,
};
