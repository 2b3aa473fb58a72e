// Durable jobs, timers and outbox events: rows in PostgreSQL, claimed with FOR UPDATE SKIP LOCKED
// under a lease, so they survive restarts and several processes never run one twice at a time.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  dedupe_key text,
  payload jsonb NOT NULL DEFAULT '{}',
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 10,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','dead','cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (queue, dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'pending';
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
