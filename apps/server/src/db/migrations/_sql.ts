// Helper for migrations: run a block of DDL statements one by one (PGlite's extended protocol
// takes one statement per query). Statements are separated by a semicolon at the end of a line.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function ddl(db: Kysely<any>, text: string): Promise<void> {
  for (const stmt of text.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(stmt).execute(db);
  }
}

/** A notification template as migrations seed it: texts are [title, body, sms] per language. */
export interface TemplateSeed {
  code: string;
  description: string;
  params: string[];
  channels: string[];
  zh: [string, string, string];
  en: [string, string, string];
}

/** Insert notification templates; a code that already exists is left as it is (an operator may have edited it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function insertNotificationTemplates(db: Kysely<any>, templates: TemplateSeed[]): Promise<void> {
  for (const t of templates) {
    await sql`INSERT INTO notification_templates (code, description, params, channels, title_zh, body_zh, sms_zh, title_en, body_en, sms_en)
      VALUES (${t.code}, ${t.description}, ${JSON.stringify(t.params)}::jsonb, ${JSON.stringify(t.channels)}::jsonb,
              ${t.zh[0]}, ${t.zh[1]}, ${t.zh[2]}, ${t.en[0]}, ${t.en[1]}, ${t.en[2]})
      ON CONFLICT (code) DO NOTHING`.execute(db);
  }
}
