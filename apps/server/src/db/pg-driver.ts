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
 *
 * Single SELECT / INSERT / UPDATE / DELETE / WITH statements run as named prepared statements
 * (see `PipelinedConnection`): PostgreSQL spent more CPU parsing and planning the engine's short
 * statements than running them. A plan that DDL made stale ("cached plan must not change result
 * type") is made anew and the statement run again once, where that is safe (outside a transaction
 * or as its first statement); elsewhere the error surfaces and the transaction rolls back.
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

/** Pipelines whose every statement's rows are wanted (`executeAll`), and those rows once run. */
const collecting = new WeakSet<CompiledQuery>();
const rowsOfAll = new WeakMap<CompiledQuery, unknown[][]>();

/**
 * Runs the queries in order and returns each one's rows. With `pipelined` (the caller's database
 * runs on this driver: `canPipeline`, or a deferring transaction on it) they go as one round trip
 * like `pipeline`, which stops at the first failure (its error is thrown); otherwise one by one.
 * For statements that would follow each other anyway, whatever the first returns (e.g. row locks
 * taken in a fixed order).
 */
export async function executeAll(db: { executeQuery<R>(q: CompiledQuery<R>): Promise<QueryResult<R>> }, qs: readonly CompiledQuery[], pipelined: boolean): Promise<unknown[][]> {
  if (!pipelined || qs.length < 2) {
    const out: unknown[][] = [];
    for (const q of qs) out.push((await db.executeQuery(q)).rows as unknown[]);
    return out;
  }
  const q = pipeline(qs);
  collecting.add(q);
  await db.executeQuery(q);
  return rowsOfAll.get(q)!;
}

/**
 * Marks `q` as the last statement of its transaction: on PostgreSQL its COMMIT goes in the same
 * round trip. The caller must run nothing in the transaction after it.
 */
export function commitWith(q: CompiledQuery): CompiledQuery {
  commitAfter.add(q);
  return q;
}

const preparedAs = new WeakSet<CompiledQuery>();
const statementNames = new Map<string, string>();

/** Statements sent as named prepared statements by default: single DML statements. */
const DML = /^\s*(?:select|insert|update|delete|with)\b/i;

/** The prepared statement name of a text: derived from the text, the same in every process. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `yw_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    if (statementNames.size >= 5000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Marks `q` to run as a named prepared statement even if it is not a single SELECT, INSERT,
 * UPDATE, DELETE or WITH statement (those are prepared by default, see `PipelinedConnection`).
 * Only a mark: nothing is prepared when prepared statements are off, nor on PGlite.
 */
export function prepared<R>(q: CompiledQuery<R>): CompiledQuery<R> {
  preparedAs.add(q);
  return q;
}

/**
 * Whether a text is prepared by default: a single SELECT / INSERT / UPDATE / DELETE / WITH, and
 * not an ON CONFLICT whose arbiter predicate has parameters (a generic plan cannot infer a partial
 * unique index from `WHERE state = $1`: error 42P10 from the sixth run on).
 */
function preparable(text: string, params: number): boolean {
  if (!DML.test(text) || (params === 0 && text.includes(';'))) return false;
  const arbiter = /on conflict\s*\([^)]*\)\s*where\s([\s\S]*?)\sdo\s/i.exec(text);
  return !arbiter || !/\$\d/.test(arbiter[1]);
}

/** PostgreSQL refused to run a prepared statement whose plan DDL made stale (e.g. `SELECT *` after ADD COLUMN). */
function stalePlan(err: unknown): boolean {
  return (err as { code?: string }).code === '0A000' && /cached plan must not change result type/.test((err as Error).message);
}

interface Msg {
  command?: string;
}
interface PgWire {
  parse(q: { text: string; name?: string }): void;
  bind(c: { portal?: string; statement?: string; values?: unknown[]; valueMapper?: unknown }): void;
  describe(c: { type: 'P' | 'S'; name: string }): void;
  execute(c: { portal?: string; rows?: number }): void;
  close(c: { type: 'P' | 'S'; name: string }): void;
  sync(): void;
}
type QueryInternals = {
  _getRows(c: PgWire, rows?: number): void;
  handleCommandComplete(msg: Msg, c: PgWire): void;
  handleError(err: unknown, c: PgWire): void;
  portal: string;
};

