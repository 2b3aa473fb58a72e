/**
 * package_search on a large catalog, on both databases: exact totals and facets for small match
 * sets, estimates from a random sample (labelled) for large ones, and (PostgreSQL) the page and
 * the sample read through indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, testApp } from '../../../../../test/helpers';
import { datasetsRepo } from './opendata.repository';
import { SEARCH_EXACT_CAP } from './opendata.service';
import { searchTerms } from './opendata.text';

const N = 6000;

describe.each(DB_KINDS)('package_search on a large catalog on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind);
    const depts = (await app.services.org.departments()).slice(0, 3).map((d) => d.id);
    // N datasets about 公交 in one statement: a third per department, every other one tagged 交通, a tenth with the word k0 … k9.
    const terms = searchTerms('福州公交线路 交通');
    await sql`INSERT INTO opendata_datasets (id, name, department_id, region_code, title, description, themes, tags, licence, frequency, access_level, formats, search_bigrams, quality_score)
      SELECT gen_random_uuid(), 'big-' || g, (${sql`CAST(${depts} AS uuid[])`})[1 + g % 3], '350100', '福州公交线路 ' || g, '公交线路', ARRAY['TRAN'],
        CASE WHEN g % 2 = 0 THEN ARRAY['交通'] ELSE ARRAY['民生'] END, 'cc-by-4.0', 'monthly', 'open', ARRAY['CSV'], ${sql`CAST(${terms} AS text[])`} || ('k' || g % 10), g % 100
      FROM generate_series(1, ${N}::int) AS g`.execute(app.database.db);
    await sql`ANALYZE opendata_datasets`.execute(app.database.db);
  }, 120_000);
  afterAll(async () => app?.close());

  const search = async (params: Record<string, string>) => {
    const res = await app.inject({ method: 'GET', url: `/api/3/action/package_search?${new URLSearchParams({ 'facet.field': '["organization","tags"]', ...params })}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result;
  };

  it('estimates count and facets of a large match set from a sample, and says so', async () => {
    const r = await search({ q: '公交线路', rows: '5' });
    expect(r.count_was_estimated).toBe(true);
    expect(r.facets_were_estimated).toBe(true);
    expect(r.estimation.sample_fraction).toBeGreaterThan(0);
    expect(r.estimation.sample_fraction).toBeLessThan(1);
    expect(r.estimation.sample_size).toBeGreaterThan(100);
    // A uniform sample of ~500: within a few standard deviations (≈5 %) of the truth.
    expect(r.count).toBeGreaterThan(N * 0.75);
    expect(r.count).toBeLessThan(N * 1.25);
    const tags = r.facets.tags as Record<string, number>;
    expect(tags['交通']).toBeGreaterThan(N * 0.3);
    expect(tags['交通']).toBeLessThan(N * 0.7);
    // The three departments of the generated rows, each about a third; the demo catalog's own
    // bus-route dataset may or may not fall into the sample, so a fourth organisation is allowed.
    const orgs = r.search_facets.organization.items as { name: string; count: number }[];
    const big = orgs.filter((o) => o.count > N * 0.2);
    expect(big).toHaveLength(3);
    for (const o of big) expect(o.count).toBeLessThan(N * 0.5);
    expect(orgs.length).toBeLessThanOrEqual(4);
    // The page itself is exact: the best quality first.
    expect(r.results).toHaveLength(5);
    expect(r.results.map((d: { quality: { score: number } }) => d.quality.score)).toEqual([99, 99, 99, 99, 99]);
  });

  it('keeps count and facets exact for small match sets', async () => {
    const small = await search({ q: '公交线路 k3', rows: '0' });
    expect(small.count_was_estimated).toBe(false);
    expect(small.facets_were_estimated).toBe(false);
    expect(small.estimation).toBeUndefined();
    const expected = N / 10;
    expect(small.count).toBe(expected);
    expect(Object.values(small.facets.tags as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(expected);
    expect(expected).toBeLessThan(SEARCH_EXACT_CAP);
  });

  it.runIf(kind === 'postgres')('reads the page and the sample through indexes (EXPLAIN)', async () => {
    const db = app.database.db;
    for (const q of [{ q: '公交' }, { q: '', fq: 'tags:交通' }, { q: '' }]) {
      const { where, order } = await app.services.opendata.searchSql(q);
      const w = sql.join(where, sql` AND `);
      const plans = await db.transaction().execute(async (trx) => {
        // The planner would scan a table this small; forbid it, so that a statement no index can serve shows it.
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const page = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM opendata_datasets WHERE ${w} ORDER BY ${order} LIMIT 20`.execute(trx);
        const sample = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT tags FROM opendata_datasets WHERE ${w} AND sample_bucket < 4::smallint`.execute(trx);
        return [page, sample].map((p) => p.rows.map((x) => x['QUERY PLAN']).join('\n'));
      });
      expect(plans[0], JSON.stringify(q)).not.toMatch(/Seq Scan/);
      expect(plans[0], JSON.stringify(q)).toMatch(/Index/);
      expect(plans[1], JSON.stringify(q)).toMatch(/opendata_datasets_sample/);
      expect(plans[1], JSON.stringify(q)).not.toMatch(/Seq Scan/);
    }
    // The repository's page statement is the one explained above.
    expect((await datasetsRepo.page(db, (await app.services.opendata.searchSql({ q: '公交' })).where, sql`quality_score DESC, modified_at DESC, id`, 3, 0)).length).toBe(3);
  });
});
