/**
 * All SQL of the open data tables (opendata_*). No rules. Search over datasets uses the bigram
 * array under GIN (`search_bigrams @> terms`) and the GIN indexes on tags and themes.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';
import { solrDate, type FqClause } from './opendata.fq';

export interface DatasetRow {
  id: string;
  name: string;
  resource_id: string | null;
  department_id: string;
  region_code: string;
  title: string;
  description: string;
  themes: string[];
  tags: string[];
  licence: string;
  frequency: string;
  temporal_start: string | null;
  temporal_end: string | null;
  spatial: string | null;
  access_level: 'open' | 'account' | 'conditional';
  status: 'published' | 'withdrawn';
  formats: string[];
  columns: { name: string; type: string; label?: string | null; description?: string | null }[];
  row_source: { resourceId: string } | null;
  documentation: string;
  terms: string;
  quality: { score?: number; dimensions?: Record<string, number>; computedAt?: string; available?: boolean | null };
  quality_score: number;
  rating_sum: number;
  rating_count: number;
  row_count: string | number | null;
  data_updated_at: Date | null;
  published_by: string | null;
  published_at: Date;
  created_at: Date;
  modified_at: Date;
}

export interface DatasetInsert {
  id: string;
  name: string;
  resource_id: string | null;
  department_id: string;
  region_code: string;
  title: string;
  description: string;
  themes: string[];
  tags: string[];
  licence: string;
  frequency: string;
  temporal_start: string | null;
  temporal_end: string | null;
  spatial: string | null;
  access_level: string;
  formats: string[];
  columns: unknown[];
  row_source: unknown;
  documentation: string;
  terms: string;
  quality: unknown;
  quality_score: number;
  row_count: number | null;
  data_updated_at: Date | null;
  published_by: string | null;
  search_bigrams: string[];
}

const DATASET_COLS = sql.raw(
  'id, name, resource_id, department_id, region_code, title, description, themes, tags, licence, frequency, temporal_start::text AS temporal_start, temporal_end::text AS temporal_end, spatial, access_level, status, formats, columns, row_source, documentation, terms, quality, quality_score, rating_sum, rating_count, row_count, data_updated_at, published_by, published_at, created_at, modified_at',
);

const arr = (a: string[]) => sql`CAST(${a} AS text[])`;

export interface SearchFilter {
  terms: string[];
  clauses: FqClause[];
  /** department codes → ids, resolved by the service. */
  orgIds: Map<string, string>;
  includeWithdrawn: boolean;
}

