/**
 * Opens the system of record: PostgreSQL when DATABASE_URL is a postgres:// URL, otherwise the
 * embedded PGlite database (under DATA_DIR/pgdata, or in memory for `memory://`; `memory://?from=<file>`
 * starts the in-memory database from a PGlite data-dir dump, which the tests use for a migrated,
 * seeded snapshot). One SQL dialect for both; the same migrations run on both.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './types';
import { PGliteDialect } from './pglite-dialect';

export type DbKind = 'postgres' | 'pglite';
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
}

// OIDs of the types whose default parsing differs between node-postgres and PGlite, or loses
// information: bigint as a JS number (counts and ids here stay far below 2^53), numeric as a
// number, and DATE as the plain 'YYYY-MM-DD' string (a Date would shift it by the time zone).
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parsers = {
  [INT8]: (v: string) => Number(v),
  [NUMERIC]: (v: string) => Number(v),
  [DATE]: (v: string) => v,
};

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase(opts: { url?: string; dataDir: string; poolSize?: number }): Promise<DatabaseHandle> {
  let dialect: Dialect;
  let kind: DbKind;
  const memory = opts.url?.startsWith('memory://') ? new URL(opts.url) : null;
  if (isPostgresUrl(opts.url)) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      types: { getTypeParser: ((oid: number, format?: string) =>
        (parsers as Record<number, (v: string) => unknown>)[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
    });
    dialect = new PostgresDialect({ pool });
    kind = 'postgres';
  } else {
    let dataDir: string | undefined;
    let loadDataDir: Blob | undefined;
    if (memory) {
      const from = memory.searchParams.get('from');
      if (from) loadDataDir = new Blob([readFileSync(from)]);
    } else {
      dataDir = join(opts.dataDir, 'pgdata');
      mkdirSync(dataDir, { recursive: true });
    }
    const pglite = await PGlite.create({ dataDir, loadDataDir, parsers });
    dialect = new PGliteDialect(pglite);
    kind = 'pglite';
  }
  const db = new Kysely<Database>({ dialect });
  return { db, kind, close: () => db.destroy() };
}
