// The grams functions of 2026-11-26T0210 are cheap per call (a few characters): say so, so that
// the planner prices a walk in key order that tests q on each row (the containment test first,
// the grams only on rows that contain q) at what it costs, and picks it over reading every match
// of a frequent word through the GIN index and sorting them.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER FUNCTION yiwang_text_grams(text) COST 1;
ALTER FUNCTION yiwang_query_grams(text) COST 1
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
