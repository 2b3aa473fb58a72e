// Helper for migrations: run a block of DDL statements one by one (PGlite's extended protocol
// takes one statement per query). Statements are separated by a semicolon at the end of a line.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function ddl(db: Kysely<any>, text: string): Promise<void> {
  for (const stmt of text.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(stmt).execute(db);
  }
}
