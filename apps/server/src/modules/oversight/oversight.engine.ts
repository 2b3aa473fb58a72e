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
import { CHANGES } from './oversight.changes';

/** Above this many changed rows a refresh rebuilds the source instead (cheaper than row by row). */
const MAX_DELTA = 200_000;
/**
 * A source's next refresh rebuilds it (reads no change feed) when this holds of its row in
 * oversight_rollup_state: no full rebuild yet, or the last one over a day old. The refresh decides
 * by it and pruneFeeds keeps the feed entries that refresh may still read by it, so they agree.
 */
const REBUILD_DUE = sql<boolean>`(full_at IS NULL OR full_at < now() - interval '24 hours')`;
const factCols = (s: SourceDef) => sql.raw(s.facts.map((_, i) => `f${i + 1}`).join(', '));
const periodOf = (s: SourceDef) => (s.periodic ? sql`date_trunc('month', day)::date` : sql`NULL::date`);

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

  constructor(
    private readonly db: Db,
    private readonly labels: (b: Breakdown, keys: string[], source: SourceDef) => Promise<Map<string, string>>,
  ) {}

  /** Which sources have their facts view (migrations create them all; re-checked at most every 30 s in case an operator dropped one). */
  async available(): Promise<Map<string, boolean>> {
    if (Date.now() - this.availabilityAt < 30_000 && this.availability.size) return this.availability;
    const names = SOURCES.map((s) => s.view);
    const views = async () => new Set((await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'public' AND table_name = ANY(${names})`.execute(this.db)).rows.map((r) => r.name));
    const have = await views();
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

  /**
   * Makes the working-day index cover every accepted/decided date up to today (and `want`, when
   * given) — of the applications changed since `since` when given (the others are covered already;
   * the change feed names them, as for the refresh).
   * True when days were added before the index's first day: working-day numbers then change, and
   * the applications' contributions must be recomputed.
   */
  async ensureWorkdayIndex(trx: Db, want?: { lo: string; hi: string }, since?: string | null): Promise<boolean> {
    const changedOnly = since ? sql`AND id IN (SELECT application_id FROM application_changes WHERE at > ${since}::timestamptz)` : sql``;
    const r = (await sql<{ lo: string | null; hi: string | null }>`SELECT to_char(min(accepted_at AT TIME ZONE 'UTC' + interval '8 hours'), 'YYYY-MM-DD') AS lo, to_char(max(decided_at AT TIME ZONE 'UTC' + interval '8 hours'), 'YYYY-MM-DD') AS hi FROM applications WHERE decided_at IS NOT NULL ${changedOnly}`.execute(trx)).rows[0];
    const cov = calendarCoverage();
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    let lo = Math.min(toDayNumber(r.lo ?? today), toDayNumber(want?.lo ?? today));
    let hi = Math.max(toDayNumber(r.hi ?? today), toDayNumber(today), toDayNumber(want?.hi ?? today));
    const have = (await sql<{ lo: string | null; hi: string | null }>`SELECT to_char(min(day), 'YYYY-MM-DD') AS lo, to_char(max(day), 'YYYY-MM-DD') AS hi FROM oversight_workday_index`.execute(trx)).rows[0];
    lo = Math.max(lo, toDayNumber(`${cov.from}-01-01`));
    hi = Math.min(hi, toDayNumber(`${cov.to}-12-31`));
    if (have.lo && toDayNumber(have.lo) <= lo && toDayNumber(have.hi!) >= hi) return false;
    const earlier = !!have.lo && lo < toDayNumber(have.lo);
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
    return earlier;
  }

  /**
   * The watermark of a refresh about to start: rows written by transactions that commit after its
   * snapshot carry an `updated_at` no earlier than their own start, so the watermark is the earlier
   * of now and the oldest open transaction's start (one second of margin for clocks).
   */
  private async watermarkNow(): Promise<string> {
    try {
      return (await sql<{ w: string }>`SELECT (least(now(), (SELECT min(xact_start) FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database())) - interval '1 second')::text AS w`.execute(this.db)).rows[0].w;
    } catch {
      return (await sql<{ w: string }>`SELECT (now() - interval '1 second')::text AS w`.execute(this.db)).rows[0].w;
    }
  }

  /**
   * Refreshes the roll-up of each available source in its own transaction (readers see the old
   * sums until the new ones commit). After a source's first (full) refresh, a refresh reads the
   * keys of the rows changed since the watermark (oversight.changes.ts), subtracts those rows'
   * stored contributions (oversight_contrib), adds their current ones and stores them: its cost
   * follows the rows changed. A full rebuild happens on request, when the working-day index grew,
   * when more than MAX_DELTA rows changed, and once a day as a safety net.
   */
  async refresh(only?: string[], opts: { full?: boolean } = {}): Promise<{ source: string; mode: string; rows: number; changed: number; millis: number }[]> {
    const avail = await this.available();
    const out: { source: string; mode: string; rows: number; changed: number; millis: number }[] = [];
    for (const s of SOURCES) {
      if (!avail.get(s.id) || (only && !only.includes(s.id))) continue;
      const started = Date.now();
      const mark = await this.watermarkNow();
      const res = await this.db.transaction().execute(async (trx) => {
        // One refresh at a time (the contribution store must match the roll-up); readers are not blocked.
        await sql`LOCK TABLE oversight_contrib IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
        const at = (await sql<{ now: string }>`SELECT now()::text AS now`.execute(trx)).rows[0].now;
        // A full rebuild is one big aggregation: enough memory to hash it, no JIT compilation.
        try {
          await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
          await sql`SET LOCAL jit = off`.execute(trx);
        } catch {
          /* not every engine has these settings */
        }
        const state = (await sql<{ w: string | null; r: string; full: string | null; stale: boolean; rows: number }>`SELECT watermark::text AS w, refreshed_at::text AS r, full_at::text AS full, rows,
          ${REBUILD_DUE} AS stale FROM oversight_rollup_state WHERE source = ${s.id}`.execute(trx)).rows[0];
        const grew = s.id === 'applications' ? await this.ensureWorkdayIndex(trx, undefined, opts.full || state?.stale ? null : state?.w) : false;
        let mode = 'full';
        let changed = -1;
        // Roll-up rows of the source: counted after a rebuild, otherwise kept up to date by the delta.
        let n: number | null = null;
        if (!state?.w || state.stale || grew || opts.full) {
          await this.rebuild(trx, s);
          if (grew && !opts.full && state?.w) mode = 'full (working-day index extended)';
        } else {
          const spec = CHANGES[s.id];
          const keys = (await sql<{ k: string }>`SELECT DISTINCT k FROM (${spec.changed({ since: state.w, previousNow: state.r, now: at })}) c WHERE k IS NOT NULL`.execute(trx)).rows.map((r) => r.k);
          changed = keys.length;
          if (keys.length > MAX_DELTA) {
            await this.rebuild(trx, s);
            mode = `full (${keys.length} rows changed)`;
          } else {
            n = state.rows + (keys.length ? await this.applyChanges(trx, s, keys) : 0);
            mode = `incremental:${keys.length}`;
          }
        }
        n ??= (await sql<{ n: number }>`SELECT count(*)::int AS n FROM oversight_rollup WHERE source = ${s.id}`.execute(trx)).rows[0].n;
        const fullAt = mode.startsWith('full') ? at : state?.full ?? at;
        await sql`INSERT INTO oversight_rollup_state (source, refreshed_at, watermark, rows, millis, mode, full_at)
          VALUES (${s.id}, ${at}::timestamptz, ${mark}::timestamptz, ${n}, ${Date.now() - started}, ${mode}, ${fullAt}::timestamptz)
          ON CONFLICT (source) DO UPDATE SET refreshed_at = excluded.refreshed_at, watermark = excluded.watermark, rows = excluded.rows, millis = excluded.millis, mode = excluded.mode, full_at = excluded.full_at`.execute(trx);
        return { source: s.id, mode, rows: n, changed, millis: Date.now() - started };
      });
      out.push(res);
    }
    await this.pruneFeeds();
    return out;
  }

  /**
   * Deletes the entries of the sources' change feeds (CHANGES[…].prune) that no refresh will read:
   * those up to the source's stored watermark (the next refresh reads after it) or, when its last
   * full rebuild is over a day old or it has none (the next refresh rebuilds, reading no feed, and
   * its watermark is no earlier than one taken now), up to a watermark taken now. Runs after every
   * refresh, also of other sources and when the source's view is missing.
   */
  private async pruneFeeds(): Promise<void> {
    for (const s of SOURCES) {
      const prune = CHANGES[s.id]?.prune;
      if (!prune) continue;
      const now = await this.watermarkNow();
      await prune(sql`coalesce((SELECT CASE WHEN NOT ${REBUILD_DUE} THEN watermark END FROM oversight_rollup_state WHERE source = ${s.id}), ${now}::timestamptz)`).execute(this.db);
    }
  }

  /** The roll-up rebuilt from the facts view: every row's contribution stored, then summed. */
  private async rebuild(trx: Db, s: SourceDef): Promise<void> {
    const f = factCols(s);
    await sql`DELETE FROM oversight_contrib WHERE source = ${s.id}`.execute(trx);
    await sql`INSERT INTO oversight_contrib (source, record_id, region_code, department_id, item_id, category, period, ${f})
      SELECT ${s.id}, record_id::text, region_code, department_id, item_id, category, ${periodOf(s)}, ${sql.raw(s.facts.join(', '))} FROM ${sql.table(s.view)}`.execute(trx);
    const sums = sql.raw(s.facts.map((_, i) => `sum(f${i + 1})`).join(', '));
    await sql`DELETE FROM oversight_rollup WHERE source = ${s.id}`.execute(trx);
    await sql`INSERT INTO oversight_rollup (source, region_code, department_id, item_id, category, period, records, ${f})
      SELECT source, region_code, department_id, item_id, category, period, count(*), ${sums} FROM oversight_contrib WHERE source = ${s.id} GROUP BY 1, 2, 3, 4, 5, 6`.execute(trx);
    await sql`DELETE FROM oversight_rollup_coarse WHERE source = ${s.id}`.execute(trx);
    await sql`INSERT INTO oversight_rollup_coarse (source, region_code, department_id, period, records, ${f})
      SELECT source, region_code, department_id, period, sum(records), ${sums} FROM oversight_rollup WHERE source = ${s.id} GROUP BY 1, 2, 3, 4`.execute(trx);
  }

  /**
   * Applies the changes of the given rows: their stored contributions (negated) and their current
   * rows in the facts view go into a delta table; the roll-up groups are adjusted by the delta's
   * sums (a group whose last row left is removed) and the store keeps the current rows.
   */
  private async applyChanges(trx: Db, s: SourceDef, keys: string[]): Promise<number> {
    const spec = CHANGES[s.id];
    const records = spec.records ? keys.flatMap(spec.records) : keys;
    const f = factCols(s);
    const fdef = sql.raw(s.facts.map((_, i) => `f${i + 1} bigint`).join(', '));
    await sql`CREATE TEMP TABLE oversight_delta (sign integer, record_id text, region_code text, department_id text, item_id text, category text, period date, ${fdef}) ON COMMIT DROP`.execute(trx);
    const negated = sql.raw(s.facts.map((_, i) => `-f${i + 1}`).join(', '));
    await sql`INSERT INTO oversight_delta SELECT -1, record_id, region_code, department_id, item_id, category, period, ${negated}
      FROM oversight_contrib WHERE source = ${s.id} AND record_id = ANY(${records}::text[])`.execute(trx);
    await sql`INSERT INTO oversight_delta SELECT 1, record_id::text, region_code, department_id, item_id, category, ${periodOf(s)}, ${sql.raw(s.facts.join(', '))}
      FROM ${sql.table(s.view)} WHERE ${sql.ref(spec.by.column)} = ANY(${keys}::${sql.raw(spec.by.type)}[])`.execute(trx);
    await sql`DELETE FROM oversight_contrib WHERE source = ${s.id} AND record_id = ANY(${records}::text[])`.execute(trx);
    await sql`INSERT INTO oversight_contrib (source, record_id, region_code, department_id, item_id, category, period, ${f})
      SELECT ${s.id}, record_id, region_code, department_id, item_id, category, period, ${f} FROM oversight_delta WHERE sign = 1`.execute(trx);
    const sums = sql.raw(s.facts.map((_, i) => `sum(f${i + 1})`).join(', '));
    const add = sql.raw(['records', ...s.facts.map((_, i) => `f${i + 1}`)].map((c) => `${c} = t.${c} + excluded.${c}`).join(', '));
    const adjust = async (table: 'oversight_rollup' | 'oversight_rollup_coarse', dims: string[]) => {
      const d = sql.raw(dims.join(', '));
      const gone = await sql<{ t: string; records: number | string; added: boolean }>`WITH up AS (
          INSERT INTO ${sql.table(table)} AS t (source, ${d}, records, ${f})
          SELECT ${s.id}, ${d}, sum(sign), ${sums} FROM oversight_delta GROUP BY ${d}
          ON CONFLICT (source, ${d}) DO UPDATE SET ${add}
          RETURNING ctid::text AS t, records, xmax = 0 AS added)
        SELECT t, records, added FROM up WHERE records = 0 OR added`.execute(trx);
      const drop = gone.rows.filter((r) => Number(r.records) === 0).map((r) => r.t);
      if (drop.length) await sql`DELETE FROM ${sql.table(table)} WHERE ctid = ANY(${drop}::tid[])`.execute(trx);
      // Groups added minus groups removed (an upsert that inserted has xmax 0).
      return gone.rows.filter((r) => r.added).length - drop.length;
    };
    const groups = await adjust('oversight_rollup', ['region_code', 'department_id', 'item_id', 'category', 'period']);
    await adjust('oversight_rollup_coarse', ['region_code', 'department_id', 'period']);
    return groups;
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
