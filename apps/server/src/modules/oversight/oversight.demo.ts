/**
 * Demo data of oversight. Always: the default indicator system (version 1) and a few alert rules.
 * With history (OVERSIGHT_DEMO_HISTORY, default on in demo mode except under the test runner):
 * 25 months of concluded and open applications of the demo catalog's items across the counties of
 * 福州 and 厦门 (inserted as rows marked `context.demoHistory`, numbered DEMO…, with no applicant
 * account behind them), the escalations of those that went overdue, and 36 months of market-entity
 * registrations and cancellations. Every figure is then computed from these rows like any other.
 */
import { sql } from 'kysely';
import { chinaDate } from '../../shared/dates';
import type { RequestContext } from '../../shared/actor';
import type { Db } from '../../db/database';
import type { OrgService } from '../org';
import { mapUnits } from './oversight.geo';
import type { OversightService, RuleInput } from './oversight.service';

const INDUSTRY_WEIGHTS: [string, number][] = [['F', 25], ['L', 12], ['H', 10], ['I', 8], ['C', 8], ['O', 8], ['E', 6], ['M', 6], ['G', 4], ['K', 3], ['R', 3], ['A', 2], ['P', 1], ['Q', 1], ['N', 1], ['D', 1], ['J', 1]];

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedDemoOversight(db: Db, svc: OversightService, org: OrgService, ctx: RequestContext, opts: { history: boolean; applications?: number }): Promise<void> {
  await svc.currentIndex();
  const dept = async (code: string) => (await org.departmentByCode(code))?.id ?? null;
  if (opts.history) {
    await svc.engine.ensureWorkdayIndex(db, { lo: new Date(Date.now() - 800 * 86400_000).toISOString().slice(0, 10), hi: new Date(Date.now() + 120 * 86400_000).toISOString().slice(0, 10) });
    await seedApplications(db, opts.applications ?? 12000);
    await seedMarket(db);
  }
  const existing = await svc.rules(ctx);
  if (!existing.length) {
    const scjg = await dept('FZ-SCJGJ');
    const xzsp = await dept('FZ-XZSPJ');
    const rules: RuleInput[] = [
      { name: '部门超期未办结预警', measure: 'overdue_open', regionCode: '350100', breakdown: 'department', kind: 'threshold', op: 'above', threshold: 3, deadlineDays: 5 },
      { name: '部门按时办结率下降预警', measure: 'on_time_rate', regionCode: '350100', breakdown: 'department', kind: 'band', op: 'below', band: { cycle: 'month', cycles: 6, k: 2 }, deadlineDays: 10 },
      { name: '新设市场主体异常预警', measure: 'market_registrations', regionCode: '350100', breakdown: 'region', kind: 'band', op: 'below', band: { cycle: 'year', cycles: 2, k: 2 }, assignDepartmentId: scjg, deadlineDays: 10 },
      { name: '部门好评率下降预警', measure: 'review_good_rate', regionCode: '350100', breakdown: 'department', kind: 'threshold', op: 'below', threshold: 90, deadlineDays: 10 },
      { name: '投诉类别激增预警', measure: 'complaints', regionCode: '350100', breakdown: 'category', kind: 'band', op: 'above', band: { cycle: 'month', cycles: 6, k: 2 }, assignDepartmentId: xzsp, deadlineDays: 5 },
    ];
    for (const r of rules) await svc.createRule(ctx, r);
  }
  if (opts.history) {
    await svc.refresh(ctx, true);
    await svc.evaluateRules(ctx);
  }
}

