// How an application came in: 'online' (the applicant, or their agent, on the portal) or
// 'window' (a window clerk registered it on the person's behalf after checking their identity
// document, 窗口收件). The clerk is created_by; the person is the applicant and sees it in the portal.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `ALTER TABLE applications ADD COLUMN channel text NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'window'));`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await ddl(db, `ALTER TABLE applications DROP COLUMN channel;`);
}
