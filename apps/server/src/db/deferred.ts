/**
 * Deferred appends: the rows a transaction only adds — timeline entries, audit entries, jobs
 * (outbox events, timers), inbox notifications and their deliveries, the applications engine's
 * new tasks — and the jobs it cancels are collected while it runs and written just before it
 * commits, in one statement instead
 * of one round trip per row, with the transaction's NOTIFYs and, where a repository opts in with
 * `deferUpdate`, its row updates (each row's updates merged into one). They commit or roll back
 * with everything else, exactly as if written at once. A module may also gather what a transaction
 * does and write it as a whole as the transaction closes (`atClose`: the applications engine's
 * notifications, folded per person and moment). A repository that defers a table's rows
 * or updates writes them early (`flushRows`, `flushUpdates`) before its own reads of that table.
 *
 * Opt-in per transaction: `transact(db, fn)` opens a deferring transaction; a transaction opened
 * any other way writes at once, as before. Inside a deferring transaction the deferred rows are
 * not visible to the transaction's own reads until it commits: use it where nothing reads back
 * what it appends (the approval engine's transitions).
 *
 * Job semantics are kept: a cancellation removes matching jobs queued earlier in the transaction;
 * "cancel, then arm again" leaves the new job (written over the pending one of its key, one row
 * instead of a cancelled one and a new one), and an insert whose (queue, dedupe key) is already
 * pending is ignored as `enqueue` always did. Jobs queued with `deferJobItem` (jobs `enqueueItem`)
 * are one row per queue and transaction.
 */
import { CompiledQuery, sql, type Kysely, type OnConflictBuilder, type Transaction } from 'kysely';
import { canPipeline, commitWith, pipeline } from './pg-driver';
import type { Database } from './types';

type Q = Kysely<Database> | Transaction<Database>;
type Row = Record<string, unknown>;

/** Tables whose inserts may be deferred, with what their insert needs. */
export type DeferredTable = 'application_tasks' | 'application_events' | 'audit_log' | 'jobs' | 'notifications' | 'notification_deliveries';
/** Flush order (one statement: the foreign keys are checked at its end, but keep parents first). */
const TABLES: DeferredTable[] = ['application_tasks', 'application_events', 'audit_log', 'notifications', 'notification_deliveries', 'jobs'];

/** PostgreSQL allows 65,535 bind parameters in a statement; stay well below. */
const MAX_PARAMETERS = 20_000;

/** A pending UPDATE of one row: the merged patch and how to write it (see deferUpdate). */
interface PendingUpdate {
  patch: Row;
  bumps: number;
  build: (trx: Q, patch: Row, bumps: number) => CompiledQuery;
}

class Deferred {
  readonly rows: Record<DeferredTable, Row[]> = { application_tasks: [], application_events: [], audit_log: [], notifications: [], notification_deliveries: [], jobs: [] };
  /** Row updates by row key, in the order first touched. */
  readonly updates = new Map<string, PendingUpdate>();
  readonly cancels: { queue: string; key: string }[] = [];
  readonly notices = new Set<string>();
  /** Queued job rows of `deferJobItem` by queue, with their items (the payload is written when the rows are). */
  readonly itemJobs = new Map<string, { row: Row; items: unknown[] }>();
  /** What runs at the transaction's end before its rows are written (`atClose`), by key, in the order registered. */
  readonly closers = new Map<object, { state: unknown; close: (trx: Q, state: unknown) => Promise<void> }>();

  /** Sets the payload of the item jobs queued so far; later items go in new jobs (the rows are being written). */
  sealItemJobs(): void {
    for (const { row, items } of this.itemJobs.values()) row.payload = JSON.stringify({ items });
    this.itemJobs.clear();
  }

  /** Removes queued jobs of (queue, key); returns how many. */
  dropJobs(queue: string, key: string): number {
    const before = this.rows.jobs.length;
    this.rows.jobs = this.rows.jobs.filter((j) => !(j.queue === queue && j.dedupe_key === key));
    return before - this.rows.jobs.length;
  }

  /** The pending row updates as statements, cleared. */
  takeUpdates(trx: Q): CompiledQuery[] {
    const out = [...this.updates.values()].map((u) => u.build(trx, u.patch, u.bumps));
    this.updates.clear();
    return out;
  }

  /**
   * `pipelined`: on the pipelined driver (pg-driver.ts) the closing statements go in one round trip.
   * `root`: the database the transaction was opened on (what per-database caches are keyed by).
   */
  constructor(
    readonly pipelined = false,
    readonly root?: Kysely<Database>,
  ) {}

