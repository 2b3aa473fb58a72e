// The grams functions' cost once more (see 2026-11-26T0220): at COST 1 the planner tested the
// grams before the containment (it orders a row's conditions by cost), computing every walked row's
// grams (a 300,000-row benchmark: 78 ms for a page of a frequent word, 53 buffers). At 10 they come
// after the containment test, so only rows that contain q have their grams computed, and a walk in
// key order still costs the planner little.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER FUNCTION yiwang_text_grams(text) COST 10;
ALTER FUNCTION yiwang_query_grams(text) COST 10
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
