/**
 * Open data module (数据开放): datasets published from the data resource catalog, the row API,
 * downloads, the CKAN Action API, DCAT-AP 3 with DQV, ratings, quality, conditional access, data
 * requests (需求征集) and usage statistics.
 *
 * Owns the opendata_* tables and the job queue opendata.request_due. Reads resources (metadata and
 * rows: samples, the row API, downloads, per-resource row indexes) through the resources module's
 * ResourcesService (ResourceCatalogPort); it never reads resource_rows itself.
 * Publishes:
 * - `openDataUsage(db, { from, to, departmentId? })` — views, downloads, API calls per department and
 *   dataset, and data-request answering figures, for oversight;
 * - `OpenDataService` (services.opendata) — `search`, `packageShow`, `statistics`, `insertDataset`;
 * - routes under /api/opendata, /api/admin/opendata, and the CKAN API at /api/3/action/* and /api/action/*.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import { systemAdminContext } from '../../shared/actor';
import type { JobRunner } from '../jobs';
import type { OrgService } from '../org';
import type { FastifyBaseLogger } from 'fastify';
import { ckanRoutes } from './opendata.ckan';
import { openDataRoutes } from './opendata.routes';
import { OpenDataService, type ResourceCatalogPort } from './opendata.service';
import './opendata.tables';

export { OpenDataService, REQUEST_DUE_QUEUE, ROW_INDEX_QUEUE, type ResourceCatalogPort, type CatalogResource, type PublishInput } from './opendata.service';
export { checkPersonalColumns, looksLikeIdNumber, looksLikeMobile, looksLikePersonName, type PersonalFinding } from './opendata.personal';
export { computeQuality, QUALITY_DIMENSIONS, LICENCES, FREQUENCIES } from './opendata.quality';
export { parseFq, FqError } from './opendata.fq';

export function createOpenData(opts: { db: Db; org: OrgService; jobs: JobRunner; log: FastifyBaseLogger; config: Config; resources: ResourceCatalogPort | null }): OpenDataService {
  return new OpenDataService({
    db: opts.db,
    org: opts.org,
    jobs: opts.jobs,
    log: opts.log,
    publicUrl: opts.config.PUBLIC_URL ?? '',
    resources: opts.resources,
    ratePerMinute: opts.config.OPENDATA_RATE_PER_MINUTE,
    anonRatePerMinute: opts.config.OPENDATA_ANON_RATE_PER_MINUTE,
    answerDays: opts.config.OPENDATA_REQUEST_ANSWER_DAYS,
  });
}

/** REST routes (register under /api). Statistics are flushed when the app closes. */
export function openDataPlugin(svc: OpenDataService) {
  return async function opendata(app: FastifyInstance) {
    svc.start();
    app.addHook('onClose', async () => svc.stop());
    await app.register(openDataRoutes(svc, svc.opts.publicUrl));
  };
}

/** The CKAN Action API (register at the root: /api/3/action/* and /api/action/*). */
export function ckanPlugin(svc: OpenDataService) {
  return ckanRoutes(svc, svc.opts.publicUrl);
}

/**
 * For oversight: usage of the open data portal per department over [from, to] (China dates,
 * inclusive) — datasets published, views, downloads, API calls — and data requests received,
 * answered, overdue and answered in time.
 */
