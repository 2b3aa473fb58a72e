/**
 * The pipelined PostgreSQL driver (pg-driver.ts): BEGIN rides with a transaction's first
 * statement and COMMIT with its marked closing statement, with PostgreSQL's transaction semantics
 * unchanged (a failure anywhere commits nothing; the connection is clean afterwards).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, Kysely, sql } from 'kysely';
import pg from 'pg';
import { freshDatabaseUrl } from '../../../../test/helpers';
import { canPipeline, commitWith, executeAll, pipeline, pipelined, PipelinedPostgresDialect, prepared } from './pg-driver';
import { onDedupeConflict } from './deferred';

describe('pipelined PostgreSQL driver', () => {
  let pool: pg.Pool;
  let db: Kysely<any>;
  /** client.query calls = round trips */
  let trips = 0;
  /** writes to the connections' sockets */
  let writes = 0;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await freshDatabaseUrl('postgres'), max: 2 });
    pool.on('connect', (client) => {
      const q = client.query.bind(client) as (...a: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...a: unknown[]) => {
        trips++;
        return q(...a);
      };
      const stream = (client as unknown as { connection: { stream: { write: (...a: unknown[]) => boolean } } }).connection.stream;
      const w = stream.write.bind(stream);
      stream.write = (...a: unknown[]) => {
        writes++;
        return w(...a);
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
    writes = 0;
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
    // BEGIN, the four statements (Parse, Bind, Describe, Execute each) and COMMIT: one socket write.
    expect(writes).toBe(1);
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

  it('executeAll returns every statement\'s rows from one round trip (with BEGIN, in order), and stops at the first failure', async () => {
    await sql`CREATE TABLE ea (id int PRIMARY KEY, v text)`.execute(db);
    await sql`INSERT INTO ea VALUES (1, 'a'), (2, 'b')`.execute(db);
    trips = 0;
    const out = await db.transaction().execute((trx) =>
      executeAll(
        trx,
        [
          trx.selectFrom('ea').select('v').where('id', '=', 1).forUpdate().compile(),
          trx.updateTable('ea').set({ v: 'b2' }).where('id', '=', 2).compile(), // no rows
          trx.selectFrom('ea').select(['id', 'v']).orderBy('id').compile(),
        ],
        true,
      ),
    );
    expect(trips).toBe(2); // begin + the three, commit
    expect(out).toEqual([[{ v: 'a' }], [], [{ id: 1, v: 'a' }, { id: 2, v: 'b2' }]]);
    // Outside a transaction; and one by one when not pipelined: the same rows.
    const qs = [CompiledQuery.raw(`SELECT v FROM ea WHERE id = $1`, [2]), CompiledQuery.raw(`SELECT count(*)::int AS n FROM ea`)];
    trips = 0;
    expect(await executeAll(db, qs, true)).toEqual([[{ v: 'b2' }], [{ n: 2 }]]);
    expect(trips).toBe(1);
    expect(await executeAll(db, qs, false)).toEqual([[{ v: 'b2' }], [{ n: 2 }]]);
    expect(trips).toBe(3);
    await expect(
      db.transaction().execute((trx) =>
        executeAll(trx, [CompiledQuery.raw(`UPDATE ea SET v = 'lost' WHERE id = $1`, [1]), CompiledQuery.raw(`INSERT INTO ea VALUES ($1, 'dup')`, [2]), CompiledQuery.raw(`UPDATE ea SET v = 'lost' WHERE id = $1`, [2])], true),
      ),
    ).rejects.toThrow(/duplicate key/);
    expect((await sql<{ v: string }>`SELECT v FROM ea ORDER BY id`.execute(db)).rows.map((r) => r.v)).toEqual(['a', 'b2']);
    await clean();
  });

  it('statements outside transactions are sent as they are', async () => {
    trips = 0;
    await db.selectFrom('t').selectAll().execute();
    expect(trips).toBe(1);
  });
});

describe('prepared statements by default (pipelined PostgreSQL driver)', () => {
  let url: string;
  const pools: pg.Pool[] = [];
  /** Parse messages sent, by statement name ('' = unnamed). */
  let parses: { name: string; text: string }[] = [];
  /** Describe messages sent. */
  let describes = 0;
  /** A database on one connection keeping `cache` prepared statements, with its pool. */
  const open = (cache: number) => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('connect', (client) => {
      const conn = (client as unknown as { connection: { parse(m: { name?: string; text: string }): void; describe(m: unknown): void } }).connection;
      const parse = conn.parse.bind(conn);
      conn.parse = (m) => {
        parses.push({ name: m.name ?? '', text: m.text });
        parse(m);
      };
      const describe = conn.describe.bind(conn);
      conn.describe = (m) => {
        describes++;
        describe(m);
      };
    });
    pools.push(pool);
    return { pool, db: pipelined(new Kysely<any>({ dialect: new PipelinedPostgresDialect(pool, cache) })) };
  };
  /** The connection's prepared statements whose text contains `part` (read with the simple protocol, past the driver). */
  const preparedOn = async (pool: pg.Pool, part: string) => {
    const c = await pool.connect();
    try {
      return (await c.query(`SELECT name, statement FROM pg_prepared_statements ORDER BY name`)).rows.filter((r: { statement: string }) => r.statement.includes(part)) as { name: string; statement: string }[];
    } finally {
      c.release();
    }
  };
  const namedParses = (part: string) => parses.filter((p) => p.name && p.text.includes(part)).length;

  beforeAll(async () => {
    url = await freshDatabaseUrl('postgres');
    const { db } = open(8);
    await sql`CREATE TABLE s (id int PRIMARY KEY, v text NOT NULL)`.execute(db);
    await sql`INSERT INTO s VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`.execute(db);
  });
  afterAll(async () => {
    for (const p of pools) await p.end();
  });

  it('a statement is parsed once per connection and then only bound and run; DDL and multi-statement texts are sent as they are', async () => {
    const { pool, db } = open(8);
    parses = [];
    for (const id of [1, 2, 3]) expect(await db.selectFrom('s').select('v').where('id', '=', id).execute()).toEqual([{ v: 'abc'[id - 1] }]);
    expect(namedParses('from "s" where "id"')).toBe(1);
    expect((await preparedOn(pool, 'from "s" where "id"')).map((r) => r.name)).toEqual([expect.stringMatching(/^yw_/)]);
    await sql`CREATE TABLE s_tmp (x int)`.execute(db);
    await sql.raw(`INSERT INTO s_tmp VALUES (1); INSERT INTO s_tmp VALUES (2)`).execute(db);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM s_tmp`.execute(db)).rows).toEqual([{ n: 2 }]);
    expect(await preparedOn(pool, 's_tmp')).toEqual([{ name: expect.stringMatching(/^yw_/), statement: 'SELECT count(*)::int AS n FROM s_tmp' }]);
  });

  it('keeps at most its bound per connection: the least recently used is closed in the same round trip as the statement that evicts it', async () => {
    const { pool, db } = open(3);
    parses = [];
    const inList = (k: number) => db.selectFrom('s').select('v').where('id', 'in', [1, 2, 3, 4, 5].slice(0, k)).orderBy('id').execute();
    for (const k of [1, 2, 3, 4, 5]) expect((await inList(k)).length).toBe(k);
    // One statement per list length; only the last three are kept.
    expect((await preparedOn(pool, 'from "s" where "id" in')).map((r) => r.statement.split('$').length - 1).sort()).toEqual([3, 4, 5]);
    await inList(4); // still kept: not parsed again
    expect(namedParses('from "s" where "id" in')).toBe(5);
    await inList(1); // evicted before: parsed again, and the least recently used (3) closed
    expect(namedParses('from "s" where "id" in')).toBe(6);
    expect((await preparedOn(pool, 'from "s" where "id" in')).map((r) => r.statement.split('$').length - 1).sort()).toEqual([1, 4, 5]);
  });

  it('the pipelined path (BEGIN, pipeline, COMMIT riding along) parses a named statement only once per connection', async () => {
    const { pool, db } = open(8);
    const run = () =>
      db.transaction().execute(async (trx) => {
        await trx.updateTable('s').set({ v: sql`v` }).where('id', '=', 1).execute(); // with BEGIN
        return trx.executeQuery<{ v: string }>(
          commitWith(
            pipeline([
              trx.updateTable('s').set({ v: sql`v` }).where('id', '=', 2).where('v', '<>', '').compile(),
              trx.selectFrom('s').select('v').where('id', '=', 3).compile(),
            ]),
          ),
        );
      });
    parses = [];
    expect((await run()).rows).toEqual([{ v: 'c' }]);
    expect(parses.filter((p) => p.name).length).toBe(3);
    parses = [];
    expect((await run()).rows).toEqual([{ v: 'c' }]);
    expect(parses.filter((p) => p.name)).toEqual([]); // only BEGIN and COMMIT, unnamed
    expect(parses.map((p) => p.text)).toEqual(['begin', 'commit']);
    expect((await preparedOn(pool, '"s"')).length).toBe(3);
  });

  it('a prepared statement is described once per connection: later runs send no Describe and get the same rows, typed as before', async () => {
    const { db } = open(8);
    await sql`CREATE TABLE sh (id int PRIMARY KEY, at timestamptz NOT NULL, j jsonb, n bigint)`.execute(db);
    const at = new Date('2026-11-24T10:00:00Z');
    const ins = (id: number) => db.insertInto('sh').values({ id, at, j: JSON.stringify({ id }), n: 7 }).executeTakeFirst();
    const sel = (id: number) => db.selectFrom('sh').selectAll().where('id', '<=', id).orderBy('id').execute();
    describes = 0;
    expect(Number((await ins(1)).numInsertedOrUpdatedRows)).toBe(1); // described: NoData
    expect(await sel(1)).toEqual([{ id: 1, at, j: { id: 1 }, n: '7' }]); // described: RowDescription
    expect(describes).toBe(2);
    describes = 0;
    expect(Number((await ins(2)).numInsertedOrUpdatedRows)).toBe(1);
    expect(await sel(2)).toEqual([
      { id: 1, at, j: { id: 1 }, n: '7' },
      { id: 2, at, j: { id: 2 }, n: '7' },
    ]);
    expect(await sel(0)).toEqual([]);
    expect(describes).toBe(0);
    // executeAll (every statement's rows) and a transaction with BEGIN and COMMIT riding along: the
    // known statements are not described, BEGIN (unnamed) is; the rows are each statement's own.
    const all = () =>
      db.transaction().execute(async (trx) => {
        const out = await executeAll(trx, [trx.selectFrom('sh').select('id').where('id', '=', 1).compile(), trx.updateTable('sh').set({ n: 8 }).where('id', '=', 2).compile(), trx.selectFrom('sh').select(['id', 'n']).where('id', '<=', 2).orderBy('id').compile()], true);
        await trx.executeQuery(commitWith(trx.selectFrom('sh').select('at').where('id', '=', 2).compile()));
        return out;
      });
    const expected = [[{ id: 1 }], [], [{ id: 1, n: '7' }, { id: 2, n: '8' }]];
    describes = 0;
    expect(await all()).toEqual(expected);
    expect(describes).toBe(5); // BEGIN and the three statements of executeAll, then the closing one
    describes = 0;
    expect(await all()).toEqual(expected);
    expect(describes).toBe(1); // BEGIN only
    // A plan made stale by DDL: described again, with the new columns.
    await sql`ALTER TABLE sh ADD COLUMN extra int NOT NULL DEFAULT 5`.execute(db);
    expect((await sel(1))[0]).toEqual({ id: 1, at, j: { id: 1 }, n: '7', extra: 5 });
  });

  it('switched off (0), nothing is prepared, not even a statement marked prepared', async () => {
    const { pool, db } = open(0);
    await db.selectFrom('s').select('v').where('id', '=', 1).execute();
    await db.executeQuery(prepared(CompiledQuery.raw(`SELECT v FROM s WHERE id = $1`, [2])));
    await db.transaction().execute((trx) => trx.selectFrom('s').select('v').where('id', '=', 1).execute());
    expect(await preparedOn(pool, '')).toEqual([]);
  });

  it('a plan made stale by DDL is made anew outside a transaction and as its first statement; later in a transaction the error surfaces', async () => {
    const { pool, db } = open(8);
    await sql`CREATE TABLE st (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO st VALUES (1)`.execute(db);
    const q = (trx: Kysely<any> = db) => trx.selectFrom('st').selectAll().where('id', '=', 1).execute();
    expect(await q()).toEqual([{ id: 1 }]);
    await sql`ALTER TABLE st ADD COLUMN a int DEFAULT 1`.execute(db);
    expect(await q()).toEqual([{ id: 1, a: 1 }]); // outside a transaction: run again
    await sql`ALTER TABLE st ADD COLUMN b int DEFAULT 2`.execute(db);
    const out = await db.transaction().execute(async (trx) => {
      const r = await q(trx); // first statement, BEGIN with it: rolled back, begun anew, run again
      await trx.insertInto('st').values({ id: 2 }).execute();
      return r;
    });
    expect(out).toEqual([{ id: 1, a: 1, b: 2 }]);
    await sql`ALTER TABLE st ADD COLUMN c int DEFAULT 3`.execute(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('st').values({ id: 3 }).execute();
        await q(trx); // what ran before it is in this transaction: not run again
      }),
    ).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/cached plan must not change result type/) });
    expect(await db.selectFrom('st').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }]); // 3 rolled back
    expect(await q()).toEqual([{ id: 1, a: 1, b: 2, c: 3 }]); // parsed anew
    expect((await preparedOn(pool, 'from "st" where')).length).toBe(1);
  });

  it('after a failed statement the connection parses it again cleanly (a parse error stays that error; a failed run leaves it usable)', async () => {
    const { db } = open(8);
    for (let i = 0; i < 2; i++) await expect(sql`SELECT nope FROM s WHERE id = ${1}`.execute(db)).rejects.toMatchObject({ code: '42703' });
    const ins = (id: number) => db.insertInto('s').values({ id, v: 'x' }).execute();
    await expect(ins(1)).rejects.toMatchObject({ code: '23505' });
    await ins(6);
    await expect(db.transaction().execute((trx) => trx.insertInto('s').values({ id: 1, v: 'x' }).execute())).rejects.toMatchObject({ code: '23505' });
    await ins(7);
    expect((await db.selectFrom('s').select('id').where('id', '>', 5).orderBy('id').execute()).map((r) => r.id)).toEqual([6, 7]);
  });

  it('an ON CONFLICT whose arbiter predicate has a parameter is not prepared (a generic plan could not infer the partial index); the jobs insert has none', async () => {
    const { pool, db } = open(8);
    await sql`CREATE TABLE jobs (queue text NOT NULL, dedupe_key text, state text NOT NULL DEFAULT 'pending')`.execute(db);
    await sql`CREATE UNIQUE INDEX jobs_d ON jobs (queue, dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'pending'`.execute(db);
    for (let i = 0; i < 8; i++) {
      await db.insertInto('jobs').values({ queue: 'q', dedupe_key: 'k' }).onConflict((oc: any) => oc.columns(['queue', 'dedupe_key']).where('dedupe_key', 'is not', null).where('state', '=', 'pending').doNothing()).execute();
      await db.insertInto('jobs').values({ queue: 'q', dedupe_key: 'k' }).onConflict(onDedupeConflict as never).execute();
    }
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(db)).rows).toEqual([{ n: 1 }]);
    expect((await preparedOn(pool, 'insert into "jobs"')).map((r) => r.statement)).toEqual([expect.stringContaining(`"state" = 'pending'`)]);
  });
});
