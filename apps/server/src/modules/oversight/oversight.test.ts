/**
 * Oversight on both databases, with the demo history: figures recompute from the raw rows to the
 * same number; the roll-up equals a live computation (also after new rows); dashboards in JSON and
 * CSV; scope; evaluation index with versions; alerts → work orders → deadline timer → handling
 * measured; market entities; maps. Bad input is refused with the reason and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, expectProblem, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { DEFAULT_INDEX } from './oversight.evaluation';
import { MEASURES, SOURCES, SOURCE_BY_ID, valueOf, combine, checkDefinitions } from './oversight.measures';
import { OVERSIGHT_QUEUES } from './index';

const month = (d = new Date()) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
function addMonths(ym: string, n: number) {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + m - 1 + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

/** The roll-up of a source, group by group, against the same groups summed live over its facts view (fine and coarse). */
async function rollupVsLive(db: FastifyInstance['database']['db'], source: string) {
  const s = SOURCE_BY_ID.get(source)!;
  const f = s.facts.map((_, i) => `f${i + 1}`);
  const period = s.periodic ? `to_char(date_trunc('month', day), 'YYYY-MM-DD')` : 'NULL';
  const live = (await sql.raw<Record<string, unknown>>(`SELECT region_code, department_id, item_id, category, ${period} AS period, count(*)::text AS records, ${s.facts.map((x, i) => `sum(${x})::text AS f${i + 1}`).join(', ')} FROM ${s.view} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`).execute(db)).rows;
  const rolled = (await sql.raw<Record<string, unknown>>(`SELECT region_code, department_id, item_id, category, to_char(period, 'YYYY-MM-DD') AS period, records::text AS records, ${f.map((c) => `${c}::text AS ${c}`).join(', ')} FROM oversight_rollup WHERE source = '${s.id}' ORDER BY 1, 2, 3, 4, 5`).execute(db)).rows;
  const coarse = (await sql.raw<Record<string, unknown>>(`SELECT region_code, department_id, to_char(period, 'YYYY-MM-DD') AS period, records::text AS records, ${f.map((c) => `${c}::text AS ${c}`).join(', ')} FROM oversight_rollup_coarse WHERE source = '${s.id}'`).execute(db)).rows;
  // The coarse groups from the live fine ones (summed here), compared as sets.
  const cl = new Map<string, Record<string, unknown>>();
  for (const r of live) {
    const k = JSON.stringify([r.region_code, r.department_id, r.period]);
    const c = cl.get(k) ?? { region_code: r.region_code, department_id: r.department_id, period: r.period, records: '0', ...Object.fromEntries(f.map((x) => [x, '0'])) };
    for (const x of ['records', ...f]) c[x] = String(BigInt(c[x] as string) + BigInt(r[x] as string));
    cl.set(k, c);
  }
  const key = (r: Record<string, unknown>) => JSON.stringify(r);
  const coarseEqual = cl.size === coarse.length && coarse.every((r) => key(cl.get(JSON.stringify([r.region_code, r.department_id, r.period]))!) === key(r));
  const store = (await sql.raw<{ n: string }>(`SELECT count(*)::text AS n FROM oversight_contrib WHERE source = '${s.id}'`).execute(db)).rows[0].n;
  const rows = (await sql.raw<{ n: string }>(`SELECT count(*)::text AS n FROM ${s.view}`).execute(db)).rows[0].n;
  const equal = JSON.stringify(live) === JSON.stringify(rolled) && coarseEqual && store === rows;
  return equal ? { equal } : { equal, live: live.length, rolled: rolled.length, coarseLive: cl.size, coarse: coarse.length, store, rows, firstDiff: live.find((r, i) => JSON.stringify(r) !== JSON.stringify(rolled[i])) };
}

async function rollupRows(db: FastifyInstance['database']['db']) {
  return (await sql<Record<string, unknown>>`SELECT * FROM oversight_rollup ORDER BY source, region_code, department_id, item_id, category, period`.execute(db)).rows;
}

