/**
 * Durable jobs, timers and outbox events, kept as rows in the system of record.
 *
 * - `enqueue(trx, …)` inside the caller's transaction: the job exists if and only if the write it
 *   belongs to committed (the outbox pattern: side effects after commit, never lost, never for a
 *   write that rolled back). `runAt` in the future makes it a timer (deadline warnings, reminders).
 * - A `JobRunner` claims due jobs in batches with `FOR UPDATE SKIP LOCKED` and a lease: several
 *   processes share the work without running one job twice at a time; a process killed mid-job
 *   (kill -9) leaves a lease that expires, and another runner picks the job up again. Handlers
 *   must therefore be idempotent (at-least-once delivery), which `dedupeKey` and the handlers'
 *   own checks make cheap.
 * - Failures retry with exponential backoff up to `maxAttempts`, then the job is 'dead' and
 *   visible to operators; nothing is dropped silently.
 * - A job that succeeded, or was cancelled while pending, is deleted: the table holds the work to
 *   do and the dead jobs, not a history that nothing reads and that only grew (a done or cancelled
 *   job was an UPDATE: a new row version with its index entries, ~18 a bundle in the applications
 *   benchmark; a DELETE writes neither).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/types';
import { deferCancel, deferInsert, deferJobItem, onDedupeConflict } from '../../db/deferred';
import { canPipeline, commitWith, pipeline } from '../../db/pg-driver';

type Q = Kysely<Database> | Transaction<Database>;

export interface NewJob {
  queue: string;
  payload?: Record<string, unknown>;
  /** When to run; default now. */
  runAt?: Date;
  /** At most one pending job per (queue, dedupeKey): a second enqueue is ignored. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export async function enqueue(db: Q, job: NewJob): Promise<void> {
  const row = {
    queue: job.queue,
    payload: JSON.stringify(job.payload ?? {}),
    run_at: job.runAt ?? (sql<Date>`now()` as unknown as Date),
    dedupe_key: job.dedupeKey ?? null,
    max_attempts: job.maxAttempts ?? 10,
  };
  if (deferInsert(db, 'jobs', row)) return;
  await db
    .insertInto('jobs')
    .values(row)
    .onConflict(onDedupeConflict)
    .execute();
}

/**
 * Enqueues `item` as part of a job of `queue` whose payload is `{ items: [...] }` (read it with
 * `itemsOf`): in a deferring transaction (db/deferred.ts `transact`) all the items of the queue go
 * in one job row written at commit; elsewhere each call writes a job of its own. One job row
 * instead of one per item (the outbox events of an engine transaction, the SMS / e-mails of a batch
 * of notifications): a row inserted, claimed and completed once. The handler gets the items in the
 * order they were enqueued and must be idempotent per item (a retried job runs all of them again).
 */
export async function enqueueItem(db: Q, queue: string, item: unknown, opts: { maxAttempts?: number } = {}): Promise<void> {
  if (deferJobItem(db, queue, item, opts.maxAttempts ?? 10)) return;
  await enqueue(db, { queue, payload: { items: [item] }, maxAttempts: opts.maxAttempts });
}

/** The items of a job enqueued with `enqueueItem`; a job written before (payload without `items`) is its own one item. */
export function itemsOf<T = Record<string, unknown>>(job: ClaimedJob): T[] {
  const items = job.payload.items;
  return Array.isArray(items) ? (items as T[]) : [job.payload as T];
}

