/**
 * All SQL of the catalog's own tables (catalog_*), and its signing key in node_meta. No rules.
 * Statements are unnamed (Kysely/pg default): a named prepared statement would get a generic
 * plan, and for array containment the generic plan is a sequential scan.
 */
import { createHash } from 'node:crypto';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db } from '../../db/database';
import type { CatalogItemsTable, CatalogBundlesTable, CatalogSearchDocsTable, CatalogSearchTable } from '../../db/types';

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
//
// Two tables: catalog_search_docs holds each distinct searchable text once (name, aliases,
// materials, result, themes, classification; bigram codes + GIN), and catalog_search one narrow
// row per published entry (its department, region, version, use count) pointing at its document.
// The same national item implemented in three thousand regions is one document with three
// thousand entries, so a word is matched against distinct texts, and the entries of the matching
// texts are read through (doc_id, use_count) — the best-used first — or (doc_id, region_code).

/** What a publish indexes for an entry: its row and its searchable text. */
export type SearchRow = Omit<CatalogSearchTable, 'use_count' | 'doc_id'> & Pick<CatalogSearchDocsTable, 'snippet' | 'name_terms' | 'terms'>;

type DocPart = Omit<CatalogSearchDocsTable, 'id' | 'entries'>;

/** A document's signature: md5 over its fields joined with U+001F (the migration computes the same). */
export function docSignature(d: Omit<DocPart, 'sig'>): string {
  return createHash('md5')
    .update([d.kind, d.name, d.item_type, d.service_objects.join(','), d.themes.join(','), String(d.depth), String(d.cross_province), d.snippet, d.name_terms.join(','), d.terms.join(',')].join('\x1f'))
    .digest('hex');
}

function splitRow(row: SearchRow): { entry: Omit<SearchRow, 'snippet' | 'name_terms' | 'terms'>; doc: DocPart } {
  const { snippet, name_terms, terms, ...entry } = row;
  const doc = { kind: row.kind, name: row.name, item_type: row.item_type, service_objects: row.service_objects, themes: row.themes, depth: row.depth, cross_province: row.cross_province, snippet, name_terms, terms };
  return { entry, doc: { sig: docSignature(doc), ...doc } };
}

/**
 * Counts entries into their documents (inserting new documents) and returns sig → id. Sorted by
 * signature so that two concurrent writers lock shared documents in the same order.
 */
async function addDocs(db: Db, docs: DocPart[]): Promise<Map<string, number>> {
  const counted = new Map<string, DocPart & { entries: number }>();
  for (const d of docs) {
    const c = counted.get(d.sig);
    if (c) c.entries++;
    else counted.set(d.sig, { ...d, entries: 1 });
  }
  const rows = [...counted.values()].sort((a, b) => (a.sig < b.sig ? -1 : 1));
  const r = await db.insertInto('catalog_search_docs').values(rows)
    .onConflict((oc) => oc.column('sig').doUpdateSet({ entries: sql`catalog_search_docs.entries + excluded.entries` }))
    .returning(['id', 'sig']).execute();
  return new Map(r.map((x) => [x.sig, x.id]));
}

/** One entry fewer for a document; a document no entry uses goes. */
async function releaseDoc(db: Db, docId: number) {
  await sql`UPDATE catalog_search_docs SET entries = entries - 1 WHERE id = ${docId}`.execute(db);
  await sql`DELETE FROM catalog_search_docs WHERE id = ${docId} AND entries <= 0`.execute(db);
}

/** A query term: any one of the alternatives (each a set of codes that must all be present). */
export type CodeTerm = number[][];

export interface SearchFilters {
  departmentId?: string;
  /** Region filter: entries of these regions (the region, its ancestors and its whole subtree). */
  region?: { codes: string[] };
  itemType?: string;
  object?: string;
  theme?: string;
  crossProvince?: boolean;
  minDepth?: number;
  kind?: 'item' | 'bundle';
}

