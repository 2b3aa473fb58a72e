// Two indexes of the receipts that no query reads: statistics select by time (exchange_calls_at;
// a department's view is an OR over consumer and provider, which an index on one side cannot
// serve), the oversight roll-ups by time and id, 我的数据使用记录 by subject. Every verification
// call paid for both on insert (the exchange's hottest statement).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
DROP INDEX IF EXISTS exchange_calls_resource;
DROP INDEX IF EXISTS exchange_calls_consumer;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
