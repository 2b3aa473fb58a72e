import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { recordAudit } from '../../plugins/audit';
import { hasRole } from '../../shared/actor';
import { errors } from '../../shared/errors';
import { resourceErrors } from './resources.errors';
import type { ResourcesService } from './resources.service';
import * as S from './resources.schemas';

const tags = ['resources'];
const MANAGERS = ['data_admin', 'dept_admin', 'platform_admin'] as const;

export function resourcesRoutes(svc: ResourcesService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/resources', {
      schema: { tags, summary: 'The data resource catalog (政务信息资源目录): metadata of active resources, public', querystring: S.ListQuery,
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(S.ResourceSchema) }) } },
      config: { access: 'public' },
    }, async (req) => svc.list({ ...req.query, includeRetired: false }));

    r.get('/resources/:id', {
      schema: { tags, summary: 'One resource’s metadata (fields, classes, provider); never its rows', params: S.IdParams, response: { 200: S.ResourceSchema } },
      config: { access: 'public' },
    }, async (req) => svc.get(req.params.id));

    r.get('/admin/resources', {
      schema: { tags, summary: 'Resources for data and department administrators: retired ones too, row counts, whether I may edit', querystring: S.ListQuery,
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(S.AdminResourceSchema) }) } },
      config: { access: [...MANAGERS] },
    }, async (req) => {
      const page = await svc.list(req.query);
      const counts = await svc.rowCounts(page.items.map((i) => i.id));
      const items = await Promise.all(
        page.items.map(async (i) => ({
          ...i,
          rowCount: counts.get(i.id) ?? 0,
          canManage: await svc.canManage(req.ctx.actor, { id: i.provider.id, code: i.provider.code, regionCode: i.regionCode } as never),
        })),
      );
      return { total: page.total, items };
    });

    r.post('/admin/resources', {
      schema: { tags, summary: 'Register a resource (providing department’s or big data administration’s administrators)', body: S.CreateBody, response: { 201: S.ResourceSchema } },
      config: { access: [...MANAGERS] },
    }, async (req, reply) => reply.code(201).send(await svc.create(req.ctx, req.body)));

    r.put('/admin/resources/:id', {
      schema: { tags, summary: 'Change a resource’s metadata (optimistic: send the version you read)', params: S.IdParams, body: S.UpdateBody, response: { 200: S.ResourceSchema } },
      config: { access: [...MANAGERS] },
    }, async (req) => svc.update(req.ctx, await idOf(req.params.id), req.body));

    r.post('/admin/resources/:id/retire', {
      schema: { tags, summary: 'Retire a resource (no new grants or calls; existing rows kept)', params: S.IdParams, body: S.ReasonBody, response: { 200: S.ResourceSchema } },
      config: { access: [...MANAGERS] },
    }, async (req) => svc.setStatus(req.ctx, await idOf(req.params.id), 'retired', req.body.reason));

    r.post('/admin/resources/:id/reactivate', {
      schema: { tags, summary: 'Put a retired resource back into service', params: S.IdParams, body: S.ReasonBody, response: { 200: S.ResourceSchema } },
      config: { access: [...MANAGERS] },
    }, async (req) => svc.setStatus(req.ctx, await idOf(req.params.id), 'active', req.body.reason));

    r.get('/admin/resources/:id/rows', {
      schema: { tags, summary: 'Preview of a resource’s rows for its managers (personal fields masked)', params: S.IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ total: Type.Integer(), rows: Type.Array(S.RowSchema) }) } },
      config: { access: [...MANAGERS] },
    }, async (req) => svc.preview(req.ctx, await idOf(req.params.id), req.query.limit));

    // The provider loads or changes its rows: its administrators, or its own system (a machine client of the providing department).
    r.post('/resources/:id/rows', {
      schema: { tags, summary: 'Provider: insert or replace rows (the change feed of 数据回流 sees each change)', params: S.IdParams, body: S.RowsBody,
        response: { 200: Type.Object({ upserted: Type.Integer() }) } },
      config: { access: [...MANAGERS, 'machine'] },
    }, async (req) => {
      const res = await svc.getRow(app.database.db, req.params.id);
      if (!res) throw resourceErrors.notFound();
      if (res.status !== 'active') throw resourceErrors.retired();
      const a = req.ctx.actor!;
      const allowed = hasRole(a, 'machine') ? a.departmentId === res.provider_department_id : await svc.canManage(a, (await app.services.org.department(res.provider_department_id))!);
      if (!allowed) throw errors.forbidden('只有提供部门可以写入该资源的数据', 'Only the providing department may write this resource’s rows');
      const n = await app.database.db.transaction().execute(async (trx) => {
        const count = await svc.upsertRows(trx, res, req.body.rows);
        await recordAudit(trx, req.ctx, { action: 'resources.rows.upsert', entityType: 'data_resource', entityId: res.id, detail: { rows: count } });
        return count;
      });
      return { upserted: n };
    });

    async function idOf(idOrCode: string): Promise<string> {
      const row = await svc.getRow(app.database.db, idOrCode);
      if (!row) throw resourceErrors.notFound();
      return row.id;
    }
  };
}