/** pg's Connection as `gatherer` extends it: `_send` is where every protocol message goes to the socket. */
type Gathering = PgWire & { _send(b: Buffer): boolean; ywGather?: Buffer[] | null; ywSend: (b: Buffer) => boolean };

/**
 * The connection with its message writes gatherable: while `ywGather` is an array, `_send` appends
 * to it instead of writing (`ywSend` writes). Set up once per connection (its own `_send` then
 * shadows the prototype's for good, so the object's shape changes once).
 */
function gatherer(c: PgWire): Gathering {
  const g = c as Gathering;
  if (g.ywGather === undefined) {
    const send = g._send;
    g.ywSend = (b: Buffer) => send.call(g, b);
    g.ywGather = null;
    g._send = (b: Buffer) => {
      if (g.ywGather) {
        g.ywGather.push(b);
        return true;
      }
      return send.call(g, b);
    };
  }
  return g;
}

/**
 * What a prepared statement's rows look like on a connection (its RowDescription as pg's Result
 * turned it into field list, value parsers and empty row), learnt from the first Describe there;
 * null: it returns no rows (NoData). Kept with the name in the connection's cache, so a statement
 * run again is sent without Describe: PostgreSQL describes nothing and pg parses no RowDescription
 * nor looks up its parsers again. Dropped with the name (eviction, failure, stale plan).
 */
interface Shape {
  fields: unknown[];
  parsers: unknown[] | undefined;
  proto: Record<string, null> | null;
}
type ResultInternals = { fields: unknown[]; _parsers: unknown[] | undefined; _prebuiltEmptyResultObject: Record<string, null> | null };

/**
 * One statement of a round trip: its prepared statement name (none: unnamed), whether it must be
 * parsed first, and its rows' shape when the connection knows it (undefined: not known, Describe).
 */
interface Step {
  text: string;
  values: unknown[];
  name?: string;
  parse: boolean;
  shape?: Shape | null;
}

/**
 * One statement with, in the same write and under one Sync: prepared statements to close first
 * (evicted from the connection's cache), statements before it (BEGIN, others of a `pipeline`),
 * and/or COMMIT after it. Named statements are parsed only when the connection has not parsed them
 * yet. Only the statement's own result is kept.
 */
class PipelinedQuery extends pg.Query {
  private mainDone = false;
  /** Completions still to come before the statement's own (those of the statements before it). */
  private pending: number;
  /** The statements sent, in order (without the COMMIT after), and the one whose results arrive now. */
  private readonly steps: Step[];
  private cur = 0;
  /** The current statement's RowDescription came. */
  private described = false;

  constructor(
    private readonly main: Step,
    private readonly before: Step[],
    private readonly after: string | null,
    private readonly closes: string[],
    /** Every statement described and its result kept (pg's multi-result), for `executeAll`. */
    private readonly collect = false,
    /** Called with a named statement's shape learnt from its Describe. */
    private readonly learn: (name: string, shape: Shape | null) => void = () => undefined,
  ) {
    super({ text: main.text, values: main.values, queryMode: 'extended' } as pg.QueryConfig);
    this.pending = before.length;
    this.steps = [...before, main];
  }

  /** Whether statement `i`'s rows are wanted: the caller's statement, or every one with `collect`. */
  private wanted(i: number): boolean {
    return this.collect || i === this.steps.length - 1;
  }

