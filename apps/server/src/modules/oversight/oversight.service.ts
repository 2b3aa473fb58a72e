/**
 * Oversight service: data scope (a supervisor sees their region's subtree), measures with
 * provenance, declared dashboards (JSON and CSV), the evaluation index and its versions, alert
 * rules that raise alerts and dispatch work orders with durable deadline timers, maps.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import { hasRole, systemAdminContext, type RequestContext } from '../../shared/actor';
import { errors } from '../../shared/errors';
import { getRegion, isInSubtree, isRegionCode } from '../../shared/regions';
import { addWorkingDays, chinaDate } from '../../shared/workdays';
import { chinaEndOfDay } from '../../shared/dates';
import { enqueue, type JobRunner } from '../jobs';
import { notify } from '../notifications';
import type { OrgService } from '../org';
import { DASHBOARD_BY_ID, DASHBOARDS, INDUSTRY_SECTIONS, type Widget } from './oversight.dashboards';
import { addMonths, MeasureEngine, monthsBetween, previousPeriod, type Breakdown, type Filters, type Result, type SumsCache } from './oversight.engine';
import { oversightErrors } from './oversight.errors';
import { Practices } from './oversight.practices';
import { baseMeasures, DEFAULT_INDEX, evalRpn, gradeOf, loadConfig, normalise, storeConfig, tokenize, toRpn, validateIndexConfig, type IndexConfig } from './oversight.evaluation';
import { demoProvider, mapUnits, validateGeoJson, type FeatureCollection, type GeoProvider, type MapMeta } from './oversight.geo';
import { MEASURE_BY_ID, MEASURES, SOURCE_BY_ID, SOURCES, type SourceDef, type Text } from './oversight.measures';
import { CATEGORIES as INQUIRY_CATEGORIES } from '../interaction';
import './oversight.tables';

const REVIEW_CHANNELS: Record<string, string> = { web: '网站', mobile: '移动端', window_device: '窗口评价器', '12345': '12345 热线', sms: '短信' };

export const QUEUES = { tick: 'oversight.tick', due: 'oversight.work_order_due' } as const;
export const OVERSIGHT_READERS = ['supervisor', 'platform_admin'] as const;
export const WORK_ORDER_HANDLERS = ['dept_admin', 'window_clerk', 'reviewer', 'decider'] as const;

export interface PeriodQuery {
  region?: string;
  department?: string;
  item?: string;
  category?: string;
  from?: string;
  to?: string;
}

export interface RuleInput {
  name: string;
  measure: string;
  regionCode: string;
  breakdown: 'none' | 'region' | 'department' | 'category';
  kind: 'threshold' | 'band';
  op: 'above' | 'below';
  threshold?: number | null;
  band?: { cycle: 'year' | 'month'; cycles: number; k: number } | null;
  assignDepartmentId?: string | null;
  deadlineDays: number;
  enabled?: boolean;
}

const currentMonth = () => chinaDate(new Date()).slice(0, 7);
const YM = /^\d{4}-(0[1-9]|1[0-2])$/;
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const ymOf = (d: string | Date) => (typeof d === 'string' ? d.slice(0, 7) : chinaDate(d).slice(0, 7));

export class OversightService {
  readonly engine: MeasureEngine;
  /** 经验复用: good practices from top-ranked departments (oversight.practices.ts). */
  readonly practices: Practices;
  provider: GeoProvider;
  /** Whether the demo loader adds the demo history (see oversight.demo.ts). */
  readonly demoHistory: boolean;
  private itemNames = new Map<string, string>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private dashCache = new Map<string, { stamp: string; value: any }>();
  private deptNames: { at: number; list: Promise<{ id: string; name: string }[]> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly jobs: JobRunner,
    private readonly opts: { nodeRegion: string; refreshSeconds: number; demoHistory: boolean; log: FastifyBaseLogger },
  ) {
    this.demoHistory = opts.demoHistory;
    this.engine = new MeasureEngine(db, (b, keys, s) => this.labels(b, keys, s));
    this.provider = this.storedMapProvider();
    this.practices = new Practices(db, org, this);
    jobs.handle(QUEUES.tick, async () => this.tick());
    jobs.handle(QUEUES.due, async (job) => this.workOrderDue(String(job.payload.workOrderId)));
  }

  // ---- scope and filters -------------------------------------------------------------------------

  /** The region an actor oversees: a supervisor's own, otherwise the node's. */
  scopeRegion(ctx: RequestContext): string {
    const a = ctx.actor;
    if (a && hasRole(a, 'supervisor') && a.regionCode) return a.regionCode.trim();
    return this.opts.nodeRegion;
  }

  filters(ctx: RequestContext | null, q: PeriodQuery): Filters {
    const scope = ctx ? this.scopeRegion(ctx) : this.opts.nodeRegion;
    const region = q.region ?? scope;
    if (!isRegionCode(region)) throw oversightErrors.badRegion(region);
    if (!isInSubtree(region, scope)) throw oversightErrors.regionOutOfScope(region);
    const to = q.to ?? currentMonth();
    const from = q.from ?? addMonths(to, -2);
    if (!YM.test(from)) throw oversightErrors.badPeriod('起始月份格式应为 YYYY-MM', 'from must be YYYY-MM', 'from');
    if (!YM.test(to)) throw oversightErrors.badPeriod('截止月份格式应为 YYYY-MM', 'to must be YYYY-MM', 'to');
    const n = monthsBetween(from, to);
    if (n < 1) throw oversightErrors.badPeriod('起始月份不能晚于截止月份', 'from is after to', 'from');
    if (n > 120) throw oversightErrors.badPeriod('期间不能超过 120 个月', 'a period is at most 120 months', 'from');
    return { region, from, to, ...(q.department ? { department: q.department } : {}), ...(q.item ? { item: q.item } : {}), ...(q.category ? { category: q.category } : {}) };
  }

  private async labels(b: Breakdown, keys: string[], s: SourceDef): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (b === 'region') {
      for (const k of keys) out.set(k, getRegion(k)?.name ?? k);
    } else if (b === 'department') {
      if (!this.deptNames || Date.now() - this.deptNames.at > 60_000) this.deptNames = { at: Date.now(), list: this.org.departments() };
      const depts = await this.deptNames.list;
      const byId = new Map(depts.map((d) => [d.id, d.name]));
      for (const k of keys) out.set(k, byId.get(k) ?? (k || '（未指定部门）'));
    } else if (b === 'item') {
      const missing = keys.filter((k) => k && !this.itemNames.has(k));
      if (missing.length) {
        const rows = (await sql<{ id: string; name: string }>`SELECT id::text AS id, name FROM catalog_items WHERE id::text = ANY(${missing})`.execute(this.db)).rows;
        for (const r of rows) this.itemNames.set(r.id, r.name);
      }
      for (const k of keys) out.set(k, this.itemNames.get(k) ?? k);
    } else if (b === 'category') {
      for (const k of keys) {
        if (s.id === 'market') out.set(k, INDUSTRY_SECTIONS[k] ? `${k} ${INDUSTRY_SECTIONS[k].zh}` : k);
        else if (s.id === 'work_orders') out.set(k, MEASURE_BY_ID.get(k)?.name.zh ?? k);
        else if (s.id === 'catalog') out.set(k, k === 'bundle' ? '一件事' : '事项');
        else if (s.id === 'inquiries') out.set(k, INQUIRY_CATEGORIES.find((c) => c.code === k)?.zh ?? k);
        else if (s.id === 'reviews') out.set(k, REVIEW_CHANNELS[k] ?? k);
        else out.set(k, k);
      }
    }
    return out;
  }

  // ---- measures ------------------------------------------------------------------------------------

  async measures() {
    const avail = await this.engine.available();
    return MEASURES.map((m) => {
      const s = SOURCE_BY_ID.get(m.source)!;
      const ok = !!avail.get(s.id);
      return {
        id: m.id,
        name: m.name,
        unit: m.unit,
        formula: m.formula,
        higherIsBetter: m.higherIsBetter,
        cumulative: !!m.cumulative,
        source: { id: s.id, view: s.view, name: s.name, module: s.module, periodic: s.periodic, facts: s.facts },
        numerator: m.num,
        denominator: m.den ?? null,
        scale: m.scale ?? 1,
        available: ok,
        reason: ok ? null : { zh: `${s.module} 模块的数据（${s.view}）尚未接入`, en: `the ${s.module} module's data (${s.view}) is not installed` },
      };
    });
  }

  async compute(ctx: RequestContext, id: string, q: PeriodQuery, breakdown: Breakdown, live = false): Promise<Result & { previous?: Result }> {
    return this.engine.compute(id, this.filters(ctx, q), breakdown, { live });
  }

  async rows(ctx: RequestContext, id: string, q: PeriodQuery, limit: number, offset: number) {
    return this.engine.rows(id, this.filters(ctx, q), limit, offset);
  }

  async refresh(ctx: RequestContext, full = false) {
    const result = await this.engine.refresh(undefined, { full });
    const avail = await this.engine.available();
    await this.db.transaction().execute(async (trx) => {
      await this.syncMeasureCatalog(trx, avail);
      await recordAudit(trx, ctx, { action: 'oversight.refresh', entityType: 'oversight_rollup', detail: { full, sources: result.map((r) => `${r.source}:${r.mode}`) } });
    });
    return { refreshed: result, freshness: await this.freshness() };
  }

  async freshness() {
    const rows = await this.db.selectFrom('oversight_rollup_state').selectAll().orderBy('source').execute();
    return { intervalSeconds: this.opts.refreshSeconds, sources: rows.map((r) => ({ source: r.source, refreshedAt: iso(r.refreshed_at)!, watermark: iso(r.watermark), rows: r.rows, millis: r.millis, mode: r.mode })) };
  }

  /** The measure catalogue as a table, so BI tools see names and formulas next to the views. */
  private async syncMeasureCatalog(trx: Db, avail: Map<string, boolean>) {
    for (const m of MEASURES) {
      const row = { id: m.id, name: m.name.zh, name_en: m.name.en, unit: m.unit, source: SOURCE_BY_ID.get(m.source)!.view, formula: m.formula.zh, formula_en: m.formula.en, available: !!avail.get(m.source) };
      await trx.insertInto('oversight_measures').values(row).onConflict((oc) => oc.column('id').doUpdateSet({ ...row, updated_at: sql`now()` })).execute();
    }
  }

  // ---- dashboards ----------------------------------------------------------------------------------

  dashboards() {
    return DASHBOARDS.map((d) => ({ id: d.id, title: d.title, description: d.description, widgets: d.widgets }));
  }

  async dashboard(ctx: RequestContext | null, id: string, q: PeriodQuery & { mapMeasure?: string }) {
    const d = DASHBOARD_BY_ID.get(id);
    if (!d) throw oversightErrors.unknownDashboard(id);
    const started = Date.now();
    const f = this.filters(ctx, q);
    if (q.mapMeasure && !MEASURE_BY_ID.has(q.mapMeasure)) throw oversightErrors.unknownMeasure(q.mapMeasure, 'mapMeasure');
    // The roll-up changes only when it is refreshed: a dashboard computed from one snapshot is
    // served again, exactly, until the snapshot (any source's refresh time) changes.
    const freshness = await this.freshness();
    const avail = await this.engine.available();
    const stamp = JSON.stringify([freshness.sources.map((x) => [x.source, x.refreshedAt]), [...avail.entries()], currentMonth()]);
    const key = JSON.stringify([id, f, q.mapMeasure ?? null]);
    const hit = this.dashCache.get(key);
    if (hit && hit.stamp === stamp) return { ...hit.value, cached: true, millis: Date.now() - started };
    const cache: SumsCache = new Map();
    const widgets = await Promise.all(d.widgets.map((w) => this.widget(w.chart === 'map' && q.mapMeasure ? { ...w, measure: q.mapMeasure } : w, f, cache)));
    const value = { id: d.id, title: d.title, description: d.description, filters: f, previous: previousPeriod(f), generatedAt: new Date().toISOString(), millis: Date.now() - started, cached: false, freshness, widgets };
    this.dashCache.set(key, { stamp, value });
    if (this.dashCache.size > 500) this.dashCache.delete(this.dashCache.keys().next().value!);
    return value;
  }

  private async widget(w: Widget, f: Filters, cache: SumsCache) {
    const m = MEASURE_BY_ID.get(w.measure)!;
    const base = { id: w.id, title: w.title, chart: w.chart, measure: w.measure, name: m.name, unit: m.unit, higherIsBetter: m.higherIsBetter, breakdown: w.breakdown, comparison: w.comparison, formula: m.formula };
    const avail = await this.engine.available();
    if (!avail.get(m.source)) {
      const s = SOURCE_BY_ID.get(m.source)!;
      return { ...base, available: false, reason: { zh: `暂无数据来源：${s.module} 模块的数据尚未接入`, en: `No data source yet: the ${s.module} module's data is not installed` } };
    }
    if (w.chart === 'kpi') {
      const [cur, prev] = await Promise.all([this.engine.compute(w.measure, f, 'none', { cache }), this.engine.compute(w.measure, previousPeriod(f), 'none', { cache })]);
      const v = cur.total.value;
      const p = prev.total.value;
      return { ...base, available: true, value: v, counts: cur.total.counts, previous: p, previousCounts: prev.total.counts, change: v !== null && p !== null ? Math.round((v - p) * 100) / 100 : null, provenance: cur.provenance };
    }
    if (w.chart === 'line' || w.chart === 'band') {
      const months = w.months ?? 12;
      const tf = { ...f, from: addMonths(f.to, -(months - 1)) };
      const r = await this.engine.compute(w.measure, tf, 'period', { cache });
      let band: { key: string; mean: number; low: number; high: number; points: number; outside: 'above' | 'below' | null }[] | undefined;
      if (w.chart === 'band' && w.band) {
        const L = w.band.cycle === 'year' ? 12 : 1;
        const hist = await this.engine.compute(w.measure, { ...f, from: addMonths(tf.from, -L * w.band.cycles), to: f.to }, 'period', { cache });
        const byKey = new Map(hist.groups.map((g) => [g.key, g.value]));
        band = r.groups.map((g) => {
          const pts = Array.from({ length: w.band!.cycles }, (_, i) => byKey.get(addMonths(g.key, -L * (i + 1)))).filter((x): x is number => typeof x === 'number');
          const st = meanSd(pts);
          const low = st.mean - w.band!.k * st.sd;
          const high = st.mean + w.band!.k * st.sd;
          const outside = pts.length < 2 || g.value === null ? null : g.value > high ? 'above' : g.value < low ? 'below' : null;
          return { key: g.key, mean: round2(st.mean), low: round2(low), high: round2(high), points: pts.length, outside };
        });
      }
      return { ...base, available: true, groups: r.groups, band, provenance: r.provenance };
    }
    const wantPrev = w.comparison === 'previous_period';
    const [cur, prev] = await Promise.all([this.engine.compute(w.measure, f, w.breakdown, { cache }), wantPrev ? this.engine.compute(w.measure, previousPeriod(f), w.breakdown, { cache }) : Promise.resolve(null)]);
    const prevBy = new Map((prev?.groups ?? []).map((g) => [g.key, g.value]));
    const groups = cur.groups.map((g) => ({ ...g, previous: wantPrev ? (prevBy.get(g.key) ?? null) : undefined }));
    const ranked = groups.filter((g) => g.value !== null).sort((a, b) => (m.higherIsBetter ? b.value! - a.value! : a.value! - b.value!));
    const n = w.top ?? 3;
    return {
      ...base,
      available: true,
      value: cur.total.value,
      counts: cur.total.counts,
      groups,
      ...(w.chart === 'ranking' ? { top: ranked.slice(0, n).map((g) => g.key), bottom: ranked.slice(-n).reverse().map((g) => g.key) } : {}),
      provenance: cur.provenance,
    };
  }

  /** A dashboard flattened to CSV: one line per figure, with its counts and snapshot time. */
  async dashboardCsv(ctx: RequestContext | null, id: string, q: PeriodQuery & { mapMeasure?: string }): Promise<string> {
    const d = await this.dashboard(ctx, id, q);
    const lines = [['dashboard', 'widget', 'measure', 'unit', 'group', 'label', 'value', 'previous', 'counts', 'from', 'to', 'region', 'snapshot_at'].join(',')];
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    for (const w of d.widgets as Record<string, any>[]) {
      const snap = w.provenance?.snapshotAt ?? '';
      const common = [d.id, w.id, w.measure, w.unit];
      const tail = [d.filters.from, d.filters.to, d.filters.region, snap];
      if (!w.available) lines.push([...common, '', 'not available', '', '', '', ...tail].map(cell).join(','));
      else if (w.chart === 'kpi') lines.push([...common, 'all', 'all', w.value, w.previous, w.counts, ...tail].map(cell).join(','));
      else {
        if (w.value !== undefined) lines.push([...common, 'all', 'all', w.value, '', w.counts, ...tail].map(cell).join(','));
        for (const g of w.groups) lines.push([...common, g.key, g.label, g.value, g.previous ?? '', g.counts, ...tail].map(cell).join(','));
      }
    }
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  // ---- evaluation index ------------------------------------------------------------------------------

  async currentIndex(): Promise<{ version: number; config: IndexConfig; createdAt: string; note: string }> {
    let row = await this.db.selectFrom('oversight_index_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (!row) {
      await this.db.insertInto('oversight_index_versions').values({ version: 1, config: JSON.stringify(storeConfig(DEFAULT_INDEX)), note: '默认指标体系（一体化政务服务评估五个维度）', created_by: null, created_by_name: 'system' }).onConflict((oc) => oc.column('version').doNothing()).execute();
      row = await this.db.selectFrom('oversight_index_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow();
    }
    return { version: row.version, config: loadConfig(row.config), createdAt: iso(row.created_at)!, note: row.note };
  }

  async indexVersions() {
    await this.currentIndex();
    const rows = await this.db.selectFrom('oversight_index_versions').selectAll().orderBy('version', 'desc').execute();
    return rows.map((r) => ({ version: r.version, note: r.note, createdAt: iso(r.created_at)!, createdBy: r.created_by_name, config: storeConfig(loadConfig(r.config)) }));
  }

  async createIndexVersion(ctx: RequestContext, config: IndexConfig, note: string) {
    const actor = requireActor(ctx);
    const cfg = loadConfig(config);
    validateIndexConfig(cfg);
    const cur = await this.currentIndex();
    const version = cur.version + 1;
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('oversight_index_versions').values({ version, config: JSON.stringify(storeConfig(cfg)), note, created_by: actor.accountId, created_by_name: actor.displayName }).execute();
      await recordAudit(trx, ctx, { action: 'oversight.index_version', entityType: 'oversight_index', entityId: String(version), detail: { note, indicators: cfg.indicators.length } });
    });
    return { version, note };
  }

  /**
   * Scores of the units of a region (its children, and the region itself as 本级 when it has data),
   * ranked; each with its indicators, weakest first, and the change since the previous period.
   */
  async evaluation(region: string, q: PeriodQuery, ctx: RequestContext | null = null) {
    const f = this.filters(ctx, { ...q, region });
    const idx = await this.currentIndex();
    const cfg = idx.config;
    const avail = await this.engine.available();
    const bases = [...new Set(cfg.indicators.flatMap((i) => baseMeasures(cfg, i.measure)))];
    const usable = bases.filter((b) => avail.get(MEASURE_BY_ID.get(b)!.source));
    const cache: SumsCache = new Map();
    const per = async (ff: Filters) => {
      const results = await Promise.all(usable.map(async (b) => [b, await this.engine.compute(b, ff, 'region', { cache })] as const));
      const totals = await Promise.all(usable.map(async (b) => [b, (await this.engine.compute(b, ff, 'none', { cache })).total.value] as const));
      return { byRegion: new Map(results.map(([b, r]) => [b, new Map(r.groups.map((g) => [g.key, g.value]))])), total: new Map(totals) };
    };
    const [cur, prev] = await Promise.all([per(f), per(previousPeriod(f))]);
    const units = [{ code: f.region, name: `${getRegion(f.region)!.name}（全域）`, whole: true }, ...[{ code: f.region, name: `${getRegion(f.region)!.name}本级` }, ...mapUnits(f.region)].map((u) => ({ ...u, whole: false }))];
    const score = (data: typeof cur, code: string, whole: boolean) => {
      const v = (id: string): number | null => (whole ? (data.total.get(id) ?? null) : (data.byRegion.get(id)?.get(code) ?? null));
      const value = (id: string): number | null => {
        const d = cfg.derived.find((x) => x.id === id);
        if (!d) return v(id);
        return evalRpn(toRpn(tokenize(d.expr)), value);
      };
      const indicators = cfg.indicators.map((ind) => {
        const available = baseMeasures(cfg, ind.measure).every((b) => usable.includes(b));
        const val = available ? value(ind.measure) : null;
        const n = val === null ? null : normalise(val, ind.floor, ind.target);
        return { id: ind.id, dimension: ind.dimension, name: ind.name, measure: ind.measure, floor: ind.floor, target: ind.target, weight: ind.weight, available, value: val === null ? null : round2(val), normalised: n === null ? null : Math.round(n * 1000) / 1000, points: n === null ? null : round2(n * ind.weight * 100) };
      });
      const covered = indicators.filter((i) => i.normalised !== null);
      const w = covered.reduce((s, i) => s + i.weight, 0);
      const s = w > 0 ? round2((covered.reduce((acc, i) => acc + i.weight * i.normalised!, 0) / w) * 100) : null;
      return { score: s, coverage: Math.round(w * 1000) / 1000, indicators };
    };
    const rows = units
      .map((u) => {
        const c = score(cur, u.code, u.whole);
        const p = score(prev, u.code, u.whole);
        const dims = cfg.dimensions.map((d) => {
          const its = c.indicators.filter((i) => i.dimension === d.id && i.normalised !== null);
          const wsum = its.reduce((s, i) => s + i.weight, 0);
          return { id: d.id, name: d.name, weight: round2(cfg.indicators.filter((i) => i.dimension === d.id).reduce((s, i) => s + i.weight, 0)), score: wsum ? round2((its.reduce((s, i) => s + i.weight * i.normalised!, 0) / wsum) * 100) : null };
        });
        return {
          code: u.code,
          name: u.name,
          whole: u.whole,
          score: c.score,
          grade: c.score === null ? null : gradeOf(cfg, c.score),
          coverage: c.coverage,
          previousScore: p.score,
          change: c.score !== null && p.score !== null ? round2(c.score - p.score) : null,
          dimensions: dims,
          indicators: c.indicators,
          weakest: c.indicators.filter((i) => i.normalised !== null).sort((a, b) => a.normalised! - b.normalised! || b.weight - a.weight).slice(0, 3).map((i) => i.id),
        };
      })
      .filter((r) => r.whole || r.score !== null);
    const ranked = rows.filter((r) => !r.whole && r.code !== f.region && r.score !== null).sort((a, b) => b.score! - a.score!);
    return {
      selfAssessment: true,
      label: { zh: '自评估（根据本平台实时数据计算，非官方评估结果）', en: 'Self-assessment (computed from this platform’s live data; not an official evaluation)' },
      region: f.region,
      regionName: getRegion(f.region)!.fullName,
      period: { from: f.from, to: f.to },
      previousPeriod: { from: previousPeriod(f).from, to: previousPeriod(f).to },
      version: idx.version,
      overall: rows.find((r) => r.whole) ?? null,
      ownLevel: rows.find((r) => !r.whole && r.code === f.region) ?? null,
      ranking: ranked.map((r, i) => ({ rank: i + 1, ...r })),
      unavailable: cfg.indicators.filter((i) => !baseMeasures(cfg, i.measure).every((b) => usable.includes(b))).map((i) => ({ id: i.id, name: i.name, measure: i.measure, weight: i.weight })),
      freshness: await this.freshness(),
    };
  }

  /** A region's page: its own score (its whole subtree), weakest indicators, change, and its rank among its siblings. */
  async regionEvaluation(code: string, q: PeriodQuery, ctx: RequestContext | null = null) {
    if (!isRegionCode(code)) throw oversightErrors.badRegion(code);
    const own = await this.evaluation(code, q, ctx);
    const scope = ctx ? this.scopeRegion(ctx) : this.opts.nodeRegion;
    let parent = getRegion(code)!.parentCode;
    if (parent && getRegion(parent) && mapUnits(getRegion(parent)!.parentCode ?? '').some((u) => u.code === code)) parent = getRegion(parent)!.parentCode;
    let rank: { rank: number; of: number } | null = null;
    if (parent && isInSubtree(parent, scope)) {
      const sib = await this.evaluation(parent, q, ctx);
      const me = sib.ranking.find((r) => r.code === code);
      if (me) rank = { rank: me.rank, of: sib.ranking.length };
    }
    return { ...own, rank };
  }

  async methodology() {
    const idx = await this.currentIndex();
    const cfg = idx.config;
    const avail = await this.engine.available();
    return {
      selfAssessment: true,
      version: idx.version,
      versionCreatedAt: idx.createdAt,
      name: cfg.name,
      scoring: {
        zh: '每项指标按 (实际值 − 下限) ÷ (目标值 − 下限) 归一到 0–1（低于下限为 0，达到目标为 1）；得分 = Σ(权重 × 归一值) ÷ Σ(有数据指标的权重) × 100。暂无数据来源的指标不计分，并标明覆盖权重。',
        en: 'Each indicator is normalised as (value − floor) ÷ (target − floor), clamped to 0–1; score = Σ(weight × normalised) ÷ Σ(weights of indicators with data) × 100. Indicators without a data source are not scored, and the weight covered is shown.',
      },
      dimensions: cfg.dimensions.map((d) => ({ ...d, weight: round2(cfg.indicators.filter((i) => i.dimension === d.id).reduce((s, i) => s + i.weight, 0)) })),
      indicators: cfg.indicators.map((i) => {
        const m = MEASURE_BY_ID.get(i.measure);
        const d = cfg.derived.find((x) => x.id === i.measure);
        return { ...i, formula: m?.formula ?? { zh: `派生指标：${d?.expr}`, en: `derived: ${d?.expr}` }, unit: m?.unit ?? 'derived', available: baseMeasures(cfg, i.measure).every((b) => avail.get(MEASURE_BY_ID.get(b)?.source ?? '')) };
      }),
      derived: cfg.derived,
      grades: cfg.grades.map((g) => ({ label: g.label, min: Number.isFinite(g.min) ? g.min : null, strict: !!g.strict })),
      freshness: await this.freshness(),
      sources: SOURCES.map((s) => ({ id: s.id, view: s.view, name: s.name, available: !!avail.get(s.id) })),
    };
  }

  // ---- alerts and work orders ---------------------------------------------------------------------------

  private presentRule(r: Record<string, any>) {
    return { id: r.id, name: r.name, measure: r.measure, measureName: MEASURE_BY_ID.get(r.measure)?.name ?? null, regionCode: r.region_code, breakdown: r.breakdown, kind: r.kind, op: r.op, threshold: r.threshold, band: r.band, assignDepartmentId: r.assign_department_id, deadlineDays: r.deadline_days, enabled: r.enabled, createdAt: iso(r.created_at) };
  }

  async rules(ctx: RequestContext) {
    const scope = this.scopeRegion(ctx);
    const rows = await this.db.selectFrom('oversight_alert_rules').selectAll().orderBy('created_at').execute();
    return rows.filter((r) => isInSubtree(r.region_code, scope)).map((r) => this.presentRule(r));
  }

  private async checkRule(ctx: RequestContext, r: RuleInput) {
    const bad = oversightErrors.badRule;
    const m = MEASURE_BY_ID.get(r.measure);
    if (!m) throw oversightErrors.unknownMeasure(r.measure);
    this.filters(ctx, { region: r.regionCode });
    if (r.breakdown === 'category' && !SOURCE_BY_ID.get(m.source)!.category) throw bad('该指标没有类别维度', 'this measure has no category dimension', 'breakdown');
    if (r.kind === 'threshold' && (r.threshold === undefined || r.threshold === null)) throw bad('阈值规则须设置阈值', 'a threshold rule needs a threshold', 'threshold');
    if (r.kind === 'band' && (!r.band || r.band.cycles < 2 || !(r.band.k > 0))) throw bad('区间规则须至少比较 2 个历史周期，且 k > 0', 'a band rule needs at least 2 earlier cycles and k > 0', 'band');
    if (r.breakdown !== 'department') {
      if (!r.assignDepartmentId) throw bad('须指定负责处置的部门', 'a responsible department is required', 'assignDepartmentId');
    }
    if (r.assignDepartmentId && !(await this.org.department(r.assignDepartmentId))) throw bad('负责部门不存在', 'no such department', 'assignDepartmentId');
  }

  async createRule(ctx: RequestContext, r: RuleInput) {
    const actor = requireActor(ctx);
    await this.checkRule(ctx, r);
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('oversight_alert_rules').values({ id, name: r.name, measure: r.measure, region_code: r.regionCode, breakdown: r.breakdown, kind: r.kind, op: r.op, threshold: r.kind === 'threshold' ? (r.threshold ?? null) : null, band: r.kind === 'band' ? JSON.stringify(r.band) : null, assign_department_id: r.assignDepartmentId ?? null, deadline_days: r.deadlineDays, enabled: r.enabled ?? true, created_by: actor.kind === 'machine' ? null : actor.accountId }).execute();
      await recordAudit(trx, ctx, { action: 'oversight.rule_create', entityType: 'oversight_alert_rule', entityId: id, detail: { measure: r.measure, kind: r.kind } });
    });
    return this.presentRule((await this.db.selectFrom('oversight_alert_rules').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as never);
  }

  async setRuleEnabled(ctx: RequestContext, id: string, enabled: boolean) {
    const rule = await this.db.selectFrom('oversight_alert_rules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!rule || !isInSubtree(rule.region_code, this.scopeRegion(ctx))) throw errors.notFound('Alert rule', '预警规则');
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('oversight_alert_rules').set({ enabled, updated_at: sql`now()` }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'oversight.rule_update', entityType: 'oversight_alert_rule', entityId: id, detail: { enabled } });
    });
    return this.presentRule({ ...rule, enabled });
  }

  /**
   * Evaluates rules for a month (default: the current one): every group that breaches raises one
   * alert (at most one per rule, group and month) and a work order for the responsible department,
   * with a deadline in working days and a durable timer that marks it overdue.
   */
  async evaluateRules(ctx: RequestContext, opts: { ruleId?: string; period?: string } = {}) {
    if (opts.period && !YM.test(opts.period)) throw oversightErrors.badPeriod('月份格式应为 YYYY-MM', 'period must be YYYY-MM', 'period');
    // Without a month: a drop is judged on the last complete month (the current one is still
    // filling up), a surge on the current month (already above is above).
    const periodOf = (op: string) => opts.period ?? (op === 'below' ? addMonths(currentMonth(), -1) : currentMonth());
    const period = opts.period ?? currentMonth();
    let q = this.db.selectFrom('oversight_alert_rules').selectAll();
    q = opts.ruleId ? q.where('id', '=', opts.ruleId) : q.where('enabled', '=', true);
    const rules = await q.execute();
    if (opts.ruleId && (!rules.length || !isInSubtree(rules[0].region_code, this.scopeRegion(ctx)))) throw errors.notFound('Alert rule', '预警规则');
    const avail = await this.engine.available();
    const report: { ruleId: string; period?: string; checked: number; raised: string[]; skipped?: string }[] = [];
    for (const rule of rules) {
      const m = MEASURE_BY_ID.get(rule.measure);
      if (!m || !avail.get(m.source)) {
        report.push({ ruleId: rule.id, checked: 0, raised: [], skipped: 'measure not available' });
        continue;
      }
      const rulePeriod = periodOf(rule.op);
      const f: Filters = { region: rule.region_code, from: rulePeriod, to: rulePeriod };
      const cur = await this.engine.compute(rule.measure, f, rule.breakdown as Breakdown);
      const groups = rule.breakdown === 'none' ? [{ ...cur.total, label: getRegion(rule.region_code)?.name ?? rule.region_code, key: rule.region_code }] : cur.groups;
      let history: Map<string, number | null>[] = [];
      if (rule.kind === 'band') {
        const band = rule.band as { cycle: 'year' | 'month'; cycles: number; k: number };
        const L = band.cycle === 'year' ? 12 : 1;
        history = await Promise.all(
          Array.from({ length: band.cycles }, async (_, i) => {
            const ym = addMonths(rulePeriod, -L * (i + 1));
            const r = await this.engine.compute(rule.measure, { ...f, from: ym, to: ym }, rule.breakdown as Breakdown);
            return rule.breakdown === 'none' ? new Map([[rule.region_code, r.total.value]]) : new Map(r.groups.map((g) => [g.key, g.value]));
          }),
        );
      }
      const raised: string[] = [];
      for (const g of groups) {
        if (g.value === null) continue;
        let expected: Record<string, unknown>;
        let breach: boolean;
        if (rule.kind === 'threshold') {
          breach = rule.op === 'above' ? g.value > rule.threshold! : g.value < rule.threshold!;
          expected = { kind: 'threshold', op: rule.op, threshold: rule.threshold };
        } else {
          const band = rule.band as { cycle: string; cycles: number; k: number };
          const pts = history.map((h) => h.get(g.key)).filter((x): x is number => typeof x === 'number');
          if (pts.length < 2) continue;
          const st = meanSd(pts);
          const low = st.mean - band.k * st.sd;
          const high = st.mean + band.k * st.sd;
          breach = rule.op === 'above' ? g.value > high : g.value < low;
          expected = { kind: 'band', op: rule.op, cycle: band.cycle, cycles: band.cycles, k: band.k, history: pts, mean: round2(st.mean), sd: round2(st.sd), low: round2(low), high: round2(high) };
        }
        if (!breach) continue;
        const departmentId = rule.breakdown === 'department' ? g.key : rule.assign_department_id;
        if (!departmentId) continue;
        const regionCode = rule.breakdown === 'region' ? g.key : rule.region_code;
        const id = await this.raise(ctx, rule, { key: g.key, label: g.label, value: g.value, counts: g.counts }, rulePeriod, departmentId, regionCode, expected, cur.provenance);
        if (id) raised.push(id);
      }
      report.push({ ruleId: rule.id, period: rulePeriod, checked: groups.length, raised });
    }
    // Evaluating on request is an action even when nothing breaches: it is audited.
    if (opts.ruleId) {
      await this.db.transaction().execute((trx) => recordAudit(trx, ctx, { action: 'oversight.rule_evaluate', entityType: 'oversight_alert_rule', entityId: opts.ruleId, detail: { period, raised: report[0]?.raised.length ?? 0 } }));
    }
    return { period, rules: report };
  }

  private async raise(ctx: RequestContext, rule: { id: string; name: string; measure: string; deadline_days: number }, g: { key: string; label: string; value: number; counts: Record<string, number> }, period: string, departmentId: string, regionCode: string, expected: Record<string, unknown>, provenance: unknown): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const alertId = randomUUID();
      const inserted = await trx
        .insertInto('oversight_alerts')
        .values({ id: alertId, rule_id: rule.id, measure: rule.measure, region_code: regionCode, department_id: departmentId, group_key: g.key, group_label: g.label, period: `${period}-01`, value: g.value, expected: JSON.stringify(expected), provenance: JSON.stringify({ ...(provenance as object), counts: g.counts }), created_at: new Date() })
        .onConflict((oc) => oc.columns(['rule_id', 'group_key', 'period']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return null;
      const woId = randomUUID();
      const seq = (await sql<{ n: string }>`SELECT nextval('oversight_work_order_seq') AS n`.execute(trx)).rows[0].n;
      const today = chinaDate(new Date());
      const due = addWorkingDays(today, rule.deadline_days);
      const m = MEASURE_BY_ID.get(rule.measure)!;
      await trx
        .insertInto('oversight_work_orders')
        .values({ id: woId, number: `GD${today.replace(/-/g, '')}${String(seq).padStart(5, '0')}`, alert_id: alertId, department_id: departmentId, region_code: regionCode, title: `${rule.name}：${g.label} ${m.name.zh} ${g.value}`, detail: JSON.stringify({ rule: rule.name, measure: rule.measure, period, value: g.value, expected, counts: g.counts }), due_date: due, created_at: new Date() })
        .execute();
      await trx.updateTable('oversight_alerts').set({ work_order_id: woId }).where('id', '=', alertId).execute();
      await enqueue(trx, { queue: QUEUES.due, payload: { workOrderId: woId }, runAt: chinaEndOfDay(due), dedupeKey: woId });
      const number = `GD${today.replace(/-/g, '')}${String(seq).padStart(5, '0')}`;
      const contacts = await this.departmentContacts(trx, departmentId);
      for (const to of contacts.ids) {
        await notify(trx, { recipientAccountId: to, template: 'oversight.work_order_created', params: { number, title: `${rule.name}：${g.label}`, dueDate: due }, link: `${contacts.area}/work-orders/${woId}` });
      }
      await recordAudit(trx, ctx, { action: 'oversight.alert_raised', entityType: 'oversight_alert', entityId: alertId, detail: { rule: rule.id, group: g.key, period, workOrder: woId, due } });
      return alertId;
    });
  }

  private presentAlert(a: Record<string, any>) {
    return { id: a.id, ruleId: a.rule_id, ruleName: a.rule_name ?? null, measure: a.measure, measureName: MEASURE_BY_ID.get(a.measure)?.name ?? null, regionCode: a.region_code, departmentId: a.department_id, groupKey: a.group_key, groupLabel: a.group_label, period: String(a.period).slice(0, 7), value: a.value, expected: a.expected, provenance: a.provenance, status: a.status, workOrderId: a.work_order_id, createdAt: iso(a.created_at) };
  }

  async alerts(ctx: RequestContext, q: { status?: string }) {
    let query = this.db.selectFrom('oversight_alerts as a').innerJoin('oversight_alert_rules as r', 'r.id', 'a.rule_id').selectAll('a').select('r.name as rule_name').where('a.region_code', 'like', subtreeLike(this.scopeRegion(ctx))).orderBy('a.created_at', 'desc').limit(500);
    if (q.status === 'open' || q.status === 'closed') query = query.where('a.status', '=', q.status);
    return (await query.execute()).map((a) => this.presentAlert(a));
  }

  async alert(ctx: RequestContext, id: string) {
    const a = await this.db.selectFrom('oversight_alerts as a').innerJoin('oversight_alert_rules as r', 'r.id', 'a.rule_id').selectAll('a').select('r.name as rule_name').where('a.id', '=', id).executeTakeFirst();
    if (!a || !isInSubtree(a.region_code, this.scopeRegion(ctx))) throw errors.notFound('Alert', '预警');
    return this.presentAlert(a);
  }

  private async presentWorkOrder(w: Record<string, any>) {
    const dept = await this.org.department(w.department_id);
    return { id: w.id, number: w.number, alertId: w.alert_id, departmentId: w.department_id, departmentName: dept?.name ?? null, regionCode: w.region_code, regionName: getRegion(w.region_code)?.name ?? null, title: w.title, detail: w.detail, dueDate: String(w.due_date).slice(0, 10), status: w.status, overdue: w.overdue, acceptedAt: iso(w.accepted_at ?? null), escalatedAt: iso(w.escalated_at ?? null), response: w.response, respondedAt: iso(w.responded_at), closedAt: iso(w.closed_at), closeNote: w.close_note, createdAt: iso(w.created_at) };
  }

  /** Active staff accounts of a department (with one of the roles) or supervisors over a region — read-only from identity's tables. */
  private async staffOf(db: Db, q: { departmentId?: string; roles: string[]; regionCode?: string }): Promise<string[]> {
    const r = await sql<{ id: string; region_code: string | null }>`SELECT DISTINCT a.id, a.region_code FROM accounts a JOIN account_roles ar ON ar.account_id = a.id
      WHERE a.status = 'active' AND ar.role IN (${sql.join(q.roles)}) ${q.departmentId ? sql`AND a.department_id = ${q.departmentId}` : sql``}`.execute(db);
    return r.rows.filter((x) => !q.regionCode || (x.region_code && isInSubtree(q.regionCode, x.region_code.trim()))).map((x) => x.id);
  }

  /** Whom a department's work orders are sent to: its admins, or its officers when it has no admin account. */
  private async departmentContacts(db: Db, departmentId: string): Promise<{ ids: string[]; area: '/admin' | '/workbench' }> {
    const admins = await this.staffOf(db, { departmentId, roles: ['dept_admin'] });
    // Department admins work in the admin area of the web app, officers in the workbench.
    return admins.length ? { ids: admins, area: '/admin' } : { ids: await this.staffOf(db, { departmentId, roles: [...WORK_ORDER_HANDLERS] }), area: '/workbench' };
  }

  /** 签收: the responsible department takes the work order up (once, while it is open). */
  async accept(ctx: RequestContext, id: string) {
    const actor = requireActor(ctx);
    const row = await this.db.transaction().execute(async (trx) => {
      const w = await trx.selectFrom('oversight_work_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!w || !this.canSee(ctx, w)) throw errors.notFound('Work order', '工单');
      if (actor.departmentId !== w.department_id) throw oversightErrors.workOrderScope();
      if (w.status !== 'open' || w.accepted_at) throw oversightErrors.workOrderState(w.accepted_at && w.status === 'open' ? 'accepted' : w.status);
      const now = new Date();
      await trx.updateTable('oversight_work_orders').set({ accepted_at: now, accepted_by: actor.accountId , updated_at: sql`now()` }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'oversight.work_order_accept', entityType: 'oversight_work_order', entityId: id });
      return { ...w, accepted_at: now, accepted_by: actor.accountId };
    });
    return this.presentWorkOrder(row);
  }

  /** Supervisors see their region's work orders; department staff their department's. */
  private canSee(ctx: RequestContext, w: { region_code: string; department_id: string }): boolean {
    const a = requireActor(ctx);
    if (hasRole(a, 'supervisor', 'platform_admin')) return isInSubtree(w.region_code, this.scopeRegion(ctx)) || hasRole(a, 'platform_admin');
    return !!a.departmentId && a.departmentId === w.department_id;
  }

  async workOrders(ctx: RequestContext, q: { status?: string }) {
    const a = requireActor(ctx);
    let query = this.db.selectFrom('oversight_work_orders').selectAll().orderBy('created_at', 'desc').limit(500);
    if (hasRole(a, 'supervisor', 'platform_admin')) query = query.where('region_code', 'like', subtreeLike(this.scopeRegion(ctx)));
    else query = query.where('department_id', '=', a.departmentId ?? '00000000-0000-0000-0000-000000000000');
    if (q.status === 'open' || q.status === 'responded' || q.status === 'closed') query = query.where('status', '=', q.status);
    return Promise.all((await query.execute()).map((w) => this.presentWorkOrder(w)));
  }

  async workOrder(ctx: RequestContext, id: string) {
    const w = await this.db.selectFrom('oversight_work_orders').selectAll().where('id', '=', id).executeTakeFirst();
    if (!w || !this.canSee(ctx, w)) throw errors.notFound('Work order', '工单');
    return this.presentWorkOrder(w);
  }

  async respond(ctx: RequestContext, id: string, response: string) {
    const actor = requireActor(ctx);
    const row = await this.db.transaction().execute(async (trx) => {
      const w = await trx.selectFrom('oversight_work_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!w || !this.canSee(ctx, w)) throw errors.notFound('Work order', '工单');
      if (actor.departmentId !== w.department_id) throw oversightErrors.workOrderScope();
      if (w.status === 'closed') throw oversightErrors.workOrderState(w.status);
      await trx.updateTable('oversight_work_orders').set({ status: 'responded', response, responded_at: new Date(), responded_by: actor.accountId , updated_at: sql`now()` }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'oversight.work_order_respond', entityType: 'oversight_work_order', entityId: id });
      return { ...w, status: 'responded', response, responded_at: new Date() };
    });
    return this.presentWorkOrder(row);
  }

  async close(ctx: RequestContext, id: string, note: string) {
    const actor = requireActor(ctx);
    const row = await this.db.transaction().execute(async (trx) => {
      const w = await trx.selectFrom('oversight_work_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!w || !this.canSee(ctx, w)) throw errors.notFound('Work order', '工单');
      if (w.status === 'closed') throw oversightErrors.workOrderState(w.status);
      const now = new Date();
      await trx.updateTable('oversight_work_orders').set({ status: 'closed', closed_at: now, closed_by: actor.accountId, close_note: note , updated_at: sql`now()` }).where('id', '=', id).execute();
      if (w.alert_id) await trx.updateTable('oversight_alerts').set({ status: 'closed' }).where('id', '=', w.alert_id).execute();
      await recordAudit(trx, ctx, { action: 'oversight.work_order_close', entityType: 'oversight_work_order', entityId: id });
      return { ...w, status: 'closed', closed_at: now, close_note: note };
    });
    return this.presentWorkOrder(row);
  }

  /** The deadline timer: a work order not closed by the end of its due date becomes overdue. */
  async workOrderDue(id: string) {
    await this.db.transaction().execute(async (trx) => {
      const w = await trx.selectFrom('oversight_work_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!w || w.status === 'closed' || w.overdue) return;
      await trx.updateTable('oversight_work_orders').set({ overdue: true, escalated_at: new Date() , updated_at: sql`now()` }).where('id', '=', id).execute();
      // Escalation (督办): the department's admins and the region's supervisors are told.
      const dept = await this.org.department(w.department_id, trx);
      const contacts = await this.departmentContacts(trx, w.department_id);
      const params = { number: w.number, title: w.title, department: dept?.name ?? '', dueDate: String(w.due_date).slice(0, 10) };
      for (const to of contacts.ids) await notify(trx, { recipientAccountId: to, template: 'oversight.work_order_overdue', params, link: `${contacts.area}/work-orders/${id}` });
      for (const to of await this.staffOf(trx, { roles: ['supervisor'], regionCode: w.region_code })) {
        if (!contacts.ids.includes(to)) await notify(trx, { recipientAccountId: to, template: 'oversight.work_order_overdue', params, link: `/oversight/overdue/work-orders/${id}` });
      }
      await recordAudit(trx, systemAdminContext('oversight deadline timer'), { action: 'oversight.work_order_overdue', entityType: 'oversight_work_order', entityId: id, detail: { due: String(w.due_date).slice(0, 10) } });
    });
  }

  // ---- the periodic job -----------------------------------------------------------------------------

  /** Refresh the roll-up, evaluate the rules, and schedule the next tick (durable, one pending at a time). */
  async tick() {
    try {
      await this.engine.refresh();
      await this.evaluateRules(systemAdminContext('oversight alert rules'));
    } finally {
      await enqueue(this.db, { queue: QUEUES.tick, runAt: new Date(Date.now() + this.opts.refreshSeconds * 1000), dedupeKey: 'tick' });
    }
  }

  async schedule() {
    await enqueue(this.db, { queue: QUEUES.tick, dedupeKey: 'tick' });
  }

  // ---- maps --------------------------------------------------------------------------------------

  private storedMapProvider(): GeoProvider {
    return {
      children: async (region) => {
        const units = new Set([region, ...mapUnits(region).map((u) => u.code)]);
        const maps = await this.db.selectFrom('oversight_geo_maps').selectAll().where('active', '=', true).orderBy('created_at', 'desc').execute();
        for (const m of maps) {
          const fc = m.geojson as unknown as FeatureCollection;
          const features = fc.features.filter((f) => units.has(f.properties.code));
          if (features.length) return { meta: { name: m.name, approvalNumber: m.approval_number, demo: m.demo, notice: { zh: `审图号：${m.approval_number}`, en: `Map approval number: ${m.approval_number}` } } as MapMeta, geojson: { type: 'FeatureCollection', features } };
        }
        return demoProvider.children(region);
      },
    };
  }

  async geo(region: string) {
    if (!isRegionCode(region)) throw oversightErrors.badRegion(region);
    return (await this.provider.children(region))!;
  }

  async uploadMap(ctx: RequestContext, body: { name: string; approvalNumber: string; geojson: unknown }) {
    const actor = requireActor(ctx);
    const { geojson, codes } = validateGeoJson(body.geojson);
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('oversight_geo_maps').set({ active: false }).where('active', '=', true).execute();
      await trx.insertInto('oversight_geo_maps').values({ id, name: body.name, approval_number: body.approvalNumber, demo: false, geojson: JSON.stringify(geojson), codes, active: true, created_by: actor.accountId }).execute();
      await recordAudit(trx, ctx, { action: 'oversight.map_upload', entityType: 'oversight_geo_map', entityId: id, detail: { name: body.name, approvalNumber: body.approvalNumber, regions: codes.length } });
    });
    return { id, name: body.name, approvalNumber: body.approvalNumber, regions: codes.length };
  }
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  if (!xs.length) return { mean: 0, sd: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, sd };
}
const round2 = (x: number) => Math.round(x * 100) / 100;
function subtreeLike(code: string): string {
  if (code.endsWith('0000')) return `${code.slice(0, 2)}%`;
  if (code.endsWith('00')) return `${code.slice(0, 4)}%`;
  return code;
}

export { ymOf, type Text };
