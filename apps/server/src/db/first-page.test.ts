import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, testApp } from '../../../../test/helpers';

/**
 * The first page of a list is asked without `OFFSET` (db/database.ts `firstPageWithoutOffset`):
 * PostgreSQL prices a generic plan's `OFFSET $n` as if it skipped rows, so with it a prepared list
 * query was planned afresh on every call instead of running its cached generic plan.
 */
describe.each(DB_KINDS)('first page of a list on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    // One connection: the prepared statements read back below are the ones the queries used.
    app = await testApp(kind, { DEMO_DATA: false, DATABASE_POOL_SIZE: 1 });
  });
  afterAll(async () => app?.close());

  const page = (offset: number) =>
    app.database.db.selectFrom('application_tasks').select(['id', 'due_date']).where('department_id', '=', '00000000-0000-4000-8000-000000000001').where('state', '=', sql.lit('open')).orderBy('due_date').orderBy('id').limit(20).offset(offset);

  it('leaves OFFSET 0 out and keeps any other offset', () => {
    expect(page(0).compile().sql).not.toMatch(/offset/i);
    const later = page(40).compile();
    expect(later.sql).toMatch(/offset \$\d+$/i);
    expect(later.parameters).toContain(40);
  });

  it.runIf(kind === 'postgres')('serves the first page from a cached generic plan', async () => {
    for (let i = 0; i < 8; i++) await page(0).execute();
    const { rows } = await sql<{ generic: string; custom: string }>`
      SELECT generic_plans::text AS generic, custom_plans::text AS custom FROM pg_prepared_statements WHERE statement ILIKE '%from "application_tasks"%limit%' AND statement NOT ILIKE '%pg_prepared_statements%'`.execute(app.database.db);
    expect(rows).toHaveLength(1);
    // PostgreSQL tries custom plans for the first five runs, then keeps the generic one when it costs no more.
    expect(Number(rows[0].generic)).toBeGreaterThanOrEqual(3);
  });
});
