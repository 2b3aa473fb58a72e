/**
 * Audit module: reading the internal audit log (who did what, when, for whom). Writing goes
 * through `recordAudit` in plugins/audit.ts, in the writer's own transaction. Platform admins see
 * everything; supervisors their region subtree; department admins their department; data
 * administrators the data-governance actions (DATA_ACTION_PREFIXES) of their region subtree.
 * Personal data is masked on the way out too (shared/masking.ts), also in entries written before
 * the writer masked it: ID numbers, mobiles, e-mails in detail and entity ids; persons' names.
 * (The public, tamper-evident transparency log is a separate concern: see the exchange issue.)
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database';
import { subtreePattern } from '../../shared/regions';
import { maskName, maskPersonalDataInText } from '../../shared/masking';
import { errors } from '../../shared/errors';
import type { Actor } from '../../shared/actor';
import { listAudit, type AuditQuery } from './audit.repository';

/**
 * What a data administrator (数据管理员) may read: the data sharing and exchange (exchange.*: access
 * requests, grants, tokens, feeds, misuse cases), open data (opendata.*) and the resource catalogue
 * (resources.*). Not applications, identity, payments or licences: those are other people's work.
 */
export const DATA_ACTION_PREFIXES = ['exchange.', 'opendata.', 'resources.'] as const;

const NO_ONE = '00000000-0000-0000-0000-000000000000';

/** Which entries an actor may read (the route is limited to these four roles). */
export function auditScope(a: Actor): Pick<AuditQuery, 'regionPattern' | 'departmentId' | 'scopePrefixes'> {
  if (a.roles.includes('platform_admin')) return {};
  if (a.roles.includes('supervisor')) return { regionPattern: subtreePattern(a.regionCode ?? '000000') };
  if (a.roles.includes('dept_admin')) return { departmentId: a.departmentId ?? NO_ONE };
  return { scopePrefixes: DATA_ACTION_PREFIXES, regionPattern: subtreePattern(a.regionCode ?? '000000') };
}

/** The opaque keyset cursor: the id of the last entry of the previous page. */
const encodeCursor = (id: number) => Buffer.from(`a:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^a:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw errors.invalid('CURSOR_INVALID', 'querystring/cursor', '翻页游标无效，请从第一页重新查询', 'Invalid page cursor; start again from the first page');
  return Number(m[1]);
}

const maskText = (v: string | null) => (v === null ? null : maskPersonalDataInText(v));

const EntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  action: Type.String(),
  outcome: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String({ description: "a person's name masked (张*)" }), Type.Null()]),
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
        summary: 'Internal audit log (审计日志), newest first, keyset-paged; scoped by role, personal data masked',
        querystring: Type.Object({
          entityType: Type.Optional(Type.String({ maxLength: 64 })),
          entityId: Type.Optional(Type.String({ maxLength: 128 })),
          actorId: Type.Optional(Type.String({ format: 'uuid' })),
          action: Type.Optional(Type.String({ maxLength: 128, description: 'exact action, e.g. identity.mandate.create' })),
          actionPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "actions starting with this, e.g. 'exchange.'" })),
          from: Type.Optional(Type.String({ format: 'date-time', description: 'at or after' })),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'before' })),
          cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "the previous page's `next`" })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(EntrySchema), next: Type.Union([Type.String(), Type.Null()]) }) },
      },
      config: { access: ['platform_admin', 'supervisor', 'dept_admin', 'data_admin'] },
    }, async (req) => {
      const q = req.query;
      const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const from = q.from === undefined ? undefined : new Date(q.from);
      const to = q.to === undefined ? undefined : new Date(q.to);
      if (from && to && !(from < to))
        throw errors.invalid('TIME_RANGE_INVALID', 'querystring/from', '起始时间须早于截止时间', 'The start of the time range must be before its end');
      const { entityType, entityId, actorId, action, actionPrefix } = q;
      const rows = await listAudit(db, { entityType, entityId, actorId, action, actionPrefix, from, to, before, ...auditScope(req.ctx.actor!), limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          action: r.action,
          outcome: r.outcome,
          actorId: r.actor_id,
          actorName: r.actor_name === null ? null : r.actor_kind === 'citizen' ? maskName(r.actor_name) : r.actor_name,
          actorKind: r.actor_kind,
          actorRoles: r.actor_roles,
          actorDepartmentId: r.actor_department_id,
          actorRegionCode: r.actor_region_code,
          actingAsId: r.acting_as_id,
          actingForId: r.acting_for_id,
          entityType: r.entity_type,
          entityId: maskText(r.entity_id),
          detail: JSON.parse(maskPersonalDataInText(JSON.stringify(r.detail))) as Record<string, unknown>,
          ip: r.ip,
          requestId: r.request_id,
        })),
        next: rows.length > q.limit ? encodeCursor(page[page.length - 1].id) : null,
      };
    });
  };
}
