/**
 * The pipelined PostgreSQL driver (pg-driver.ts): BEGIN rides with a transaction's first
 * statement and COMMIT with its marked closing statement, with PostgreSQL's transaction semantics
 * unchanged (a failure anywhere commits nothing; the connection is clean afterwards).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, Kysely, sql } from 'kysely';
import pg from 'pg';
import { freshDatabaseUrl } from '../../../../test/helpers';
import { canPipeline, commitWith, pipeline, pipelined, PipelinedPostgresDialect, prepared } from './pg-driver';

describe('pipelined PostgreSQL driver', () => {
  let pool: pg.Pool;
  let db: Kysely<any>;
  /** client.query calls = round trips */
  let trips = 0;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await freshDatabaseUrl('postgres'), max: 2 });
    pool.on('connect', (client) => {
      const q = client.query.bind(client) as (...a: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...a: unknown[]) => {
        trips++;
        return q(...a);
      };
    });
    db = pipelined(new Kysely<any>({ dialect: new PipelinedPostgresDialect(pool) }));
    await sql`CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)`.execute(db);
    await sql`CREATE TABLE d (id int PRIMARY KEY REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const rows = async () => (await sql<{ id: number; v: string }>`SELECT id, v FROM t ORDER BY id`.execute(db)).rows;
  /** Every pooled connection is idle (no transaction left open) and works. */
  const clean = async () => {
    const cs = await Promise.all([pool.connect(), pool.connect()]);
    for (const c of cs) {
      expect((await c.query(`SELECT 1 AS one`)).rows[0].one).toBe(1);
      expect((c as unknown as { _txStatus: string })._txStatus).toBe('I');
      c.release();
    }
  };

  it('sends BEGIN with the first statement and COMMIT with the marked last one: one round trip per statement', async () => {
    trips = 0;
    const out = await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
      const r = await trx.selectFrom('t').select(['id', 'v']).execute();
      await trx.executeQuery(commitWith(CompiledQuery.raw(`INSERT INTO t (id, v) VALUES ($1, $2)`, [2, 'b'])));
      return r;
    });
    expect(out).toEqual([{ id: 1, v: 'a' }]);
    expect(trips).toBe(3);
    expect(await rows()).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ]);
    await clean();
  });

  it('a transaction without the mark commits on its own; one that runs nothing sends nothing', async () => {
    trips = 0;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('t').set({ v: 'a2' }).where('id', '=', 1).execute();
    });
    expect(trips).toBe(2); // begin+update, commit
    trips = 0;
    await db.transaction().execute(async () => undefined);
    expect(trips).toBe(0);
    expect((await rows())[0].v).toBe('a2');
    await clean();
  });

  it('a failing first statement (with BEGIN) rolls back; nothing is left open', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'dup' }).execute();
      }),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('t').set({ v: 'x' }).where('id', '=', 2).execute();
        await trx.insertInto('t').values({ id: 1, v: 'dup' }).execute();
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await rows()).map((r) => r.v)).toEqual(['a2', 'b']);
    await clean();
  });

  it('a failing closing statement does not commit what came before it', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('t').set({ v: 'lost' }).where('id', '=', 2).execute();
        await trx.executeQuery(commitWith(CompiledQuery.raw(`INSERT INTO t (id, v) VALUES ($1, $2)`, [1, 'dup'])));
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await rows()).map((r) => r.v)).toEqual(['a2', 'b']);
    await clean();
  });

  it('a COMMIT that fails (deferred constraint) reports the error and commits nothing', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('t').set({ v: 'lost' }).where('id', '=', 2).execute();
        await trx.executeQuery(commitWith(CompiledQuery.raw(`INSERT INTO d (id) VALUES ($1)`, [99])));
      }),
    ).rejects.toThrow(/foreign key/);
    expect((await rows()).map((r) => r.v)).toEqual(['a2', 'b']);
    expect((await sql`SELECT count(*)::int AS n FROM d`.execute(db)).rows).toEqual([{ n: 0 }]);
    await clean();
  });

  it('an error thrown by the code between statements rolls back what was sent', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('t').set({ v: 'lost' }).where('id', '=', 2).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await rows()).map((r) => r.v)).toEqual(['a2', 'b']);
    await clean();
  });

  it('isolation levels and savepoints still work', async () => {
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => (await sql<{ l: string }>`SELECT current_setting('transaction_isolation') AS l`.execute(trx)).rows[0].l);
    expect(level).toBe('serializable');
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ id: 3, v: 'c' }).execute();
    const sp = await trx.savepoint('s1').execute();
    await sp.insertInto('t').values({ id: 4, v: 'd' }).execute();
    await sp.rollbackToSavepoint('s1').execute();
    await trx.commit().execute();
    expect((await rows()).map((r) => r.id)).toEqual([1, 2, 3]);
    await clean();
  });

  it('a pipeline sends several statements in one round trip, with their parameters as pg maps them, and returns the last one\'s rows', async () => {
    expect(canPipeline(db)).toBe(true);
    await sql`CREATE TABLE p (id int PRIMARY KEY, at timestamptz, doc jsonb, tags text[])`.execute(db);
    trips = 0;
    const at = new Date('2026-11-24T08:00:00Z');
    const out = await db.transaction().execute(async (trx) =>
      trx.executeQuery<{ id: number; at: Date; doc: unknown; tags: string[] }>(
        commitWith(
          pipeline([
            CompiledQuery.raw(`INSERT INTO p (id, at, doc, tags) VALUES ($1, $2, $3, $4)`, [1, at, { a: [1, '二'] }, ['x', 'y']]),
            CompiledQuery.raw(`SELECT * FROM p WHERE id = $1`, [1]), // rows of a statement before the last are not the result
            CompiledQuery.raw(`UPDATE p SET tags = array_append(tags, $2) WHERE id = $1`, [1, 'z']),
            CompiledQuery.raw(`SELECT id, at, doc, tags FROM p WHERE id = $1`, [1]),
          ]),
        ),
      ),
    );
    expect(trips).toBe(1);
    expect(out.rows).toEqual([{ id: 1, at, doc: { a: [1, '二'] }, tags: ['x', 'y', 'z'] }]);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.executeQuery(
          commitWith(
            pipeline([
              CompiledQuery.raw(`INSERT INTO p (id) VALUES ($1)`, [2]),
              CompiledQuery.raw(`INSERT INTO p (id) VALUES ($1)`, [1]),
              CompiledQuery.raw(`INSERT INTO p (id) VALUES ($1)`, [3]),
            ]),
          ),
        );
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await sql<{ id: number }>`SELECT id FROM p ORDER BY id`.execute(db)).rows).toEqual([{ id: 1 }]);
    await clean();
  });

  it('a statement marked prepared is parsed once per connection and then only bound and run, by a name taken from its text', async () => {
    await sql`CREATE TABLE pr (id int PRIMARY KEY, v text NOT NULL)`.execute(db);
    await sql`INSERT INTO pr VALUES (1, 'a'), (2, 'b')`.execute(db);
    const q = (id: number) => prepared(CompiledQuery.raw(`SELECT v FROM pr WHERE id = $1`, [id]));
    const names = async (trx: Kysely<any>) =>
      (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(trx)).rows.filter((r) => r.statement.includes('FROM pr WHERE id'));
    await db.connection().execute(async (c) => {
      expect((await c.executeQuery(q(1))).rows).toEqual([{ v: 'a' }]);
      expect((await c.executeQuery(q(2))).rows).toEqual([{ v: 'b' }]);
      const [one, ...more] = await names(c);
      expect(more).toEqual([]); // one prepared statement for both runs
      expect(one.name).toMatch(/^yw_/);
      // Another text, another statement; the same text on this connection, the same name.
      await c.executeQuery(prepared(CompiledQuery.raw(`SELECT v FROM pr WHERE id = $1 AND v <> ''`, [1])));
      expect((await names(c)).length).toBe(2);
      expect((await names(c)).map((r) => r.name)).toContain(one.name);
    });
  });

  it('statements outside transactions are sent as they are', async () => {
    trips = 0;
    await db.selectFrom('t').selectAll().execute();
    expect(trips).toBe(1);
  });
});
