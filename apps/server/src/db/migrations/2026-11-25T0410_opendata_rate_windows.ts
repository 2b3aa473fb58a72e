// Open data: the row API's per-token rate limits counted in the database, so that the limit is
// exact across processes (one counter per key and one-minute window, incremented atomically by
// INSERT … ON CONFLICT DO UPDATE). UNLOGGED: after a crash the windows start again from zero.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE UNLOGGED TABLE opendata_rate_windows (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (key, window_start)
)
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
