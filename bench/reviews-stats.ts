/**
 * Reviews and 12345 statistics benchmark: the public statistics (reviewStats), the ledger page and
 * the three rates (inquiryRates) over a generated province-scale history.
 *
 *   npx tsx bench/reviews-stats.ts                          # 1,000,000 reviews, 300,000 inquiries, throwaway PostgreSQL
 *   npx tsx bench/reviews-stats.ts --embedded --n 100000    # the embedded PGlite database
 *   options: --n reviews  --m inquiries  --runs 7
 *
 * Rows are generated in SQL (generate_series): reviews over 40 departments, 2,000 items, the
 * regions of Fujian, five channels and two years, levels skewed to the good (as real data are);
 * every 差评 has a rectification case (most closed, some late). Each query runs `runs` times after
 * one warm-up; the median and the worst are printed.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/db/database';
import { migrateToLatest } from '../apps/server/src/db/migrate';
import { reviewStats, rectificationLedger } from '../apps/server/src/modules/reviews';
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
const RUNS = opt('runs', 7);
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
             md5('d' || (i % 40))::uuid, md5('i' || (i % 2000))::uuid, (${regionArr})[1 + (i % ${regions.length})], NULL, '张*',
             (ARRAY['web','mobile','window_device','12345','sms'])[1 + (i % 5)], 'onsite',
             lv, lv, '{"overall":5}'::jsonb, NULL, 1, false, 'valid', NULL, NULL,
             ts, ts + interval '1 hour', ts + interval '1 hour'
      FROM (SELECT i, CASE WHEN i % 100 < 62 THEN 5 WHEN i % 100 < 84 THEN 4 WHEN i % 100 < 94 THEN 3 WHEN i % 100 < 98 THEN 2 ELSE 1 END AS lv,
                   timestamptz '2025-01-01' + (i % 63072000) * interval '1 second' * 1 AS ts
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

    const dept = (await sql<{ id: string }>`SELECT md5('d' || 7)::uuid::text AS id`.execute(db)).rows[0].id;
    const cases: [string, () => Promise<unknown>][] = [
      ['reviewStats: all (one row)', () => reviewStats(db, {})],
      ['reviewStats: by department', () => reviewStats(db, { groupBy: 'department' })],
      ['reviewStats: by region, 福州 subtree', () => reviewStats(db, { groupBy: 'region', regionCode: '350100' })],
      ['reviewStats: by month, one year', () => reviewStats(db, { groupBy: 'month', from: '2025-01-01', to: '2025-12-31' })],
      ['reviewStats: one department by item', () => reviewStats(db, { groupBy: 'item', departmentId: dept })],
      ['reviewStats: SMS channel, one quarter', () => reviewStats(db, { channel: 'sms', from: '2026-01-01', to: '2026-03-31' })],
      ['ledger: first page', () => rectificationLedger(db, { limit: 50 })],
      ['ledger: 福州 subtree, page 20', () => rectificationLedger(db, { regionCode: '350100', limit: 50, offset: 950 })],
      ['inquiryRates: by department', () => inquiryRates(db, { groupBy: 'department' })],
      ['inquiryRates: by region, 福州 subtree', () => inquiryRates(db, { groupBy: 'region', regionCode: '350100' })],
    ];
    console.log(`\n${'query'.padEnd(42)} ${'median ms'.padStart(10)} ${'max ms'.padStart(10)}`);
    for (const [name, fn] of cases) {
      await fn();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        await fn();
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      console.log(`${name.padEnd(42)} ${fmt(times[Math.floor(times.length / 2)]).padStart(10)} ${fmt(times[times.length - 1]).padStart(10)}`);
    }
  } finally {
    await handle.close();
    await cluster?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
