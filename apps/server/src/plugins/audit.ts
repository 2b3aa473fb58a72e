/**
 * The one audit helper every write goes through: who (account, kind, roles, department, region,
 * on whose behalf), what action, which record, when, from where — inserted in the caller's
 * transaction so that the write and its record stand or fall together.
 *
 * In strict mode (tests, development) a hook refuses any 2xx response to a mutating request that
 * recorded no audit entry, so a route cannot forget it.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/types';
import type { RequestContext } from '../shared/actor';
import { maskPersonalDataInText } from '../shared/masking';
import { deferInsert } from '../db/deferred';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  outcome?: 'success' | 'failure';
  detail?: Record<string, unknown>;
}

/**
 * The detail as stored (JSON text) with personal data masked anywhere in it. The masks replace
 * characters inside JSON strings by stars and keep the rest, so the masked text is the JSON of the
 * masked detail as it is (it was parsed and written out again: the same text, at twice the cost).
 */
function maskedDetailJson(detail: Record<string, unknown>): string {
  return maskPersonalDataInText(JSON.stringify(detail));
}

export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  ctx: RequestContext,
  entry: AuditEntry,
): Promise<void> {
  const a = ctx.actor;
  const row = {
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    actor_id: a?.kind === 'machine' ? null : (a?.accountId ?? null),
    actor_kind: a?.kind ?? null,
    actor_roles: a ? JSON.stringify(a.roles) : null,
    actor_department_id: a?.departmentId ?? null,
    actor_region_code: a?.regionCode ?? null,
    acting_as_id: a?.actingAs?.id ?? null,
    acting_for_id: a?.actingFor?.id ?? null,
    entity_type: entry.entityType,
    entity_id: entry.entityId ?? null,
    detail: maskedDetailJson({ ...entry.detail, ...(a?.kind === 'machine' ? { clientId: a.accountId } : {}) }),
    ip: ctx.ip,
    request_id: ctx.requestId,
  };
  if (!deferInsert(db, 'audit_log', row)) await db.insertInto('audit_log').values(row).execute();
  ctx.audited = true;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export default fp(async function strictAudit(app: FastifyInstance, opts: { strict: boolean }) {
  if (!opts.strict) return;
  app.addHook('onSend', async (req, reply, payload) => {
    const cfg = req.routeOptions.config as { audit?: 'none' } | undefined;
    if (!MUTATING.has(req.method) || reply.statusCode >= 300 || cfg?.audit === 'none') return payload;
    if (req.ctx?.audited) return payload;
    req.log.error({ route: req.routeOptions.url }, 'mutating route wrote no audit entry');
    reply.code(500).type('application/problem+json; charset=utf-8');
    return JSON.stringify({
      status: 500,
      code: 'AUDIT_MISSING',
      title: 'A mutating route wrote no audit entry',
      message: { zh: '写操作未记录审计日志', en: 'A mutating route wrote no audit entry' },
      instance: req.routeOptions.url,
    });
  });
});
