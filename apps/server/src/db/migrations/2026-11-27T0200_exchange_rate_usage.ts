// Per-minute call counters of exchange grants (the grant's rate_per_minute), counted in PostgreSQL by
// the group commit like the daily quota (exchange_usage), so that the limit is exact across server
// processes; rows of past minutes are deleted by the recorder.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE exchange_rate_usage (
  grant_id uuid NOT NULL REFERENCES exchange_grants(id) ON DELETE CASCADE,
  minute bigint NOT NULL,
  used integer NOT NULL DEFAULT 0,
  PRIMARY KEY (grant_id, minute)
)
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
