/**
 * Public statistics of reviews (好差评公示) and the rectification ledger. `reviewStats(db, filter)`
 * is exported for the oversight module. Only valid reviews count (an appeal upheld annuls one);
 * levels are the current ones (after a correction or a re-rating). Rates are null when nothing
 * was counted (no default ratings: an unrated service is not "satisfied").
 *
 * - good rate (好评率): levels 3–5 / all reviews; bad reviews (差评): current level 1–2;
 *   firstBad: reviews that were 差评 when given;
 * - rectification rate (整改率): cases fed back or closed / cases (annulled cases excluded);
 * - on-time rate (按时整改率): rectified cases with no late step / rectified cases.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { maskName, maskPersonalDataInText } from '../../shared/masking';
import { getRegion, subtreePattern } from '../../shared/regions';
import { CASE_STATES, } from './reviews.errors';
import { COUNTS, splitRange } from './reviews.rollup';
import { LEVELS } from './reviews.service';

export type StatsGroup = 'department' | 'item' | 'region' | 'channel' | 'month' | 'none';

export interface StatsFilter {
  /** A region and everything under it. */
  regionCode?: string;
  departmentId?: string;
  itemId?: string;
  channel?: string;
  /** Inclusive dates 'YYYY-MM-DD' (China time) of when the review was given. */
  from?: string;
  to?: string;
  groupBy?: StatsGroup;
}

export interface StatsRow {
  key: string | null;
  name: string | null;
  total: number;
  good: number;
  bad: number;
  firstBad: number;
  goodRate: number | null;
  cases: number;
  rectified: number;
  rectificationRate: number | null;
  onTime: number;
  onTimeRate: number | null;
  byLevel: Record<string, number>;
}

const rate = (a: number, b: number) => (b ? Math.round((a / b) * 10000) / 10000 : null);

type Counted = { key: string | null; name: string | null; total: number; good: number; bad: number; first_bad: number; cases: number; rectified: number; on_time: number; l1: number; l2: number; l3: number; l4: number; l5: number };

/**
 * The statistics, read from the roll-ups (reviews.rollup.ts): the ones with the item when the query
 * filters or groups by item, else the coarse ones; whole months of the range from the monthly
 * roll-up and the days at its edges from the daily one. Equal to `reviewStatsLive` (tested on both
 * databases).
 */
export async function reviewStats(db: Db, f: StatsFilter = {}): Promise<StatsRow[]> {
  const group = f.groupBy ?? 'none';
  const fine = group === 'item' || !!f.itemId;
  const key = {
    department: sql`NULLIF(s.department_key, '')`,
    item: sql`NULLIF(s.item_key, '')`,
    region: sql`s.region_code`,
    channel: sql`s.channel`,
    month: sql`to_char(s.day, 'YYYY-MM')`,
    none: sql`NULL::text`,
  }[group];
  const where = [sql`true`];
  if (f.regionCode) where.push(sql`s.region_code LIKE ${subtreePattern(f.regionCode)}`);
  if (f.departmentId) where.push(sql`s.department_key = ${f.departmentId}`);
  if (f.itemId) where.push(sql`s.item_key = ${f.itemId}`);
  if (f.channel) where.push(sql`s.channel = ${f.channel}`);
  const between = (col: string, r: { from?: string; to?: string }) =>
    sql.join([sql`true`, ...(r.from ? [sql`${sql.ref(col)} >= ${r.from}::date`] : []), ...(r.to ? [sql`${sql.ref(col)} <= ${r.to}::date`] : [])], sql` AND `);
  // Whole months from the monthly roll-up, the days at the edges of the range from the daily one.
  const cols = sql.raw(`department_key, ${fine ? 'item_key, name, ' : ''}region_code, channel, ${COUNTS.join(', ')}`);
  const range = splitRange(f.from, f.to);
  const parts = [
    ...(range.months ? [sql`SELECT month AS day, ${cols} FROM ${sql.table(fine ? 'review_stats_monthly_item' : 'review_stats_monthly')} WHERE ${between('month', range.months)}`] : []),
    ...range.days.map((d) => sql`SELECT day, ${cols} FROM ${sql.table(fine ? 'review_stats_daily' : 'review_stats_daily_coarse')} WHERE ${between('day', d)}`),
  ];
  const source = sql`(${sql.join(parts, sql` UNION ALL `)})`;
  const rows = await sql<Counted>`
    SELECT ${key} AS key, ${fine ? sql`max(NULLIF(s.name, ''))` : sql`NULL::text`} AS name,
      sum(s.total)::int AS total, sum(s.l3 + s.l4 + s.l5)::int AS good, sum(s.l1 + s.l2)::int AS bad, sum(s.first_bad)::int AS first_bad,
      sum(s.cases)::int AS cases, sum(s.rectified)::int AS rectified, sum(s.on_time)::int AS on_time,
      sum(s.l1)::int AS l1, sum(s.l2)::int AS l2, sum(s.l3)::int AS l3, sum(s.l4)::int AS l4, sum(s.l5)::int AS l5
    FROM ${source} s
    WHERE ${sql.join(where, sql` AND `)}
    GROUP BY 1 HAVING sum(s.total) > 0 ORDER BY sum(s.total) DESC, 1`.execute(db);
  return finish(db, group, rows.rows);
}

