/** SQL of the audit module: reading audit_log (writing is plugins/audit.ts, in the writer's transaction). */
import type { Db } from '../../db/database';

export interface AuditQuery {
  /** Restrict to actors of a region subtree (LIKE pattern) or of one department. */
  regionPattern?: string;
  departmentId?: string;
  /** Restrict to actions starting with one of these prefixes (a role's scope). */
  scopePrefixes?: readonly string[];
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  actionPrefix?: string;
  from?: Date;
  to?: Date;
  /** Keyset: only entries older than this id (newest first). */
  before?: number;
  limit: number;
}

/** A LIKE pattern matching strings that start with `prefix` (its own % and _ taken literally). */
const startsWith = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function listAudit(db: Db, q: AuditQuery) {
  let sel = db
    .selectFrom('audit_log')
    .leftJoin('accounts', 'accounts.id', 'audit_log.actor_id')
    .selectAll('audit_log')
    .select('accounts.display_name as actor_name')
    .orderBy('audit_log.id', 'desc')
    .limit(q.limit);
  if (q.regionPattern) sel = sel.where('actor_region_code', 'like', q.regionPattern);
  if (q.departmentId) sel = sel.where('actor_department_id', '=', q.departmentId);
  if (q.scopePrefixes) {
    const prefixes = q.scopePrefixes;
    sel = sel.where((eb) => eb.or(prefixes.map((p) => eb('action', 'like', startsWith(p)))));
  }
  if (q.entityType) sel = sel.where('entity_type', '=', q.entityType);
  if (q.entityId) sel = sel.where('entity_id', '=', q.entityId);
  if (q.actorId) sel = sel.where('actor_id', '=', q.actorId);
  if (q.action) sel = sel.where('action', '=', q.action);
  if (q.actionPrefix) sel = sel.where('action', 'like', startsWith(q.actionPrefix));
  if (q.from) sel = sel.where('audit_log.at', '>=', q.from);
  if (q.to) sel = sel.where('audit_log.at', '<', q.to);
  if (q.before) sel = sel.where('audit_log.id', '<', q.before);
  return sel.execute();
}