export async function seedApplications(db: Db, count: number) {
  const done = await sql<{ n: number }>`SELECT count(*)::int AS n FROM applications WHERE number LIKE 'DEMO%'`.execute(db);
  if (done.rows[0].n > 0) return;
  const fz = ['350100', ...mapUnits('350100').map((u) => u.code)];
  const xm = ['350200', ...mapUnits('350200').map((u) => u.code)];
  const officer = (await db.selectFrom('accounts').select('id').where('kind', '=', 'officer').limit(1).executeTakeFirst())?.id ?? null;
  await sql`
    INSERT INTO applications (id, number, kind, item_id, item_version, title, department_id, region_code, applicant_id, applicant_kind, applicant_name, created_by,
      state, context, legal_days, promised_days, accepted_at, legal_due, promised_due, sla_state, submitted_at, decided_at, concluded_at, created_at, updated_at)
    WITH items AS (
      SELECT (row_number() OVER (ORDER BY i.implementation_code))::int - 1 AS idx, i.id, i.latest_version AS version, i.department_id, i.region_code, i.name,
        coalesce((v.content->'legalLimit'->>'days')::int, 20) AS legal, coalesce((v.content->'promisedLimit'->>'days')::int, 10) AS promised,
        abs(hashtext(i.department_id::text)) % 25 AS quality
      FROM catalog_items i JOIN catalog_item_versions v ON v.item_id = i.id AND v.version = i.latest_version WHERE i.status = 'published'
    ), nitems AS (SELECT count(*)::int AS c FROM items),
    firstday AS (SELECT n, min(day) AS day FROM oversight_workday_index GROUP BY n),
    g AS (
      SELECT s, abs(hashtext(s::text || 'a')) % 10000 AS u1, abs(hashtext(s::text || 'b')) AS h2, abs(hashtext(s::text || 'c')) % 100 AS h3, abs(hashtext(s::text || 'd')) % 10000 AS u4, abs(hashtext(s::text || 'e')) % 100 AS h5
      FROM generate_series(1, ${count}) s
    ), base AS (
      SELECT g.*, it.*,
        floor(760 * (1 - sqrt(g.u1 / 10000.0)))::int AS back,
        CASE WHEN it.region_code = '350100' THEN (${fz}::text[])[1 + g.h2 % ${fz.length}] WHEN it.region_code = '350200' THEN (${xm}::text[])[1 + g.h2 % ${xm.length}] ELSE it.region_code END AS region
      FROM g JOIN nitems ON true JOIN items it ON it.idx = g.h2 % nitems.c
    ), timed AS (
      SELECT b.*, now() - make_interval(days => b.back) - make_interval(secs => b.u4 * 3) AS submitted,
        (b.h5 < 5 + b.quality) AS late,
        CASE WHEN b.h5 < 5 + b.quality THEN b.promised + 1 + b.h3 % 6 ELSE floor(b.promised * (0.3 + 0.7 * b.h3 / 100.0))::int END AS used
      FROM base b
    ), dated AS (
      SELECT t.*, (t.submitted + interval '4 hours') AS accepted, wa.day AS accept_day,
        wa.n AS na
      FROM timed t JOIN oversight_workday_index wa ON wa.day = ((t.submitted + interval '4 hours') AT TIME ZONE 'UTC' + interval '8 hours')::date
    ), due AS (
      SELECT d.*, CASE WHEN fp.day IS NOT NULL THEN greatest(fp.day, d.accept_day) END AS promised_due, CASE WHEN fl.day IS NOT NULL THEN greatest(fl.day, d.accept_day) END AS legal_due, CASE WHEN fu.day IS NOT NULL THEN greatest(fu.day, d.accept_day) END AS decided_day
      FROM dated d
      LEFT JOIN firstday fp ON fp.n = d.na + d.promised
      LEFT JOIN firstday fl ON fl.n = d.na + d.legal
      LEFT JOIN firstday fu ON fu.n = d.na + d.used
    )
    SELECT gen_random_uuid(), 'DEMO' || lpad(s::text, 8, '0'), 'item', id, version, name, department_id, region, gen_random_uuid(), 'person', '示例申请人',
      CASE WHEN h3 < 12 AND ${officer}::uuid IS NOT NULL THEN ${officer}::uuid ELSE gen_random_uuid() END,
      CASE WHEN decided_day IS NOT NULL AND (decided_day::timestamp + interval '2 hours') AT TIME ZONE 'UTC' <= now() THEN 'concluded' ELSE 'under_review' END,
      '{"demoHistory": true}'::jsonb, legal, promised, accepted, legal_due, promised_due,
      CASE WHEN (decided_day IS NULL OR (decided_day::timestamp + interval '2 hours') AT TIME ZONE 'UTC' > now()) AND promised_due < (now() AT TIME ZONE 'UTC' + interval '8 hours')::date THEN 'overdue' ELSE 'normal' END,
      submitted,
      CASE WHEN decided_day IS NOT NULL AND (decided_day::timestamp + interval '2 hours') AT TIME ZONE 'UTC' <= now() THEN (decided_day::timestamp + interval '2 hours') AT TIME ZONE 'UTC' END,
      CASE WHEN decided_day IS NOT NULL AND (decided_day::timestamp + interval '2 hours') AT TIME ZONE 'UTC' <= now() THEN (decided_day::timestamp + interval '3 hours') AT TIME ZONE 'UTC' END,
      submitted, now()
    FROM due`.execute(db);
  // The escalations (督办) the deadline engine would have recorded for the cases that went overdue.
  await sql`
    INSERT INTO application_escalations (id, application_id, root_id, kind, region_code, department_id, due_date, created_at)
    SELECT gen_random_uuid(), a.id, a.id, 'overdue', a.region_code, a.department_id, a.promised_due, (a.promised_due::timestamp + interval '1 day 1 hour') AT TIME ZONE 'UTC'
    FROM applications a
    WHERE a.number LIKE 'DEMO%' AND a.promised_due IS NOT NULL
      AND ((a.decided_at IS NOT NULL AND (a.decided_at AT TIME ZONE 'UTC' + interval '8 hours')::date > a.promised_due) OR a.sla_state = 'overdue')
    ON CONFLICT DO NOTHING`.execute(db);
}

