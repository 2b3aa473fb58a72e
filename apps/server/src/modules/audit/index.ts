/**
 * Audit module: reading the internal audit log (who did what, when, for whom). Writing goes
 * through `recordAudit` in plugins/audit.ts, in the writer's own transaction. Platform admins see
 * everything; supervisors their region subtree; department admins their department.
 * (The public, tamper-evident transparency log is a separate concern: see the exchange issue.)
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database';
import { subtreePattern } from '../../shared/regions';
import { listAudit } from './audit.repository';

const EntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  action: Type.String(),
  outcome: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorKind: Type.Union([Type.String(), Type.Null()]),
  actorRoles: Type.Union([Type.Array(Type.String()), Type.Null()]),
  actorDepartmentId: Type.Union([Type.String(), Type.Null()]),
  actorRegionCode: Type.Union([Type.String(), Type.Null()]),
  actingAsId: Type.Union([Type.String(), Type.Null()]),
  actingForId: Type.Union([Type.String(), Type.Null()]),
  entityType: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

export function auditRoutes(db: Db) {
  return async function routes(app: FastifyInstance) {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/audit', {
      schema: {
        tags: ['audit'],
        summary: 'Internal audit log, newest first, keyset-paged by id',
        querystring: Type.Object({
          entityType: Type.Optional(Type.String({ maxLength: 64 })),
          entityId: Type.Optional(Type.String({ maxLength: 128 })),
          actorId: Type.Optional(Type.String({ format: 'uuid' })),
          action: Type.Optional(Type.String({ maxLength: 128 })),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(EntrySchema), next: Type.Union([Type.Integer(), Type.Null()]) }) },
      },
      config: { access: ['platform_admin', 'supervisor', 'dept_admin'] },
    }, async (req) => {
      const a = req.ctx.actor!;
      const q = req.query;
      // Platform admins see everything; supervisors their region subtree; department admins their department.
      const scope = a.roles.includes('platform_admin')
        ? {}
        : a.roles.includes('supervisor')
          ? { regionPattern: subtreePattern(a.regionCode ?? '000000') }
          : { departmentId: a.departmentId ?? '00000000-0000-0000-0000-000000000000' };
      const rows = await listAudit(db, { ...q, ...scope, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          action: r.action,
          outcome: r.outcome,
          actorId: r.actor_id,
          actorKind: r.actor_kind,
          actorRoles: r.actor_roles,
          actorDepartmentId: r.actor_department_id,
          actorRegionCode: r.actor_region_code,
          actingAsId: r.acting_as_id,
          actingForId: r.acting_for_id,
          entityType: r.entity_type,
          entityId: r.entity_id,
          detail: r.detail,
          ip: r.ip,
          requestId: r.request_id,
        })),
        next: rows.length > q.limit ? page[page.length - 1].id : null,
      };
    });
  };
}