  async flush(trx: Q): Promise<void> {
    // What the closers write (they may defer rows, and register others) goes with the rest.
    while (this.closers.size) {
      const closers = [...this.closers.values()];
      this.closers.clear();
      for (const c of closers) await c.close(trx, c.state);
    }
    this.sealItemJobs();
    const writes = this.takeUpdates(trx);
    // A key cancelled and queued again here ("cancel, then arm again": a timer moved) replaces the
    // pending job of its key in place (an upsert) instead of cancelling it and inserting another:
    // one row written instead of two, and no statement that must run before the inserts.
    const keyOf = (queue: unknown, key: unknown) => `${String(queue)}\n${String(key)}`;
    const queued = new Set(this.rows.jobs.filter((j) => j.dedupe_key != null).map((j) => keyOf(j.queue, j.dedupe_key)));
    const rearmed = new Set(this.cancels.map((c) => keyOf(c.queue, c.key)).filter((k) => queued.has(k)));
    const cancels = this.cancels.filter((c) => !rearmed.has(keyOf(c.queue, c.key)));
    if (cancels.length)
      // It changes other rows than the inserts touch, so it rides with them as a CTE. The keys are a
      // VALUES list, not unnest(arrays): with arrays PostgreSQL's custom plans know how many keys
      // there are and its generic plan assumes 10, so it judged every custom plan cheaper and planned
      // the whole combined statement again on every call (~0.35 ms each, 3–5 per bundle in the
      // applications benchmark); with the count in the text both agree and the generic plan is kept.
      writes.push(
        sql`DELETE FROM jobs
        WHERE state = 'pending' AND (queue, dedupe_key) IN (VALUES ${sql.join(cancels.map((c) => sql`(${c.queue}, ${c.key})`))})`.compile(trx),
      );
    // Row updates and cancellations first (data-modifying CTEs of the one statement: each touches other rows).
    const inserts: CompiledQuery[] = writes;
    for (const table of TABLES) {
      const rows = this.rows[table];
      if (!rows.length) continue;
      if (table !== 'jobs') {
        inserts.push(compileInsert(trx, table, rows, 'none'));
        continue;
      }
      const moved = rows.filter((j) => j.dedupe_key != null && rearmed.has(keyOf(j.queue, j.dedupe_key)));
      const fresh = rows.filter((j) => !moved.includes(j));
      if (fresh.length) inserts.push(compileInsert(trx, 'jobs', fresh, 'ignore'));
      if (moved.length) inserts.push(compileInsert(trx, 'jobs', moved, 'replace'));
    }
    // The NOTIFYs ride in the same statement (its main SELECT, the inserts as its CTEs): one round trip less.
    if (this.notices.size) inserts.push(noticesQuery([...this.notices].map((n) => JSON.parse(n) as [string, string])).compile(trx));
    // On PostgreSQL all of them go in one round trip with the transaction's COMMIT (pg-driver.ts):
    // nothing runs after them. Elsewhere one after the other.
    const all = batches(inserts).map(combine);
    if (!all.length) return;
    if (this.pipelined) await trx.executeQuery(commitWith(pipeline(all)));
    else for (const q of all) await trx.executeQuery(q);
  }
}