const ENTRY_COLUMNS = sql.raw(
  's.entity_id, s.kind, s.version, s.name, s.department_id, s.region_code, s.item_type, s.service_objects, s.themes, s.depth, s.cross_province, s.promised_days, s.exempt_count, s.material_count, s.use_count',
);

/** A search hit: the entry's row and its document's snippet. */
export type SearchHit = Omit<Selectable<CatalogSearchTable>, 'doc_id'> & Pick<CatalogSearchDocsTable, 'snippet'>;

function containment(column: 'terms' | 'name_terms', terms: CodeTerm[]): RawBuilder<boolean> {
  const col = sql.raw(column);
  const single = [...new Set(terms.filter((t) => t.length === 1).flatMap((t) => t[0]))];
  const parts: RawBuilder<unknown>[] = [];
  if (single.length) parts.push(sql`${col} @> ${single}::int4[]`);
  for (const t of terms.filter((x) => x.length > 1)) parts.push(sql`(${sql.join(t.map((codes) => sql`${col} @> ${codes}::int4[]`), sql` OR `)})`);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` AND `)})` : sql<boolean>`true`;
}

const and = (parts: RawBuilder<unknown>[]) => (parts.length ? sql<boolean>`(${sql.join(parts, sql` AND `)})` : sql<boolean>`true`);

/** Conditions on what a document says (the same for every entry of it); columns unqualified. */
function docFilterSql(f: SearchFilters): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.itemType) parts.push(sql`item_type = ${f.itemType}`);
  if (f.object) parts.push(sql`service_objects @> ARRAY[${f.object}]::text[]`);
  if (f.theme) parts.push(sql`themes @> ARRAY[${f.theme}]::text[]`);
  if (f.crossProvince !== undefined) parts.push(sql`cross_province = ${f.crossProvince}`);
  if (f.minDepth) parts.push(sql`depth >= ${f.minDepth}`);
  if (f.kind) parts.push(sql`kind = ${f.kind}`);
  return and(parts);
}

/** Conditions on the entry (who offers it, where); columns of catalog_search as `s`. */
function entryFilterSql(f: SearchFilters): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.departmentId) parts.push(sql`s.department_id = ${f.departmentId}::uuid`);
  if (f.region) parts.push(sql`s.region_code = ANY(${f.region.codes}::text[])`);
  return and(parts);
}

const hasEntryFilter = (f: SearchFilters) => Boolean(f.departmentId || f.region);

export interface FacetRow {
  f: string;
  v: string | null;
  n: number;
}

export const searchRepo = {
  /** Inserts or replaces the row of an entry (its use count is kept) and counts it into its document. */
  upsert: async (db: Db, row: SearchRow) => {
    const { entry, doc } = splitRow(row);
    const old = await db.selectFrom('catalog_search').select('doc_id').where('entity_id', '=', row.entity_id).executeTakeFirst();
    const docId = (await addDocs(db, [doc])).get(doc.sig)!;
    await db.insertInto('catalog_search').values({ ...entry, doc_id: docId })
      .onConflict((oc) => oc.column('entity_id').doUpdateSet((eb) => {
        const cols = [...Object.keys(entry).filter((k) => k !== 'entity_id'), 'doc_id'] as (keyof CatalogSearchTable)[];
        return Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)])) as never;
      }))
      .execute();
    if (old) await releaseDoc(db, old.doc_id);
  },
  /** Inserts new entries (none indexed yet). */
  insertMany: async (db: Db, rows: SearchRow[]) => {
    if (!rows.length) return;
    const split = rows.map(splitRow);
    const ids = await addDocs(db, split.map((s) => s.doc));
    await db.insertInto('catalog_search').values(split.map((s) => ({ ...s.entry, doc_id: ids.get(s.doc.sig)! }))).execute();
  },
  remove: async (db: Db, id: string) => {
    const r = await db.deleteFrom('catalog_search').where('entity_id', '=', id).returning('doc_id').executeTakeFirst();
    if (r) await releaseDoc(db, r.doc_id);
  },

  /**
   * A page of hits, ranked over every match. Matches in the name or an alias come first (tier 0),
   * ranked by score — bundles first, an exact name, words in the name itself, shorter names — plus
   * use; then matches elsewhere (materials, themes, tier 1) by use. Within a document everything
   * but use is the same, so the best `offset + limit` entries of each matching document (read in
   * use order from an index) contain the page: the ranking is exact without reading every entry.
   */
  page: async (db: Db, p: { terms: CodeTerm[]; words: string[][]; filters: SearchFilters; q: string; limit: number; offset: number }): Promise<SearchHit[]> => {
    if (p.terms.length === 0) {
      // Filters only: the entries carry the classification too.
      const r = await sql<SearchHit>`SELECT ${ENTRY_COLUMNS}, (SELECT d.snippet FROM catalog_search_docs d WHERE d.id = s.doc_id) AS snippet FROM catalog_search s
        WHERE ${docFilterSql(p.filters)} AND ${entryFilterSql(p.filters)} ORDER BY s.use_count DESC, s.name, s.entity_id LIMIT ${p.limit} OFFSET ${p.offset}`.execute(db);
      return r.rows;
    }
    // A word in the name itself (not only in an alias) ranks higher.
    const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const nameBoost = p.words.length ? sql.join(p.words.map((alts) => sql`(CASE WHEN name LIKE ANY(${alts.map(like)}::text[]) THEN 1 ELSE 0 END)`), sql` + `) : sql`0`;
    const docScore = sql`(CASE WHEN kind = 'bundle' THEN 2 ELSE 0 END) + (CASE WHEN name = ${p.q} THEN 3 ELSE 0 END) + ${nameBoost} - length(name) * 0.02`;
    const k = p.limit + p.offset;
    // Two steps: rank (document score, use count, id — read index-only from the entry indexes),
    // then fetch the full rows of the page only.
    const r = await sql<SearchHit>`
      WITH d AS MATERIALIZED (
        SELECT id, name, snippet, CASE WHEN ${containment('name_terms', p.terms)} THEN 0 ELSE 1 END AS tier, ${docScore} AS dscore
        FROM catalog_search_docs WHERE ${docFilterSql(p.filters)} AND ${containment('terms', p.terms)}),
      top AS MATERIALIZED (
        SELECT d.id AS doc_id, d.name, d.snippet, d.tier, (CASE WHEN d.tier = 0 THEN d.dscore ELSE 0 END) + ln(1 + c.use_count) * 0.3 AS score, c.use_count, c.entity_id
        FROM d CROSS JOIN LATERAL (
          SELECT s.use_count, s.entity_id FROM catalog_search s WHERE s.doc_id = d.id AND ${entryFilterSql(p.filters)} ORDER BY s.use_count DESC, s.entity_id LIMIT ${k}) c
        ORDER BY d.tier, score DESC, c.use_count DESC, d.name, c.entity_id LIMIT ${p.limit} OFFSET ${p.offset})
      SELECT ${ENTRY_COLUMNS}, top.snippet FROM top JOIN catalog_search s ON s.entity_id = top.entity_id
      ORDER BY top.tier, top.score DESC, top.use_count DESC, top.name, top.entity_id`.execute(db);
    return r.rows;
  },

  /**
   * Total and facet counts over the matches. Without a department or region filter the total and
   * the facets of what a document says (type, object, theme, depth, cross-province) are exact sums
   * over the matching documents; department and region are counted on a sample of about `cap`
   * entries (the best-used of each document, weighted by the document's size) — exact when every
   * matching document has no more entries than its share, otherwise an estimate (`facetsExact`
   * false). With a department or region filter, up to `cap` matching entries are counted exactly.
   */
  facets: async (db: Db, p: { terms: CodeTerm[]; filters: SearchFilters; cap: number; regionDigits: number }): Promise<{ rows: FacetRow[]; totalExact: boolean; facetsExact: boolean }> => {
    const docs = sql`SELECT id, item_type, service_objects, themes, depth, cross_province, entries FROM catalog_search_docs WHERE ${docFilterSql(p.filters)} AND ${containment('terms', p.terms)}`;
    const region = sql`rpad(left(region_code, ${p.regionDigits}), 6, '0')`;
    if (!hasEntryFilter(p.filters)) {
      const r = await sql<FacetRow>`
        WITH d AS MATERIALIZED (${docs}),
        share AS (SELECT greatest(1, ceil(${p.cap}::float8 / greatest(count(*), 1)))::int AS k FROM d),
        smp AS MATERIALIZED (
          SELECT e.department_id, e.region_code, d.entries::float8 / least(d.entries, (SELECT k FROM share)) AS w
          FROM d CROSS JOIN LATERAL (SELECT s.department_id, s.region_code FROM catalog_search s WHERE s.doc_id = d.id ORDER BY s.use_count DESC, s.entity_id LIMIT (SELECT k FROM share)) e)
        SELECT 'total' AS f, '' AS v, coalesce(sum(entries), 0)::int AS n FROM d
        UNION ALL SELECT 'sampled', '', count(*)::int FROM d WHERE entries > (SELECT k FROM share)
        UNION ALL (SELECT 'type', item_type, sum(entries)::int FROM d GROUP BY 2)
        UNION ALL (SELECT 'object', o, sum(entries)::int FROM d, unnest(d.service_objects) o GROUP BY 2)
        UNION ALL (SELECT 'theme', t, sum(entries)::int FROM d, unnest(d.themes) t GROUP BY 2 ORDER BY 3 DESC LIMIT 30)
        UNION ALL (SELECT 'depth', depth::text, sum(entries)::int FROM d GROUP BY 2)
        UNION ALL (SELECT 'crossProvince', cross_province::text, sum(entries)::int FROM d GROUP BY 2)
        UNION ALL (SELECT 'department', department_id::text, round(sum(w))::int FROM smp GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT 30)
        UNION ALL (SELECT 'region', ${region}, round(sum(w))::int FROM smp GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT 40)`.execute(db);
      const sampled = r.rows.find((x) => x.f === 'sampled')?.n ?? 0;
      return { rows: r.rows.filter((x) => x.f !== 'sampled'), totalExact: true, facetsExact: sampled === 0 };
    }
    const r = await sql<FacetRow>`
      WITH d AS MATERIALIZED (${docs}),
      m AS MATERIALIZED (
        SELECT s.department_id, s.region_code, d.item_type, d.service_objects, d.themes, d.depth, d.cross_province
        FROM d JOIN catalog_search s ON s.doc_id = d.id WHERE ${entryFilterSql(p.filters)} LIMIT ${p.cap})
      SELECT 'total' AS f, '' AS v, count(*)::int AS n FROM m
      UNION ALL (SELECT 'department', department_id::text, count(*)::int FROM m GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT 30)
      UNION ALL (SELECT 'region', ${region}, count(*)::int FROM m GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT 40)
      UNION ALL (SELECT 'type', item_type, count(*)::int FROM m GROUP BY 2)
      UNION ALL (SELECT 'object', o, count(*)::int FROM m, unnest(m.service_objects) o GROUP BY 2)
      UNION ALL (SELECT 'theme', t, count(*)::int FROM m, unnest(m.themes) t GROUP BY 2 ORDER BY 3 DESC LIMIT 30)
      UNION ALL (SELECT 'depth', depth::text, count(*)::int FROM m GROUP BY 2)
      UNION ALL (SELECT 'crossProvince', cross_province::text, count(*)::int FROM m GROUP BY 2)`.execute(db);
    const total = r.rows.find((x) => x.f === 'total')?.n ?? 0;
    return { rows: r.rows, totalExact: total < p.cap, facetsExact: total < p.cap };
  },

  /** Published entries per theme (sums over documents: cheap at any size). */
  themeCounts: async (db: Db) =>
    (await sql<{ theme: string; n: number }>`SELECT t AS theme, sum(entries)::int AS n FROM catalog_search_docs, unnest(themes) t GROUP BY t`.execute(db)).rows,

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

const BULK_INDEXES: [string, string][] = [
  ['catalog_search_docs_terms', 'CREATE INDEX catalog_search_docs_terms ON catalog_search_docs USING gin (terms)'],
  ['catalog_search_docs_name_terms', 'CREATE INDEX catalog_search_docs_name_terms ON catalog_search_docs USING gin (name_terms)'],
  ['catalog_search_doc_use', 'CREATE INDEX catalog_search_doc_use ON catalog_search (doc_id, use_count DESC, entity_id) INCLUDE (department_id, region_code)'],
  ['catalog_search_doc_region', 'CREATE INDEX catalog_search_doc_region ON catalog_search (doc_id, region_code text_pattern_ops) INCLUDE (use_count, entity_id, department_id)'],
];

/**
 * Multi-row inserts of published items for the benchmark's generated catalog: one statement per
 * batch keeps a million rows to minutes. The rows are built by the same code as a publish.
 */
export const bulkRepo = {
  /**
   * Inserts published items in batches. Documents are inserted once (their ids remembered in
   * `docIds`) with no entry count; `countDocEntries` sets the counts when the load is done —
   * counting per batch would update the same few hundred document rows a thousand times.
   */
  insertPublished: async (
    db: Db,
    rows: { item: Insertable<CatalogItemsTable> & { id: string }; version: { item_id: string; version: number; implementation_code: string; content: string; findings: string; published_by: null }; search: SearchRow }[],
    docIds: Map<string, number>,
  ) => {
    if (!rows.length) return;
    const split = rows.map((r) => splitRow(r.search));
    const fresh = new Map<string, DocPart>();
    for (const s of split) if (!docIds.has(s.doc.sig)) fresh.set(s.doc.sig, s.doc);
    if (fresh.size) {
      const docs = [...fresh.values()].sort((a, b) => (a.sig < b.sig ? -1 : 1));
      await db.insertInto('catalog_search_docs').values(docs).onConflict((oc) => oc.column('sig').doNothing()).execute();
      for (const d of await db.selectFrom('catalog_search_docs').select(['id', 'sig']).where('sig', 'in', docs.map((d) => d.sig)).execute()) docIds.set(d.sig, d.id);
    }
    await db.insertInto('catalog_items').values(rows.map((r) => r.item) as never).execute();
    await db.insertInto('catalog_item_versions').values(rows.map((r) => r.version)).execute();
    await db.insertInto('catalog_search').values(split.map((s, i) => ({ ...s.entry, use_count: (rows[i].search as { use_count?: number }).use_count ?? 0, doc_id: docIds.get(s.doc.sig)! }))).execute();
  },
  countDocEntries: async (db: Db) => {
    await sql`UPDATE catalog_search_docs d SET entries = c.n FROM (SELECT doc_id, count(*)::int AS n FROM catalog_search GROUP BY doc_id) c WHERE c.doc_id = d.id`.execute(db);
  },
  /** The search indexes, dropped before a bulk load and built afterwards (timed by the benchmark). */
  searchIndexNames: BULK_INDEXES.map(([n]) => n),
  dropSearchIndexes: async (db: Db) => {
    for (const [name] of BULK_INDEXES) await sql`DROP INDEX IF EXISTS ${sql.raw(name)}`.execute(db);
  },
  createSearchIndexes: async (db: Db) => {
    for (const [, ddl] of BULK_INDEXES) await sql.raw(ddl).execute(db);
    await sql`ANALYZE catalog_search_docs`.execute(db);
    // Sets the visibility map, so that the entry indexes serve index-only scans (autovacuum
    // does this in a running system).
    await sql`VACUUM ANALYZE catalog_search`.execute(db);
  },
  sizes: async (db: Db) =>
    (await sql<{ name: string; bytes: number }>`SELECT c.relname AS name, pg_relation_size(c.oid)::bigint AS bytes FROM pg_class c
      WHERE c.relname IN ('catalog_search', 'catalog_search_docs', 'catalog_items', 'catalog_item_versions', ${sql.join(BULK_INDEXES.map(([n]) => n))})`.execute(db)).rows,
  docCount: async (db: Db) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM catalog_search_docs`.execute(db)).rows[0].n,
};