describe.each(DB_KINDS)('oversight on %s', (kind) => {
  let app: FastifyInstance;
  let sup: Client;
  let gl: Client;
  let admin: Client;
  const now = month();
  const from = addMonths(now, -5);

  beforeAll(async () => {
    app = await testApp(kind, { OVERSIGHT_DEMO_HISTORY: true });
    [sup, gl, admin] = await Promise.all([staffLogin(app, 'fz.supervisor'), staffLogin(app, 'gl.supervisor'), staffLogin(app, 'admin')]);
  }, 240_000);
  afterAll(async () => app?.close());

  it('defines every measure over facts of its source', () => {
    expect(checkDefinitions()).toEqual([]);
  });

  it('computes a figure and recomputes it from the raw rows to the same number', async () => {
    for (const id of ['on_time_rate', 'application_volume', 'avg_days_used', 'deadline_compression', 'exempt_share', 'market_net_growth']) {
      const res = await sup.req('GET', `/api/oversight/measures/${id}?region=350100&from=${from}&to=${now}`);
      expect(res.statusCode, res.body).toBe(200);
      const fig = res.json();
      expect(fig.provenance.formula.zh).toMatch(/=/);
      expect(Date.parse(fig.provenance.snapshotAt)).toBeGreaterThan(0);
      const rows = await sup.req('GET', `${fig.provenance.rows}&limit=50000`);
      expect(rows.statusCode, rows.body).toBe(200);
      const raw = rows.json();
      expect(raw.rows.length).toBe(raw.total);
      const sums: Record<string, number> = {};
      for (const r of raw.rows) for (const f of raw.facts) sums[f] = (sums[f] ?? 0) + Number(r[f]);
      const m = MEASURES.find((x) => x.id === id)!;
      // The counts behind the figure are the sums of the rows, and the value follows from them.
      for (const [fact, n] of Object.entries(fig.total.counts)) expect(sums[fact], `${id} ${fact}`).toBe(n);
      expect(valueOf(m, sums)).toBe(fig.total.value);
      if (id === 'application_volume') expect(fig.total.value).toBeGreaterThan(100);
      if (m.den) expect(combine(m.den, sums)).toBeGreaterThan(0);
    }
  });

  it('keeps the roll-up equal to a live computation, also after rows change (incremental refresh)', async () => {
    const live = await sup.req('GET', `/api/oversight/measures/on_time_rate?region=350100&from=${from}&to=${now}&breakdown=department&live=true`);
    const rolled = await sup.req('GET', `/api/oversight/measures/on_time_rate?region=350100&from=${from}&to=${now}&breakdown=department`);
    expect(rolled.json().groups.map((g: any) => [g.key, g.value, g.counts])).toEqual(live.json().groups.map((g: any) => [g.key, g.value, g.counts]));
    // A case decided late in an earlier month: after the next refresh the roll-up follows.
    const target = addMonths(now, -2);
    await sql`UPDATE applications SET decided_at = (promised_due + 3)::timestamp AT TIME ZONE 'UTC', state = 'concluded', updated_at = now()
      WHERE id = (SELECT id FROM applications WHERE number LIKE 'DEMO%' AND decided_at IS NOT NULL AND to_char(submitted_at, 'YYYY-MM') = ${target} AND region_code LIKE '3501%' AND (decided_at AT TIME ZONE 'UTC' + interval '8 hours')::date <= promised_due ORDER BY number LIMIT 1)`.execute(app.database.db);
    const stale = (await sup.req('GET', `/api/oversight/measures/late_decided?region=350100&from=${target}&to=${target}`)).json();
    const fresh = (await sup.req('GET', `/api/oversight/measures/late_decided?region=350100&from=${target}&to=${target}&live=true`)).json();
    expect(fresh.total.value).toBe(stale.total.value + 1);
    const r = await sup.req('POST', '/api/oversight/refresh', {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().refreshed.find((x: any) => x.source === 'applications').mode).toMatch(/^incremental:[1-9]/);
    const after = (await sup.req('GET', `/api/oversight/measures/late_decided?region=350100&from=${target}&to=${target}`)).json();
    expect(after.total.value).toBe(fresh.total.value);
    expect(Date.parse(after.provenance.snapshotAt)).toBeGreaterThan(Date.parse(stale.provenance.snapshotAt));
    const v = await app.services.oversight.engine.verify('applications', '350000');
    expect(v.equal).toBe(true);
  });

  it('serves declared dashboards as JSON and CSV, with comparisons, rankings and unavailable measures said plainly', async () => {
    const list = (await sup.req('GET', '/api/oversight/dashboards')).json();
    expect(list.map((d: any) => d.id)).toEqual(expect.arrayContaining(['overview', 'overdue', 'service', 'exchange', 'market']));
    const started = Date.now();
    const res = await sup.req('GET', `/api/oversight/dashboards/overview?from=${addMonths(now, -2)}&to=${now}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(Date.now() - started).toBeLessThan(kind === 'postgres' ? 1000 : 3000);
    const d = res.json();
    const kpi = d.widgets.find((w: any) => w.id === 'kpi-application_volume');
    expect(kpi.value).toBeGreaterThan(0);
    expect(kpi.previous).toBeGreaterThan(0);
    expect(kpi.change).toBe(Math.round((kpi.value - kpi.previous) * 100) / 100);
    const rank = d.widgets.find((w: any) => w.id === 'rank-departments');
    expect(rank.top).toHaveLength(3);
    expect(rank.bottom).toHaveLength(3);
    const byKey = new Map(rank.groups.map((g: any) => [g.key, g.value]));
    expect(byKey.get(rank.top[0])).toBeGreaterThanOrEqual(byKey.get(rank.bottom[0]) as number);
    expect(d.widgets.find((w: any) => w.id === 'trend-volume').groups).toHaveLength(12);
    const map = d.widgets.find((w: any) => w.id === 'map');
    expect(map.groups.map((g: any) => g.key)).toContain('350102');
    // Every figure of the overview carries provenance.
    for (const w of d.widgets.filter((x: any) => x.available)) expect(w.provenance.formula.zh).toBeTruthy();
    const avail = (await sup.req('GET', '/api/oversight/measures')).json();
    for (const w of d.widgets.filter((x: any) => !x.available)) {
      expect(avail.find((m: any) => m.id === w.measure).available).toBe(false);
      expect(w.reason.zh).toMatch(/尚未接入/);
    }
    const csv = await sup.req('GET', `/api/oversight/dashboards/overview?from=${addMonths(now, -2)}&to=${now}&format=csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toContain('kpi-application_volume');
    expect(csv.body.split('\r\n').length).toBeGreaterThan(20);
    const mapOther = (await sup.req('GET', `/api/oversight/dashboards/overview?mapMeasure=on_time_rate`)).json();
    expect(mapOther.widgets.find((w: any) => w.id === 'map').measure).toBe('on_time_rate');
  });

  it('agrees with the reviews and 12345 modules’ own statistics', async () => {
    const { reviewStats } = await import('../reviews');
    const { inquiryRates } = await import('../interaction');
    await sup.req('POST', '/api/oversight/refresh', {});
    const all = `region=350100&from=${addMonths(now, -119)}&to=${now}`;
    const rs = (await reviewStats(app.database.db, { regionCode: '350100' }))[0];
    const good = (await sup.req('GET', `/api/oversight/measures/review_good_rate?${all}`)).json();
    expect(good.total.counts).toEqual({ good: rs?.good ?? 0, reviews: rs?.total ?? 0 });
    if (rs?.goodRate !== null && rs) expect(good.total.value).toBe(Math.round(rs.goodRate! * 10000) / 100);
    const onTime = (await sup.req('GET', `/api/oversight/measures/bad_review_rectified_on_time_rate?${all}`)).json();
    expect(onTime.total.counts).toEqual({ rectified_on_time: rs?.onTime ?? 0, rectified: rs?.rectified ?? 0 });
    const ir = (await inquiryRates(app.database.db, { regionCode: '350100' }))[0];
    const sat = (await sup.req('GET', `/api/oversight/measures/inquiry_satisfaction_rate?${all}`)).json();
    expect(sat.total.counts).toEqual({ satisfied: ir?.counts.satisfied ?? 0, rated: ir?.counts.rated ?? 0 });
    const res = (await sup.req('GET', `/api/oversight/measures/inquiry_resolution_rate?${all}`)).json();
    expect(res.total.counts).toEqual({ resolved: ir?.counts.resolved ?? 0, confirmed: ir?.counts.confirmed ?? 0 });
  });

  it('limits a supervisor to their region subtree', async () => {
    expectProblem(await gl.req('GET', '/api/oversight/measures/application_volume?region=350100'), 403, 'OVERSIGHT_REGION_OUT_OF_SCOPE', 'region');
    const own = (await gl.req('GET', '/api/oversight/measures/application_volume?breakdown=region')).json();
    expect(own.provenance.filters.region).toBe('350102');
    expect(own.groups.every((g: any) => g.key === '350102')).toBe(true);
    expectProblem(await sup.req('GET', '/api/oversight/measures/no_such_measure'), 400, 'OVERSIGHT_UNKNOWN_MEASURE', 'measure');
    expectProblem(await sup.req('GET', '/api/oversight/measures/application_volume?from=2026-05&to=2026-01'), 400, 'OVERSIGHT_BAD_PERIOD', 'from');
  });

  it('monitors market entities: registrations, cancellations, stock and net growth by industry and region, with bands', async () => {
    const d = (await sup.req('GET', `/api/oversight/dashboards/market?from=${addMonths(now, -1)}&to=${addMonths(now, -1)}`)).json();
    const k = (id: string) => d.widgets.find((w: any) => w.id === `kpi-${id}`);
    expect(k('market_registrations').value).toBeGreaterThan(0);
    expect(k('market_net_growth').value).toBe(k('market_registrations').value - k('market_cancellations').value);
    // Stock at the end of a month = stock at the end of the previous + net growth of the month.
    expect(k('market_stock').value - k('market_stock').previous).toBe(k('market_net_growth').value);
    const band = d.widgets.find((w: any) => w.id === 'band-registrations');
    expect(band.band).toHaveLength(12);
    expect(band.band.every((b: any) => b.points === 2 && b.low <= b.high)).toBe(true);
    const ind = d.widgets.find((w: any) => w.id === 'industry-registrations');
    expect(ind.groups.find((g: any) => g.key === 'F').label).toMatch(/批发和零售业/);
  });

  it('ranks regions by a versioned evaluation index and refuses a bad configuration with the reason', async () => {
    const e = (await sup.req('GET', `/api/oversight/evaluation?region=350100&from=${addMonths(now, -2)}&to=${now}`)).json();
    expect(e.selfAssessment).toBe(true);
    expect(e.version).toBe(1);
    expect(e.ranking.length).toBeGreaterThan(3);
    expect(e.ranking[0].score).toBeGreaterThanOrEqual(e.ranking[1].score);
    const top = e.ranking[0];
    expect(top.score).toBeGreaterThan(0);
    expect(top.score).toBeLessThanOrEqual(100);
    expect(['非常高', '高', '中', '低']).toContain(top.grade.zh);
    expect(top.weakest).toHaveLength(3);
    expect(e.unavailable.map((u: any) => u.measure)).not.toContain('on_time_rate');
    // Score = Σ w·n ÷ Σ w over the indicators with data.
    const scored = top.indicators.filter((i: any) => i.normalised !== null);
    const expected = (scored.reduce((s: number, i: any) => s + i.weight * i.normalised, 0) / scored.reduce((s: number, i: any) => s + i.weight, 0)) * 100;
    expect(Math.abs(top.score - expected)).toBeLessThan(0.1);
    const page = (await sup.req('GET', `/api/oversight/evaluation/regions/${top.code}`)).json();
    expect(page.rank.rank).toBeGreaterThanOrEqual(1);
    expect(page.overall.weakest.length).toBeGreaterThan(0);
    const pub = await app.inject({ method: 'GET', url: '/api/public/evaluation/methodology' });
    expect(pub.statusCode).toBe(200);
    expect(pub.json().indicators.find((i: any) => i.id === 'guide_accuracy').formula.zh).toMatch(/指南准确度/);

    const before = await tableCounts(app);
    const bad = async (mutate: (c: any) => void, field: string | undefined, re: RegExp) => {
      const cfg = JSON.parse(JSON.stringify({ ...DEFAULT_INDEX, grades: DEFAULT_INDEX.grades.map((g) => ({ ...g, min: Number.isFinite(g.min) ? g.min : null })) }));
      mutate(cfg);
      const body = expectProblem(await admin.req('POST', '/api/oversight/index/versions', { config: cfg, note: 'bad' }), 422, 'OVERSIGHT_INDEX_CONFIG_INVALID', field);
      expect(body.message.en).toMatch(re);
    };
    await bad((c) => (c.indicators[0].weight = 0.2), 'config/indicators', /weights sum to 1.05/);
    await bad((c) => (c.indicators[1].measure = 'happiness'), 'config/indicators/1/measure', /unknown measure happiness/);
    await bad((c) => {
      c.derived = [{ id: 'a_x', name: { zh: '甲', en: 'A' }, expr: 'b_x + on_time_rate' }, { id: 'b_x', name: { zh: '乙', en: 'B' }, expr: 'a_x * 2' }];
      c.indicators[0].measure = 'a_x';
    }, 'config/derived', /cycle: a_x → b_x → a_x/);
    expect(await tableCounts(app)).toEqual(before);
    expect((await sup.req('GET', '/api/oversight/index/versions')).json()).toHaveLength(1);

    const cfg = JSON.parse(JSON.stringify({ ...DEFAULT_INDEX, grades: DEFAULT_INDEX.grades.map((g) => ({ ...g, min: Number.isFinite(g.min) ? g.min : null })) }));
    cfg.derived = [{ id: 'timeliness', name: { zh: '时效', en: 'Timeliness' }, expr: '(on_time_rate + 100 - late_decided * 0) / 2' }];
    cfg.indicators[0].measure = 'timeliness';
    const ok = await admin.req('POST', '/api/oversight/index/versions', { config: cfg, note: '派生时效指标' });
    expect(ok.statusCode, ok.body).toBe(201);
    const e2 = (await sup.req('GET', `/api/oversight/evaluation?region=350100&from=${addMonths(now, -2)}&to=${now}`)).json();
    expect(e2.version).toBe(2);
  });

  it('raises alerts that dispatch work orders with a deadline; the timer marks them overdue; handling is measured', async () => {
    const rules = (await sup.req('GET', '/api/oversight/alert-rules')).json();
    expect(rules.length).toBeGreaterThanOrEqual(3);
    // The demo history is relative to today, so the seeded overdue counts may sit at the threshold
    // (3): five more open overdue cases of one department this month make the breach certain.
    const overdueRule = rules.find((r: any) => r.measure === 'overdue_open');
    await sql`UPDATE applications SET decided_at = NULL, state = 'under_review', sla_state = 'overdue', updated_at = now()
      WHERE id IN (SELECT id FROM applications WHERE number LIKE 'DEMO%' AND region_code LIKE '3501%' AND to_char(submitted_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM') = ${now}
        AND department_id = (SELECT department_id FROM applications WHERE number LIKE 'DEMO%' AND region_code LIKE '3501%' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) ORDER BY number LIMIT 5)`.execute(app.database.db);
    expect((await sup.req('POST', '/api/oversight/refresh', {})).statusCode).toBe(200);
    expect((await sup.req('POST', `/api/oversight/alert-rules/${overdueRule.id}/evaluate`, {})).statusCode).toBe(200);
    const alerts = (await sup.req('GET', '/api/oversight/alerts')).json();
    expect(alerts.length).toBeGreaterThan(0);
    const a = alerts.find((x: any) => x.measure === 'overdue_open');
    expect(a.value).toBeGreaterThan(3);
    expect(a.provenance.formula.zh).toBeTruthy();
    const wo = (await sup.req('GET', `/api/oversight/work-orders/${a.workOrderId}`)).json();
    expect(wo.departmentId).toBe(a.departmentId);
    expect(wo.dueDate > new Date().toISOString().slice(0, 10)).toBe(true);
    // The deadline timer is a durable job.
    const job = await app.database.db.selectFrom('jobs').selectAll().where('queue', '=', OVERSIGHT_QUEUES.due).where('dedupe_key', '=', wo.id).executeTakeFirst();
    expect(job?.state).toBe('pending');
    // Evaluating again raises nothing twice.
    const again = await sup.req('POST', `/api/oversight/alert-rules/${a.ruleId}/evaluate`, {});
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().rules[0].raised).toEqual([]);

    // The department answers, the timer fires after its deadline (still not closed: overdue), the supervisor closes.
    const dept = await app.services.org.department(wo.departmentId);
    const staff = (await app.database.db.selectFrom('accounts').select('username').where('department_id', '=', wo.departmentId).where('kind', '=', 'officer').execute()).map((s) => s.username!);
    const officer = await staffLogin(app, staff.find((u) => u.endsWith('.admin')) ?? staff[0]);
    expect((await officer.req('GET', '/api/oversight/work-orders')).json().map((w: any) => w.id)).toContain(wo.id);
    const other = await staffLogin(app, 'scjg.admin');
    if (dept?.code !== 'FZ-SCJGJ') {
      expect((await other.req('GET', `/api/oversight/work-orders/${wo.id}`)).statusCode).toBe(404);
    }
    // The department was told when the order was created; it accepts (签收) once, another department cannot.
    const created = await app.database.db.selectFrom('notifications').select(['recipient_id', 'template_code']).where('link', 'in', [`/admin/work-orders/${wo.id}`, `/workbench/work-orders/${wo.id}`]).execute();
    expect(created.filter((n) => n.template_code === 'oversight.work_order_created').length).toBeGreaterThan(0);
    const before = await tableCounts(app);
    if (dept?.code !== 'FZ-SCJGJ') expectProblem(await other.req('POST', `/api/oversight/work-orders/${wo.id}/accept`, {}), 404, 'NOT_FOUND');
    expectProblem(await sup.req('POST', `/api/oversight/work-orders/${wo.id}/accept`, {}), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);
    const acc = await officer.req('POST', `/api/oversight/work-orders/${wo.id}/accept`, {});
    expect(acc.statusCode, acc.body).toBe(200);
    expect(Date.parse(acc.json().acceptedAt)).toBeGreaterThan(0);
    const accepted = await tableCounts(app);
    expectProblem(await officer.req('POST', `/api/oversight/work-orders/${wo.id}/accept`, {}), 409, 'OVERSIGHT_WORK_ORDER_STATE');
    expect(await tableCounts(app)).toEqual(accepted);
    const resp = await officer.req('POST', `/api/oversight/work-orders/${wo.id}/respond`, { response: '已逐件督办，三日内办结' });
    expect(resp.statusCode, resp.body).toBe(200);
    await app.database.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000) }).where('dedupe_key', '=', wo.id).execute();
    await app.services.jobs.drain();
    expect((await sup.req('GET', `/api/oversight/work-orders/${wo.id}`)).json()).toMatchObject({ overdue: true, escalatedAt: expect.any(String) });
    // Escalated: the region's supervisors are told.
    const supId = (await app.database.db.selectFrom('accounts').select('id').where('username', '=', 'fz.supervisor').executeTakeFirstOrThrow()).id;
    const overdueNote = await app.database.db.selectFrom('notifications').select('id').where('link', '=', `/oversight/overdue/work-orders/${wo.id}`).where('template_code', '=', 'oversight.work_order_overdue').where('recipient_id', '=', supId).execute();
    expect(overdueNote).toHaveLength(1);
    const closed = await sup.req('POST', `/api/oversight/work-orders/${wo.id}/close`, { note: '核实已整改' });
    expect(closed.statusCode, closed.body).toBe(200);
    expectProblem(await sup.req('POST', `/api/oversight/work-orders/${wo.id}/close`, { note: '再次' }), 409, 'OVERSIGHT_WORK_ORDER_STATE', 'status');
    expect((await sup.req('GET', `/api/oversight/alerts/${a.id}`)).json().status).toBe('closed');
    await sup.req('POST', '/api/oversight/refresh', {});
    const handled = (await sup.req('GET', `/api/oversight/measures/work_orders?region=350100&from=${now}&to=${now}`)).json();
    expect(handled.total.value).toBe(alerts.filter((x: any) => x.workOrderId && x.regionCode.startsWith('3501')).length);
    const onTime = (await sup.req('GET', `/api/oversight/measures/work_order_on_time_rate?region=350100&from=${now}&to=${now}`)).json();
    expect(onTime.total.counts.orders).toBe(handled.total.value);
  });

  it('publishes good practices (经验复用) only from top-ranked departments, with the computed figure and its provenance', async () => {
    const rank = (await sup.req('GET', `/api/oversight/measures/on_time_rate?region=350100&from=${from}&to=${now}&breakdown=department`)).json();
    const ranked = rank.groups.filter((g: any) => g.value !== null).sort((x: any, y: any) => y.value - x.value);
    expect(ranked.length).toBeGreaterThanOrEqual(4);
    const top = ranked[0];
    const bottom = ranked[ranked.length - 1];
    expect(bottom.value).toBeLessThan(ranked[2].value);
    const body = (departmentId: string) => ({ title: '容缺受理提升按时办结', summary: '以容缺受理和节点督办保证按时办结，可供各部门借鉴。', body: '一、梳理高频事项的容缺材料清单；二、每日节点督办；三、超期前一日预警并由分管领导过问。', measure: 'on_time_rate', departmentId, from, to: now });
    const officer = await staffLogin(app, 'scjg.window');
    const before = await tableCounts(app);
    expectProblem(await sup.req('POST', '/api/oversight/practices', body(bottom.key)), 422, 'PRACTICE_NOT_TOP_RANKED', 'body/departmentId');
    expectProblem(await sup.req('POST', '/api/oversight/practices', { ...body(top.key), measure: 'no_such_measure' }), 400, 'OVERSIGHT_UNKNOWN_MEASURE');
    expectProblem(await officer.req('POST', '/api/oversight/practices', body(top.key)), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);
    const res = await sup.req('POST', '/api/oversight/practices', body(top.key));
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    // The figure is the engine's (the same number as the measure), with its formula, snapshot time and counts.
    expect(p.figure).toMatchObject({ value: top.value, rank: 1, of: ranked.length, counts: top.counts });
    expect(p.figure.provenance.formula.zh).toMatch(/=/);
    expect(Date.parse(p.figure.provenance.snapshotAt)).toBeGreaterThan(0);
    // Other departments read it.
    const list = (await officer.req('GET', '/api/oversight/practices')).json();
    expect(list.map((x: any) => x.id)).toContain(p.id);
    expect((await officer.req('GET', `/api/oversight/practices/${p.id}`)).json()).toMatchObject({ title: '容缺受理提升按时办结', department: top.label, status: 'published' });
    const w = await sup.req('POST', `/api/oversight/practices/${p.id}/withdraw`, { note: '数据更新后重新评估' });
    expect(w.statusCode, w.body).toBe(200);
    expect((await officer.req('GET', `/api/oversight/practices/${p.id}`)).statusCode).toBe(404);
    const after = await tableCounts(app);
    expectProblem(await sup.req('POST', `/api/oversight/practices/${p.id}/withdraw`, { note: '再次' }), 409, 'PRACTICE_WITHDRAWN');
    expect(await tableCounts(app)).toEqual(after);
  });

  it('creates rules, refuses bad ones, and serves the schematic map until an operator map with its 审图号 is uploaded', async () => {
    const scjg = (await app.services.org.departmentByCode('FZ-SCJGJ'))!.id;
    expectProblem(await sup.req('POST', '/api/oversight/alert-rules', { name: '缺阈值', measure: 'overdue_open', regionCode: '350100', breakdown: 'department', kind: 'threshold', op: 'above', deadlineDays: 5 }), 422, 'OVERSIGHT_RULE_INVALID', 'threshold');
    expectProblem(await sup.req('POST', '/api/oversight/alert-rules', { name: '无部门', measure: 'overdue_open', regionCode: '350100', breakdown: 'region', kind: 'threshold', op: 'above', threshold: 1, deadlineDays: 5 }), 422, 'OVERSIGHT_RULE_INVALID', 'assignDepartmentId');
    expectProblem(await gl.req('POST', '/api/oversight/alert-rules', { name: '越权', measure: 'overdue_open', regionCode: '350100', breakdown: 'department', kind: 'threshold', op: 'above', threshold: 1, deadlineDays: 5 }), 403, 'OVERSIGHT_REGION_OUT_OF_SCOPE', 'region');
    const created = await sup.req('POST', '/api/oversight/alert-rules', { name: '区域办件量低', measure: 'application_volume', regionCode: '350100', breakdown: 'region', kind: 'threshold', op: 'below', threshold: 1000000, assignDepartmentId: scjg, deadlineDays: 3 });
    expect(created.statusCode, created.body).toBe(201);
    const ev = (await sup.req('POST', `/api/oversight/alert-rules/${created.json().id}/evaluate`, { period: addMonths(now, -1) })).json();
    expect(ev.rules[0].raised.length).toBeGreaterThan(3);

    const demo = (await app.inject({ method: 'GET', url: '/api/oversight/geo/350100' })).json();
    expect(demo.meta.demo).toBe(true);
    expect(demo.meta.notice.zh).toMatch(/示意图 非正式地图/);
    expect(demo.geojson.features.map((f: any) => f.properties.code)).toContain('350102');
    const before = await tableCounts(app);
    const noCode = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: '鼓楼区' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }] };
    expectProblem(await admin.req('POST', '/api/oversight/geo', { name: '福州市', approvalNumber: '闽S(2024)12号', geojson: noCode }), 422, 'OVERSIGHT_GEOJSON_INVALID', 'geojson/features/0/properties/code');
    expect(await tableCounts(app)).toEqual(before);
    const real = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '350102', name: '鼓楼区' }, geometry: { type: 'Polygon', coordinates: [[[119.28, 26.08], [119.31, 26.08], [119.31, 26.1], [119.28, 26.08]]] } }] };
    expect((await admin.req('POST', '/api/oversight/geo', { name: '福州市行政区划', approvalNumber: '闽S(2024)12号', geojson: real })).statusCode).toBe(201);
    const op = (await app.inject({ method: 'GET', url: '/api/oversight/geo/350100' })).json();
    expect(op.meta.approvalNumber).toBe('闽S(2024)12号');
    expect(op.meta.demo).toBe(false);
  });
  // Last: it changes rows of every module directly (other tests compare with those modules' own statistics).
  it('reads applications’ changes from their feed (triggers): plain SQL without updated_at, only rows whose facts may change, pruned once read, commits after a refresh started', async () => {
    const db = app.database.db;
    const feed = async (id?: string) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM application_changes WHERE ${id ? sql`application_id = ${id}` : sql`true`}`.execute(db)).rows[0].n);
    // The trigger watches every column of applications the facts views read (but updated_at, which the feed replaces).
    const used = (await sql<{ c: string }>`SELECT DISTINCT column_name::text AS c FROM information_schema.view_column_usage WHERE table_name = 'applications' AND view_name IN ('oversight_application_facts', 'oversight_escalation_facts')`.execute(db)).rows.map((r) => r.c);
    const test = (await sql<{ d: string }>`SELECT prosrc AS d FROM pg_proc WHERE proname = 'application_changed'`.execute(db)).rows[0].d;
    expect(used.length).toBeGreaterThan(10);
    for (const c of used.filter((x) => x !== 'updated_at')) expect(test, c).toMatch(new RegExp(`\\bOLD\\.${c}\\b`));
    // Entries up to the watermark (the refresh's start less a second, or the oldest open transaction's start) are pruned once read.
    const unpruned = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM application_changes WHERE at <= (SELECT watermark FROM oversight_rollup_state WHERE source = 'applications')`.execute(db)).rows[0].n);
    const pause = () => new Promise((r) => setTimeout(r, 1100));
    await pause();
    await app.services.oversight.engine.refresh(['applications']);
    expect(await feed()).toBe(0);
    const [a, b] = (await sql<{ id: string }>`SELECT id FROM applications WHERE number LIKE 'DEMO%' AND kind = 'item' ORDER BY number LIMIT 2`.execute(db)).rows.map((r) => r.id);
    // A column no facts view reads: no entry. A plain UPDATE of a fact's column, updated_at untouched: one entry.
    await sql`UPDATE applications SET form_data = form_data || '{"x": 1}'::jsonb WHERE id = ${a}`.execute(db);
    expect(await feed(a)).toBe(0);
    await sql`UPDATE applications SET region_code = CASE WHEN region_code = '350102' THEN '350103' ELSE '350102' END WHERE id = ${a}`.execute(db);
    expect(await feed(a)).toBe(1);
    await pause();
    const r1 = await app.services.oversight.engine.refresh(['applications']);
    expect(r1[0].mode).toBe('incremental:1');
    expect(await rollupVsLive(db, 'applications')).toEqual({ equal: true });
    expect(await feed()).toBe(0);
    if (kind === 'postgres') {
      // A transaction that changed a row before a refresh started and commits after it: its entry carries its own start, at or after the
      // refresh's watermark, so the next refresh reads it (and the first one's pruning left it).
      const dept = (await sql<{ id: string }>`SELECT id FROM departments WHERE id <> (SELECT department_id FROM applications WHERE id = ${b}) ORDER BY code LIMIT 1`.execute(db)).rows[0].id;
      let updated!: () => void;
      let commit!: () => void;
      const wrote = new Promise<void>((r) => (updated = r));
      const open = db.transaction().execute(async (trx) => {
        await sql`UPDATE applications SET department_id = ${dept} WHERE id = ${b}`.execute(trx);
        updated();
        await new Promise<void>((r) => (commit = r));
      });
      await wrote;
      const during = await app.services.oversight.engine.refresh(['applications']);
      expect(during[0].mode).toBe('incremental:0');
      commit();
      await open;
      expect(await feed(b)).toBe(1);
      const after = await app.services.oversight.engine.refresh(['applications']);
      expect(after[0].mode).toBe('incremental:1');
      expect(await rollupVsLive(db, 'applications')).toEqual({ equal: true });
      expect(await unpruned()).toBe(0);
    }
  });

  it('keeps the roll-up exact after random changes of every source (rows changing group, deleted, clock-dependent), applying only the rows changed', async () => {
    const db = app.database.db;
    const rnd = seeded(kind === 'pglite' ? 11 : 29);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    await app.services.oversight.engine.refresh();
    const depts = (await db.selectFrom('departments').select('id').execute()).map((d) => d.id);
    const regions = ['350102', '350103', '350104', '350105', '350111', '350121', '350203', '350206'];
    const ent = await db.selectFrom('accounts').select(['id', 'uscc']).where('kind', '=', 'enterprise').orderBy('uscc').execute();
    expect(ent.length).toBeGreaterThan(0);
    for (let round = 0; round < 2; round++) {
      const apps = (await sql<{ id: string }>`SELECT id FROM applications WHERE number LIKE 'DEMO%' ORDER BY md5(id::text || ${String(round)}) LIMIT 30`.execute(db)).rows.map((r) => r.id);
      for (const [i, id] of apps.entries()) {
        const what = i % 6;
        if (what === 0) await sql`UPDATE applications SET submitted_at = submitted_at - make_interval(days => ${1 + Math.floor(rnd() * 90)}), updated_at = now() WHERE id = ${id}`.execute(db);
        else if (what === 1) await sql`UPDATE applications SET region_code = ${pick(regions)}, updated_at = now() WHERE id = ${id}`.execute(db);
        else if (what === 2) await sql`UPDATE applications SET department_id = ${pick(depts)}, updated_at = now() WHERE id = ${id}`.execute(db);
        else if (what === 3) await sql`UPDATE applications SET decided_at = NULL, state = 'under_review', sla_state = 'overdue', updated_at = now() WHERE id = ${id}`.execute(db);
        else if (what === 4) await sql`UPDATE applications SET decided_at = coalesce(decided_at, now()), state = 'concluded', sla_state = 'normal', updated_at = now() WHERE id = ${id}`.execute(db);
        else {
          await sql`DELETE FROM application_escalations WHERE application_id = ${id} OR root_id = ${id}`.execute(db);
          await sql`DELETE FROM applications WHERE id = ${id}`.execute(db);
        }
      }
      // Market: an enterprise's registry data appears or changes (it supersedes feed events for it), events come and go.
      const e = ent[round % ent.length];
      const ym = addMonths(now, -Math.floor(rnd() * 4));
      await sql`UPDATE accounts SET industry = ${pick(['C', 'F', 'H', 'I'])}, registered_on = ${`${ym}-03`}::date, cancelled_on = ${round === 1 ? `${now}-01` : null}::date, updated_at = now() WHERE id = ${e.id}`.execute(db);
      await sql`INSERT INTO market_entity_events (uscc, name, event, industry, region_code, occurred_on, source) VALUES (${e.uscc}, '测试', 'registered', 'A', '350102', ${`${now}-01`}::date, 'test') ON CONFLICT DO NOTHING`.execute(db);
      await sql`DELETE FROM market_entity_events WHERE id = (SELECT id FROM market_entity_events WHERE source = 'demo' ORDER BY md5(id::text || ${String(round)}) LIMIT 1)`.execute(db);
      await sql`UPDATE market_entity_events SET region_code = ${pick(regions)}, created_at = now() WHERE id = (SELECT id FROM market_entity_events WHERE source = 'demo' ORDER BY md5(id::text || ${`m${round}`}) LIMIT 1)`.execute(db);
      // Catalog (snapshot), work orders, and whatever reviews / 12345 rows the node has.
      await sql`UPDATE catalog_items SET lint_warnings = lint_warnings + 1, updated_at = now() WHERE id = (SELECT id FROM catalog_items WHERE status = 'published' ORDER BY md5(id::text || ${String(round)}) LIMIT 1)`.execute(db);
      await sql`UPDATE oversight_work_orders SET overdue = NOT overdue, updated_at = now() WHERE id = (SELECT id FROM oversight_work_orders ORDER BY md5(id::text || ${String(round)}) LIMIT 1)`.execute(db);
      await sql`UPDATE inquiries SET department_id = ${pick(depts)}, updated_at = now() WHERE id = (SELECT id FROM inquiries ORDER BY md5(id::text || ${String(round)}) LIMIT 1)`.execute(db);
      await sql`UPDATE inquiries SET respond_due = now() + interval '1 hour', responded_at = NULL, updated_at = now() WHERE id = (SELECT id FROM inquiries ORDER BY md5(id::text || ${`d${round}`}) LIMIT 1)`.execute(db);
      await sql`UPDATE reviews SET level = CASE WHEN level >= 3 THEN 1 ELSE 5 END, updated_at = now() WHERE id = (SELECT id FROM reviews ORDER BY md5(id::text || ${String(round)}) LIMIT 1)`.execute(db);

      // Applications changed (their facts' columns: the feed has them; an update that set what was there writes none) or deleted.
      const fed = (await sql<{ n: number }>`SELECT count(DISTINCT application_id)::int AS n FROM application_changes WHERE application_id = ANY(${apps}::uuid[])`.execute(db)).rows[0].n;
      expect(fed).toBeGreaterThanOrEqual(apps.length / 2);
      const res = await app.services.oversight.engine.refresh();
      const bySource = new Map(res.map((r) => [r.source, r]));
      expect(bySource.get('applications')!.mode).toMatch(/^incremental:/);
      expect(bySource.get('applications')!.changed).toBeGreaterThanOrEqual(fed + apps.filter((_, i) => i % 6 === 5).length);
      expect(bySource.get('applications')!.changed).toBeLessThan(200);
      for (const r of res) expect(r.mode, r.source).toMatch(/^incremental:/);
      for (const s of SOURCES) expect(await rollupVsLive(db, s.id), `${s.id} after round ${round}`).toEqual({ equal: true });
      // The roll-up row count kept by the deltas is the real one.
      for (const r of res) expect(r.rows, r.source).toBe((await sql<{ n: number }>`SELECT count(*)::int AS n FROM oversight_rollup WHERE source = ${r.source}`.execute(db)).rows[0].n);
    }
    // A response deadline passes: "due" flips with no write to the row (updated_at unchanged), found by the deadline window.
    const flip = (await sql<{ id: string }>`SELECT id FROM inquiries WHERE respond_due > now() AND responded_at IS NULL ORDER BY id LIMIT 1`.execute(db)).rows[0];
    if (flip) {
      await sql`UPDATE inquiries SET respond_due = clock_timestamp() WHERE id = ${flip.id}`.execute(db);
      const r = await app.services.oversight.engine.refresh(['inquiries']);
      expect(r[0].mode).toMatch(/^incremental:/);
      expect(await rollupVsLive(db, 'inquiries')).toEqual({ equal: true });
    }
    // The enterprise registry feeds the market figures: its registration this month is counted.
    const e = ent[0];
    await sql`UPDATE accounts SET industry = 'M', registered_on = ${`${now}-02`}::date, cancelled_on = NULL, updated_at = now() WHERE id = ${e.id}`.execute(db);
    await app.services.oversight.engine.refresh(['market']);
    const reg = (await sup.req('GET', `/api/oversight/measures/market_registrations?region=${e.uscc!.slice(2, 8)}&from=${now}&to=${now}&breakdown=category`)).json();
    expect(reg.groups.find((g: any) => g.key === 'M')?.counts.registered).toBeGreaterThanOrEqual(1);
    const rows = (await sup.req('GET', `/api/oversight/measures/market_registrations/rows?region=${e.uscc!.slice(2, 8)}&from=${now}&to=${now}&limit=5000`)).json();
    expect(rows.rows.filter((r: any) => r.record_id === `${e.uscc}:registered`)).toHaveLength(1);
    // A full rebuild gives the same roll-up, row for row.
    const before = await rollupRows(db);
    await app.services.oversight.engine.refresh(undefined, { full: true });
    expect(await rollupRows(db)).toEqual(before);
  }, 300_000);
});
