// Less written per delivery and per applications / jobs row (issue 4, session 11):
//
// - notification_deliveries: a delivery's status changes once (pending → sent / skipped / failed).
//   The partial index notification_deliveries_open named `status` in its predicate, so each of
//   those updates wrote a new entry in all three indexes (PostgreSQL makes an update HOT — no index
//   entry, the new version on the same page — only when no indexed column changes, predicates
//   included). Its plan was also the reason a delivery batch's UPDATE (by id) hashed every pending
//   delivery: ~1 ms a call with a backlog of a few hundred. Nothing reads deliveries by status any
//   more (delivery jobs carry their ids); what operators watch — failed deliveries
//   (docs/operations.md) — is indexed by `failed_at`, set with the status `failed` and by nothing
//   else. With half of each page left free (fillfactor 50: a batch updates the rows it inserted
//   together, all in one statement, so the room must hold a new version of each; the rows are
//   ~150 bytes) the outcome updates are HOT.
// - applications, jobs: a row longer than ~2 kB (a bundle's receipt and context; an outbox job's
//   events) was compressed with pglz and moved out of line into the TOAST table (a TOAST row and
//   its index entry, ~1 per application in the applications benchmark) on every write of a new
//   version. toast_tuple_target 8160: rows up to a page stay inline and uncompressed; bigger
//   ones are still toasted.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE notification_deliveries ADD COLUMN failed_at timestamptz;
UPDATE notification_deliveries SET failed_at = updated_at WHERE status = 'failed';
CREATE INDEX notification_deliveries_failed ON notification_deliveries (failed_at) WHERE failed_at IS NOT NULL;
DROP INDEX notification_deliveries_open;
ALTER TABLE notification_deliveries SET (fillfactor = 50);
ALTER TABLE applications SET (toast_tuple_target = 8160);
ALTER TABLE jobs SET (toast_tuple_target = 8160);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
