/**
 * Readiness follows the migrations of the code this process runs, compared with the database's
 * record of applied ones: one of ours missing → 503 "migrating" naming it; one applied by a newer
 * release (unknown to this code) → still ready. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, testApp } from '../../../../../test/helpers';

describe.each(DB_KINDS)('readiness on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind);
  });
  afterAll(async () => app?.close());

  it('is ready when every migration of this code is applied, whatever newer ones the database has', async () => {
    const db = app.database.db;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('2999-01-01T0000_from_a_newer_release', ${new Date().toISOString()})`.execute(db);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });

    const last = await sql<{ name: string; timestamp: string }>`SELECT name, timestamp FROM kysely_migration WHERE name < '2999' ORDER BY name DESC LIMIT 1`.execute(db);
    const { name, timestamp } = last.rows[0];
    await sql`DELETE FROM kysely_migration WHERE name = ${name}`.execute(db);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'migrating', pending: [name] });
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${name}, ${timestamp})`.execute(db);
    await sql`DELETE FROM kysely_migration WHERE name = '2999-01-01T0000_from_a_newer_release'`.execute(db);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