/** Groups compiled statements so that no combined statement exceeds the parameter budget. */
function batches(qs: CompiledQuery[]): CompiledQuery[][] {
  const out: CompiledQuery[][] = [];
  let cur: CompiledQuery[] = [];
  let n = 0;
  for (const q of qs) {
    if (cur.length && n + q.parameters.length > MAX_PARAMETERS) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(q);
    n += q.parameters.length;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Several INSERT statements as one: all but the last become data-modifying CTEs. Kysely binds
 * every value as a parameter, so renumbering `$n` placeholders is all it takes. The combined text
 * is kept by its parts' texts (a transaction of a given kind combines the same texts every time).
 */
function combine(qs: CompiledQuery[]): CompiledQuery {
  if (qs.length === 1) return qs[0];
  const params: unknown[] = [];
  for (const q of qs) for (const p of q.parameters) params.push(p);
  const key = qs.map((q) => q.sql).join('\u0000');
  let text = combinedTexts.get(key);
  if (text === undefined) {
    let offset = 0;
    const parts: string[] = [];
    for (const q of qs) {
      const o = offset;
      parts.push(q.sql.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + o}`));
      offset += q.parameters.length;
    }
    const last = parts.pop()!;
    text = `WITH ${parts.map((p, i) => `d${i} AS (${p})`).join(', ')} ${last}`;
    remember(combinedTexts, key, text);
  }
  return CompiledQuery.raw(text, params);
}

/** Texts by shape, each map bounded (cleared when full: the shapes of a running server are few). */
const combinedTexts = new Map<string, string>();
const insertTexts = new Map<string, string>();
function remember(m: Map<string, string>, key: string, text: string): void {
  if (m.size >= 2_000) m.clear();
  m.set(key, text);
}

/**
 * The INSERT of deferred rows, as Kysely compiles it: its text is kept by the rows' shape (table,
 * columns, which cells are DEFAULT or a parameterless SQL expression such as now(), the conflict
 * clause) and only the parameters are gathered per call — building the statement with Kysely cost
 * more server CPU than the rest of the flush. A row with another kind of expression is compiled by
 * Kysely every time.
 */
function compileInsert(trx: Q, table: DeferredTable, rows: Row[], conflict: 'none' | 'ignore' | 'replace'): CompiledQuery {
  const kysely = () => {
    const q = trx.insertInto(table).values(rows as never);
    return (conflict === 'ignore' ? q.onConflict(onDedupeConflict as never) : conflict === 'replace' ? q.onConflict(onDedupeReplace as never) : q).compile();
  };
  // The columns in order of first appearance with a value (as Kysely's insert parser takes them).
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k) && r[k] !== undefined) (seen.add(k), columns.push(k));
  let shape = `${table}\u0000${conflict}\u0000${columns.join(',')}\u0000`;
  const params: unknown[] = [];
  for (const r of rows) {
    for (const c of columns) {
      const v = r[c];
      if (v === undefined) shape += 'd';
      else if (typeof v === 'function') return kysely();
      else if (v !== null && typeof v === 'object' && 'toOperationNode' in v) {
        const node = (v as { toOperationNode(): { kind: string; sqlFragments?: readonly string[]; parameters?: readonly unknown[] } }).toOperationNode();
        if (node.kind !== 'RawNode' || node.parameters!.length) return kysely();
        shape += `r${node.sqlFragments!.join('').length}:${node.sqlFragments!.join('')}`;
      } else {
        shape += 'p';
        params.push(v);
      }
    }
    shape += ';';
  }
  const text = insertTexts.get(shape);
  if (text !== undefined) return CompiledQuery.raw(text, params);
  const q = kysely();
  // Kept only if Kysely bound exactly these parameters in this order.
  if (q.parameters.length === params.length && q.parameters.every((p, i) => p === params[i])) remember(insertTexts, shape, q.sql);
  return q;
}

const open = new WeakMap<object, Deferred>();

/**
 * A job insert's ON CONFLICT: a pending job of the same queue and dedupe key exists (the partial
 * unique index jobs_dedupe). The index predicate is written as literals: with a parameter in it,
 * a prepared statement's generic plan could not infer the index (42P10).
 */
export const onDedupeConflict = (oc: OnConflictBuilder<Database, 'jobs'>) =>
  oc.columns(['queue', 'dedupe_key']).where('dedupe_key', 'is not', null).where('state', '=', sql.lit('pending')).doNothing();

/**
 * A job insert that replaces the pending job of the same queue and dedupe key (a timer moved):
 * as if that one were cancelled and this one queued. Its lease is cleared too, so that a runner
 * still running the old job records neither its success nor its failure on the new one.
 */
const onDedupeReplace = (oc: OnConflictBuilder<Database, 'jobs'>) =>
  oc
    .columns(['queue', 'dedupe_key'])
    .where('dedupe_key', 'is not', null)
    .where('state', '=', sql.lit('pending'))
    .doUpdateSet({
      payload: (eb) => eb.ref('excluded.payload'),
      run_at: (eb) => eb.ref('excluded.run_at'),
      max_attempts: (eb) => eb.ref('excluded.max_attempts'),
      attempts: sql.lit(0),
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: sql`now()`,
    });

/** A transaction whose appends are deferred to its end (see the module comment). */
export function transact<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const d = new Deferred(canPipeline(db), db);
    open.set(trx, d);
    try {
      const out = await fn(trx);
      await d.flush(trx);
      return out;
    } finally {
      open.delete(trx);
    }
  });
}

/** The database a deferring transaction was opened on; undefined for anything else. */
export function deferringRoot(db: Q): Kysely<Database> | undefined {
  return open.get(db)?.root;
}

/**
 * In a deferring transaction: the transaction's state of `key` — made by `init` the first time,
 * which also registers `close` to run with it at the transaction's end, before the deferred rows
 * are written (what it defers goes with them; what it throws rolls the transaction back). Lets a
 * module gather what a transaction does and write it once, as a whole (the applications engine's
 * notifications). Undefined otherwise: the caller writes at once.
 */
export function atClose<T>(db: Q, key: object, init: () => T, close: (trx: Q, state: T) => Promise<void>): T | undefined {
  const d = open.get(db);
  if (!d) return undefined;
  const c = d.closers.get(key);
  if (c) return c.state as T;
  const state = init();
  d.closers.set(key, { state, close: close as (trx: Q, state: unknown) => Promise<void> });
  return state;
}

/** Whether statements on `db` (a root database or a deferring transaction) may go as one round trip (pg-driver `executeAll`). */
export function pipelinesIn(db: Q): boolean {
  return open.get(db)?.pipelined ?? canPipeline(db);
}

/** Queues the row when `db` is a deferring transaction; false when the caller must write it now. */
export function deferInsert(db: Q, table: DeferredTable, row: Row): boolean {
  const d = open.get(db);
  if (!d) return false;
  // A job whose (queue, dedupe key) is already queued here would be ignored by the insert anyway.
  if (table === 'jobs' && row.dedupe_key != null && d.rows.jobs.some((j) => j.queue === row.queue && j.dedupe_key === row.dedupe_key)) return true;
  d.rows[table].push(row);
  return true;
}

/**
 * In a deferring transaction: drops queued jobs of (queue, key) and cancels pending ones at the end;
 * returns the number dropped from the queue, or null when the caller must cancel now.
 */
export function deferCancel(db: Q, queue: string, key: string): number | null {
  const d = open.get(db);
  if (!d) return null;
  d.cancels.push({ queue, key });
  return d.dropJobs(queue, key);
}

/**
 * In a deferring transaction: merges `patch` into the pending UPDATE of the row `key` (later
 * values win; `bumps` counts the updates merged, for a version column) and returns true; the
 * UPDATE is written with the deferred rows at commit, or earlier by `flushUpdates`. False when the
 * caller must update now. Whoever reads or conditionally writes a table with deferred updates in
 * the transaction must call `flushUpdates` first (the repositories that use this do).
 */
export function deferUpdate(db: Q, key: string, patch: Row, build: PendingUpdate['build']): boolean {
  const d = open.get(db);
  if (!d) return false;
  const u = d.updates.get(key);
  if (u) {
    Object.assign(u.patch, patch);
    u.bumps++;
  } else d.updates.set(key, { patch: { ...patch }, bumps: 1, build });
  return true;
}

/**
 * In a deferring transaction: applies `patch` to a queued row of `table` whose id is `id` (a row
 * inserted and changed in the same transaction is written once, as it ends up). False when there
 * is no such row (the caller updates the stored row).
 */
export function patchDeferredRow(db: Q, table: DeferredTable, id: string, patch: Row): boolean {
  const row = open.get(db)?.rows[table].find((r) => r.id === id);
  if (!row) return false;
  Object.assign(row, patch);
  return true;
}

/**
 * In a deferring transaction: adds `item` to the transaction's job of `queue` with a `{ items }`
 * payload (one row, created by the first item, written at commit) and returns true; false when the
 * caller must write a job now (jobs `enqueueItem`).
 */
export function deferJobItem(db: Q, queue: string, item: unknown, maxAttempts: number): boolean {
  const d = open.get(db);
  if (!d) return false;
  const job = d.itemJobs.get(queue);
  if (job) {
    job.items.push(item);
    job.row.max_attempts = Math.max(Number(job.row.max_attempts), maxAttempts);
    return true;
  }
  const row: Row = { queue, payload: null, run_at: sql`now()`, dedupe_key: null, max_attempts: maxAttempts };
  d.rows.jobs.push(row);
  d.itemJobs.set(queue, { row, items: [item] });
  return true;
}

/** Writes the queued rows of `table` now (before a statement that reads the table). */
export async function flushRows(db: Q, table: DeferredTable): Promise<void> {
  const d = open.get(db);
  if (table === 'jobs') d?.sealItemJobs();
  if (!d || !d.rows[table].length) return;
  const rows = d.rows[table];
  d.rows[table] = [];
  await db.insertInto(table).values(rows as never).execute();
}

/**
 * Writes the pending row updates of a deferring transaction now (in one statement); nothing
 * otherwise, or when none of the pending rows' keys is `needed` (the caller's statement reads other rows).
 */
export async function flushUpdates(db: Q, needed: (key: string) => boolean = () => true): Promise<void> {
  const d = open.get(db);
  if (!d || !d.updates.size || ![...d.updates.keys()].some(needed)) return;
  for (const batch of batches(d.takeUpdates(db))) await db.executeQuery(combine(batch));
}

/** NOTIFY (delivered when the transaction commits, never if it rolls back), each distinct (channel, payload) once. */
function noticesQuery(notices: [string, string][]) {
  return sql`SELECT pg_notify(c, p) FROM unnest(${notices.map((n) => n[0])}::text[], ${notices.map((n) => n[1])}::text[]) AS t(c, p)`;
}
function sendNotices(db: Q, notices: [string, string][]) {
  return noticesQuery(notices).execute(db);
}

/**
 * A NOTIFY on `channel` when the transaction commits (PostgreSQL sends notifications at commit;
 * duplicates within a transaction are sent once). In a deferring transaction it goes with the
 * deferred writes; otherwise at once.
 */
export async function notifyAtCommit(db: Q, channel: string, payload: string): Promise<void> {
  const d = open.get(db);
  if (d) d.notices.add(JSON.stringify([channel, payload]));
  else await sendNotices(db, [[channel, payload]]);
}
