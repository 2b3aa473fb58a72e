/**
 * The configuration every test app runs with, and the seeded template databases (migrated, demo
 * node loaded) that the global setup builds once per run so that each test file copies a
 * database instead of migrating and loading the demo node again. No vitest imports here: the
 * global setup and benchmarks use it too.
 */
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfig, type Config } from '../apps/server/src/config';
import { buildApp } from '../apps/server/src/app';

export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return loadConfig(
    {},
    {
      DATABASE_URL: databaseUrl,
      DATA_DIR: '/tmp/yiwang-test-unused',
      DATA_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'http://yiwang.test',
      STRICT_AUDIT: true,
      JOB_RUNNER: false,
      DEMO_DATA: true,
      WEB_DIST: '/nonexistent',
      LOGIN_RATE_PER_MINUTE: 1000,
      ...overrides,
    },
  );
}

/** Settings that change what the demo loader writes: an app with any of these overridden starts from an empty database. */
export const SEED_SETTINGS: (keyof Config)[] = ['DEMO_DATA', 'DATA_SECRET', 'PUBLIC_URL', 'NODE_REGION', 'OVERSIGHT_DEMO_HISTORY'];

export const PG_TEMPLATE_DB = 'yw_template';

/** Migrates and seeds a PostgreSQL template database in the cluster at `adminUrl`. */
export async function buildPostgresTemplate(adminUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE_DB}`);
  await c.query(`CREATE DATABASE ${PG_TEMPLATE_DB}`);
  const u = new URL(adminUrl);
  u.pathname = `/${PG_TEMPLATE_DB}`;
  const app = await buildApp(testConfig(u.toString()));
  await app.ready();
  await app.close();
  await c.query(`ALTER DATABASE ${PG_TEMPLATE_DB} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  await c.end();
}

/** Migrates and seeds an embedded database in a scratch directory and writes its dump (a tarball) to `file`. */
export async function buildPgliteTemplate(dir: string, file: string): Promise<void> {
  const app = await buildApp(testConfig('file://', { DATA_DIR: dir }));
  await app.ready();
  await app.close();
  const db = await PGlite.create({ dataDir: `${dir}/pgdata` });
  const dump = await db.dumpDataDir('none');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
}
