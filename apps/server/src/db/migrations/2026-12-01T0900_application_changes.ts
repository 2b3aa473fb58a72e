// Applications' updates made HOT, with an exact change feed for oversight (issue 4, session 13).
//
// Every UPDATE of an application row (~14 per concluded bundle in the applications benchmark) wrote
// a new entry in each of the table's six indexes: `updated_at`, set to now() on every update, is
// indexed (applications_updated_at) for oversight's incremental refresh, which read the rows
// changed since its watermark by that column. PostgreSQL writes no index entry (a HOT update: the
// new version on the same page, reached through the old one) only when no indexed column changes
// — predicates of partial indexes included — and the page has room for the new version.
//
// - application_changes (at, application_id): oversight's change feed, written by triggers on
//   applications for every inserted or updated row whose facts oversight reads may have changed:
//   rows of its facts views (kind item or child, submitted) in which a column those views read
//   changed (information_schema.view_column_usage; a test keeps the list equal to the views'), and
//   nothing for the others (bundle rows, drafts, steps, contexts, receipts, …). `at` is now() of
//   the writing transaction, as updated_at was, so the refresh keeps its watermark. Every writer is
//   seen: the engine, its timers, other modules and plain SQL (tests, demo data). The refresh
//   deletes what it has read. Deletions keep their tombstones (2026-11-26T0300).
// - applications_updated_at dropped (nothing else read applications by updated_at; the column
//   stays: API responses show it).
// - applications_calendar_basis dropped: its only reader, the recount of due dates when a calendar
//   year is entered (applications.recalendar.ts, a background job once a year), asks for
//   calendar_basis < the new year, which is every application with a due date, so the index
//   selected nearly the whole table; the job reads it by a sequential scan (~0.3 s at 1M rows),
//   beside one transaction per open application. Its column changed from NULL on the first due
//   date of every application (4 updates a bundle).
// - fillfactor 70: a HOT update needs room for the new version on the row's page; new pages keep
//   30 % free (existing pages are not rewritten: their rows, mostly concluded, are rarely updated).
//
// The changes since oversight's last watermark are copied into the feed first (by updated_at,
// through the index still there), so that the next refresh stays incremental and exact.
// Locks: CREATE TRIGGER takes SHARE ROW EXCLUSIVE and DROP INDEX ACCESS EXCLUSIVE on applications
// until the migration commits (milliseconds: nothing is scanned but the rows changed since the
// last refresh, nothing rewritten); writers of applications wait that long.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

/** The columns of applications that oversight's facts views read (but updated_at; a test compares with view_column_usage). Also used by 2026-12-01T0910. */
export const APPLICATION_FACT_COLUMNS = [
  'accepted_at', 'created_by', 'decided_at', 'department_id', 'id', 'item_id', 'item_version', 'kind', 'legal_days', 'number', 'paused_days', 'promised_days',
  'promised_due', 'region_code', 'sla_state', 'state', 'submitted_at',
];
export const row = (r: string) => `ROW(${APPLICATION_FACT_COLUMNS.map((c) => `${r}.${c}`).join(', ')})`;
/** A row of oversight_application_facts (its WHERE). */
export const inView = (r: string) => `(${r}.kind IN ('item', 'child') AND ${r}.submitted_at IS NOT NULL)`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE application_changes (
  at timestamptz NOT NULL DEFAULT now(),
  application_id uuid NOT NULL
);
CREATE INDEX application_changes_at ON application_changes (at);
CREATE FUNCTION application_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO application_changes (application_id) VALUES (NEW.id); RETURN NULL; END $$;
CREATE TRIGGER application_changes_insert AFTER INSERT ON applications FOR EACH ROW WHEN ${inView('NEW')} EXECUTE FUNCTION application_changed();
CREATE TRIGGER application_changes_update AFTER UPDATE ON applications FOR EACH ROW
  WHEN ((${inView('OLD')} OR ${inView('NEW')}) AND ${row('OLD')} IS DISTINCT FROM ${row('NEW')}) EXECUTE FUNCTION application_changed();
INSERT INTO application_changes (at, application_id)
  SELECT a.updated_at, a.id FROM applications a JOIN oversight_rollup_state s ON s.source = 'applications' WHERE a.updated_at > s.watermark;
DROP INDEX applications_updated_at;
DROP INDEX applications_calendar_basis;
ALTER TABLE applications SET (fillfactor = 70);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