async function seedMarket(db: Db) {
  const done = await sql<{ n: number }>`SELECT count(*)::int AS n FROM market_entity_events WHERE source = 'demo'`.execute(db);
  if (done.rows[0].n > 0) return;
  const rnd = prng(4754);
  const regions = [...mapUnits('350100'), ...mapUnits('350200')].map((u) => u.code);
  const total = INDUSTRY_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const industry = () => {
    let x = rnd() * total;
    for (const [k, w] of INDUSTRY_WEIGHTS) if ((x -= w) < 0) return k;
    return 'F';
  };
  const today = chinaDate(new Date());
  const [ty, tm] = today.split('-').map(Number);
  const rows: { uscc: string; name: string; event: 'registered' | 'cancelled'; industry: string; region_code: string; occurred_on: string; source: string }[] = [];
  let seq = 0;
  const uscc = (region: string) => `91${region}MA${(seq++).toString(36).toUpperCase().padStart(8, '0')}`;
  const dayIn = (y: number, m: number, maxDay?: number) => `${y}-${String(m).padStart(2, '0')}-${String(1 + Math.floor(rnd() * (maxDay ?? 28))).padStart(2, '0')}`;
  // Stock before the window: registered over the previous eight years.
  for (let i = 0; i < 6000; i++) {
    const region = regions[Math.floor(rnd() * regions.length)];
    const y = ty - 3 - Math.floor(rnd() * 8);
    const ind = industry();
    const code = uscc(region);
    rows.push({ uscc: code, name: `示例市场主体${seq}`, event: 'registered', industry: ind, region_code: region, occurred_on: dayIn(y, 1 + Math.floor(rnd() * 12)), source: 'demo' });
    if (rnd() < 0.25) {
      const back = Math.floor(rnd() * 36);
      const t = ty * 12 + (tm - 1) - back;
      rows.push({ uscc: code, name: `示例市场主体${seq}`, event: 'cancelled', industry: ind, region_code: region, occurred_on: dayIn(Math.floor(t / 12), (t % 12) + 1, back === 0 ? Math.max(1, Number(today.slice(8)) - 1) : 28), source: 'demo' });
    }
  }
  // 36 months of registrations: seasonal (Spring Festival in February), growing, with noise.
  const season = [1.0, 0.55, 1.25, 1.1, 1.0, 1.05, 1.0, 0.95, 1.0, 0.85, 1.05, 1.15];
  for (let back = 35; back >= 0; back--) {
    const t = ty * 12 + (tm - 1) - back;
    const y = Math.floor(t / 12);
    const m = (t % 12) + 1;
    const partial = back === 0 ? Math.max(1, Number(today.slice(8)) - 1) : 28;
    const n = Math.round(180 * season[m - 1] * (1 + (35 - back) * 0.01) * (0.9 + rnd() * 0.2) * (partial / 28));
    for (let i = 0; i < n; i++) {
      const region = regions[Math.floor(rnd() * regions.length)];
      const code = uscc(region);
      rows.push({ uscc: code, name: `示例市场主体${seq}`, event: 'registered', industry: industry(), region_code: region, occurred_on: dayIn(y, m, partial), source: 'demo' });
    }
  }
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('market_entity_events').values(rows.slice(i, i + 1000)).execute();
}
