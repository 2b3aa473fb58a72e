/** Vitest global setup: one throwaway PostgreSQL cluster for the whole run (each test file makes its own database in it). */
import type { TestProject } from 'vitest/node';
import { startPgCluster } from './pg-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.YIWANG_TEST_PG_URL) {
    project.provide('pgUrl', process.env.YIWANG_TEST_PG_URL);
    return;
  }
  const cluster = await startPgCluster({ fast: true });
  project.provide('pgUrl', cluster.url);
  return async () => cluster.stop();
}