/** The same statistics computed from the base tables (a scan): the oracle the roll-up is tested against. */
export async function reviewStatsLive(db: Db, f: StatsFilter = {}): Promise<StatsRow[]> {
  const group = f.groupBy ?? 'none';
  const key = {
    department: sql`r.department_id::text`,
    item: sql`r.item_id::text`,
    region: sql`r.region_code`,
    channel: sql`r.channel`,
    // China has no daylight saving time: UTC+8 is a fixed offset, much cheaper than a time zone lookup per row.
    month: sql`to_char((r.created_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM')`,
    none: sql`NULL::text`,
  }[group];
  const where = [sql`r.status = 'valid'`];
  if (f.regionCode) where.push(sql`r.region_code LIKE ${subtreePattern(f.regionCode)}`);
  if (f.departmentId) where.push(sql`r.department_id = ${f.departmentId}`);
  if (f.itemId) where.push(sql`r.item_id = ${f.itemId}`);
  if (f.channel) where.push(sql`r.channel = ${f.channel}`);
  // Whole China days, as instants (so an index on created_at could serve the range).
  if (f.from) where.push(sql`r.created_at >= (${f.from}::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC'`);
  if (f.to) where.push(sql`r.created_at < (${f.to}::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC'`);
  const rows = await sql<Counted>`
    SELECT ${key} AS key, max(r.subject_title) AS name,
      count(*)::int AS total,
      count(*) FILTER (WHERE r.level >= 3)::int AS good,
      count(*) FILTER (WHERE r.level <= 2)::int AS bad,
      count(*) FILTER (WHERE r.first_level <= 2)::int AS first_bad,
      count(c.id) FILTER (WHERE c.state <> 'annulled')::int AS cases,
      count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed'))::int AS rectified,
      count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed') AND c.late_steps = 0)::int AS on_time,
      count(*) FILTER (WHERE r.level = 1)::int AS l1, count(*) FILTER (WHERE r.level = 2)::int AS l2,
      count(*) FILTER (WHERE r.level = 3)::int AS l3, count(*) FILTER (WHERE r.level = 4)::int AS l4,
      count(*) FILTER (WHERE r.level = 5)::int AS l5
    FROM reviews r LEFT JOIN rectification_cases c ON c.review_id = r.id
    WHERE ${sql.join(where, sql` AND `)}
    GROUP BY 1 ORDER BY count(*) DESC, 1`.execute(db);
  return finish(db, group, rows.rows);
}

async function finish(db: Db, group: StatsGroup, rows: Counted[]): Promise<StatsRow[]> {
  const names = new Map<string, string>();
  if (group === 'department') {
    const ids = rows.map((r) => r.key).filter((k): k is string => !!k);
    if (ids.length) for (const d of (await sql<{ id: string; name: string }>`SELECT id::text, name FROM departments WHERE id::text IN (${sql.join(ids)})`.execute(db)).rows) names.set(d.id, d.name);
  }
  return rows.map((r) => ({
    key: r.key,
    name: group === 'department' ? (names.get(r.key ?? '') ?? null) : group === 'item' ? r.name : group === 'region' ? (getRegion(r.key ?? '')?.name ?? r.key) : group === 'none' ? null : r.key,
    total: r.total,
    good: r.good,
    bad: r.bad,
    firstBad: r.first_bad,
    goodRate: rate(r.good, r.total),
    cases: r.cases,
    rectified: r.rectified,
    rectificationRate: rate(r.rectified, r.cases),
    onTime: r.on_time,
    onTimeRate: rate(r.on_time, r.rectified),
    byLevel: { '5': r.l5, '4': r.l4, '3': r.l3, '2': r.l2, '1': r.l1 },
  }));
}

/** The public ledger (整改台账公示): every case, personal data masked. */
export async function rectificationLedger(db: Db, f: { regionCode?: string; limit?: number; offset?: number } = {}) {
  const rows = await sql<{ number: string; state: string; step_due: string; late_steps: number; created_at: Date; closed_at: Date | null; measures: string | null; verify_finding: string | null; appeal_decision: string | null; dept: string | null; subject_title: string; reviewer_name: string; first_level: number; level: number; comment: string | null; channel: string; rerated: boolean }>`
    SELECT c.number, c.state, c.step_due, c.late_steps, c.created_at, c.closed_at, c.measures, c.verify_finding, c.appeal_decision, d.name AS dept,
           r.subject_title, r.reviewer_name, r.first_level, r.level, r.comment, r.channel, r.rerated
    FROM rectification_cases c JOIN reviews r ON r.id = c.review_id LEFT JOIN departments d ON d.id = c.department_id
    WHERE ${f.regionCode ? sql`c.region_code LIKE ${subtreePattern(f.regionCode)}` : sql`true`}
    ORDER BY c.created_at DESC LIMIT ${f.limit ?? 50} OFFSET ${f.offset ?? 0}`.execute(db);
  const total = await sql<{ n: number }>`SELECT count(*)::int AS n FROM rectification_cases c WHERE ${f.regionCode ? sql`c.region_code LIKE ${subtreePattern(f.regionCode)}` : sql`true`}`.execute(db);
  return {
    total: total.rows[0].n,
    items: rows.rows.map((c) => ({
      number: c.number,
      department: c.dept,
      subject: c.subject_title,
      reviewer: maskName(c.reviewer_name),
      firstLevel: c.first_level,
      firstLevelLabel: LEVELS[c.first_level as 1],
      level: c.level,
      levelLabel: LEVELS[c.level as 1],
      rerated: c.rerated,
      comment: c.comment ? maskPersonalDataInText(c.comment) : null,
      channel: c.channel,
      state: c.state,
      stateLabel: CASE_STATES[c.state],
      measures: c.measures ? maskPersonalDataInText(c.measures) : null,
      appealUpheld: c.appeal_decision === 'upheld',
      onTime: ['awaiting_rerate', 'closed'].includes(c.state) ? c.late_steps === 0 : null,
      openedAt: c.created_at.toISOString(),
      closedAt: c.closed_at?.toISOString() ?? null,
    })),
  };
}
