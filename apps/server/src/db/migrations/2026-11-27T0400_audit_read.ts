// Reading the audit log (GET /api/audit) by time range and by action prefix, newest first.
// `at` is monotonic with the id in practice, so a range is a narrow slice of the at-index; the
// text_pattern_ops index serves `action LIKE 'exchange.%'` (the data administrators' scope and
// the action-prefix filter) whatever the database collation.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action text_pattern_ops);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
