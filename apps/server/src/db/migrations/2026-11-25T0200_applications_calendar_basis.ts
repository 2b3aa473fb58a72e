// The working-day calendar an application's due dates were computed on: the last official year
// (State Council notice) at the time. Years after it were provisional (shared/workdays); when an
// administrator enters the official arrangement of such a year, the due dates of the applications
// computed before it are recounted (applications.recalendar). NULL: computed before provisional
// years existed, so on official years only.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE applications ADD COLUMN calendar_basis integer;
CREATE INDEX applications_calendar_basis ON applications (calendar_basis) WHERE calendar_basis IS NOT NULL;
`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await ddl(db, `
DROP INDEX applications_calendar_basis;
ALTER TABLE applications DROP COLUMN calendar_basis;
`);
}
