/**
 * Daily roll-ups of the review statistics, so the statistics read a few thousand summed rows
 * instead of scanning every review.
 *
 * - `review_stats_daily`: one row per China day × department × item × region × channel with the
 *   counts of valid reviews by current level, first-time 差评, their cases (not annulled), rectified
 *   cases and rectified on time. It serves queries that filter or group by item.
 * - `review_stats_daily_coarse`: the same without the item (a few hundred rows a day at province
 *   scale). It serves the other queries.
 * - `review_stats_monthly_item` and `review_stats_monthly`: the same two by month. A query reads the
 *   whole months of its range from the monthly table and the days at its edges from the daily one.
 *
 * Maintenance is by contribution: a review's contribution to its row is a function of the review
 * and its case. Every write that can change it runs `rollupDelta(trx, ids, -1)` before and
 * `rollupDelta(trx, ids, +1)` after, in the same transaction (the keys of a review never change, so
 * both touch the same rows, locked until commit). The writer must hold the row locks that
 * serialise writes to the review and its case (the case row, or the review and then the case)
 * before the -1, so no concurrent write slips between what was subtracted and what is added. An annulled review contributes nothing, so
 * annulling subtracts it. `reviewStatsLive` (reviews.stats.ts) computes the same from the base
 * tables and is the tests' oracle; `rebuildReviewRollup` recomputes everything (after bulk loads).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';
import './reviews.tables';

export const COUNTS = ['total', 'l1', 'l2', 'l3', 'l4', 'l5', 'first_bad', 'cases', 'rectified', 'on_time'] as const;

/** A review's counts (grouped by the fine keys) from the base tables; `where` selects the reviews. */
function contributions(where: RawBuilder<unknown>, sign: 1 | -1) {
  const s = sql.raw(String(sign));
  return sql`SELECT ((r.created_at AT TIME ZONE 'UTC') + interval '8 hours')::date AS day, COALESCE(r.department_id::text, '') AS department_key,
      COALESCE(r.item_id::text, '') AS item_key, r.region_code, r.channel, max(r.subject_title) AS name,
      ${s} * count(*) AS total,
      ${s} * count(*) FILTER (WHERE r.level = 1) AS l1, ${s} * count(*) FILTER (WHERE r.level = 2) AS l2,
      ${s} * count(*) FILTER (WHERE r.level = 3) AS l3, ${s} * count(*) FILTER (WHERE r.level = 4) AS l4,
      ${s} * count(*) FILTER (WHERE r.level = 5) AS l5,
      ${s} * count(*) FILTER (WHERE r.first_level <= 2) AS first_bad,
      ${s} * count(c.id) FILTER (WHERE c.state <> 'annulled') AS cases,
      ${s} * count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed')) AS rectified,
      ${s} * count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed') AND c.late_steps = 0) AS on_time
    FROM reviews r LEFT JOIN rectification_cases c ON c.review_id = r.id
    WHERE r.status = 'valid' AND ${where}
    GROUP BY 1, 2, 3, 4, 5`;
}

const list = (cols: readonly string[]) => sql.raw(cols.join(', '));
const sums = sql.raw(COUNTS.map((c) => `sum(${c})`).join(', '));

/** The roll-up tables: by day or month, with or without the item (the item ones carry its name). */
const ROLLUPS = [
  { table: 'review_stats_daily', time: 'day', item: true },
  { table: 'review_stats_daily_coarse', time: 'day', item: false },
  { table: 'review_stats_monthly_item', time: 'month', item: true },
  { table: 'review_stats_monthly', time: 'month', item: false },
] as const;

