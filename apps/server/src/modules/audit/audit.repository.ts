/** SQL of the audit module: reading audit_log (writing is plugins/audit.ts, in the writer's transaction). */
import type { Db } from '../../db/database';

export interface AuditQuery {
  /** Restrict to actors of a region subtree (LIKE pattern) or of one department. */
  regionPattern?: string;
  departmentId?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  before?: number;
  limit: number;
}

export function listAudit(db: Db, q: AuditQuery) {
  let sel = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.regionPattern) sel = sel.where('actor_region_code', 'like', q.regionPattern);
  if (q.departmentId) sel = sel.where('actor_department_id', '=', q.departmentId);
  if (q.entityType) sel = sel.where('entity_type', '=', q.entityType);
  if (q.entityId) sel = sel.where('entity_id', '=', q.entityId);
  if (q.actorId) sel = sel.where('actor_id', '=', q.actorId);
  if (q.action) sel = sel.where('action', '=', q.action);
  if (q.before) sel = sel.where('id', '<', q.before);
  return sel.execute();
}