  prepare(c: PgWire): void {
    // pg writes each protocol message to the socket separately (corked: node then gathers the
    // chunks into one writev, with per-chunk bookkeeping that was ~5 % of the server's CPU in the
    // applications benchmark). Here the messages of the round trip are gathered and written as one buffer.
    const w = gatherer(c);
    w.ywGather = [];
    try {
      this.send(c);
    } finally {
      const chunks = w.ywGather;
      w.ywGather = null;
      if (chunks.length) w.ywSend(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    }
  }

  private send(c: PgWire): void {
    for (const name of this.closes) c.close({ type: 'S', name });
    for (const b of this.before) {
      if (b.parse) c.parse({ text: b.text, name: b.name });
      c.bind({ statement: b.name, values: b.values, valueMapper: prepareValue });
      if (this.collect && b.shape === undefined) c.describe({ type: 'P', name: '' });
      c.execute({ portal: '' });
    }
    const m = this.main;
    if (m.parse) c.parse({ text: m.text, name: m.name });
    try {
      c.bind({ statement: m.name, values: m.values, valueMapper: prepareValue });
    } catch (err) {
      // A parameter pg cannot map: nothing runs (as pg.Query does it).
      c.sync();
      (this as unknown as QueryInternals).handleError(err, c);
      return;
    }
    if (m.shape === undefined) c.describe({ type: 'P', name: '' });
    this._getRows(c);
    this.startStep();
  }

  /** The results of statement `cur` come next: a shape known beforehand stands in for its RowDescription. */
  private startStep(): void {
    this.described = false;
    const s = this.steps[this.cur];
    if (!s?.shape || !this.wanted(this.cur)) return;
    const self = this as unknown as { _checkForMultirow(): void; _result: ResultInternals; _accumulateRows: boolean; callback?: unknown };
    self._checkForMultirow();
    self._result.fields = s.shape.fields;
    self._result._parsers = s.shape.parsers;
    self._result._prebuiltEmptyResultObject = s.shape.proto;
    self._accumulateRows = !!self.callback || !this.listeners('row').length;
  }

  /** Statement `cur` completed: a named one described here teaches the connection its shape. */
  private endStep(): void {
    const s = this.steps[this.cur];
    if (s?.name && s.shape === undefined && this.wanted(this.cur) && !this.described) this.learn(s.name, null);
    this.cur++;
    this.startStep();
  }

  handleRowDescription(msg: unknown): void {
    (pg.Query.prototype as unknown as { handleRowDescription(m: unknown): void }).handleRowDescription.call(this, msg);
    this.described = true;
    const s = this.steps[this.cur];
    if (s?.name && s.shape === undefined) {
      const r = (this as unknown as { _result: ResultInternals })._result;
      this.learn(s.name, { fields: r.fields, parsers: r._parsers, proto: r._prebuiltEmptyResultObject });
    }
  }

  handleDataRow(msg: unknown): void {
    // Rows of the statements before (none is described): not the result.
    if (this.pending > 0 && !this.collect) return;
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
    // The completions of the statements before it and of the COMMIT are not its result (unless
    // every result is kept: then pg makes one result per statement).
    if (this.collect) {
      (pg.Query.prototype as unknown as QueryInternals).handleCommandComplete.call(this, msg, c);
      return this.endStep();
    }
    if (this.pending > 0) {
      this.pending--;
      return this.endStep();
    }
    if (this.mainDone) return;
    this.mainDone = true;
    (pg.Query.prototype as unknown as QueryInternals).handleCommandComplete.call(this, msg, c);
    this.endStep();
  }
}

/**
 * One pooled connection. Single SELECT / INSERT / UPDATE / DELETE / WITH statements (and those
 * marked `prepared`) run as named prepared statements: PostgreSQL parses and plans a text once per
 * connection and then only binds and executes it (planning was a large part of its CPU per
 * statement). The names parsed on the connection are an LRU of `cacheSize`; an evicted one is
 * closed (protocol Close) in front of the connection's next statement, in the same write. Texts
 * that vary (lists of varying length) so only cost cache slots. `cacheSize` 0: everything unnamed
 * (for transaction-mode poolers that do not keep a connection's prepared statements).
 */
class PipelinedConnection implements DatabaseConnection {
  /** The BEGIN not yet sent (sent with the next statement). */
  begin: string | null = null;
  /** The open transaction's COMMIT already went with its closing statement. */
  committed = false;
  inTransaction = false;
  /** Prepared statements parsed on this connection, least recently used first, with their rows' shape once known. */
  private readonly parsed = new Map<string, Shape | null | undefined>();
  /** Prepared statements to close with the next round trip. */
  private closes: string[] = [];
  /** A failed transaction to roll back in front of the next statement (stale plan retry). */
  private rollbackFirst = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly cacheSize: number,
  ) {}

  private step(q: CompiledQuery, inThis: Set<string>): Step {
    const text = q.sql;
    const values = [...q.parameters];
    if (this.cacheSize === 0 || !(preparedAs.has(q) || preparable(text, values.length))) return { text, values, parse: true };
    const name = statementName(text);
    const had = this.parsed.has(name);
    const shape = this.parsed.get(name);
    this.parsed.delete(name);
    this.parsed.set(name, shape);
    const known = had || inThis.has(name);
    inThis.add(name);
    return { text, values, name, parse: !known, shape };
  }

  /** A statement's shape learnt from its Describe (kept only while the name is parsed here). */
  private readonly learn = (name: string, shape: Shape | null): void => {
    if (this.parsed.has(name) && this.parsed.get(name) === undefined) this.parsed.set(name, shape);
  };