/** INSERT … SELECT … ON CONFLICT adding to one roll-up from `source`, rows of the daily fine shape (day, keys, name, counts). */
function upsertInto(r: (typeof ROLLUPS)[number], source: string) {
  const keys = [r.time, 'department_key', ...(r.item ? ['item_key'] : []), 'region_code', 'channel'];
  const time = r.time === 'day' ? 'day' : `date_trunc('month', day::timestamp)::date`;
  const select = [time, 'department_key', ...(r.item ? ['item_key'] : []), 'region_code', 'channel'];
  const order = keys.map((_, i) => i + 1).join(', ');
  return sql`INSERT INTO ${sql.table(r.table)} (${list(keys)}, ${r.item ? sql`name, ` : sql``}${list(COUNTS)})
    SELECT ${list(select)}, ${r.item ? sql`max(name), ` : sql``}${sums} FROM ${sql.raw(source)} GROUP BY ${sql.raw(order)} ORDER BY ${sql.raw(order)}
    ON CONFLICT (${list(keys)}) DO UPDATE SET ${r.item ? sql.raw(`name = GREATEST(${r.table}.name, excluded.name), `) : sql``}${sql.raw(COUNTS.map((c) => `${c} = ${r.table}.${c} + excluded.${c}`).join(', '))}`;
}

/**
 * Adds (+1) or subtracts (-1) the current contribution of these reviews to every roll-up: one
 * statement. Rows are upserted in key order (a fixed lock order between concurrent writers).
 */
export async function rollupDelta(db: Db, reviewIds: string[], sign: 1 | -1): Promise<void> {
  if (!reviewIds.length) return;
  const [last, ...rest] = [...ROLLUPS].reverse();
  await sql`WITH d AS (${contributions(sql`r.id IN (${sql.join(reviewIds)})`, sign)}),
    ${sql.join(rest.map((r, i) => sql`${sql.raw(`u${i}`)} AS (${upsertInto(r, 'd')} RETURNING 1)`), sql`, `)}
    ${upsertInto(last, 'd')}`.execute(db);
}

/** Recomputes the roll-ups from the base tables (after a bulk load; also a repair tool). */
export async function rebuildReviewRollup(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const r of ROLLUPS) await sql`DELETE FROM ${sql.table(r.table)}`.execute(trx);
    await sql`INSERT INTO review_stats_daily (day, department_key, item_key, region_code, channel, name, ${list(COUNTS)})
      SELECT day, department_key, item_key, region_code, channel, name, ${list(COUNTS)} FROM (${contributions(sql`true`, 1)}) d`.execute(trx);
    for (const r of ROLLUPS.slice(1)) await upsertInto(r, 'review_stats_daily').execute(trx);
  });
}

/** 'YYYY-MM-DD' arithmetic on calendar dates (no time zone involved). */
const ymd = (d: Date) => d.toISOString().slice(0, 10);
const utc = (s: string) => new Date(`${s}T00:00:00Z`);

/**
 * How a date range splits for the roll-ups: the whole months inside it (first days, inclusive)
 * and the days at its edges. An open end is unbounded.
 */
export function splitRange(from?: string, to?: string): { months?: { from?: string; to?: string }; days: { from?: string; to?: string }[] } {
  const monthFrom = from === undefined ? undefined : from.endsWith('-01') ? from : ymd(new Date(Date.UTC(utc(from).getUTCFullYear(), utc(from).getUTCMonth() + 1, 1)));
  // The last day of the last whole month: `to` itself if it ends its month, else the end of the month before.
  const endOfMonth = (s: string) => ymd(new Date(Date.UTC(utc(s).getUTCFullYear(), utc(s).getUTCMonth() + 1, 0)));
  const lastWhole = to === undefined ? undefined : endOfMonth(to) === to ? to : ymd(new Date(Date.UTC(utc(to).getUTCFullYear(), utc(to).getUTCMonth(), 0)));
  if (monthFrom !== undefined && lastWhole !== undefined && monthFrom > lastWhole) return { days: [{ from, to }] };
  const days: { from?: string; to?: string }[] = [];
  if (from !== undefined && from !== monthFrom) days.push({ from, to: ymd(new Date(utc(monthFrom!).getTime() - 86400_000)) });
  if (to !== undefined && to !== lastWhole) days.push({ from: ymd(new Date(utc(lastWhole!).getTime() + 86400_000)), to });
  return { months: { from: monthFrom, to: lastWhole }, days };
}
