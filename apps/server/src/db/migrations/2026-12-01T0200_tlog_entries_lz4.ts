// The transparency log's entries are canonical JSON; a group commit's entry lists every receipt of its
// batch (a few KB), so PostgreSQL compresses it on its way into the queue and again into the leaves.
// Its default method, pglz, was ≈ 5 % of PostgreSQL's CPU in the exchange benchmark (perf, session 9);
// lz4 compresses several times faster. New values only; where the server was built without lz4
// (the embedded PGlite) the columns keep the default.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(
    db,
    `DO $$ BEGIN ALTER TABLE tlog_queue ALTER COLUMN entry SET COMPRESSION lz4; ALTER TABLE tlog_leaves ALTER COLUMN entry SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported THEN NULL; END $$;`,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
