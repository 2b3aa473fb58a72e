/**
 * Oversight benchmark on a throwaway PostgreSQL cluster: 1,000,000 applications, 200,000 reviews
 * and 200,000 12345 inquiries generated directly in SQL into the real tables (over the demo node's
 * catalog, departments and regions), then:
 *  - the full roll-up refresh, and an incremental one after 2,000 applications (moving month,
 *    region, department, decision), 200 reviews and 200 inquiries changed (load average printed);
 *  - exactness: the roll-up equals a live computation over the facts views (applications, reviews, inquiries);
 *  - the overview dashboard API (every widget, with previous-period comparisons) as a supervisor:
 *    p50/p90/p99 over sequential requests, and with 4 concurrent clients;
 *  - the same figure computed live (no roll-up), for comparison.
 *
 *   npx tsx bench/oversight.ts                 # 1,000,000 / 200,000 / 200,000
 *   npx tsx bench/oversight.ts --n 100000      # smaller
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../apps/server/src/app';
import { loadConfig } from '../apps/server/src/config';
import { CATEGORIES } from '../apps/server/src/modules/interaction';
import { seedApplications } from '../apps/server/src/modules/oversight/oversight.demo';
import { mapUnits } from '../apps/server/src/modules/oversight/oversight.geo';
import { startPgCluster } from '../test/pg-cluster';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const N = opt('n', 1_000_000);
const REVIEWS = opt('reviews', Math.round(N / 5));
const INQUIRIES = opt('inquiries', Math.round(N / 5));
const REQUESTS = opt('requests', 300);
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  const ms = performance.now() - t;
  log(`${label}: ${fmt(ms / 1000, 2)} s`);
  return [r, ms];
}

async function main() {
  log(`oversight benchmark: PostgreSQL, ${fmt(N, 0)} applications, ${fmt(REVIEWS, 0)} reviews, ${fmt(INQUIRIES, 0)} inquiries`);
  const cluster = await startPgCluster({ fast: true, settings: { shared_buffers: '1GB', maintenance_work_mem: '512MB', work_mem: '64MB', max_wal_size: '8GB', effective_cache_size: '4GB', random_page_cost: '1.1' } });
  try {
    const config = loadConfig({}, {
      DATABASE_URL: cluster.url, DATABASE_POOL_SIZE: 10, DATA_DIR: '/tmp/yiwang-bench-unused', DATA_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
      LOG_LEVEL: 'silent', PUBLIC_URL: 'http://bench.test', STRICT_AUDIT: false, JOB_RUNNER: false, DEMO_DATA: true, OVERSIGHT_DEMO_HISTORY: false, WEB_DIST: '/nonexistent', LOGIN_RATE_PER_MINUTE: 10000,
    });
    const [app] = await timed('server built, demo node loaded', () => buildApp(config));
    const db = app.database.db;
    const ov = app.services.oversight;
    const today = new Date();
    await ov.engine.ensureWorkdayIndex(db, { lo: new Date(today.getTime() - 800 * 86400_000).toISOString().slice(0, 10), hi: new Date(today.getTime() + 120 * 86400_000).toISOString().slice(0, 10) });

    const [, genApps] = await timed(`generated ${fmt(N, 0)} applications`, () => seedApplications(db, N));
    const regions = ['350100', ...mapUnits('350100').map((u) => u.code), '350200', ...mapUnits('350200').map((u) => u.code)];
    const [, genReviews] = await timed(`generated ${fmt(REVIEWS, 0)} reviews (+ rectification cases of the bad ones)`, async () => {
      await sql`INSERT INTO reviews (id, subject_kind, subject_id, subject_number, subject_title, department_id, item_id, region_code, reviewer_name, channel, indicator_set, level, first_level, scores, concluded_at, created_at, updated_at)
        SELECT gen_random_uuid(), 'application', a.id, a.number, a.title, a.department_id, a.item_id, a.region_code, '示例评价人',
          (ARRAY['web','mobile','12345','sms'])[1 + abs(hashtext(a.number || 'c')) % 4], 'online', a.lv, a.lv, '{}'::jsonb, a.decided_at, least(a.decided_at + interval '1 day', now()), least(a.decided_at + interval '1 day', now())
        FROM (SELECT x.*, CASE WHEN abs(hashtext(x.number)) % 100 < 4 THEN 1 + abs(hashtext(x.number || 'x')) % 2 ELSE 3 + abs(hashtext(x.number || 'y')) % 3 END AS lv
              FROM applications x WHERE x.decided_at IS NOT NULL AND x.number LIKE 'DEMO%' ORDER BY x.number LIMIT ${REVIEWS}) a`.execute(db);
      await sql`INSERT INTO rectification_cases (id, number, review_id, department_id, region_code, state, step_due, late_steps, created_at)
        SELECT gen_random_uuid(), 'ZG' || lpad(row_number() OVER (ORDER BY r.id)::text, 9, '0'), r.id, r.department_id, r.region_code,
          (ARRAY['closed','closed','closed','awaiting_rerate','rectifying','verifying'])[1 + abs(hashtext(r.id::text)) % 6], (r.created_at + interval '10 days')::date,
          CASE WHEN abs(hashtext(r.id::text || 'l')) % 10 = 0 THEN 1 ELSE 0 END, r.created_at
        FROM reviews r WHERE r.level <= 2 AND NOT EXISTS (SELECT 1 FROM rectification_cases c WHERE c.review_id = r.id)`.execute(db);
    });
    const depts = (await db.selectFrom('departments').select('id').execute()).map((d) => d.id);
    const cats = CATEGORIES.map((c) => c.code);
    const [, genInq] = await timed(`generated ${fmt(INQUIRIES, 0)} inquiries`, async () => {
      await sql`INSERT INTO inquiries (id, number, kind, category, urgency, title, content, region_code, channel, state, department_id, dispatched_at, respond_due, resolve_due, responded_at, responded_late, replied_at, replied_late, resolved, satisfaction, created_at, updated_at)
        SELECT gen_random_uuid(), 'B' || lpad(s::text, 10, '0'), (ARRAY['consultation','complaint','suggestion','help','report'])[1 + h % 5],
          (${cats}::text[])[1 + (h / 7) % ${cats.length}], 'normal', '示例诉求', '示例诉求内容', (${regions}::text[])[1 + (h / 11) % ${regions.length}],
          (ARRAY['web','mobile','12345'])[1 + (h / 13) % 3], 'closed', (${depts}::uuid[])[1 + (h / 17) % ${depts.length}],
          t + interval '1 hour', t + interval '1 day', t + interval '15 days', t + interval '5 hours', (h % 10 = 0), t + interval '3 days', false,
          CASE WHEN h % 7 = 0 THEN NULL ELSE (h % 5 <> 0) END, CASE WHEN h % 3 = 0 THEN NULL ELSE 1 + (h / 19) % 5 END, t, t
        FROM (SELECT s, abs(hashtext(s::text || 'i')) AS h, now() - make_interval(days => abs(hashtext(s::text || 't')) % 740) AS t FROM generate_series(1, ${INQUIRIES}) s) g`.execute(db);
    });
    await sql`ANALYZE`.execute(db);
    const counts = (await sql<{ a: number; r: number; i: number }>`SELECT (SELECT count(*) FROM applications)::int AS a, (SELECT count(*) FROM reviews)::int AS r, (SELECT count(*) FROM inquiries)::int AS i`.execute(db)).rows[0];
    log(`rows: applications ${fmt(counts.a, 0)}, reviews ${fmt(counts.r, 0)}, inquiries ${fmt(counts.i, 0)}`);

    const loadFull = os.loadavg();
    const [full, fullMs] = await timed('full roll-up refresh (all sources)', () => ov.engine.refresh(undefined, { full: true }));
    for (const r of full) log(`  ${r.source}: ${fmt(r.rows, 0)} roll-up rows, ${fmt(r.millis / 1000, 2)} s`);
    const exact: string[] = [];
    for (const s of ['applications', 'reviews', 'inquiries', 'market', 'catalog']) {
      const [v, ms] = await timed(`exactness ${s}: roll-up vs live over the facts view`, () => ov.engine.verify(s, '350000'));
      exact.push(`${s} ${v.equal ? 'equal' : 'DIFFERENT'} (${fmt(ms / 1000, 2)} s live)`);
      if (!v.equal) log(`  ${JSON.stringify(v)}`);
    }

    const login = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'fz.supervisor', password: 'Yiwang@2026' } });
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    const [y, m] = month.split('-').map(Number);
    const ym = (k: number) => { const t = y * 12 + m - 1 - k; return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`; };
    const urls = [
      '/api/oversight/dashboards/overview',
      `/api/oversight/dashboards/overview?from=${ym(5)}&to=${ym(3)}`,
      `/api/oversight/dashboards/overview?from=${ym(11)}&to=${ym(0)}`,
      '/api/oversight/dashboards/overview?region=350102',
      `/api/oversight/dashboards/overview?mapMeasure=on_time_rate&from=${ym(1)}&to=${ym(1)}`,
    ];
    const one = async (url: string) => {
      const t = performance.now();
      const r = await app.inject({ method: 'GET', url, headers: { cookie } });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      return performance.now() - t;
    };
    for (const u of urls) await one(u);
    // Cold: the per-snapshot dashboard cache emptied before every request, so every widget is computed.
    const cache = (ov as unknown as { dashCache: Map<string, unknown> }).dashCache;
    const cold: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      cache.clear();
      cold.push(await one(urls[i % urls.length]));
    }
    log(`OVERVIEW computed (no dashboard cache, ${REQUESTS} sequential requests): p50 ${fmt(pct(cold, 50))} ms, p90 ${fmt(pct(cold, 90))} ms, p99 ${fmt(pct(cold, 99))} ms, max ${fmt(Math.max(...cold))} ms`);
    const seq: number[] = [];
    for (let i = 0; i < REQUESTS; i++) seq.push(await one(urls[i % urls.length]));
    log(`OVERVIEW as served (${REQUESTS} sequential requests, ${urls.length} filter sets, cached per snapshot): p50 ${fmt(pct(seq, 50))} ms, p90 ${fmt(pct(seq, 90))} ms, p99 ${fmt(pct(seq, 99))} ms, max ${fmt(Math.max(...seq))} ms`);
    const conc: number[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; i < REQUESTS / 4; i++) conc.push(await one(urls[(i + c) % urls.length]));
    }));
    const rps = conc.length / ((performance.now() - t0) / 1000);
    log(`OVERVIEW as served, 4 concurrent clients: p50 ${fmt(pct(conc, 50))} ms, p90 ${fmt(pct(conc, 90))} ms, p99 ${fmt(pct(conc, 99))} ms, max ${fmt(Math.max(...conc))} ms; ${fmt(rps)} req/s`);

    const liveTimes: number[] = [];
    for (let i = 0; i < 3; i++) liveTimes.push(await one(`/api/oversight/measures/on_time_rate?region=350100&from=${ym(2)}&to=${ym(0)}&breakdown=department&live=true`));
    const rollTimes: number[] = [];
    for (let i = 0; i < 20; i++) rollTimes.push(await one(`/api/oversight/measures/on_time_rate?region=350100&from=${ym(2)}&to=${ym(0)}&breakdown=department`));
    log(`one measure by department: roll-up p50 ${fmt(pct(rollTimes, 50))} ms vs live ${fmt(pct(liveTimes, 50))} ms`);

    // Incremental: 2,000 applications change — spread over the whole history, some moving to another
    // month, region or department, some decided or reopened — plus 200 reviews and 200 inquiries.
    // Only those rows are re-read (their stored contributions subtracted, current ones added).
    await sql`UPDATE applications a SET
        submitted_at = CASE WHEN c.r % 4 = 0 THEN a.submitted_at - interval '35 days' ELSE a.submitted_at END,
        region_code = CASE WHEN c.r % 4 = 1 THEN (${regions}::text[])[(1 + c.r % ${regions.length})::int] ELSE a.region_code END,
        department_id = CASE WHEN c.r % 4 = 2 THEN (${depts}::uuid[])[(1 + c.r % ${depts.length})::int] ELSE a.department_id END,
        decided_at = CASE WHEN c.r % 4 = 3 THEN NULL ELSE a.decided_at END,
        sla_state = CASE WHEN c.r % 4 = 3 THEN 'overdue' ELSE a.sla_state END,
        state = CASE WHEN c.r % 4 = 3 THEN 'under_review' ELSE a.state END,
        updated_at = now()
      FROM (SELECT id, row_number() OVER () AS r FROM applications WHERE number LIKE 'DEMO%' AND abs(hashtext(number || 'chg')) % ${Math.max(1, Math.round(N / 2000))} = 0 LIMIT 2000) c
      WHERE a.id = c.id`.execute(db);
    await sql`UPDATE reviews SET level = CASE WHEN level >= 3 THEN 2 ELSE 4 END, updated_at = now() WHERE id IN (SELECT id FROM reviews ORDER BY md5(id::text) LIMIT 200)`.execute(db);
    await sql`UPDATE inquiries SET department_id = ${depts[0]}, satisfaction = 5, updated_at = now() WHERE id IN (SELECT id FROM inquiries ORDER BY md5(id::text) LIMIT 200)`.execute(db);
    // A refresh re-reads rows written in the last second before its start (margin for clocks): in
    // service the changes precede the next refresh by up to the interval, so let one second pass.
    const settle = () => new Promise((r) => setTimeout(r, 1500));
    await settle();
    const loadInc = os.loadavg();
    const [inc, incMs] = await timed('incremental refresh after 2,000 changed applications, 200 reviews, 200 inquiries (all sources)', () => ov.engine.refresh());
    for (const r of inc) log(`  ${r.source}: ${r.mode}, ${fmt(r.millis / 1000, 3)} s`);
    const incApps = inc.find((r) => r.source === 'applications')!;
    await settle();
    const [incOnly, incOnlyMs] = await timed('incremental refresh with nothing changed (all sources)', () => ov.engine.refresh());
    const afterAll: string[] = [];
    for (const s of ['applications', 'reviews', 'inquiries']) afterAll.push(`${s} ${(await ov.engine.verify(s, '350000')).equal ? 'equal' : 'DIFFERENT'}`);
    const [after] = await timed('exactness applications after the incremental refresh', () => ov.engine.verify('applications', '350000'));
    const fullApps = full.find((r) => r.source === 'applications')!;

    console.log('\nSUMMARY (PostgreSQL 15, one process, app.inject — no network)');
    console.log(`  data                 ${fmt(counts.a, 0)} applications, ${fmt(counts.r, 0)} reviews, ${fmt(counts.i, 0)} inquiries (generated in ${fmt((genApps + genReviews + genInq) / 1000)} s)`);
    console.log(`  full roll-up         all sources ${fmt(fullMs / 1000, 2)} s, applications ${fmt(fullApps.millis / 1000, 2)} s (load average ${loadFull.map((x) => fmt(x, 2)).join(' ')})`);
    console.log(`  incremental          all sources ${fmt(incMs / 1000, 2)} s, applications ${fmt(incApps.millis / 1000, 3)} s for ${fmt(incApps.changed, 0)} rows re-read (${incApps.mode}) (load average ${loadInc.map((x) => fmt(x, 2)).join(' ')})`);
    console.log(`                       applications full ÷ incremental = ${fmt(fullApps.millis / Math.max(1, incApps.millis), 0)}×; all sources ${fmt(fullMs / Math.max(1, incMs), 0)}×; nothing changed: ${fmt(incOnlyMs / 1000, 3)} s (${incOnly.map((r) => r.mode).join(', ')})`);
    console.log(`  exact                ${exact.join('; ')}; after incremental: ${after.equal ? 'equal' : 'DIFFERENT'} (${afterAll.join(', ')})`);
    console.log(`  overview API         computed every time: p50 ${fmt(pct(cold, 50))} ms, p99 ${fmt(pct(cold, 99))} ms (target p99 ≤ 300 ms)`);
    console.log(`                       as served (cached per roll-up snapshot): sequential p50 ${fmt(pct(seq, 50))} ms, p99 ${fmt(pct(seq, 99))} ms; 4 clients p99 ${fmt(pct(conc, 99))} ms, ${fmt(rps)} req/s`);
    console.log(`  one measure          roll-up ${fmt(pct(rollTimes, 50))} ms vs live ${fmt(pct(liveTimes, 50))} ms`);
    await app.close();
  } finally {
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
