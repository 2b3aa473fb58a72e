// Working-day calendar years loaded by an administrator from the State Council's notice, for
// years the calendar data package does not cover yet.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE calendar_years (
  year integer PRIMARY KEY,
  holidays jsonb NOT NULL,
  workdays jsonb NOT NULL,
  source text NOT NULL,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
