/**
 * The three rates of 12345 (接诉即办) per department and region — exported for the oversight module
 * as `inquiryRates(db, filter)`. Rates are null when nothing was counted.
 *
 * - 响应率 (response rate): responded in time / inquiries whose response was due (responded, or
 *   the response deadline has passed);
 * - 解决率 (resolution rate): confirmed resolved / confirmed by the person;
 * - 满意率 (satisfaction rate): rated 满意 or better (3–5 of 5) / rated.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { getRegion, subtreePattern } from '../../shared/regions';

export interface RatesFilter {
  regionCode?: string;
  departmentId?: string;
  kind?: string;
  from?: string;
  to?: string;
  groupBy?: 'department' | 'region' | 'kind' | 'none';
  /** "Now" for deadlines that have passed (default: the database's now()). */
  now?: Date;
}

const rate = (a: number, b: number) => (b ? Math.round((a / b) * 10000) / 10000 : null);

export async function inquiryRates(db: Db, f: RatesFilter = {}) {
  const group = f.groupBy ?? 'none';
  const key = { department: sql`i.department_id::text`, region: sql`i.region_code`, kind: sql`i.kind`, none: sql`NULL::text` }[group];
  const now = f.now ?? new Date();
  const where = [sql`true`];
  if (f.regionCode) where.push(sql`i.region_code LIKE ${subtreePattern(f.regionCode)}`);
  if (f.departmentId) where.push(sql`i.department_id = ${f.departmentId}`);
  if (f.kind) where.push(sql`i.kind = ${f.kind}`);
  if (f.from) where.push(sql`(i.created_at AT TIME ZONE 'Asia/Shanghai')::date >= ${f.from}::date`);
  if (f.to) where.push(sql`(i.created_at AT TIME ZONE 'Asia/Shanghai')::date <= ${f.to}::date`);
  const rows = await sql<{ key: string | null; total: number; open: number; due: number; on_time: number; confirmed: number; resolved: number; rated: number; satisfied: number; overdue: number; returned: number }>`
    SELECT ${key} AS key, count(*)::int AS total,
      count(*) FILTER (WHERE i.state <> 'closed')::int AS open,
      count(*) FILTER (WHERE i.responded_at IS NOT NULL OR i.respond_due < ${now})::int AS due,
      count(*) FILTER (WHERE i.responded_at IS NOT NULL AND NOT i.responded_late)::int AS on_time,
      count(*) FILTER (WHERE i.resolved IS NOT NULL)::int AS confirmed,
      count(*) FILTER (WHERE i.resolved)::int AS resolved,
      count(*) FILTER (WHERE i.satisfaction IS NOT NULL)::int AS rated,
      count(*) FILTER (WHERE i.satisfaction >= 3)::int AS satisfied,
      count(*) FILTER (WHERE i.state IN ('dispatched','responded') AND i.resolve_due < ${now})::int AS overdue,
      count(*) FILTER (WHERE i.returns > 0)::int AS returned
    FROM inquiries i WHERE ${sql.join(where, sql` AND `)}
    GROUP BY 1 ORDER BY count(*) DESC, 1`.execute(db);
  const names = new Map<string, string>();
  if (group === 'department') {
    const ids = rows.rows.map((r) => r.key).filter((k): k is string => !!k);
    if (ids.length) for (const d of (await sql<{ id: string; name: string }>`SELECT id::text, name FROM departments WHERE id::text IN (${sql.join(ids)})`.execute(db)).rows) names.set(d.id, d.name);
  }
  return rows.rows.map((r) => ({
    key: r.key,
    name: group === 'department' ? (r.key ? (names.get(r.key) ?? null) : '待派单') : group === 'region' ? (getRegion(r.key ?? '')?.name ?? r.key) : r.key,
    total: r.total,
    open: r.open,
    overdue: r.overdue,
    returned: r.returned,
    responseRate: rate(r.on_time, r.due),
    resolutionRate: rate(r.resolved, r.confirmed),
    satisfactionRate: rate(r.satisfied, r.rated),
    counts: { responseDue: r.due, respondedOnTime: r.on_time, confirmed: r.confirmed, resolved: r.resolved, rated: r.rated, satisfied: r.satisfied },
  }));
}
