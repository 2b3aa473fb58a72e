// The change feed's triggers (2026-12-01T0900) test their rows in the function instead of in a WHEN
// clause (issue 4, session 13).
//
// PostgreSQL reads a trigger's WHEN clause from its stored text and prepares it again for every
// statement that fires the trigger: with the 17 columns the feed compares, that cost ~45 µs per
// UPDATE of an application (the engine updates one row per statement), more than the index
// entries the HOT updates save (~30 µs). The same test in the PL/pgSQL function, whose expressions
// are prepared once per session, costs ~10 µs per row (20,000 one-row updates, each in its own
// transaction, of 640-byte rows at fillfactor 70: 67 µs per update with the WHEN clause, 32–36 µs
// with the test in the function, 50–52 µs before 0900 with updated_at indexed; 22–25 µs with no
// trigger at all). Same rows written to application_changes; the triggers lose their WHEN.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';
import { inView, row } from './2026-12-01T0900_application_changes';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE OR REPLACE FUNCTION application_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'INSERT' THEN IF ${inView('NEW')} THEN INSERT INTO application_changes (application_id) VALUES (NEW.id); END IF; ELSIF (${inView('OLD')} OR ${inView('NEW')}) AND ${row('OLD')} IS DISTINCT FROM ${row('NEW')} THEN INSERT INTO application_changes (application_id) VALUES (NEW.id); END IF; RETURN NULL; END $$;
DROP TRIGGER application_changes_insert ON applications;
DROP TRIGGER application_changes_update ON applications;
CREATE TRIGGER application_changes AFTER INSERT OR UPDATE ON applications FOR EACH ROW EXECUTE FUNCTION application_changed();
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
