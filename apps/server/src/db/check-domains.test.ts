import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, testApp } from '../../../../test/helpers';

/**
 * Migration 2026-12-01T0310_check_domains: the status-like columns the engine writes on every
 * transition are checked by domains instead of CHECK constraints. The rule is the same: each
 * column takes exactly its list of values, anything else is refused (SQLSTATE 23514).
 */
const COLUMNS: [table: string, column: string, values: string[]][] = [
  ['applications', 'applicant_kind', ['person', 'enterprise']],
  ['applications', 'channel', ['online', 'window']],
  ['applications', 'kind', ['item', 'bundle', 'child']],
  ['applications', 'pause_reason', ['supplement', 'special_procedure']],
  ['applications', 'sla_state', ['normal', 'warning', 'overdue']],
  ['application_tasks', 'action', ['accept', 'review', 'decide', 'deliver']],
  ['application_tasks', 'sign_kind', ['single', 'countersign', 'anysign', 'sequential']],
  ['application_tasks', 'state', ['waiting', 'open', 'completed', 'cancelled']],
  ['application_tasks', 'sla_state', ['normal', 'warning', 'overdue']],
  ['application_events', 'actor_kind', ['applicant', 'officer', 'system']],
  ['application_events', 'visibility', ['public', 'internal']],
  ['notification_deliveries', 'channel', ['sms', 'email']],
  ['notification_deliveries', 'status', ['pending', 'sent', 'failed', 'skipped']],
  ['audit_log', 'outcome', ['success', 'failure']],
  ['jobs', 'state', ['pending', 'done', 'dead', 'cancelled']],
];

describe.each(DB_KINDS)('status columns checked by domains on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind, { DEMO_DATA: false });
  });
  afterAll(async () => app?.close());

  /** The SQLSTATE of writing `value` into table.column (nothing else given: other NOT NULL columns fail after the value's check). */
  const codeOf = async (table: string, column: string, value: string) => {
    try {
      await sql`INSERT INTO ${sql.table(table)} (${sql.ref(column)}) VALUES (${value})`.execute(app.database.db);
      return 'ok';
    } catch (err) {
      return String((err as { code?: string }).code);
    }
  };

  it('each column takes its values and refuses any other (23514), as the CHECK constraints did', async () => {
    for (const [table, column, values] of COLUMNS) {
      expect([table, column, await codeOf(table, column, 'bogus')]).toEqual([table, column, '23514']);
      expect([table, column, await codeOf(table, column, values[0].toUpperCase())]).toEqual([table, column, '23514']);
      for (const v of values) expect([table, column, v, await codeOf(table, column, v)]).not.toEqual([table, column, v, '23514']);
    }
    // An UPDATE is checked too.
    await sql`INSERT INTO jobs (queue) VALUES ('t.domain')`.execute(app.database.db);
    await expect(sql`UPDATE jobs SET state = 'finished' WHERE queue = 't.domain'`.execute(app.database.db)).rejects.toMatchObject({ code: '23514' });
    await sql`UPDATE jobs SET state = 'done' WHERE queue = 't.domain'`.execute(app.database.db);
    // The columns still read as text, and the oversight view that reads two of them still answers.
    const row = (await sql<{ state: unknown }>`SELECT state FROM jobs WHERE queue = 't.domain'`.execute(app.database.db)).rows[0];
    expect(row.state).toBe('done');
    await sql`SELECT count(*) FROM oversight_application_facts`.execute(app.database.db);
  });
});
