/**
 * Computes measures: sums of facts from the monthly roll-up (or, `live`, straight from the facts
 * views), by region subtree, department, item, category and period, with the provenance of every
 * figure. Also refreshes the roll-up (incrementally for applications: only the months whose rows
 * changed since the last watermark), and keeps the working-day index that lets SQL count working
 * days (from shared/workdays.ts, the State Council calendar).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';
import { calendarCoverage, isWorkingDay } from '../../shared/workdays';
import { fromDayNumber, toDayNumber } from '../../shared/dates';
import { getRegion, subtreePattern } from '../../shared/regions';
import { column, combine, MEASURE_BY_ID, SOURCE_BY_ID, SOURCES, valueOf, type MeasureDef, type SourceDef, type Text } from './oversight.measures';
import { oversightErrors } from './oversight.errors';
import { MODULE_VIEWS } from './oversight.views';

export type Breakdown = 'none' | 'region' | 'department' | 'item' | 'category' | 'period';

/** Per-dashboard memo of sums queries (and snapshot times). */
export type SumsCache = Map<string, Promise<Map<string, Record<string, number>>>>;

export interface Filters {
  region: string;
  department?: string;
  item?: string;
  category?: string;
  /** First and last month, 'YYYY-MM'. */
  from: string;
  to: string;
}

export interface Figure {
  key: string;
  label: string;
  value: number | null;
  counts: Record<string, number>;
}

export interface Provenance {
  measure: string;
  formula: Text;
  source: string;
  snapshotAt: string;
  live: boolean;
  filters: Filters;
  /** Where the rows behind the figure are (recompute: Σ numerator facts ÷ Σ denominator facts). */
  rows: string;
}

export interface Result {
  measure: string;
  name: Text;
  unit: string;
  breakdown: Breakdown;
  total: Figure;
  groups: Figure[];
  provenance: Provenance;
}

const monthStart = (ym: string) => `${ym}-01`;
export function addMonths(ym: string, n: number): string {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}
export function monthsBetween(from: string, to: string): number {
  const [a, b] = [from, to].map((s) => s.split('-').map(Number));
  return (b[0] - a[0]) * 12 + (b[1] - a[1]) + 1;
}
/** The same-length period just before. */
export function previousPeriod(f: Filters): Filters {
  const n = monthsBetween(f.from, f.to);
  return { ...f, from: addMonths(f.from, -n), to: addMonths(f.from, -1) };
}

/** Group key of a region breakdown: the direct (non-placeholder) child of the root that holds the row. */
function regionGroupExpr(root: string): RawBuilder<string> {
  if (root.endsWith('0000')) return sql<string>`substr(region_code, 1, 4) || '00'`;
  return sql<string>`region_code`;
}

function groupExpr(b: Breakdown, root: string): RawBuilder<string> {
  switch (b) {
    case 'none':
      return sql<string>`'all'`;
    case 'region':
      return regionGroupExpr(root);
    case 'department':
      return sql<string>`coalesce(department_id, '')`;
    case 'item':
      return sql<string>`coalesce(item_id, '')`;
    case 'category':
      return sql<string>`coalesce(category, '')`;
    case 'period':
      return sql<string>`to_char(period, 'YYYY-MM')`;
  }
}

