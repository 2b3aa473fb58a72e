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
import { createHash } from 'node:crypto';
import pg from 'pg';
// The value mapping pg applies to a query's parameters (Date, Buffer, arrays, objects as JSON).
// @ts-expect-error pg ships no types for its internals
import pgUtils from 'pg/lib/utils.js';

const prepareValue = (pgUtils as { prepareValue: (v: unknown) => unknown }).prepareValue;

const commitAfter = new WeakSet<CompiledQuery>();
/** Statements to send in the same round trip before a query (see `pipeline`). */
const sentBefore = new WeakMap<CompiledQuery, readonly CompiledQuery[]>();
/** Kysely instances on this driver. */
const pipelining = new WeakSet<object>();

/** Whether `db` (a root Kysely instance) runs on the pipelined driver, so `pipeline` may be used. */
export function canPipeline(db: object): boolean {
  return pipelining.has(db);
}

/** Records that `db` runs on the pipelined driver (database.ts). */
export function pipelined<T extends object>(db: T): T {
  pipelining.add(db);
  return db;
}

/**
 * The queries as one round trip, in order, the last one's result returned: executing the result
 * sends them all in one write with one Sync. The first that fails stops the rest (PostgreSQL skips
 * to the Sync) and is the error. Only for a `db` where `canPipeline` holds.
 */
export function pipeline(qs: readonly CompiledQuery[]): CompiledQuery {
  const last = qs[qs.length - 1];
  if (qs.length === 1) return last;
  const q = CompiledQuery.raw(last.sql, [...last.parameters]);
  sentBefore.set(q, qs.slice(0, -1));
  return q;
}

/**
 * Marks `q` as the last statement of its transaction: on PostgreSQL its COMMIT goes in the same
 * round trip. The caller must run nothing in the transaction after it.
 */
export function commitWith(q: CompiledQuery): CompiledQuery {
  commitAfter.add(q);
  return q;
}

const preparedAs = new WeakMap<CompiledQuery, string>();
const statementNames = new Map<string, string>();

/**
 * Marks `q` to run as a named prepared statement on PostgreSQL: each connection parses and plans
 * its text once and then only binds and executes it (and PostgreSQL may settle on a generic plan
 * after five runs). For the few statements run hundreds of times a second whose planning costs
 * more than their execution (the exchange's group commit and look-up: planning was about a quarter
 * of their database CPU). The name is derived from the text, so a statement of another shape is
 * another prepared statement. Not for connections through a transaction-mode pooler (pgbouncer),
 * which does not keep a connection's prepared statements. Elsewhere (PGlite) only a mark.
 */
export function prepared<R>(q: CompiledQuery<R>): CompiledQuery<R> {
  let name = statementNames.get(q.sql);
  if (!name) {
    name = `yw_${createHash('sha256').update(q.sql).digest('base64url').slice(0, 22)}`;
    if (statementNames.size >= 1000) statementNames.clear();
    statementNames.set(q.sql, name);
  }
  preparedAs.set(q, name);
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

/**
 * One statement with statements before it (BEGIN, others of a `pipeline`) and/or COMMIT after it,
 * in one write and one Sync; only the statement's own result is kept.
 */
class PipelinedQuery extends pg.Query {
  private mainDone = false;
  /** Completions still to come before the statement's own (those of the statements before it). */
  private pending: number;

  constructor(
    text: string,
    values: unknown[],
    private readonly before: { text: string; values: unknown[] }[],
    private readonly after: string | null,
  ) {
    super({ text, values, queryMode: 'extended' } as pg.QueryConfig);
    this.pending = before.length;
  }

  prepare(c: PgWire): void {
    for (const b of this.before) {
      c.parse({ text: b.text });
      c.bind({ values: b.values, valueMapper: prepareValue } as never);
      c.execute({ portal: '' });
    }
    (pg.Query.prototype as unknown as QueryInternals).prepare.call(this, c);
  }

  handleDataRow(msg: unknown): void {
    // Rows of the statements before (none is described): not the result.
    if (this.pending > 0) return;
    (pg.Query.prototype as unknown as { handleDataRow(m: unknown): void }).handleDataRow.call(this, msg);
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
    // The completions of the statements before it and of the COMMIT are not its result.
    if (this.pending > 0) {
      this.pending--;
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
    const before = [...(this.begin ? [{ text: this.begin, values: [] }] : []), ...(sentBefore.get(cq) ?? []).map((q) => ({ text: q.sql, values: [...q.parameters] }))];
    const after = this.inTransaction && !this.committed && commitAfter.has(cq) ? 'commit' : null;
    this.begin = null;
    const values = [...cq.parameters];
    try {
      const r =
        before.length || after
          ? await new Promise<pg.QueryResult>((resolve, reject) => {
              const q = new PipelinedQuery(cq.sql, values, before, after);
              void this.client.query(q as unknown as pg.QueryConfig, (err: Error | undefined, res: pg.QueryResult) => (err ? reject(err) : resolve(res)));
            })
          : await this.client.query(preparedAs.has(cq) ? { name: preparedAs.get(cq), text: cq.sql, values } : { text: cq.sql, values });
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
