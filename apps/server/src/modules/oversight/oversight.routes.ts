/**
 * Routes of oversight: thin — schema, access rule, call the service. Supervisors (their region's
 * subtree) and platform admins read measures, dashboards (JSON or CSV), the evaluation index,
 * alerts and work orders; the responsible department's staff answer their work orders; the
 * evaluation index, its methodology and the service statistics are public.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { IndexConfig } from './oversight.evaluation';
import { OVERSIGHT_READERS, WORK_ORDER_HANDLERS, type OversightService, type RuleInput } from './oversight.service';

const TAGS = ['oversight'];
const Open = Type.Object({}, { additionalProperties: true });
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' });
const RegionCode = Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 region code (its subtree is included)' });
const Uuid = Type.String({ format: 'uuid' });
const Period = {
  region: Type.Optional(RegionCode),
  department: Type.Optional(Uuid),
  item: Type.Optional(Type.String({ maxLength: 64 })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Month),
  to: Type.Optional(Month),
};
const MeasureId = Type.String({ pattern: '^[a-z_]{2,60}$' });
const Breakdown = Type.Union(['none', 'region', 'department', 'item', 'category', 'period'].map((b) => Type.Literal(b)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const L10n = Type.Object({ zh: Text(200), en: Text(200) }, { additionalProperties: false });

const IndexConfigSchema = Type.Object(
  {
    name: L10n,
    dimensions: Type.Array(Type.Object({ id: Type.String({ pattern: '^[a-z_]{1,40}$' }), name: L10n }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
    indicators: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z_0-9]{1,40}$' }),
          dimension: Type.String({ maxLength: 40 }),
          name: L10n,
          measure: Type.String({ maxLength: 60 }),
          floor: Type.Number(),
          target: Type.Number(),
          weight: Type.Number({ minimum: 0, maximum: 1 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 60 },
    ),
    derived: Type.Optional(Type.Array(Type.Object({ id: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,39}$' }), name: L10n, expr: Text(500) }, { additionalProperties: false }), { maxItems: 30 })),
    grades: Type.Array(Type.Object({ label: L10n, min: Type.Union([Type.Number(), Type.Null()]), strict: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);

const RuleSchema = Type.Object(
  {
    name: Text(100),
    measure: MeasureId,
    regionCode: RegionCode,
    breakdown: Type.Union([Type.Literal('none'), Type.Literal('region'), Type.Literal('department'), Type.Literal('category')]),
    kind: Type.Union([Type.Literal('threshold'), Type.Literal('band')]),
    op: Type.Union([Type.Literal('above'), Type.Literal('below')]),
    threshold: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    band: Type.Optional(Type.Union([Type.Null(), Type.Object({ cycle: Type.Union([Type.Literal('year'), Type.Literal('month')]), cycles: Type.Integer({ minimum: 1, maximum: 24 }), k: Type.Number({ minimum: 0, maximum: 10 }) }, { additionalProperties: false })])),
    assignDepartmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    deadlineDays: Type.Integer({ minimum: 1, maximum: 60 }),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export function oversightRoutes(svc: OversightService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const readers = { access: [...OVERSIGHT_READERS] };
    const pub = { access: 'public' as const };

    r.get('/oversight/measures', { schema: { tags: TAGS, summary: 'Every measure with its formula, source, facts and availability', response: { 200: Type.Array(Open) } }, config: readers }, async () => svc.measures());

    r.get('/oversight/measures/:id', {
      schema: { tags: TAGS, summary: 'A measure over a region subtree, department, item, category and months, by a breakdown, with provenance', params: Type.Object({ id: MeasureId }), querystring: Type.Object({ ...Period, breakdown: Type.Optional(Breakdown), live: Type.Optional(Type.Boolean({ description: 'compute from the facts views instead of the roll-up' })) }, { additionalProperties: false }), response: { 200: Open } },
      config: readers,
    }, async (req) => svc.compute(req.ctx, req.params.id, req.query, (req.query.breakdown ?? 'none') as never, req.query.live ?? false));

    r.get('/oversight/measures/:id/rows', {
      schema: { tags: TAGS, summary: 'The rows behind a figure (one per record, with its facts): recompute Σ numerator ÷ Σ denominator', params: Type.Object({ id: MeasureId }), querystring: Type.Object({ ...Period, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000 })), offset: Type.Optional(Type.Integer({ minimum: 0 })), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }, { additionalProperties: false }), response: { 200: Open } },
      config: readers,
    }, async (req, reply) => {
      const out = await svc.rows(req.ctx, req.params.id, req.query, req.query.limit ?? 1000, req.query.offset ?? 0);
      if (req.query.format === 'csv') {
        const cols = ['record_id', 'number', 'region_code', 'department_id', 'item_id', 'category', 'day', ...out.facts];
        const body = [cols.join(','), ...out.rows.map((row) => cols.map((c) => csvCell((row as Record<string, unknown>)[c])).join(','))].join('\r\n');
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id}-rows.csv"`).send(`\uFEFF${body}\r\n`);
      }
      return out;
    });

    r.get('/oversight/dashboards', { schema: { tags: TAGS, summary: 'The declared dashboards (measure, chart, breakdown, comparison of every widget)', response: { 200: Type.Array(Open) } }, config: readers }, async () => svc.dashboards());

    r.get('/oversight/dashboards/:id', {
      schema: { tags: TAGS, summary: 'A dashboard computed for a region and period (JSON, or CSV with format=csv)', params: Type.Object({ id: Type.String({ pattern: '^[a-z_-]{2,40}$' }) }), querystring: Type.Object({ ...Period, mapMeasure: Type.Optional(MeasureId), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }, { additionalProperties: false }), response: { 200: Open } },
      config: readers,
    }, async (req, reply) => {
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id}.csv"`).send(await svc.dashboardCsv(req.ctx, req.params.id, req.query));
      return svc.dashboard(req.ctx, req.params.id, req.query);
    });

    r.get('/oversight/freshness', { schema: { tags: TAGS, summary: 'When each source was last rolled up (figures are exact as of then)', response: { 200: Open } }, config: readers }, async () => svc.freshness());

    r.post('/oversight/refresh', {
      schema: { tags: TAGS, summary: 'Refresh the roll-up now (incremental unless full)', body: Type.Object({ full: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 200: Open } },
      config: readers,
    }, async (req) => svc.refresh(req.ctx, req.body.full ?? false));

    // ---- evaluation index ------------------------------------------------------------------------
    const EvalQuery = Type.Object({ region: Type.Optional(RegionCode), from: Type.Optional(Month), to: Type.Optional(Month) }, { additionalProperties: false });
    r.get('/oversight/evaluation', { schema: { tags: TAGS, summary: 'Evaluation index of the regions under a region, ranked (self-assessment)', querystring: EvalQuery, response: { 200: Open } }, config: readers }, async (req) => svc.evaluation(req.query.region ?? svc.scopeRegion(req.ctx), req.query, req.ctx));
    r.get('/oversight/evaluation/regions/:code', { schema: { tags: TAGS, summary: "A region's score, weakest indicators, change and rank", params: Type.Object({ code: RegionCode }), querystring: Type.Object({ from: Type.Optional(Month), to: Type.Optional(Month) }, { additionalProperties: false }), response: { 200: Open } }, config: readers }, async (req) => svc.regionEvaluation(req.params.code, req.query, req.ctx));
    r.get('/oversight/index/versions', { schema: { tags: TAGS, summary: 'Versions of the indicator system (newest first; the newest is in force)', response: { 200: Type.Array(Open) } }, config: readers }, async () => svc.indexVersions());
    r.post('/oversight/index/versions', {
      schema: { tags: TAGS, summary: 'A new version of the indicator system (refused with the reason when invalid; the previous stays in force)', body: Type.Object({ config: IndexConfigSchema, note: Type.String({ maxLength: 500 }) }, { additionalProperties: false }), response: { 201: Open } },
      config: { access: ['platform_admin'] },
    }, async (req, reply) => reply.code(201).send(await svc.createIndexVersion(req.ctx, req.body.config as unknown as IndexConfig, req.body.note)));

    // ---- alerts and work orders ------------------------------------------------------------------
    r.get('/oversight/alert-rules', { schema: { tags: TAGS, summary: 'Alert rules of your region', response: { 200: Type.Array(Open) } }, config: readers }, async (req) => svc.rules(req.ctx));
    r.post('/oversight/alert-rules', { schema: { tags: TAGS, summary: 'Create an alert rule (threshold or seasonal band on a measure)', body: RuleSchema, response: { 201: Open } }, config: readers }, async (req, reply) => reply.code(201).send(await svc.createRule(req.ctx, req.body as Static<typeof RuleSchema> as RuleInput)));
    r.put('/oversight/alert-rules/:id/enabled', { schema: { tags: TAGS, summary: 'Enable or disable a rule', params: Type.Object({ id: Uuid }), body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }), response: { 200: Open } }, config: readers }, async (req) => svc.setRuleEnabled(req.ctx, req.params.id, req.body.enabled));
    r.post('/oversight/alert-rules/:id/evaluate', { schema: { tags: TAGS, summary: 'Evaluate a rule now for a month (raises alerts and work orders)', params: Type.Object({ id: Uuid }), body: Type.Object({ period: Type.Optional(Month) }, { additionalProperties: false }), response: { 200: Open } }, config: readers }, async (req) => svc.evaluateRules(req.ctx, { ruleId: req.params.id, period: req.body.period }));
    r.get('/oversight/alerts', { schema: { tags: TAGS, summary: 'Alerts of your region, newest first', querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])) }, { additionalProperties: false }), response: { 200: Type.Array(Open) } }, config: readers }, async (req) => svc.alerts(req.ctx, req.query));
    r.get('/oversight/alerts/:id', { schema: { tags: TAGS, summary: 'An alert with the figure and band that raised it', params: Type.Object({ id: Uuid }), response: { 200: Open } }, config: readers }, async (req) => svc.alert(req.ctx, req.params.id));
    const woReaders = { access: [...OVERSIGHT_READERS, ...WORK_ORDER_HANDLERS] };
    r.get('/oversight/work-orders', { schema: { tags: TAGS, summary: "Work orders: a supervisor's region, or your department's", querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('responded'), Type.Literal('closed')])) }, { additionalProperties: false }), response: { 200: Type.Array(Open) } }, config: woReaders }, async (req) => svc.workOrders(req.ctx, req.query));
    r.get('/oversight/work-orders/:id', { schema: { tags: TAGS, summary: 'A work order', params: Type.Object({ id: Uuid }), response: { 200: Open } }, config: woReaders }, async (req) => svc.workOrder(req.ctx, req.params.id));
    r.post('/oversight/work-orders/:id/respond', { schema: { tags: TAGS, summary: "The responsible department's answer (整改情况)", params: Type.Object({ id: Uuid }), body: Type.Object({ response: Text(2000) }, { additionalProperties: false }), response: { 200: Open } }, config: { access: [...WORK_ORDER_HANDLERS] } }, async (req) => svc.respond(req.ctx, req.params.id, req.body.response));
    r.post('/oversight/work-orders/:id/accept', { schema: { tags: TAGS, summary: 'The responsible department accepts (签收) the work order', params: Type.Object({ id: Uuid }), response: { 200: Open } }, config: { access: [...WORK_ORDER_HANDLERS] } }, async (req) => svc.accept(req.ctx, req.params.id));
    r.post('/oversight/work-orders/:id/close', { schema: { tags: TAGS, summary: 'Close a work order (supervisor)', params: Type.Object({ id: Uuid }), body: Type.Object({ note: Text(1000) }, { additionalProperties: false }), response: { 200: Open } }, config: readers }, async (req) => svc.close(req.ctx, req.params.id, req.body.note));

    // ---- 经验复用: good practices ----------------------------------------------------------------------
    const practiceReaders = { access: [...OVERSIGHT_READERS, ...WORK_ORDER_HANDLERS] };
    r.get('/oversight/practices', { schema: { tags: TAGS, summary: 'Good practices (典型经验) from top-ranked departments, with their figures’ provenance', querystring: Type.Object({ measure: Type.Optional(MeasureId), q: Type.Optional(Type.String({ maxLength: 50 })) }, { additionalProperties: false }), response: { 200: Type.Array(Open) } }, config: practiceReaders }, async (req) => svc.practices.list(req.ctx, req.query));
    r.get('/oversight/practices/:id', { schema: { tags: TAGS, summary: 'A good practice with its figure and provenance', params: Type.Object({ id: Uuid }), response: { 200: Open } }, config: practiceReaders }, async (req) => svc.practices.get(req.ctx, req.params.id));
    r.post('/oversight/practices', {
      schema: { tags: TAGS, summary: 'Publish a good practice of a department ranked in the top three on a measure (the figure is computed, not typed)', body: Type.Object({ title: Type.String({ minLength: 4, maxLength: 100 }), summary: Type.String({ minLength: 10, maxLength: 500 }), body: Type.String({ minLength: 20, maxLength: 10000 }), measure: MeasureId, departmentId: Uuid, from: Month, to: Month }, { additionalProperties: false }), response: { 201: Open } },
      config: readers,
    }, async (req, reply) => reply.code(201).send(await svc.practices.publish(req.ctx, req.body)));
    r.post('/oversight/practices/:id/withdraw', { schema: { tags: TAGS, summary: 'Withdraw a published practice', params: Type.Object({ id: Uuid }), body: Type.Object({ note: Text(500) }, { additionalProperties: false }), response: { 200: Open } }, config: readers }, async (req) => svc.practices.withdraw(req.ctx, req.params.id, req.body.note));

    // ---- maps -------------------------------------------------------------------------------------
    r.get('/oversight/geo/:region', { schema: { tags: TAGS, summary: 'Boundaries of the units of a region (operator map with 审图号, else the schematic demo)', params: Type.Object({ region: RegionCode }), response: { 200: Open } }, config: pub }, async (req) => svc.geo(req.params.region));
    r.post('/oversight/geo', {
      schema: { tags: TAGS, summary: 'Upload a reviewed map (GeoJSON, every feature with properties.code) with its approval number', body: Type.Object({ name: Text(100), approvalNumber: Type.String({ minLength: 4, maxLength: 60, pattern: '[0-9]', description: '审图号, e.g. GS(2024)1234号 or 闽S(2023)56号' }), geojson: Open }, { additionalProperties: false }), response: { 201: Open } },
      config: { access: ['platform_admin'] },
      bodyLimit: 20 * 1024 * 1024,
    }, async (req, reply) => reply.code(201).send(await svc.uploadMap(req.ctx, req.body)));

    // ---- public -------------------------------------------------------------------------------------
    r.get('/public/evaluation', { schema: { tags: TAGS, summary: 'Public evaluation index (self-assessment) of the regions under a region', querystring: EvalQuery, response: { 200: Open } }, config: pub }, async (req) => svc.evaluation(req.query.region ?? svc.scopeRegion(req.ctx), req.query, null));
    r.get('/public/evaluation/regions/:code', { schema: { tags: TAGS, summary: "A region's public score page", params: Type.Object({ code: RegionCode }), querystring: Type.Object({ from: Type.Optional(Month), to: Type.Optional(Month) }, { additionalProperties: false }), response: { 200: Open } }, config: pub }, async (req) => svc.regionEvaluation(req.params.code, req.query, null));
    r.get('/public/evaluation/methodology', { schema: { tags: TAGS, summary: 'Methodology: indicators, formulas, floors, targets, weights, grades, data times', response: { 200: Open } }, config: pub }, async () => svc.methodology());
    r.get('/public/service-statistics', { schema: { tags: TAGS, summary: 'Public review and 12345 statistics of the node (好差评 公开)', querystring: Type.Object({ from: Type.Optional(Month), to: Type.Optional(Month) }, { additionalProperties: false }), response: { 200: Open } }, config: pub }, async (req) => svc.dashboard(null, 'service', req.query));
  };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
