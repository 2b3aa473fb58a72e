// The job claim reads only the due jobs it takes (issue 4, session 12).
//
// A runner claims the due jobs of the queues it handles, its preferred queues' first (the
// applications engine's conclude / timer / reply-by before outbox and deliveries), each group in
// due order. With `jobs_due` on (run_at) alone it had to read every due pending job and sort them
// by (preferred, run_at, id) to take 50: ~2,200 buffers and ~5 ms a claim with the applications
// benchmark's backlog of ~1,000 due jobs, ~100 ms (and a sort spilled to disk) with 100,000.
// `jobs_queue_due` gives each queue's due jobs in due order; the claim (modules/jobs `claim`)
// takes the first few of each queue it handles, sorts those few and locks them (SKIP LOCKED) in
// order: ~1.5 ms a claim whatever the backlog. It replaces `jobs_due`: the same entries (one per
// pending job version), nothing else read jobs by run_at alone. Building it reads the jobs table once.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE INDEX jobs_queue_due ON jobs (queue, run_at, id) WHERE state = 'pending';
DROP INDEX jobs_due;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