export async function openDataUsage(db: Db, f: { from: string; to: string; departmentId?: string }) {
  const dep = f.departmentId ? sql`AND department_id = ${f.departmentId}` : sql``;
  const usage = await sql<{ department_id: string; views: string; downloads: string; api_calls: string }>`SELECT department_id, sum(views) AS views, sum(downloads) AS downloads, sum(api_calls) AS api_calls
    FROM opendata_stats WHERE day BETWEEN ${f.from}::date AND ${f.to}::date ${dep} GROUP BY department_id`.execute(db);
  const datasets = await sql<{ department_id: string; n: string }>`SELECT department_id, count(*) AS n FROM opendata_datasets WHERE status = 'published' ${dep} GROUP BY department_id`.execute(db);
  const requests = await sql<{ department_id: string; received: string; answered: string; overdue: string; in_time: string }>`SELECT department_id,
      count(*) AS received,
      count(*) FILTER (WHERE answered_at IS NOT NULL OR status = 'closed') AS answered,
      count(*) FILTER (WHERE overdue OR (status = 'open' AND due_at < now())) AS overdue,
      count(*) FILTER (WHERE answered_at IS NOT NULL AND answered_at <= due_at) AS in_time
    FROM opendata_requests WHERE department_id IS NOT NULL AND created_at::date BETWEEN ${f.from}::date AND ${f.to}::date ${dep} GROUP BY department_id`.execute(db);
  const out = new Map<string, { departmentId: string; datasets: number; views: number; downloads: number; apiCalls: number; requests: { received: number; answered: number; overdue: number; answeredInTime: number } }>();
  const get = (id: string) => out.get(id) ?? out.set(id, { departmentId: id, datasets: 0, views: 0, downloads: 0, apiCalls: 0, requests: { received: 0, answered: 0, overdue: 0, answeredInTime: 0 } }).get(id)!;
  for (const r of usage.rows) Object.assign(get(r.department_id), { views: Number(r.views), downloads: Number(r.downloads), apiCalls: Number(r.api_calls) });
  for (const r of datasets.rows) get(r.department_id).datasets = Number(r.n);
  for (const r of requests.rows) get(r.department_id).requests = { received: Number(r.received), answered: Number(r.answered), overdue: Number(r.overdue), answeredInTime: Number(r.in_time) };
  return [...out.values()];
}

/** Demo: the open resources of the demo catalog published as datasets (idempotent). */
export async function seedDemoOpenData(svc: OpenDataService): Promise<void> {
  if (!svc.opts.resources) return;
  const ctx = systemAdminContext('demo.opendata');
  const plan: { code: string; accessLevel: 'open' | 'account' | 'conditional'; themes: string[]; licence: string; documentation: string; terms?: string }[] = [
    { code: 'ZJJ.BUS_ROUTES', accessLevel: 'open', themes: ['TRAN'], licence: 'cc-by-4.0', documentation: '每条记录为一条公交线路。票价单位为元；首末班时间为当地时间。数据每月更新。' },
    { code: 'DSJ.AIR_QUALITY', accessLevel: 'open', themes: ['ENVI', 'HEAL'], licence: 'cc-by-4.0', documentation: '日均值，按《环境空气质量标准》（GB 3095-2012）计算 AQI；单位 μg/m³。' },
    { code: 'XZSPJ.SERVICE_POINTS', accessLevel: 'account', themes: ['GOVE'], licence: 'gov-open-cn', documentation: '政务服务网点名录；咨询电话为办公电话。坐标为 GCJ-02。登录后可下载。' },
    {
      code: 'WJW.MEDICAL_INSTITUTIONS',
      accessLevel: 'conditional',
      themes: ['HEAL'],
      licence: 'other-closed',
      documentation: '医疗机构执业登记信息摘要，有条件开放：申请时说明用途，经市卫健委同意后使用。',
      terms: '仅用于所申请的用途；不得转让给第三方；引用时注明来源“福州市卫生健康委员会”；使用期满后删除。',
    },
  ];
  for (const p of plan) {
    let r;
    try {
      r = await svc.opts.resources.get(p.code);
    } catch {
      continue;
    }
    if (await svc.db.selectFrom('opendata_datasets').select('id').where('resource_id', '=', r.id).executeTakeFirst()) continue;
    await svc.publish(ctx, { resourceId: r.id, accessLevel: p.accessLevel, themes: p.themes, licence: p.licence, documentation: p.documentation, terms: p.terms, name: p.code.toLowerCase().replace(/[._]/g, '-') });
  }
}