export const datasetsRepo = {
  async insert(db: Db, r: DatasetInsert) {
    await sql`INSERT INTO opendata_datasets (id, name, resource_id, department_id, region_code, title, description, themes, tags, licence, frequency,
        temporal_start, temporal_end, spatial, access_level, formats, columns, row_source, documentation, terms, quality, quality_score, row_count,
        data_updated_at, published_by, search_bigrams)
      VALUES (${r.id}, ${r.name}, ${r.resource_id}, ${r.department_id}, ${r.region_code}, ${r.title}, ${r.description}, ${arr(r.themes)}, ${arr(r.tags)},
        ${r.licence}, ${r.frequency}, ${r.temporal_start}, ${r.temporal_end}, ${r.spatial}, ${r.access_level}, ${arr(r.formats)},
        ${JSON.stringify(r.columns)}::jsonb, ${r.row_source === null ? null : JSON.stringify(r.row_source)}::jsonb, ${r.documentation}, ${r.terms},
        ${JSON.stringify(r.quality)}::jsonb, ${r.quality_score}, ${r.row_count}, ${r.data_updated_at}, ${r.published_by}, ${arr(r.search_bigrams)})`.execute(db);
  },
  async byIdOrName(db: Db, idOrName: string): Promise<DatasetRow | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
    const r = isUuid
      ? await sql<DatasetRow>`SELECT ${DATASET_COLS} FROM opendata_datasets WHERE id = ${idOrName}`.execute(db)
      : await sql<DatasetRow>`SELECT ${DATASET_COLS} FROM opendata_datasets WHERE name = ${idOrName}`.execute(db);
    return r.rows[0];
  },
  async byResource(db: Db, resourceId: string): Promise<DatasetRow | undefined> {
    return (await sql<DatasetRow>`SELECT ${DATASET_COLS} FROM opendata_datasets WHERE resource_id = ${resourceId}`.execute(db)).rows[0];
  },
  async byIds(db: Db, ids: string[]): Promise<DatasetRow[]> {
    if (!ids.length) return [];
    return (await sql<DatasetRow>`SELECT ${DATASET_COLS} FROM opendata_datasets WHERE id = ANY(${sql`CAST(${ids} AS uuid[])`})`.execute(db)).rows;
  },
  async setStatus(db: Db, id: string, status: 'published' | 'withdrawn') {
    await sql`UPDATE opendata_datasets SET status = ${status}, modified_at = now() WHERE id = ${id}`.execute(db);
  },
  async setQuality(db: Db, id: string, quality: unknown, score: number) {
    await sql`UPDATE opendata_datasets SET quality = ${JSON.stringify(quality)}::jsonb, quality_score = ${score} WHERE id = ${id}`.execute(db);
  },
  async addRating(db: Db, id: string, deltaSum: number, deltaCount: number) {
    await sql`UPDATE opendata_datasets SET rating_sum = rating_sum + ${deltaSum}, rating_count = rating_count + ${deltaCount} WHERE id = ${id}`.execute(db);
  },
  async names(db: Db, limit: number, offset: number): Promise<string[]> {
    const r = await sql<{ name: string }>`SELECT name FROM opendata_datasets WHERE status = 'published' ORDER BY name LIMIT ${limit} OFFSET ${offset}`.execute(db);
    return r.rows.map((x) => x.name);
  },
  conditions(f: SearchFilter): RawBuilder<unknown>[] {
    const w: RawBuilder<unknown>[] = [];
    if (!f.includeWithdrawn) w.push(sql`status = 'published'`);
    if (f.terms.length) w.push(sql`search_bigrams @> ${arr(f.terms)}`);
    for (const c of f.clauses) {
      let cond: RawBuilder<unknown> | null = null;
      const vals = c.values ?? [];
      switch (c.field) {
        case 'organization': {
          const ids = vals.map((v) => f.orgIds.get(v.toLowerCase()) ?? '00000000-0000-0000-0000-000000000000');
          cond = c.exists ? sql`true` : sql`department_id = ANY(${sql`CAST(${ids} AS uuid[])`})`;
          break;
        }
        case 'groups':
          cond = c.exists ? sql`cardinality(themes) > 0` : sql`themes && ${arr(vals.map((v) => v.toUpperCase()))}`;
          break;
        case 'tags':
          cond = c.exists ? sql`cardinality(tags) > 0` : sql`tags && ${arr(vals)}`;
          break;
        case 'res_format':
          cond = c.exists ? sql`cardinality(formats) > 0` : sql`formats && ${arr(vals.map((v) => v.toUpperCase()))}`;
          break;
        case 'license_id':
          cond = c.exists ? sql`true` : sql`licence = ANY(${arr(vals)})`;
          break;
        case 'name':
          cond = sql`name = ANY(${arr(vals)})`;
          break;
        case 'id':
          cond = sql`id::text = ANY(${arr(vals)})`;
          break;
        case 'access_level':
          cond = sql`access_level = ANY(${arr(vals)})`;
          break;
        case 'frequency':
          cond = sql`frequency = ANY(${arr(vals)})`;
          break;
        case 'spatial':
          cond = c.exists ? sql`spatial IS NOT NULL` : sql`spatial = ANY(${arr(vals)})`;
          break;
        case 'metadata_modified':
        case 'metadata_created': {
          const column = sql.raw(c.field === 'metadata_modified' ? 'modified_at' : 'created_at');
          if (c.range) {
            const parts: RawBuilder<unknown>[] = [];
            if (c.range.from) parts.push(sql`${column} >= ${solrDate(c.range.from)}::timestamptz`);
            if (c.range.to) parts.push(sql`${column} <= ${solrDate(c.range.to)}::timestamptz`);
            cond = parts.length ? sql.join(parts, sql` AND `) : sql`true`;
          } else cond = c.exists ? sql`true` : sql`${column} = ANY(${sql`CAST(${vals.map((v) => solrDate(v))} AS timestamptz[])`})`;
          break;
        }
        case 'capacity':
          // Every dataset here is public metadata; 'private' matches nothing.
          cond = c.exists || vals.includes('public') ? sql`true` : sql`false`;
          break;
        case 'dataset_type':
        case 'type':
          cond = c.exists || vals.includes('dataset') ? sql`true` : sql`false`;
          break;
        case 'state':
          cond = c.exists ? sql`true` : sql`status = ANY(${arr(vals.map((v) => (v === 'active' ? 'published' : v === 'deleted' ? 'withdrawn' : v)))})`;
          break;
      }
      if (cond) w.push(c.negate ? sql`NOT (${cond})` : cond);
    }
    return w;
  },
  /**
   * package_search's page: the matching datasets in the requested order, `limit` from `offset`,
   * in one statement (the page's ids first, over narrow index columns — with the default orders an
   * index walk that stops after offset + limit matches — then their full rows).
   */
  async page(db: Db, where: RawBuilder<unknown>[], order: RawBuilder<unknown>, limit: number, offset: number): Promise<DatasetRow[]> {
    if (limit <= 0) return [];
    const whereSql = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
    const r = await sql<DatasetRow & { __pos: number }>`WITH p AS (SELECT id, row_number() OVER () AS __pos FROM (SELECT id FROM opendata_datasets ${whereSql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) x)
      SELECT ${DATASET_COLS}, p.__pos FROM opendata_datasets JOIN p USING (id) ORDER BY p.__pos`.execute(db);
    return r.rows;
  },
  /**
   * The number of matches and the counts per value of the facet fields, in one statement over a
   * materialised CTE of the matches' facet columns. `cap`: read at most cap + 1 matches (the caller
   * learns that there are more than cap); `buckets`: only the matches whose `sample_bucket` is below
   * it (a uniform random sample of buckets/256 of them, read through the bucket index).
   */
  async matchStats(
    db: Db,
    where: RawBuilder<unknown>[],
    facetFields: ('tags' | 'themes' | 'formats' | 'department_id' | 'licence' | 'access_level')[],
    facetLimit: number,
    opts: { cap?: number; buckets?: number } = {},
  ): Promise<{ n: number; facets: Map<string, { value: string; count: number }[]> }> {
    const w = opts.buckets !== undefined && opts.buckets < 256 ? [...where, sql`sample_bucket < ${sql.lit(opts.buckets)}::smallint`] : where;
    const whereSql = w.length ? sql`WHERE ${sql.join(w, sql` AND `)}` : sql``;
    const cols = [...new Set(facetFields)];
    const parts: RawBuilder<unknown>[] = [sql`(SELECT 'n'::text AS k, 0 AS f, ''::text AS v, count(*)::bigint AS n FROM m)`];
    facetFields.forEach((f, i) => {
      const expr = ['tags', 'themes', 'formats'].includes(f) ? sql`unnest(${sql.id(f)})` : sql`${sql.id(f)}::text`;
      // The sampled counts are scaled up by the caller: keep every sampled value, then its top.
      parts.push(sql`(SELECT 'f', ${i}::int, v, n FROM (SELECT v, count(*) AS n FROM (SELECT ${expr} AS v FROM m) s GROUP BY v ORDER BY count(*) DESC, v LIMIT ${facetLimit}) x)`);
    });
    const limit = opts.cap !== undefined ? sql`LIMIT ${opts.cap + 1}` : sql``;
    const r = await sql<{ k: string; f: number; v: string; n: string }>`WITH m AS MATERIALIZED (SELECT ${cols.length ? sql.join(cols.map((c) => sql.id(c))) : sql`1 AS one`} FROM opendata_datasets ${whereSql} ${limit}) ${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    const facets = new Map<string, { value: string; count: number }[]>(facetFields.map((f) => [f, []]));
    let n = 0;
    for (const row of r.rows) {
      if (row.k === 'n') n = Number(row.n);
      else facets.get(facetFields[Number(row.f)])!.push({ value: row.v, count: Number(row.n) });
    }
    for (const list of facets.values()) list.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return { n, facets };
  },
  /** The catalog's version for caches of search counts: changes whenever a dataset is inserted, published, withdrawn or edited (modified_at). */
  async version(db: Db): Promise<string> {
    const r = await sql<{ v: string | null }>`SELECT max(modified_at)::text AS v FROM opendata_datasets`.execute(db);
    return r.rows[0]?.v ?? '';
  },
  async tags(db: Db, query: string | undefined, limit: number): Promise<string[]> {
    const r = query
      ? await sql<{ t: string }>`SELECT DISTINCT t FROM (SELECT unnest(tags) AS t FROM opendata_datasets WHERE status = 'published') s WHERE t ILIKE ${`%${query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`} ORDER BY t LIMIT ${limit}`.execute(db)
      : await sql<{ t: string }>`SELECT DISTINCT t FROM (SELECT unnest(tags) AS t FROM opendata_datasets WHERE status = 'published') s ORDER BY t LIMIT ${limit}`.execute(db);
    return r.rows.map((x) => x.t);
  },
  async countsByDepartment(db: Db): Promise<Map<string, number>> {
    const r = await sql<{ d: string; n: string }>`SELECT department_id AS d, count(*) AS n FROM opendata_datasets WHERE status = 'published' GROUP BY department_id`.execute(db);
    return new Map(r.rows.map((x) => [x.d, Number(x.n)]));
  },
  async countsByTheme(db: Db): Promise<Map<string, number>> {
    const r = await sql<{ t: string; n: string }>`SELECT t, count(*) AS n FROM (SELECT unnest(themes) AS t FROM opendata_datasets WHERE status = 'published') s GROUP BY t`.execute(db);
    return new Map(r.rows.map((x) => [x.t, Number(x.n)]));
  },
  /** The DCAT change feed: published and withdrawn datasets by modification time, keyset-paged. */
  async changedSince(db: Db, since: Date | null, limit: number, offset: number): Promise<{ rows: DatasetRow[]; total: number }> {
    const w = since ? sql`WHERE modified_at > ${since}` : sql`WHERE status = 'published'`;
    const [rows, count] = await Promise.all([
      sql<DatasetRow>`SELECT ${DATASET_COLS} FROM opendata_datasets ${w} ORDER BY modified_at, id LIMIT ${limit} OFFSET ${offset}`.execute(db),
      sql<{ n: string }>`SELECT count(*) AS n FROM opendata_datasets ${w}`.execute(db),
    ]);
    return { rows: rows.rows, total: Number(count.rows[0].n) };
  },
};

export const distributionsRepo = {
  async insert(db: Db, rows: { id: string; dataset_id: string; format: string; position: number }[]) {
    for (const r of rows) await sql`INSERT INTO opendata_distributions (id, dataset_id, format, position) VALUES (${r.id}, ${r.dataset_id}, ${r.format}, ${r.position})`.execute(db);
  },
  async ofDatasets(db: Db, ids: string[]): Promise<{ id: string; dataset_id: string; format: string; position: number }[]> {
    if (!ids.length) return [];
    return (await sql<{ id: string; dataset_id: string; format: string; position: number }>`SELECT id, dataset_id, format, position FROM opendata_distributions WHERE dataset_id = ANY(${sql`CAST(${ids} AS uuid[])`}) ORDER BY position`.execute(db)).rows;
  },
  async byId(db: Db, id: string) {
    return (await sql<{ id: string; dataset_id: string; format: string; position: number }>`SELECT id, dataset_id, format, position FROM opendata_distributions WHERE id = ${id}`.execute(db)).rows[0];
  },
};

export interface GrantRow {
  id: string;
  dataset_id: string;
  account_id: string;
  purpose: string;
  terms_accepted_at: Date;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  created_at: Date;
}

export const grantsRepo = {
  async insert(db: Db, r: { id: string; dataset_id: string; account_id: string; purpose: string }) {
    await sql`INSERT INTO opendata_access_grants (id, dataset_id, account_id, purpose, terms_accepted_at) VALUES (${r.id}, ${r.dataset_id}, ${r.account_id}, ${r.purpose}, now())`.execute(db);
  },
  async open(db: Db, datasetId: string, accountId: string): Promise<GrantRow | undefined> {
    return (await sql<GrantRow>`SELECT * FROM opendata_access_grants WHERE dataset_id = ${datasetId} AND account_id = ${accountId} AND status IN ('pending','approved')`.execute(db)).rows[0];
  },
  async byIdForUpdate(db: Db, id: string): Promise<GrantRow | undefined> {
    return (await sql<GrantRow>`SELECT * FROM opendata_access_grants WHERE id = ${id} FOR UPDATE`.execute(db)).rows[0];
  },
  async decide(db: Db, id: string, status: 'approved' | 'rejected', by: string, reason: string | null) {
    await sql`UPDATE opendata_access_grants SET status = ${status}, decided_by = ${by}, decided_at = now(), reason = ${reason} WHERE id = ${id}`.execute(db);
  },
  async list(db: Db, f: { accountId?: string; departmentIds?: string[] | null; status?: string }) {
    const w: RawBuilder<unknown>[] = [sql`true`];
    if (f.accountId) w.push(sql`g.account_id = ${f.accountId}`);
    if (f.departmentIds) w.push(sql`d.department_id = ANY(${sql`CAST(${f.departmentIds} AS uuid[])`})`);
    if (f.status) w.push(sql`g.status = ${f.status}`);
    return (
      await sql<GrantRow & { dataset_title: string; dataset_name: string; department_id: string; account_name: string }>`SELECT g.*, d.title AS dataset_title, d.name AS dataset_name, d.department_id, a.display_name AS account_name
        FROM opendata_access_grants g JOIN opendata_datasets d ON d.id = g.dataset_id JOIN accounts a ON a.id = g.account_id
        WHERE ${sql.join(w, sql` AND `)} ORDER BY g.created_at DESC LIMIT 500`.execute(db)
    ).rows;
  },
};

export const ratingsRepo = {
  async get(db: Db, datasetId: string, accountId: string) {
    return (await sql<{ stars: number; comment: string }>`SELECT stars, comment FROM opendata_ratings WHERE dataset_id = ${datasetId} AND account_id = ${accountId} FOR UPDATE`.execute(db)).rows[0];
  },
  async upsert(db: Db, datasetId: string, accountId: string, stars: number, comment: string) {
    await sql`INSERT INTO opendata_ratings (dataset_id, account_id, stars, comment) VALUES (${datasetId}, ${accountId}, ${stars}, ${comment})
      ON CONFLICT (dataset_id, account_id) DO UPDATE SET stars = EXCLUDED.stars, comment = EXCLUDED.comment, updated_at = now()`.execute(db);
  },
  async list(db: Db, datasetId: string, limit: number) {
    return (
      await sql<{ stars: number; comment: string; display_name: string; updated_at: Date }>`SELECT r.stars, r.comment, a.display_name, r.updated_at FROM opendata_ratings r JOIN accounts a ON a.id = r.account_id
        WHERE r.dataset_id = ${datasetId} ORDER BY r.updated_at DESC LIMIT ${limit}`.execute(db)
    ).rows;
  },
};

export interface RequestRow {
  id: string;
  requester_id: string;
  title: string;
  description: string;
  purpose: string;
  department_id: string | null;
  matches: { kind: 'dataset' | 'resource'; id: string; title: string; open: boolean; departmentId: string }[];
  status: 'open' | 'answered' | 'closed';
  due_at: Date;
  overdue: boolean;
  answer: string | null;
  answer_kind: string | null;
  answered_by: string | null;
  answered_at: Date | null;
  accepted_dataset_id: string | null;
  notified_dataset_ids: string[];
  closed_at: Date | null;
  created_at: Date;
  modified_at: Date;
}

export const requestsRepo = {
  async insert(db: Db, r: { id: string; requester_id: string; title: string; description: string; purpose: string; department_id: string | null; matches: unknown; due_at: Date }) {
    await sql`INSERT INTO opendata_requests (id, requester_id, title, description, purpose, department_id, matches, due_at)
      VALUES (${r.id}, ${r.requester_id}, ${r.title}, ${r.description}, ${r.purpose}, ${r.department_id}, ${JSON.stringify(r.matches)}::jsonb, ${r.due_at})`.execute(db);
  },
  async byId(db: Db, id: string, forUpdate = false): Promise<RequestRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return (await sql<RequestRow>`SELECT * FROM opendata_requests WHERE id = ${id} ${forUpdate ? sql`FOR UPDATE` : sql``}`.execute(db)).rows[0];
  },
  async update(db: Db, id: string, patch: Partial<Pick<RequestRow, 'title' | 'description' | 'status' | 'answer' | 'answer_kind' | 'answered_by' | 'accepted_dataset_id' | 'overdue'>> & { answered?: boolean; closed?: boolean; notified?: string }) {
    const sets: RawBuilder<unknown>[] = [sql`modified_at = now()`];
    if (patch.title !== undefined) sets.push(sql`title = ${patch.title}`);
    if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`);
    if (patch.status !== undefined) sets.push(sql`status = ${patch.status}`);
    if (patch.answer !== undefined) sets.push(sql`answer = ${patch.answer}`);
    if (patch.answer_kind !== undefined) sets.push(sql`answer_kind = ${patch.answer_kind}`);
    if (patch.answered_by !== undefined) sets.push(sql`answered_by = ${patch.answered_by}`);
    if (patch.accepted_dataset_id !== undefined) sets.push(sql`accepted_dataset_id = ${patch.accepted_dataset_id}`);
    if (patch.overdue !== undefined) sets.push(sql`overdue = ${patch.overdue}`);
    if (patch.answered) sets.push(sql`answered_at = now()`);
    if (patch.closed) sets.push(sql`closed_at = now()`);
    if (patch.notified) sets.push(sql`notified_dataset_ids = array_append(notified_dataset_ids, ${patch.notified}::uuid)`);
    await sql`UPDATE opendata_requests SET ${sql.join(sets)} WHERE id = ${id}`.execute(db);
  },
  async list(db: Db, f: { requesterId?: string; departmentIds?: string[] | null; status?: string; closed?: boolean; limit: number; offset: number }) {
    const w: RawBuilder<unknown>[] = [sql`true`];
    if (f.requesterId) w.push(sql`requester_id = ${f.requesterId}`);
    if (f.departmentIds) w.push(sql`department_id = ANY(${sql`CAST(${f.departmentIds} AS uuid[])`})`);
    if (f.status) w.push(sql`status = ${f.status}`);
    if (f.closed !== undefined) w.push(f.closed ? sql`status = 'closed'` : sql`status <> 'closed'`);
    const where = sql.join(w, sql` AND `);
    const [rows, n] = await Promise.all([
      sql<RequestRow>`SELECT * FROM opendata_requests WHERE ${where} ORDER BY created_at DESC LIMIT ${f.limit} OFFSET ${f.offset}`.execute(db),
      sql<{ n: string }>`SELECT count(*) AS n FROM opendata_requests WHERE ${where}`.execute(db),
    ]);
    return { rows: rows.rows, total: Number(n.rows[0].n) };
  },
  /** Requests not closed that name this resource among their matches. */
  async openMatchingResource(db: Db, resourceId: string): Promise<RequestRow[]> {
    return (await sql<RequestRow>`SELECT * FROM opendata_requests WHERE status <> 'closed' AND matches @> ${JSON.stringify([{ id: resourceId }])}::jsonb FOR UPDATE`.execute(db)).rows;
  },
  async openAll(db: Db): Promise<RequestRow[]> {
    return (await sql<RequestRow>`SELECT * FROM opendata_requests WHERE status <> 'closed' ORDER BY created_at LIMIT 5000`.execute(db)).rows;
  },
};

