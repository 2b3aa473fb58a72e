// Finished jobs are deleted from now on (issue 4, session 13): a job that succeeded or was
// cancelled while pending is no longer kept as 'done' / 'cancelled' (modules/jobs). This removes
// the ones an earlier version kept; nothing reads them. Row locks only (the job runners of other
// processes keep working meanwhile). 'dead' jobs stay for operators.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `DELETE FROM jobs WHERE state IN ('done', 'cancelled');`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
