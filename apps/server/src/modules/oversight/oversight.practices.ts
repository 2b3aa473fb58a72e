/**
 * 经验复用 — good practices (典型经验). A supervisor publishes what a top-ranked department did,
 * tied to the measure it ranks on: the server computes the ranking of the departments of the
 * supervisor's region for that measure and period, refuses a department outside the top three,
 * and stores the figure with its provenance (formula, snapshot time, counts, rank) — no figure is
 * typed in by hand. Every staff member can read the published practices; supervisors withdraw them.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import { hasRole, type RequestContext } from '../../shared/actor';
import { AppError, errors } from '../../shared/errors';
import { isInSubtree } from '../../shared/regions';
import type { OrgService } from '../org';
import { MEASURE_BY_ID } from './oversight.measures';
import type { OversightService } from './oversight.service';

/** How many of the best-ranked departments a practice may come from. */
export const PRACTICE_TOP = 3;

export interface PracticeInput {
  title: string;
  summary: string;
  body: string;
  measure: string;
  departmentId: string;
  from: string;
  to: string;
}

const practiceErrors = {
  notTop: (rank: number | null, of: number) =>
    new AppError(422, 'PRACTICE_NOT_TOP_RANKED', rank ? `该部门在本指标中排名第 ${rank}（共 ${of} 个），只有前 ${PRACTICE_TOP} 名可作为典型经验` : '该部门在本指标和期间内没有数据，不能作为典型经验', rank ? `The department ranks ${rank} of ${of} on this measure; only the top ${PRACTICE_TOP} can be published as good practice` : 'The department has no figure for this measure and period', 'body/departmentId', { rank, of, top: PRACTICE_TOP }),
  withdrawn: () => errors.conflict('PRACTICE_WITHDRAWN', '该典型经验已撤回', 'This practice is already withdrawn'),
};

type Row = Record<string, unknown> & { id: string; department_id: string; region_code: string; figure: Record<string, unknown>; published_at: Date; withdrawn_at: Date | null; status: string };

export class Practices {
  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly svc: OversightService,
  ) {}

  private async present(p: Row, full: boolean) {
    const dept = await this.org.department(p.department_id);
    const m = MEASURE_BY_ID.get(String(p.measure));
    return {
      id: p.id,
      title: p.title,
      summary: p.summary,
      ...(full ? { body: p.body } : {}),
      departmentId: p.department_id,
      department: dept?.name ?? null,
      regionCode: p.region_code,
      measure: p.measure,
      measureName: m?.name ?? null,
      period: { from: p.period_from, to: p.period_to },
      figure: p.figure,
      status: p.status,
      publishedBy: p.published_by_name,
      publishedAt: p.published_at.toISOString(),
      withdrawnAt: p.withdrawn_at?.toISOString() ?? null,
      withdrawNote: p.withdraw_note ?? null,
      views: p.views,
    };
  }

  /** Published practices, newest first; supervisors also see withdrawn ones of their region. */
  async list(ctx: RequestContext, q: { measure?: string; q?: string }) {
    const a = requireActor(ctx);
    const supervisor = hasRole(a, 'supervisor', 'platform_admin');
    let query = this.db.selectFrom('oversight_practices').selectAll().orderBy('published_at', 'desc').limit(200);
    if (!supervisor) query = query.where('status', '=', 'published');
    if (q.measure) query = query.where('measure', '=', q.measure);
    if (q.q) query = query.where((eb) => eb.or([eb('title', 'like', `%${q.q}%`), eb('summary', 'like', `%${q.q}%`), eb('body', 'like', `%${q.q}%`)]));
    const rows = (await query.execute()) as unknown as Row[];
    const scope = this.svc.scopeRegion(ctx);
    const visible = rows.filter((p) => p.status === 'published' || hasRole(a, 'platform_admin') || isInSubtree(p.region_code, scope));
    return Promise.all(visible.map((p) => this.present(p, false)));
  }

  async get(ctx: RequestContext, id: string) {
    const a = requireActor(ctx);
    const p = (await this.db.selectFrom('oversight_practices').selectAll().where('id', '=', id).executeTakeFirst()) as unknown as Row | undefined;
    if (!p || (p.status !== 'published' && !hasRole(a, 'platform_admin') && !(hasRole(a, 'supervisor') && isInSubtree(p.region_code, this.svc.scopeRegion(ctx))))) throw errors.notFound('Practice', '典型经验');
    await this.db.updateTable('oversight_practices').set({ views: sql`views + 1` }).where('id', '=', id).execute();
    return this.present(p, true);
  }

  async publish(ctx: RequestContext, input: PracticeInput) {
    const a = requireActor(ctx);
    const m = MEASURE_BY_ID.get(input.measure);
    if (!m) throw errors.invalid('OVERSIGHT_UNKNOWN_MEASURE', 'body/measure', `未知的指标：${input.measure}`, `Unknown measure: ${input.measure}`);
    // The figure comes from the engine (the same computation as the dashboards), never from the request.
    const result = await this.svc.compute(ctx, input.measure, { from: input.from, to: input.to }, 'department');
    const ranked = result.groups.filter((g) => g.value !== null).sort((x, y) => (m.higherIsBetter ? y.value! - x.value! : x.value! - y.value!));
    const idx = ranked.findIndex((g) => g.key === input.departmentId);
    // Ties share the better rank.
    const rank = idx < 0 ? null : ranked.findIndex((g) => g.value === ranked[idx].value) + 1;
    if (!rank || rank > PRACTICE_TOP) throw practiceErrors.notTop(rank, ranked.length);
    const g = ranked[idx];
    const dept = await this.org.department(input.departmentId);
    const id = randomUUID();
    const figure = {
      value: g.value,
      unit: m.unit,
      label: g.label,
      rank,
      of: ranked.length,
      higherIsBetter: m.higherIsBetter,
      regionValue: result.total.value,
      counts: g.counts,
      provenance: result.provenance,
      top: ranked.slice(0, PRACTICE_TOP).map((x) => ({ key: x.key, label: x.label, value: x.value })),
    };
    const now = new Date();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('oversight_practices')
        .values({ id, title: input.title, summary: input.summary, body: input.body, department_id: input.departmentId, region_code: dept?.regionCode ?? result.provenance.filters.region, measure: input.measure, period_from: result.provenance.filters.from, period_to: result.provenance.filters.to, figure: JSON.stringify(figure), published_by: a.accountId, published_by_name: a.displayName, published_at: now })
        .execute();
      await recordAudit(trx, ctx, { action: 'oversight.practice_publish', entityType: 'oversight_practice', entityId: id, detail: { measure: input.measure, departmentId: input.departmentId, rank, value: g.value } });
    });
    return this.get(ctx, id);
  }

  async withdraw(ctx: RequestContext, id: string, note: string) {
    await this.db.transaction().execute(async (trx) => {
      const p = await trx.selectFrom('oversight_practices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      const a = requireActor(ctx);
      if (!p || (!hasRole(a, 'platform_admin') && !isInSubtree(p.region_code, this.svc.scopeRegion(ctx)))) throw errors.notFound('Practice', '典型经验');
      if (p.status === 'withdrawn') throw practiceErrors.withdrawn();
      await trx.updateTable('oversight_practices').set({ status: 'withdrawn', withdrawn_at: new Date(), withdraw_note: note }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'oversight.practice_withdraw', entityType: 'oversight_practice', entityId: id });
    });
    return this.get(ctx, id);
  }
}