/** Cancels pending jobs (e.g. the reminder of a task that was done in time): deletes them. */
export async function cancelJobs(db: Q, queue: string, dedupeKey: string): Promise<number> {
  const dropped = deferCancel(db, queue, dedupeKey);
  if (dropped !== null) return dropped;
  const r = await db
    .deleteFrom('jobs')
    .where('queue', '=', queue)
    .where('dedupe_key', '=', dedupeKey)
    // A literal: a generic plan of `state = $n` could not use the partial index jobs_dedupe.
    .where('state', '=', sql.lit('pending'))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

interface ClaimRow {
  id: number;
  queue: string;
  payload: Record<string, unknown>;
  attempts: number;
  run_at: Date;
}

export interface ClaimedJob {
  id: number;
  queue: string;
  payload: Record<string, unknown>;
  attempts: number;
  runAt: Date;
}

export type JobHandler = (job: ClaimedJob) => Promise<void>;
/**
 * Runs several claimed jobs of one queue at once (e.g. in one transaction). If it throws, each job
 * of the batch is run again on its own by the queue's single-job handler (which records its own
 * success or failure), so handlers must tolerate a job that the failed batch partly did. It may
 * instead return the jobs that failed (id → error): those are retried with backoff (or dead, as a
 * single job's failure), the others recorded as done.
 */
export type BatchHandler = (jobs: ClaimedJob[]) => Promise<void | Map<number, unknown>>;

export interface RunnerOptions {
  /** How many jobs one claim takes. */
  batchSize?: number;
  /** How long a claim holds a job before another runner may take it. */
  leaseSeconds?: number;
  /** Poll interval when idle. */
  idleMs?: number;
  /** Base of the exponential retry backoff. */
  backoffMs?: number;
  /**
   * How many claimed jobs the loop runs at once (handlers wait mostly on the database, so a few at
   * a time keep it busy). `drain()` always runs them one by one, in due order.
   */
  concurrency?: number;
}

export class JobRunner {
  readonly id = `runner-${randomUUID().slice(0, 8)}`;
  private readonly handlers = new Map<string, JobHandler>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly opts: Required<RunnerOptions>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: FastifyBaseLogger,
    opts: RunnerOptions = {},
  ) {
    // 50 a claim (was 20): the claim's cost is mostly finding the due jobs, whatever it takes of
    // them, and batch handlers (outbox, deliveries) do more per transaction (benchmark: claim time
    // 2.5x less, statements per bundle 94 -> 88).
    this.opts = { batchSize: 50, leaseSeconds: 60, idleMs: 500, backoffMs: 1000, concurrency: 4, ...opts };
    // Written into the claim's text as a literal (see claim).
    this.opts.batchSize = Math.max(1, Math.floor(this.opts.batchSize));
  }

  private readonly batchHandlers = new Map<string, BatchHandler>();

  /** `batch`: optional handler of several due jobs of the queue at once (see BatchHandler). */
  handle(queue: string, handler: JobHandler, batch?: BatchHandler): this {
    this.handlers.set(queue, handler);
    if (batch) this.batchHandlers.set(queue, batch);
    else this.batchHandlers.delete(queue);
    return this;
  }

  private readonly preferred = new Set<string>();
  /**
   * Due jobs of these queues are claimed before the others' (e.g. the engine's own progress before
   * notifications); within each group in due order.
   */
  prefer(...queues: string[]): this {
    for (const q of queues) this.preferred.add(q);
    return this;
  }

  /**
   * Claims due jobs of the queues this runner handles: up to `batchSize`, the preferred queues'
   * first, each group in due order (run_at, id), skipping jobs another runner holds (lease) or is
   * claiming (row lock, SKIP LOCKED).
   *
   * It reads only what it takes, whatever the backlog: through `jobs_queue_due` (queue, run_at, id)
   * the first due jobs of each handled queue (a short index range each), sorts those few and locks
   * them in that order until the batch is full. Each queue offers twice the batch size, so that a
   * runner claiming while another's claim is in flight (its picks skipped) still fills its batch.
   * The plan is pinned, PostgreSQL's estimates for a queue table being what they are (a few
   * pending rows among many done, most index entries dead until the next vacuum):
   * - bitmap scans off: it would read each queue's range with a bitmap scan and sort it, which visits
   *   the heap row of every entry whose job was done since the last vacuum at every claim (a plain
   *   index scan marks such entries dead once, later scans skip them): ~1,500 buffers a claim in the
   *   applications benchmark instead of ~1,000 (of which ~500 the update itself);
   * - hash and merge joins off, rows locked and updated by ctid: the candidates are joined to the
   *   rows to lock one by one in their order, not hashed against every due job;
   * - the limits are literals (with the per-queue limit a parameter the generic plan was ~10x slower);
   * - its generic plan always (it was planned again for half of the calls, for nothing).
   * The conditions on `j` are what a row locked after a concurrent change is checked against again.
   */
  async claim(): Promise<ClaimedJob[]> {
    const queues = [...this.handlers.keys()];
    if (!queues.length) return [];
    const claim = sql<ClaimRow>`
      WITH claimed AS (
        SELECT j.ctid AS tid
        FROM (
          SELECT c.tid, c.id, c.run_at, q.queue = ANY(${[...this.preferred]}::text[]) AS preferred
          FROM unnest(${queues}::text[]) AS q(queue)
          CROSS JOIN LATERAL (
            SELECT ctid AS tid, id, run_at FROM jobs
            WHERE state = 'pending' AND queue = q.queue AND run_at <= now()
              AND (locked_until IS NULL OR locked_until < now())
            ORDER BY run_at, id
            LIMIT ${sql.lit(2 * this.opts.batchSize)}
          ) c
          ORDER BY preferred DESC, c.run_at, c.id
        ) c
        JOIN jobs j ON j.ctid = c.tid
        WHERE j.state = 'pending' AND j.run_at <= now() AND (j.locked_until IS NULL OR j.locked_until < now())
        ORDER BY c.preferred DESC, c.run_at, c.id
        LIMIT ${sql.lit(this.opts.batchSize)}
        FOR UPDATE OF j SKIP LOCKED
      )
      UPDATE jobs SET locked_by = ${this.id}, locked_until = now() + make_interval(secs => ${this.opts.leaseSeconds}), attempts = attempts + 1
      FROM claimed WHERE jobs.ctid = claimed.tid
      RETURNING id, queue, payload, attempts, run_at`;
    // In a transaction of its own with bitmap scans and hash / merge joins off (see above); on
    // PostgreSQL one round trip (BEGIN, the settings, the claim, COMMIT).
    const rows = await this.db.transaction().execute(async (trx): Promise<ClaimRow[]> => {
      const set = sql`SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)`.compile(trx);
      const q = claim.compile(trx);
      if (canPipeline(this.db)) return (await trx.executeQuery(commitWith(pipeline([set, q])))).rows as ClaimRow[];
      await trx.executeQuery(set);
      return (await trx.executeQuery(q)).rows;
    });
    // UPDATE … RETURNING has no order: run the batch as claimed (preferred queues first, then due order).
    const rank = (q: string) => (this.preferred.has(q) ? 0 : 1);
    return rows
      .map((r) => ({ id: r.id, queue: r.queue, payload: r.payload, attempts: r.attempts, runAt: r.run_at }))
      .sort((a, b) => rank(a.queue) - rank(b.queue) || a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
  }

  /**
   * Runs one claimed job. A failure is recorded at once (retry with backoff, or 'dead'); a success
   * returns true and is recorded with the others of its batch (`finish`), one statement a batch.
   * Either is recorded only if this runner still holds the lease.
   */
  private async execute(job: ClaimedJob): Promise<boolean> {
    const handler = this.handlers.get(job.queue)!;
    try {
      await handler(job);
      return true;
    } catch (err) {
      await this.fail(job, err);
      return false;
    }
  }

  /** Records a failed run: pending again after the backoff, or 'dead' after its last attempt (only while this runner holds the lease). */
  private async fail(job: ClaimedJob, err: unknown): Promise<void> {
    const message = (err as Error)?.message?.slice(0, 2000) ?? String(err);
    const delay = Math.min(this.opts.backoffMs * 2 ** (job.attempts - 1), 3600_000);
    this.log.warn({ jobId: job.id, queue: job.queue, attempts: job.attempts, err: message }, 'job failed');
    await this.db
      .updateTable('jobs')
      .set({
        state: sql`CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END`,
        finished_at: sql`CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END`,
        run_at: sql`now() + make_interval(secs => ${delay / 1000})`,
        last_error: message,
        locked_by: null,
        locked_until: null,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', this.id)
      .execute();
  }

  /**
   * Deletes the jobs that succeeded (a job whose lease another runner took is left to it). A done
   * job is not kept: nothing reads it, and a row updated to 'done' was a new row version with its
   * index entries, and a table that only grew.
   */
  private async finish(ids: number[]): Promise<void> {
    if (!ids.length) return;
    await this.db
      .deleteFrom('jobs')
      // The ids as one array parameter: one statement text whatever their number (an IN list made a
      // text per batch size, each planned afresh), as notifications' delivery batches read theirs.
      .where(sql<boolean>`id = any(${ids}::bigint[])`)
      .where('locked_by', '=', this.id)
      .execute();
  }

  /** Runs jobs of a queue with a batch handler together; on failure each on its own. Returns the ids that succeeded. */
  private async executeGroup(jobs: ClaimedJob[]): Promise<number[]> {
    const batch = jobs.length > 1 ? this.batchHandlers.get(jobs[0].queue) : undefined;
    if (batch) {
      try {
        const failed = await batch(jobs);
        if (!failed?.size) return jobs.map((j) => j.id);
        for (const j of jobs) if (failed.has(j.id)) await this.fail(j, failed.get(j.id));
        return jobs.filter((j) => !failed.has(j.id)).map((j) => j.id);
      } catch (err) {
        this.log.warn({ queue: jobs[0].queue, jobs: jobs.length, err: (err as Error).message }, 'job batch failed; running its jobs one by one');
      }
    }
    const done: number[] = [];
    for (const job of jobs) if (await this.execute(job)) done.push(job.id);
    return done;
  }

  /**
   * Runs a claimed batch, `parallel` units at a time (started in due order), and records the
   * successes. A unit is one job, or the consecutive jobs of a queue that has a batch handler.
   */
  private async runBatch(jobs: ClaimedJob[], parallel: number): Promise<void> {
    const units: ClaimedJob[][] = [];
    for (const job of jobs) {
      const last = units[units.length - 1];
      if (last && last[0].queue === job.queue && this.batchHandlers.has(job.queue)) last.push(job);
      else units.push([job]);
    }
    const done: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < units.length) done.push(...(await this.executeGroup(units[next++])));
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, units.length)) }, worker));
    await this.finish(done);
  }

  /** Claims and runs due jobs until none are left, one at a time in due order; returns how many ran. */
  async drain(): Promise<number> {
    return this.work(1);
  }

  private async work(parallel: number): Promise<number> {
    let total = 0;
    for (;;) {
      const jobs = await this.claim();
      if (!jobs.length) return total;
      await this.runBatch(jobs, parallel);
      total += jobs.length;
    }
  }

  /** Poke the loop (e.g. right after enqueuing) instead of waiting for the next poll. */
  nudge(): void {
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.work(this.opts.concurrency);
        } catch (err) {
          this.log.error({ err }, 'job runner: claim failed');
        }
        if (!this.running) break;
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.opts.idleMs);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    })();
  }

  /** Stops claiming; jobs already claimed finish first. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
