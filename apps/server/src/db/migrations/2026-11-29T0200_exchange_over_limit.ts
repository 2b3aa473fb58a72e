// A batch of data calls is normally counted against its grants' limits and recorded in ONE statement
// (exchange.recorder.ts): the statement raises this error, and so rolls itself back whole, when a
// counter would pass its limit; the recorder then counts and records in two steps, refusing the
// calls beyond the limit. SQLSTATE YW001 is ours (no standard class starts with Y).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(
    db,
    `CREATE FUNCTION exchange_over_limit() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'a data-call limit would be passed' USING ERRCODE = 'YW001'; END $$;`,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