export const statsRepo = {
  async add(db: Db, rows: { day: string; dataset_id: string; department_id: string; views: number; downloads: number; api_calls: number }[]) {
    for (const r of rows)
      await sql`INSERT INTO opendata_stats (day, dataset_id, department_id, views, downloads, api_calls) VALUES (${r.day}, ${r.dataset_id}, ${r.department_id}, ${r.views}, ${r.downloads}, ${r.api_calls})
        ON CONFLICT (day, dataset_id) DO UPDATE SET views = opendata_stats.views + EXCLUDED.views, downloads = opendata_stats.downloads + EXCLUDED.downloads, api_calls = opendata_stats.api_calls + EXCLUDED.api_calls`.execute(db);
  },
  async byDataset(db: Db, from: string, to: string, datasetId?: string) {
    return (
      await sql<{ dataset_id: string; department_id: string; views: string; downloads: string; api_calls: string }>`SELECT dataset_id, department_id, sum(views) AS views, sum(downloads) AS downloads, sum(api_calls) AS api_calls
        FROM opendata_stats WHERE day BETWEEN ${from}::date AND ${to}::date ${datasetId ? sql`AND dataset_id = ${datasetId}` : sql``} GROUP BY dataset_id, department_id`.execute(db)
    ).rows.map((r) => ({ datasetId: r.dataset_id, departmentId: r.department_id, views: Number(r.views), downloads: Number(r.downloads), apiCalls: Number(r.api_calls) }));
  },
  async byDay(db: Db, from: string, to: string, datasetId?: string) {
    return (
      await sql<{ day: string; views: string; downloads: string; api_calls: string }>`SELECT day::text AS day, sum(views) AS views, sum(downloads) AS downloads, sum(api_calls) AS api_calls
        FROM opendata_stats WHERE day BETWEEN ${from}::date AND ${to}::date ${datasetId ? sql`AND dataset_id = ${datasetId}` : sql``} GROUP BY day ORDER BY day`.execute(db)
    ).rows.map((r) => ({ day: r.day, views: Number(r.views), downloads: Number(r.downloads), apiCalls: Number(r.api_calls) }));
  },
};
