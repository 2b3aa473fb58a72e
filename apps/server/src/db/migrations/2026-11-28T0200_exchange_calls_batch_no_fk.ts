// The receipts of a batch and the batch itself are written by ONE statement (exchange.recorder.ts
// insertCalls), so a receipt can never name a batch that does not exist; the foreign key only made
// PostgreSQL look the batch up again for every receipt (a row-level trigger query per call on the
// verification API's hottest statement). Batches and receipts are never deleted apart.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `ALTER TABLE exchange_calls DROP CONSTRAINT IF EXISTS exchange_calls_batch_id_fkey;`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
