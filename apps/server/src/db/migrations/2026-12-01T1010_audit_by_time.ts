// The audit log is listed newest first by time, entries of one moment by id (modules/audit): its
// time index becomes (at, id) so that a page of any time range is read from the range's end. With
// (at) alone and the list ordered by id, PostgreSQL walked the primary key back from the newest
// entry through everything recorded since the range (~250 ms for a month a year back at 2 M
// entries; EXPLAIN figures in modules/audit/README.md). Same number of index entries per row.
// CREATE INDEX holds writes to audit_log back while it builds (migrations run in one transaction):
// ~0.4 s per million entries on these machines (bench/audit-list.ts prints it).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE INDEX audit_log_at_id ON audit_log (at, id);
DROP INDEX audit_log_at;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
