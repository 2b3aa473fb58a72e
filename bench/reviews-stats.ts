/**
 * Reviews and 12345 statistics benchmark: the public statistics (reviewStats), the ledger page and
 * the three rates (inquiryRates) over a generated province-scale history. The statistics run twice:
 * before, computed live from the reviews (reviewStatsLive, a scan: the test oracle), and after,
 * read from the daily roll-ups (reviewStats); each answer of the roll-up is checked equal to the
 * live one. Also printed: the time to rebuild the roll-ups, the cost a review write pays to keep
 * them (one delta statement) and the load average.
 *
 *   npx tsx bench/reviews-stats.ts                          # 1,000,000 reviews, 300,000 inquiries, throwaway PostgreSQL
 *   npx tsx bench/reviews-stats.ts --embedded --n 100000    # the embedded PGlite database
 *   options: --n reviews  --m inquiries  --runs 7
 *
 * Rows are generated in SQL (generate_series): reviews over 40 departments (each in one region of
 * Fujian), 2,000 items (each of one department), five channels and two years (about 1,370 reviews a
 * day, so nearly every review is its own day × item row), levels skewed to the
 * good (as real data are);
 * every 差评 has a rectification case (most closed, some late). Each query runs after one warm-up,
 * `runs` times live and `rollupRuns` times from the roll-up; p50 and p99 (nearest rank) are printed.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/db/database';
import { migrateToLatest } from '../apps/server/src/db/migrate';
import { rebuildReviewRollup, reviewStats, reviewStatsLive, rectificationLedger, type StatsFilter } from '../apps/server/src/modules/reviews';
import { rollupDelta } from '../apps/server/src/modules/reviews/reviews.rollup';
import { inquiryRates } from '../apps/server/src/modules/interaction';
import { childrenOf } from '../apps/server/src/shared/regions';
import { startPgCluster } from '../test/pg-cluster';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const EMBEDDED = flag('embedded');
const N = opt('n', EMBEDDED ? 100_000 : 1_000_000);
const M = opt('m', Math.round(N * 0.3));
const RUNS = opt('runs', 9);
const ROLLUP_RUNS = opt('rollupRuns', 200);
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });

async function main() {
  const cluster = EMBEDDED ? null : await startPgCluster({ fast: true, settings: { shared_buffers: '1GB', work_mem: '64MB', maintenance_work_mem: '512MB', max_wal_size: '8GB' } });
  const handle = await openDatabase({ url: cluster?.url ?? 'memory://', dataDir: '/tmp/yiwang-bench-unused' });
  const db = handle.db;
  try {
    await migrateToLatest(db);
    const regions = ['350000', ...childrenOf('350000').flatMap((c) => [c.code, ...childrenOf(c.code).map((x) => x.code)])].filter((c) => c !== '350000');
    const regionArr = `ARRAY[${regions.map((r) => `'${r}'`).join(',')}]::text[]`;
    log(`generating ${fmt(N, 0)} reviews over ${regions.length} regions (${EMBEDDED ? 'PGlite' : 'PostgreSQL'})`);
    let t = performance.now();
    // Departments: 40 fixed ids; items: 2,000 fixed ids (md5-derived uuids, stable across runs).
    await sql.raw(`
      INSERT INTO reviews (id, subject_kind, subject_id, subject_number, subject_title, department_id, item_id, region_code, reviewer_id, reviewer_name,
                           channel, indicator_set, level, first_level, scores, comment, revision, rerated, status, device_id, ip, concluded_at, created_at, updated_at)
      SELECT md5('r' || i)::uuid, 'visit', md5('s' || i)::uuid, NULL, '事项' || (i % 2000),
             md5('d' || (i % 40))::uuid, md5('i' || (i % 2000))::uuid, (${regionArr})[1 + ((i % 40) * 7) % ${regions.length}], NULL, '张*',
             (ARRAY['web','mobile','window_device','12345','sms'])[1 + ((i / 40) % 5)], 'onsite',
             lv, lv, '{"overall":5}'::jsonb, NULL, 1, false, 'valid', NULL, NULL,
             ts, ts + interval '1 hour', ts + interval '1 hour'
      FROM (SELECT i, CASE WHEN i % 100 < 62 THEN 5 WHEN i % 100 < 84 THEN 4 WHEN i % 100 < 94 THEN 3 WHEN i % 100 < 98 THEN 2 ELSE 1 END AS lv,
                   timestamptz '2025-01-01' + (i::bigint * 63072000 / ${N}) * interval '1 second' AS ts
            FROM generate_series(1, ${N}) AS i) g`).execute(db);
    await sql.raw(`
      INSERT INTO rectification_cases (id, number, review_id, department_id, region_code, state, step_due, late_steps, created_at)
      SELECT md5('c' || r.id)::uuid, 'ZG' || row_number() OVER (), r.id, r.department_id, r.region_code,
             CASE WHEN abs(hashtext(r.id::text)) % 10 < 8 THEN 'closed' WHEN abs(hashtext(r.id::text)) % 10 < 9 THEN 'awaiting_rerate' ELSE 'rectifying' END,
             (r.created_at + interval '5 days')::date, CASE WHEN abs(hashtext(r.id::text)) % 7 = 0 THEN 1 ELSE 0 END, r.created_at
      FROM reviews r WHERE r.level <= 2`).execute(db);
    log(`reviews and cases in ${fmt((performance.now() - t) / 1000)} s`);
    t = performance.now();
    await sql.raw(`
      INSERT INTO inquiries (id, number, kind, category, urgency, title, content, region_code, channel, state, department_id, dispatched_at, respond_due, resolve_due,
                             responded_at, responded_late, replied_at, resolved, satisfaction, created_at, updated_at)
      SELECT md5('q' || i)::uuid, 'Q' || i, (ARRAY['consultation','complaint','suggestion','help','report'])[1 + (i % 5)], 'other', 'normal', '标题', '内容',
             (${regionArr})[1 + (i % ${regions.length})], 'web', CASE WHEN i % 10 < 7 THEN 'closed' WHEN i % 10 < 9 THEN 'replied' ELSE 'dispatched' END,
             md5('d' || (i % 40))::uuid, ts, ts + interval '1 day', ts + interval '15 days',
             CASE WHEN i % 10 < 9 THEN ts + interval '3 hours' END, CASE WHEN i % 10 < 9 THEN i % 13 = 0 END, CASE WHEN i % 10 < 9 THEN ts + interval '5 days' END,
             CASE WHEN i % 10 < 7 THEN i % 11 <> 0 END, CASE WHEN i % 10 < 7 THEN 1 + (i % 5) END, ts, ts
      FROM (SELECT i, timestamptz '2025-01-01' + (i % 63072000) * interval '1 second' AS ts FROM generate_series(1, ${M}) AS i) g`).execute(db);
    await sql`ANALYZE`.execute(db);
    log(`${fmt(M, 0)} inquiries in ${fmt((performance.now() - t) / 1000)} s`);
    t = performance.now();
    await rebuildReviewRollup(db);
    await sql`ANALYZE review_stats_daily`.execute(db);
    await sql`ANALYZE review_stats_daily_coarse`.execute(db);
    await sql`ANALYZE review_stats_monthly`.execute(db);
    await sql`ANALYZE review_stats_monthly_item`.execute(db);
    const sizes = (await sql<{ fine: number; coarse: number; monthly: number; monthlyItem: number }>`SELECT (SELECT count(*) FROM review_stats_daily)::int AS fine, (SELECT count(*) FROM review_stats_daily_coarse)::int AS coarse,
      (SELECT count(*) FROM review_stats_monthly)::int AS monthly, (SELECT count(*) FROM review_stats_monthly_item)::int AS "monthlyItem"`.execute(db)).rows[0];
    log(`roll-ups rebuilt in ${fmt((performance.now() - t) / 1000)} s — rows: daily ${fmt(sizes.fine, 0)} (day × department × item × region × channel), daily without the item ${fmt(sizes.coarse, 0)}, monthly ${fmt(sizes.monthlyItem, 0)}, monthly without the item ${fmt(sizes.monthly, 0)}`);

    const dept = (await sql<{ id: string }>`SELECT md5('d' || 7)::uuid::text AS id`.execute(db)).rows[0].id;
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
    const time = async (fn: () => Promise<unknown>, runs: number) => {
      await fn();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await fn();
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      return { p50: pct(times, 50), p99: pct(times, 99) };
    };
    const stats: [string, StatsFilter][] = [
      ['all (one row)', {}],
      ['by department', { groupBy: 'department' }],
      ['by region, 福州 subtree', { groupBy: 'region', regionCode: '350100' }],
      ['by month, one year', { groupBy: 'month', from: '2025-01-01', to: '2025-12-31' }],
      ['one department by item', { groupBy: 'item', departmentId: dept }],
      ['SMS channel, one quarter', { channel: 'sms', from: '2026-01-01', to: '2026-03-31' }],
      ['one item, by month', { groupBy: 'month', itemId: (await sql<{ id: string }>`SELECT md5('i' || 77)::uuid::text AS id`.execute(db)).rows[0].id }],
    ];
    console.log(`\nreviewStats, ${fmt(N, 0)} reviews: before = live scan (reviewStatsLive, ${RUNS} runs), after = roll-up (reviewStats, ${ROLLUP_RUNS} runs); load average ${load()}`);
    console.log(`${'query'.padEnd(28)} ${'before p50'.padStart(11)} ${'before p99'.padStart(11)} ${'after p50'.padStart(10)} ${'after p99'.padStart(10)} ${'p50 ratio'.padStart(10)}  equal`);
    for (const [name, f] of stats) {
      const same = JSON.stringify(await reviewStats(db, f)) === JSON.stringify(await reviewStatsLive(db, f));
      const before = await time(() => reviewStatsLive(db, f), RUNS);
      const after = await time(() => reviewStats(db, f), ROLLUP_RUNS);
      console.log(`${name.padEnd(28)} ${fmt(before.p50).padStart(11)} ${fmt(before.p99).padStart(11)} ${fmt(after.p50, 2).padStart(10)} ${fmt(after.p99, 2).padStart(10)} ${(fmt(before.p50 / after.p50, 0) + '×').padStart(10)}  ${same ? 'yes' : 'NO'}`);
    }
    // What a review write pays: subtracting and re-adding one review's contribution (two statements
    // of the write transaction, e.g. a step of its case).
    const ids = (await sql<{ id: string }>`SELECT id::text FROM reviews ORDER BY id LIMIT 200`.execute(db)).rows.map((r) => r.id);
    let k = 0;
    const delta = await time(() => db.transaction().execute(async (trx) => {
      const id = ids[k++ % ids.length];
      await rollupDelta(trx, [id], -1);
      await rollupDelta(trx, [id], 1);
    }), ROLLUP_RUNS);
    console.log(`roll-up upkeep per write (−1 and +1 of one review: 2 statements, each upserting 1 row in each of the 4 roll-ups, in one transaction): p50 ${fmt(delta.p50, 2)} ms, p99 ${fmt(delta.p99, 2)} ms; load average ${load()}`);

    const others: [string, () => Promise<unknown>][] = [
      ['ledger: first page', () => rectificationLedger(db, { limit: 50 })],
      ['ledger: 福州 subtree, page 20', () => rectificationLedger(db, { regionCode: '350100', limit: 50, offset: 950 })],
      ['inquiryRates: by department', () => inquiryRates(db, { groupBy: 'department' })],
      ['inquiryRates: by region, 福州 subtree', () => inquiryRates(db, { groupBy: 'region', regionCode: '350100' })],
    ];
    console.log(`\n${'query'.padEnd(42)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(10)}`);
    for (const [name, fn] of others) {
      const r = await time(fn, RUNS);
      console.log(`${name.padEnd(42)} ${fmt(r.p50).padStart(10)} ${fmt(r.p99).padStart(10)}`);
    }
    console.log(`load average at the end: ${load()}`);
  } finally {
    await handle.close();
    await cluster?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
