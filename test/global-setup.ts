/** Vitest global setup: one throwaway PostgreSQL cluster for the whole run (each test file makes its own database in it). */
import type { TestProject } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPgCluster } from './pg-cluster';
import { buildPgliteTemplate, buildPostgresTemplate } from './test-config';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    /** The seeded PostgreSQL template database exists (test-config.ts). */
    pgTemplate: boolean;
    /** File of the seeded PGlite dump, or '' when none was built. */
    pgliteTemplate: string;
  }
}

/**
 * Builds the seeded templates once per run: each test app then copies a migrated database with
 * the demo node loaded instead of loading it again (≈ all of an app's start-up time).
 */
async function buildTemplates(project: TestProject, pgUrl: string): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'yw-template-'));
  const file = join(dir, 'seeded.tar');
  const started = Date.now();
  await Promise.all([buildPostgresTemplate(pgUrl), buildPgliteTemplate(join(dir, 'data'), file)]);
  console.log(`seeded test templates built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('pgTemplate', true);
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}

export default async function setup(project: TestProject) {
  if (process.env.YIWANG_TEST_PG_URL) {
    project.provide('pgUrl', process.env.YIWANG_TEST_PG_URL);
    const removeTemplates = await buildTemplates(project, process.env.YIWANG_TEST_PG_URL);
    return async () => removeTemplates();
  }
  const cluster = await startPgCluster({ fast: true });
  project.provide('pgUrl', cluster.url);
  const removeTemplates = await buildTemplates(project, cluster.url);
  return async () => {
    removeTemplates();
    await cluster.stop();
  };
}
