/**
 * Forward-only migrations: every file in ./migrations, named by its timestamp, applied in order.
 * Kysely's migrator takes a PostgreSQL advisory lock, so several processes starting at once apply
 * each migration exactly once.
 */
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * The migrations of the code this process runs: the folder is read once, so a file that appears
 * on disk later (a newer release unpacked beside a running one) is not this process's concern.
 */
let loaded: Promise<Record<string, Migration>> | undefined;
function migrationsOfThisProcess(): Promise<Record<string, Migration>> {
  loaded ??= (async () => {
    const files = (await readdir(dir)).filter((f) => /^\d{4}-\d{2}-\d{2}T\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const f of files) out[f.replace(/\.ts$/, '')] = await import(pathToFileURL(join(dir, f)).href);
    return out;
  })();
  return loaded;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: migrationsOfThisProcess } });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Names of this process's migrations not yet applied to the database (for /readyz): one read of
 * Kysely's migration table. Migrations applied by a newer release are not "pending" here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const known = Object.keys(await migrationsOfThisProcess());
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db).then(
    (r) => new Set(r.rows.map((x) => x.name)),
    () => new Set<string>(), // no migration table yet: nothing is applied
  );
  return known.filter((n) => !applied.has(n));
}
