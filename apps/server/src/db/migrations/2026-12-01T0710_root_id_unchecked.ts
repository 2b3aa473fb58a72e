// Timeline entries and tasks no longer check root_id by a foreign key (issue 4, session 12).
//
// root_id is never chosen: the engine writes it as the application's bundle, or the application
// itself when it has none (rootOf(app)), for an application_id that its own foreign key checks and
// whose parent_id applications' foreign key checks. So the second check proved nothing the first two
// do not, and it cost: one more SPI query per row (~35 per bundle in the applications benchmark),
// and a FOR KEY SHARE lock on the bundle's row from every child's transaction — the parallel
// children of a bundle acting at once turned the bundle row's lock into a MultiXact for each pair.
// Applications are never deleted but as drafts (which are their own root: their timeline goes with
// them, by application_id). application_id keeps its foreign key.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE application_events DROP CONSTRAINT application_events_root_id_fkey;
ALTER TABLE application_tasks DROP CONSTRAINT application_tasks_root_id_fkey;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
