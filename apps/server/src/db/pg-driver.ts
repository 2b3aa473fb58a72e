/**
 * Kysely's PostgreSQL driver with a transaction's BEGIN sent together with its first statement,
 * and its COMMIT together with its closing statement when the caller marks it (`commitWith`).
 *
 * On this platform's machines every round trip to PostgreSQL costs far more CPU than the work in
 * it (a write that wakes the other process, on both sides), and a short engine transaction was
 * BEGIN, two statements, COMMIT: four round trips for two statements' work. Here BEGIN is not sent
 * when Kysely opens the transaction: it goes in front of the transaction's first statement, in the
 * same write, as one extended-protocol pipeline ending in one Sync (Parse/Bind/Execute "begin",
 * then the statement's Parse/Bind/Describe/Execute, then Sync: the explicit BEGIN makes Sync not
 * commit). The same way, a statement marked with `commitWith` (the deferred appends' closing
 * statement, see deferred.ts) carries COMMIT behind it; Kysely's own COMMIT is then not sent.
 *
 * Semantics are PostgreSQL's own: if the statement fails, the server skips the rest of the
 * pipeline up to Sync, so a piggybacked COMMIT does not run and the transaction stays open and
 * failed; Kysely rolls it back as before. If the COMMIT itself fails, the statement's error is the
 * COMMIT's and nothing was committed (the ROLLBACK Kysely sends after it is a harmless warning).
 * A transaction that ran no statement sends nothing at all. PGlite (in-process, no round trips)
 * keeps Kysely's own driver; `commitWith` is then only a mark that nobody reads.
 */
import { CompiledQuery, PostgresDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import pg from 'pg';

const commitAfter = new WeakSet<CompiledQuery>();

/**
 * Marks `q` as the last statement of its transaction: on PostgreSQL its COMMIT goes in the same
 * round trip. The caller must run nothing in the transaction after it.
 */
export function commitWith(q: CompiledQuery): CompiledQuery {
  commitAfter.add(q);
  return q;
}

interface Msg {
  command?: string;
}
interface PgWire {
  parse(q: { text: string }): void;
  bind(c: { values?: unknown[] }): void;
  execute(c: { portal?: string; rows?: number }): void;
  sync(): void;
}
type QueryInternals = {
  prepare(c: PgWire): void;
  _getRows(c: PgWire, rows?: number): void;
  handleCommandComplete(msg: Msg, c: PgWire): void;
  portal: string;
};

/** One statement with BEGIN before it and/or COMMIT after it, in one write and one Sync. */
class PipelinedQuery extends pg.Query {
  private mainDone = false;
  private beforeDone: boolean;

  constructor(text: string, values: unknown[], private readonly before: string | null, private readonly after: string | null) {
    super({ text, values, queryMode: 'extended' } as pg.QueryConfig);
    this.beforeDone = !before;
  }

  prepare(c: PgWire): void {
    if (this.before) {
      c.parse({ text: this.before });
      c.bind({ values: [] });
      c.execute({ portal: '' });
    }
    (pg.Query.prototype as unknown as QueryInternals).prepare.call(this, c);
  }

  _getRows(c: PgWire, rows?: number): void {
    if (!this.after || rows) return (pg.Query.prototype as unknown as QueryInternals)._getRows.call(this, c, rows);
    c.execute({ portal: (this as unknown as QueryInternals).portal, rows });
    c.parse({ text: this.after });
    c.bind({ values: [] });
    c.execute({ portal: '' });
    c.sync();
  }

  handleCommandComplete(msg: Msg, c: PgWire): void {
    // The BEGIN's and COMMIT's completions are not results of the statement.
    if (!this.beforeDone) {
      this.beforeDone = true;
      return;
    }
    if (this.mainDone) return;
    this.mainDone = true;
    (pg.Query.prototype as unknown as QueryInternals).handleCommandComplete.call(this, msg, c);
  }
}

class PipelinedConnection implements DatabaseConnection {
  /** The BEGIN not yet sent (sent with the next statement). */
  begin: string | null = null;
  /** The open transaction's COMMIT already went with its closing statement. */
  committed = false;
  inTransaction = false;

  constructor(readonly client: pg.PoolClient) {}

  async executeQuery<R>(cq: CompiledQuery): Promise<QueryResult<R>> {
    const before = this.begin;
    const after = this.inTransaction && !this.committed && commitAfter.has(cq) ? 'commit' : null;
    this.begin = null;
    const values = [...cq.parameters];
    try {
      const r =
        before || after
          ? await new Promise<pg.QueryResult>((resolve, reject) => {
              const q = new PipelinedQuery(cq.sql, values, before, after);
              void this.client.query(q as unknown as pg.QueryConfig, (err: Error | undefined, res: pg.QueryResult) => (err ? reject(err) : resolve(res)));
            })
          : await this.client.query(cq.sql, values);
      if (after) this.committed = true;
      const { command, rowCount, rows } = r;
      return {
        numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
        rows: (rows ?? []) as R[],
      };
    } catch (err) {
      if (err instanceof Error) Error.captureStackTrace?.(err, this.executeQuery);
      throw err;
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not configured for this dialect');
  }

  reset(): void {
    this.begin = null;
    this.committed = false;
    this.inTransaction = false;
  }
}

class PipelinedDriver implements Driver {
  private readonly connections = new WeakMap<pg.PoolClient, PipelinedConnection>();
  constructor(private readonly pool: pg.Pool) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const client = await this.pool.connect();
    let c = this.connections.get(client);
    if (!c) this.connections.set(client, (c = new PipelinedConnection(client)));
    c.reset();
    return c;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = conn as PipelinedConnection;
    let begin = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      begin = 'start transaction';
      if (settings.isolationLevel) begin += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) begin += ` ${settings.accessMode}`;
    }
    c.reset();
    c.begin = begin;
    c.inTransaction = true;
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as PipelinedConnection;
    const send = !c.begin && !c.committed;
    c.reset();
    if (send) await c.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as PipelinedConnection;
    // Nothing sent yet: nothing to roll back. Already committed with its closing statement: the
    // transaction is over (deferred.ts runs nothing after that statement, so this does not happen).
    const send = !c.begin && !c.committed;
    c.reset();
    if (send) await c.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`rollback to savepoint "${name}"`));
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`release savepoint "${name}"`));
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const c = conn as PipelinedConnection;
    c.reset();
    c.client.release();
  }

  async destroy(): Promise<void> {
    await this.pool.end();
  }
}

/** PostgresDialect with the pipelined driver (see the module comment). */
export class PipelinedPostgresDialect extends PostgresDialect {
  constructor(private readonly pgPool: pg.Pool) {
    super({ pool: pgPool });
  }

  override createDriver(): Driver {
    return new PipelinedDriver(this.pgPool);
  }
}
