/** SQL of the audit module: reading audit_log (writing is plugins/audit.ts, in the writer's transaction). */
import { sql } from 'kysely';
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
  /** Keyset: only entries after this one in the list's order (older; the id of the previous page's last entry). */
  before?: number;
  limit: number;
}

/** A LIKE pattern matching strings that start with `prefix` (its own % and _ taken literally). */
const startsWith = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Newest first by time, entries of one moment by id (the order of recording), on the index
 * audit_log_at_id (at, id): a page of a time range, however large or old, reads from the range's
 * end. Ordered by id alone, PostgreSQL walked the primary key back from the newest entry through
 * everything recorded since the range (it cannot know that time and id go together): ~250 ms for
 * a month a year back at 2 M entries, growing with the log.
 */
export function auditQuery(db: Db, q: AuditQuery) {
  let sel = db
    .selectFrom('audit_log')
    .leftJoin('accounts', 'accounts.id', 'audit_log.actor_id')
    .selectAll('audit_log')
    .select('accounts.display_name as actor_name')
    .orderBy('audit_log.at', 'desc')
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
  // After the cursor's entry in (at, id) order; its time read by its id (one index probe).
  if (q.before)
    sel = sel.where(sql<boolean>`(audit_log.at, audit_log.id) < ((SELECT b.at FROM audit_log b WHERE b.id = ${q.before}), ${q.before}::bigint)`);
  return sel;
}

export const listAudit = (db: Db, q: AuditQuery) => auditQuery(db, q).execute();