export class MeasureEngine {
  private availability = new Map<string, boolean>();
  private availabilityAt = 0;
  /** Why a module's facts view could not be created (its tables changed), by source. */
  readonly viewErrors = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly labels: (b: Breakdown, keys: string[], source: SourceDef) => Promise<Map<string, string>>,
  ) {}

  /** Which sources have their facts view (re-checked at most every 30 s: modules land while running). */
  async available(): Promise<Map<string, boolean>> {
    if (Date.now() - this.availabilityAt < 30_000 && this.availability.size) return this.availability;
    const names = SOURCES.map((s) => s.view);
    const views = async () => new Set((await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'public' AND table_name = ANY(${names})`.execute(this.db)).rows.map((r) => r.name));
    let have = await views();
    // Views over other modules' tables appear once those tables do (oversight.views.ts).
    const missing = SOURCES.filter((s) => !have.has(s.view) && MODULE_VIEWS[s.id]);
    if (missing.length) {
      const tables = new Set((await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(this.db)).rows.map((r) => r.name));
      let created = false;
      for (const s of missing) {
        const v = MODULE_VIEWS[s.id];
        if (!v.requires.every((t) => tables.has(t))) continue;
        try {
          await sql.raw(v.sql).execute(this.db);
          created = true;
          this.viewErrors.delete(s.id);
        } catch (e) {
          this.viewErrors.set(s.id, (e as Error).message);
        }
      }
      if (created) have = await views();
    }
    this.availability = new Map(SOURCES.map((s) => [s.id, have.has(s.view)]));
    this.availabilityAt = Date.now();
    return this.availability;
  }

  async requireMeasure(id: string): Promise<{ m: MeasureDef; s: SourceDef }> {
    const m = MEASURE_BY_ID.get(id);
    if (!m) throw oversightErrors.unknownMeasure(id);
    const s = SOURCE_BY_ID.get(m.source)!;
    if (!(await this.available()).get(s.id)) throw oversightErrors.measureUnavailable(m, s);
    return { m, s };
  }

  async snapshotTime(source: string): Promise<string | null> {
    const rows = await this.db.selectFrom('oversight_rollup_state').select(['source', 'refreshed_at']).execute();
    const r = rows.find((x) => x.source === source);
    return r ? new Date(r.refreshed_at).toISOString() : null;
  }

  /** Sums of the source's facts grouped by `breakdown`, from the roll-up or live from the view. */
  async sums(s: SourceDef, f: Filters, breakdown: Breakdown, opts: { live?: boolean; cumulative?: boolean; cache?: SumsCache } = {}): Promise<Map<string, Record<string, number>>> {
    if (opts.cache) {
      // Widgets of one dashboard share sums: several measures of one source read the same facts.
      const key = JSON.stringify([s.id, f.region, f.department ?? null, f.item ?? null, f.category ?? null, f.from, f.to, breakdown, !!opts.live, !!opts.cumulative]);
      let hit = opts.cache.get(key);
      if (!hit) {
        hit = this.sums(s, f, breakdown, { ...opts, cache: undefined });
        opts.cache.set(key, hit);
      }
      return hit;
    }
    const cols = s.facts.map((fact, i) => sql.raw(`sum(f${i + 1})::float8 AS ${fact}`));
    // The coarse roll-up (no item, no category) answers most dashboard widgets with fewer rows.
    const coarse = !opts.live && !f.item && !f.category && breakdown !== 'item' && breakdown !== 'category';
    const from = opts.live
      ? sql`(SELECT region_code, department_id, item_id, category, date_trunc('month', day)::date AS period, ${sql.raw(s.facts.map((fact, i) => `${fact} AS f${i + 1}`).join(', '))} FROM ${sql.table(s.view)}) r`
      : coarse
        ? sql`oversight_rollup_coarse r`
        : sql`oversight_rollup r`;
    const conds: RawBuilder<unknown>[] = [sql`region_code LIKE ${subtreePattern(f.region)}`];
    if (!opts.live) conds.push(sql`source = ${s.id}`);
    if (f.department) conds.push(sql`department_id = ${f.department}`);
    if (f.item) conds.push(sql`item_id = ${f.item}`);
    if (f.category) conds.push(sql`category = ${f.category}`);
    if (s.periodic) {
      if (!opts.cumulative) conds.push(sql`period >= ${monthStart(f.from)}::date`);
      conds.push(sql`period <= ${monthStart(f.to)}::date`);
    }
    const g = groupExpr(s.periodic || breakdown !== 'period' ? breakdown : 'none', f.region);
    const rows = (await sql<Record<string, number> & { g: string }>`SELECT ${g} AS g, ${sql.join(cols)} FROM ${from} WHERE ${sql.join(conds, sql` AND `)} GROUP BY 1`.execute(this.db)).rows;
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const { g: key, ...rest } = r;
      out.set(key, Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Number(v ?? 0)])));
    }
    return out;
  }

  /** One measure over the filters, as a total and by the breakdown, with provenance. */
  async compute(id: string, f: Filters, breakdown: Breakdown = 'none', opts: { live?: boolean; cache?: SumsCache } = {}): Promise<Result> {
    const { m, s } = await this.requireMeasure(id);
    const cumulative = !!m.cumulative;
    const facts = [...new Set([...m.num, ...(m.den ?? [])].map((x) => x.replace(/^-/, '')))];
    const pick = (sums: Record<string, number>) => Object.fromEntries(facts.map((x) => [x, sums[x] ?? 0]));
    const [totals, grouped, snapshot] = await Promise.all([
      this.sums(s, f, 'none', { live: opts.live, cumulative, cache: opts.cache }),
      breakdown === 'none' ? Promise.resolve(new Map<string, Record<string, number>>()) : this.sums(s, f, breakdown, { live: opts.live, cumulative: cumulative && breakdown !== 'period', cache: opts.cache }),
      opts.live ? Promise.resolve(new Date().toISOString()) : this.snapshotTime(s.id),
    ]);
    let groupMap = grouped;
    if (breakdown === 'period' && s.periodic) {
      // Every month of the range, also those without rows; a stock is cumulative month by month.
      const keys: string[] = [];
      for (let ym = f.from; monthsBetween(ym, f.to) >= 1; ym = addMonths(ym, 1)) keys.push(ym);
      groupMap = new Map(keys.map((k) => [k, grouped.get(k) ?? {}]));
      if (cumulative) {
        const before = await this.sums(s, { ...f, to: addMonths(f.from, -1) }, 'none', { live: opts.live, cumulative: true, cache: opts.cache });
        let run: Record<string, number> = { ...(before.get('all') ?? {}) };
        for (const k of keys) {
          const add = grouped.get(k) ?? {};
          run = Object.fromEntries(facts.map((x) => [x, (run[x] ?? 0) + (add[x] ?? 0)]));
          groupMap.set(k, run);
        }
      }
    }
    const total = pick(totals.get('all') ?? {});
    const labels = await this.labels(breakdown, [...groupMap.keys()], s);
    const groups: Figure[] = [...groupMap.entries()].map(([key, sums]) => ({ key, label: labels.get(key) ?? key, value: valueOf(m, pick(sums)), counts: pick(sums) }));
    if (breakdown !== 'period') groups.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.label.localeCompare(b.label, 'zh'));
    const q = new URLSearchParams({ region: f.region, from: f.from, to: f.to, ...(f.department ? { department: f.department } : {}), ...(f.item ? { item: f.item } : {}), ...(f.category ? { category: f.category } : {}) });
    return {
      measure: m.id,
      name: m.name,
      unit: m.unit,
      breakdown,
      total: { key: 'all', label: 'all', value: valueOf(m, total), counts: total },
      groups,
      provenance: {
        measure: m.id,
        formula: m.formula,
        source: s.view,
        snapshotAt: snapshot ?? new Date(0).toISOString(),
        live: !!opts.live,
        filters: f,
        rows: `/api/oversight/measures/${m.id}/rows?${q}`,
      },
    };
  }

  /** The rows behind a figure: one per record, with the facts the measure sums. */
  async rows(id: string, f: Filters, limit: number, offset: number) {
    const { m, s } = await this.requireMeasure(id);
    const conds: RawBuilder<unknown>[] = [sql`region_code LIKE ${subtreePattern(f.region)}`];
    if (f.department) conds.push(sql`department_id = ${f.department}`);
    if (f.item) conds.push(sql`item_id = ${f.item}`);
    if (f.category) conds.push(sql`category = ${f.category}`);
    if (s.periodic) {
      if (!m.cumulative) conds.push(sql`day >= ${monthStart(f.from)}::date`);
      conds.push(sql`day < ${monthStart(addMonths(f.to, 1))}::date`);
    }
    const where = sql.join(conds, sql` AND `);
    const facts = s.facts.map((x) => sql.raw(x));
    const [rows, total] = await Promise.all([
      sql<Record<string, unknown>>`SELECT record_id, number, region_code, department_id, item_id, category, to_char(day, 'YYYY-MM-DD') AS day, ${sql.join(facts)} FROM ${sql.table(s.view)} WHERE ${where} ORDER BY record_id LIMIT ${limit} OFFSET ${offset}`.execute(this.db),
      sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(s.view)} WHERE ${where}`.execute(this.db),
    ]);
    return {
      measure: m.id,
      facts: s.facts,
      numerator: m.num,
      denominator: m.den ?? null,
      scale: m.scale ?? 1,
      total: total.rows[0].n,
      rows: rows.rows.map((r) => ({ ...r, ...Object.fromEntries(s.facts.map((x) => [x, Number(r[x])])) })),
    };
  }

  // ---- roll-up ---------------------------------------------------------------------------------

  /** Makes the working-day index cover every accepted/decided date up to today (and `want`, when given). */
  async ensureWorkdayIndex(trx: Db, want?: { lo: string; hi: string }): Promise<void> {
    const r = (await sql<{ lo: string | null; hi: string | null }>`SELECT to_char(min(accepted_at AT TIME ZONE 'UTC' + interval '8 hours'), 'YYYY-MM-DD') AS lo, to_char(max(decided_at AT TIME ZONE 'UTC' + interval '8 hours'), 'YYYY-MM-DD') AS hi FROM applications WHERE decided_at IS NOT NULL`.execute(trx)).rows[0];
    const cov = calendarCoverage();
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    let lo = Math.min(toDayNumber(r.lo ?? today), toDayNumber(want?.lo ?? today));
    let hi = Math.max(toDayNumber(r.hi ?? today), toDayNumber(today), toDayNumber(want?.hi ?? today));
    const have = (await sql<{ lo: string | null; hi: string | null }>`SELECT to_char(min(day), 'YYYY-MM-DD') AS lo, to_char(max(day), 'YYYY-MM-DD') AS hi FROM oversight_workday_index`.execute(trx)).rows[0];
    lo = Math.max(lo, toDayNumber(`${cov.from}-01-01`));
    hi = Math.min(hi, toDayNumber(`${cov.to}-12-31`));
    if (have.lo && toDayNumber(have.lo) <= lo && toDayNumber(have.hi!) >= hi) return;
    if (have.lo) {
      lo = Math.min(lo, toDayNumber(have.lo));
      hi = Math.max(hi, toDayNumber(have.hi!));
    }
    const rows: { day: string; n: number }[] = [];
    let n = 0;
    for (let d = lo; d <= hi; d++) {
      const day = fromDayNumber(d);
      if (isWorkingDay(day)) n++;
      rows.push({ day, n });
    }
    await sql`DELETE FROM oversight_workday_index`.execute(trx);
    for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('oversight_workday_index').values(rows.slice(i, i + 1000)).execute();
  }

  /**
   * Refreshes the roll-up of each available source in its own transaction: readers see the old
   * sums until the new ones commit. Applications are incremental after the first run.
   */
  async refresh(only?: string[], opts: { full?: boolean } = {}): Promise<{ source: string; mode: string; rows: number; millis: number }[]> {
    const avail = await this.available();
    const out: { source: string; mode: string; rows: number; millis: number }[] = [];
    for (const s of SOURCES) {
      if (!avail.get(s.id) || (only && !only.includes(s.id))) continue;
      const started = Date.now();
      const res = await this.db.transaction().execute(async (trx) => {
        const at = (await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)).rows[0].now;
        // One big aggregation: enough memory to hash it (the planner overestimates the groups and
        // would sort on disk), and no JIT compilation for a query that runs once a minute.
        try {
          await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
          await sql`SET LOCAL jit = off`.execute(trx);
        } catch {
          /* not every engine has these settings */
        }
        if (s.id === 'applications') await this.ensureWorkdayIndex(trx);
        // Watermarks as text: microseconds survive (a JavaScript Date would cut them to milliseconds,
        // and every row of the last write would look changed again).
        const watermark = (await sql<{ w: string | null }>`SELECT max(updated_at)::text AS w FROM ${sql.table(s.view)}`.execute(trx)).rows[0].w;
        const previousMark = (await sql<{ w: string | null }>`SELECT watermark::text AS w FROM oversight_rollup_state WHERE source = ${s.id}`.execute(trx)).rows[0]?.w ?? null;
        const cols = sql.raw(s.facts.map((_, i) => `f${i + 1}`).join(', '));
        const sums = sql.raw(s.facts.map((fact) => `sum(${fact})`).join(', '));
        const period = s.periodic ? sql`date_trunc('month', day)::date` : sql`NULL::date`;
        let mode = 'full';
        // The months recomputed (null: all of them) — the coarse roll-up and the row count follow only those.
        let touched: string[] | null = null;
        if (s.id === 'applications' && previousMark && !opts.full) {
          // Only the months of rows that changed since the last watermark (exact: those months are recomputed whole).
          const months = (await sql<{ m: string }>`SELECT DISTINCT to_char(date_trunc('month', submitted_at AT TIME ZONE 'UTC' + interval '8 hours'), 'YYYY-MM-DD') AS m FROM applications WHERE updated_at > ${previousMark}::timestamptz AND submitted_at IS NOT NULL`.execute(trx)).rows.map((r) => r.m);
          mode = `incremental:${months.length}`;
          touched = months;
          if (months.length) {
            await sql`DELETE FROM oversight_rollup WHERE source = ${s.id} AND period = ANY(${months}::date[])`.execute(trx);
            await sql`INSERT INTO oversight_rollup (source, region_code, department_id, item_id, category, period, ${cols})
              SELECT ${s.id}, region_code, department_id, item_id, category, ${period}, ${sums} FROM ${sql.table(s.view)}
              WHERE date_trunc('month', day)::date = ANY(${months}::date[]) GROUP BY 2, 3, 4, 5, 6`.execute(trx);
          }
        } else {
          await sql`DELETE FROM oversight_rollup WHERE source = ${s.id}`.execute(trx);
          await sql`INSERT INTO oversight_rollup (source, region_code, department_id, item_id, category, period, ${cols})
            SELECT ${s.id}, region_code, department_id, item_id, category, ${period}, ${sums} FROM ${sql.table(s.view)} GROUP BY 2, 3, 4, 5, 6`.execute(trx);
        }
        const all = sql.raw(s.facts.map((_, i) => `sum(f${i + 1})`).join(', '));
        // The coarse roll-up (no item / category) is rebuilt for the recomputed months only: the
        // others' fine rows did not change, so neither did their coarse sums.
        const inMonths = touched ? sql`AND period = ANY(${touched}::date[])` : sql``;
        if (!touched || touched.length) {
          await sql`DELETE FROM oversight_rollup_coarse WHERE source = ${s.id} ${inMonths}`.execute(trx);
          await sql`INSERT INTO oversight_rollup_coarse (source, region_code, department_id, period, ${cols})
            SELECT source, region_code, department_id, period, ${all} FROM oversight_rollup WHERE source = ${s.id} ${inMonths} GROUP BY 1, 2, 3, 4`.execute(trx);
        }
        const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM oversight_rollup WHERE source = ${s.id}`.execute(trx)).rows[0].n;
        const mark = watermark ?? previousMark;
        await sql`INSERT INTO oversight_rollup_state (source, refreshed_at, watermark, rows, millis, mode)
          VALUES (${s.id}, ${at}, ${mark}::timestamptz, ${n}, ${Date.now() - started}, ${mode})
          ON CONFLICT (source) DO UPDATE SET refreshed_at = excluded.refreshed_at, watermark = excluded.watermark, rows = excluded.rows, millis = excluded.millis, mode = excluded.mode`.execute(trx);
        return { source: s.id, mode, rows: n, millis: Date.now() - started };
      });
      out.push(res);
    }
    return out;
  }

  /** Compares the roll-up with a live computation over the whole source (exactness check). */
  async verify(sourceId: string, region: string): Promise<{ equal: boolean; rollup: Record<string, number>; live: Record<string, number> }> {
    const s = SOURCE_BY_ID.get(sourceId)!;
    const f: Filters = { region, from: '1900-01', to: '2999-12' };
    const [a, b] = await Promise.all([this.sums(s, f, 'none'), this.sums(s, f, 'none', { live: true })]);
    const rollup = a.get('all') ?? {};
    const live = b.get('all') ?? {};
    return { equal: s.facts.every((x) => (rollup[x] ?? 0) === (live[x] ?? 0)), rollup, live };
  }
}

export { combine, column, getRegion };
