// The status-like columns the applications engine, jobs, notifications and the audit log write on
// every transition are checked by a domain instead of a table CHECK constraint (issue 4, session 11).
// Same rule (the same lists of values; a value outside is refused with SQLSTATE 23514, as before),
// cheaper to check: PostgreSQL prepares a table's CHECK constraints again for every statement that
// writes the table (the stored expression parsed and simplified: ~2–3 µs per constraint, 5 % of
// PostgreSQL's CPU in the applications benchmark, whose closing statements write six tables),
// whereas a domain's check is prepared once per connection. The columns keep their base type
// (text): drivers and queries see text as before. The one view that reads two of these columns
// (oversight_application_facts) is dropped and made again with its own definition.
import { sql, type Kysely } from 'kysely';

/** domain name → values; then the columns (table.column → domain) whose CHECK it replaces. */
const DOMAINS: Record<string, string[]> = {
  yw_applicant_kind: ['person', 'enterprise'],
  yw_application_channel: ['online', 'window'],
  yw_application_kind: ['item', 'bundle', 'child'],
  yw_pause_reason: ['supplement', 'special_procedure'],
  yw_sla_state: ['normal', 'warning', 'overdue'],
  yw_task_action: ['accept', 'review', 'decide', 'deliver'],
  yw_task_sign_kind: ['single', 'countersign', 'anysign', 'sequential'],
  yw_task_state: ['waiting', 'open', 'completed', 'cancelled'],
  yw_event_actor_kind: ['applicant', 'officer', 'system'],
  yw_event_visibility: ['public', 'internal'],
  yw_delivery_channel: ['sms', 'email'],
  yw_delivery_status: ['pending', 'sent', 'failed', 'skipped'],
  yw_audit_outcome: ['success', 'failure'],
  yw_job_state: ['pending', 'done', 'dead', 'cancelled'],
};
const COLUMNS: [table: string, column: string, domain: string][] = [
  ['applications', 'applicant_kind', 'yw_applicant_kind'],
  ['applications', 'channel', 'yw_application_channel'],
  ['applications', 'kind', 'yw_application_kind'],
  ['applications', 'pause_reason', 'yw_pause_reason'],
  ['applications', 'sla_state', 'yw_sla_state'],
  ['application_tasks', 'action', 'yw_task_action'],
  ['application_tasks', 'sign_kind', 'yw_task_sign_kind'],
  ['application_tasks', 'state', 'yw_task_state'],
  ['application_tasks', 'sla_state', 'yw_sla_state'],
  ['application_events', 'actor_kind', 'yw_event_actor_kind'],
  ['application_events', 'visibility', 'yw_event_visibility'],
  ['notification_deliveries', 'channel', 'yw_delivery_channel'],
  ['notification_deliveries', 'status', 'yw_delivery_status'],
  ['audit_log', 'outcome', 'yw_audit_outcome'],
  ['jobs', 'state', 'yw_job_state'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const view = (await sql<{ def: string }>`SELECT pg_get_viewdef('oversight_application_facts'::regclass) AS def`.execute(db)).rows[0].def;
  const stmts: string[] = ['DROP VIEW oversight_application_facts'];
  for (const [name, values] of Object.entries(DOMAINS)) stmts.push(`CREATE DOMAIN ${name} AS text CHECK (VALUE IN (${values.map((v) => `'${v}'`).join(', ')}))`);
  for (const [table, column, domain] of COLUMNS) {
    // The CHECK of the column (named by PostgreSQL's default: <table>_<column>_check).
    stmts.push(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_check, ALTER COLUMN ${column} TYPE ${domain}`);
  }
  stmts.push(`CREATE VIEW oversight_application_facts AS ${view.trim().replace(/;$/, '')}`);
  for (const s of stmts) await sql.raw(s).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