  /** Forgets `names` on this connection: closed with the next round trip, parsed again when used. */
  private forget(names: Iterable<string>): void {
    for (const n of names) if (this.parsed.delete(n)) this.closes.push(n);
  }

  async executeQuery<R>(cq: CompiledQuery): Promise<QueryResult<R>> {
    // Outside a transaction, or as a transaction's first statement (its BEGIN rides with it), a
    // statement whose plan went stale may be run again: nothing of its transaction ran before it.
    const begin = this.begin;
    const retriable = !this.inTransaction || begin !== null;
    try {
      return await this.run<R>(cq);
    } catch (err) {
      if (!(retriable && stalePlan(err))) throw err;
      if (begin) {
        this.begin = begin;
        this.rollbackFirst = true;
      }
      return await this.run<R>(cq);
    }
  }

  private async run<R>(cq: CompiledQuery): Promise<QueryResult<R>> {
    const inThis = new Set<string>();
    const before: Step[] = [];
    if (this.rollbackFirst) before.push({ text: 'rollback', values: [], parse: true });
    if (this.begin) before.push({ text: this.begin, values: [], parse: true });
    for (const q of sentBefore.get(cq) ?? []) before.push(this.step(q, inThis));
    const main = this.step(cq, inThis);
    // Evict the least recently used beyond the bound (never one this round trip uses).
    for (const n of this.parsed.keys()) {
      if (this.parsed.size <= this.cacheSize) break;
      if (!inThis.has(n)) this.forget([n]);
    }
    const closes = this.closes;
    const after = this.inTransaction && !this.committed && commitAfter.has(cq) ? 'commit' : null;
    const collect = collecting.has(cq);
    /** Results ahead of the caller's statements (a ROLLBACK, a BEGIN). */
    const ahead = before.length - (sentBefore.get(cq)?.length ?? 0);
    this.closes = [];
    this.begin = null;
    this.rollbackFirst = false;
    try {
      const r =
        before.length || after || main.name || closes.length
          ? await new Promise<pg.QueryResult>((resolve, reject) => {
              const q = new PipelinedQuery(main, before, after, closes, collect, this.learn);
              void this.client.query(q as unknown as pg.QueryConfig, (err: Error | undefined, res: pg.QueryResult | pg.QueryResult[]) => {
                if (err) return reject(err);
                if (!collect) return resolve(res as pg.QueryResult);
                // One result per statement sent: those ahead, the caller's, a COMMIT.
                const all = (Array.isArray(res) ? res : [res]).slice(ahead, before.length + 1);
                rowsOfAll.set(cq, all.map((x) => x.rows ?? []));
                resolve(all[all.length - 1]);
              });
            })
          : await this.client.query({ text: main.text, values: main.values });
      if (after) this.committed = true;
      const { command, rowCount, rows } = r;
      return {
        numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
        rows: (rows ?? []) as R[],
      };
    } catch (err) {
      // What this round trip parsed may or may not exist now, and a stale plan must be made anew:
      // close them before they are parsed again.
      const parsedHere = [...before, main].filter((s) => s.name && s.parse).map((s) => s.name as string);
      this.forget(stalePlan(err) ? inThis : parsedHere);
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
    this.rollbackFirst = false;
  }
}

class PipelinedDriver implements Driver {
  private readonly connections = new WeakMap<pg.PoolClient, PipelinedConnection>();
  constructor(
    private readonly pool: pg.Pool,
    private readonly cacheSize: number,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const client = await this.pool.connect();
    let c = this.connections.get(client);
    if (!c) this.connections.set(client, (c = new PipelinedConnection(client, this.cacheSize)));
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

/** Prepared statements kept per connection by default (`DATABASE_PREPARED_STATEMENTS`). */
export const DEFAULT_PREPARED_STATEMENTS = 256;

/**
 * PostgresDialect with the pipelined driver (see the module comment). `preparedStatements`: how
 * many named prepared statements each connection keeps (0: none, every statement unnamed).
 */
export class PipelinedPostgresDialect extends PostgresDialect {
  constructor(
    private readonly pgPool: pg.Pool,
    private readonly preparedStatements = DEFAULT_PREPARED_STATEMENTS,
  ) {
    super({ pool: pgPool });
  }

  override createDriver(): Driver {
    return new PipelinedDriver(this.pgPool, this.preparedStatements);
  }
}
