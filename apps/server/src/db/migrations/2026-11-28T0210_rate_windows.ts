// The open-data row API's rate windows become the node's: the same table also counts the budgets of
// the rate-limited routes (sign-in, token endpoints, public forms), so that with several server
// processes (SERVER_PROCESSES) a limit is one budget, not one per process (shared/rate-windows.ts).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE opendata_rate_windows RENAME TO rate_windows;
ALTER TABLE rate_windows RENAME CONSTRAINT opendata_rate_windows_pkey TO rate_windows_pkey;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
