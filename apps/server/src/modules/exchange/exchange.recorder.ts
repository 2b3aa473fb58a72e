/**
 * Group commit of data calls. Each call's record (receipt) is handed to the recorder and the
 * response waits until it is durable. Whatever arrives while a batch is being written goes into
 * the next (a second, third, fourth batch is started alongside only when many calls wait): under
 * load one batch carries tens to hundreds of calls, while an idle call waits only for its own.
 *
 * A batch is normally ONE statement, its own transaction: it adds the batch's calls to each grant's
 * counter for the minute (rate) and for the day (quota) with `INSERT … ON CONFLICT DO UPDATE …
 * RETURNING used`, and records the receipts, the batch and one transparency-log entry listing them
 * all; if a counter would pass its limit, the statement raises (exchange_over_limit(), SQLSTATE
 * YW001) and so undoes itself whole. Only then is the batch written in two statements: (1) counting,
 * the calls beyond a limit turned into refusals (RATE_LIMITED, QUOTA_EXCEEDED) and taken back off
 * the counter; (2) recording. A call refused for its rate does not count against the quota. The
 * counter rows are shared by every process's batches: outside a transaction their locks are held
 * for one statement, not across round trips (holding them to the end of a transaction made all
 * batches of a grant wait in line, which capped the throughput far below what the machine could
 * do). Limits are exact while the server runs; a crash between the two statements of the second
 * way leaves a counter high by one batch (refusing early, never late).
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../../db/database';
import { canonicalJson, prepareLogEntries } from '../transparency';
import { sha256 } from '../../shared/crypto';
import type { ExchangeCallsTable } from './exchange.types';

export type CallRecord = Omit<Insertable<ExchangeCallsTable>, 'batch_id' | 'result_hash' | 'fields'> & { fields: string[] };

export interface PendingCall {
  record: CallRecord;
  /** The signed part of the answer (without the log reference); its hash is logged. */
  result: Record<string, unknown>;
  /**
   * Quota to count the call against (successful calls only). A call beyond it at commit is
   * recorded and answered as refused (QUOTA_EXCEEDED): its result keeps receiptId, kind, resource
   * and at, with outcome 'refused' and the code.
   */
  quota?: { grantId: string; perDay: number };
  /** The grant's per-minute rate to count the call against (successful calls only; counted before the quota); beyond it, RATE_LIMITED likewise. */
  rate?: { grantId: string; perMinute: number };
  /**
   * The caller sends the answer as the recorder makes it: its body (the result with its log
   * reference, as JSON) and the batch signature of the bodies of the batch, made while the batch's
   * statement runs (see CallRecorder). Not for a call turned into a refusal at commit.
   */
  answer?: boolean;
}

/** An answer ready to send: exactly these bytes, with the batch signature and this body's inclusion path. */
export interface SignedAnswer {
  body: string;
  signature: string;
  proof: string;
}

/** Signs the answers of one batch at once (ResponseSigner.signAll). */
export type AnswerSigner = (bodies: readonly string[]) => Promise<{ signature: string; proofs: string[] }>;

/**
 * An answer's body: the result (its canonical JSON, as hashed into the log) with its log reference as
 * the last member — `{...result, log: {leafHash}}` without printing the result a second time.
 */
export function withLog(resultJson: string, leafHash: string): string {
  const log = `"log":{"leafHash":${JSON.stringify(leafHash)}}}`;
  return resultJson === '{}' ? `{${log}` : `${resultJson.slice(0, -1)},${log}`;
}

/** Turns a call counted beyond its rate or quota into its refusal (answer and record). */
function refuseAtCommit(c: PendingCall, code: 'RATE_LIMITED' | 'QUOTA_EXCEEDED'): void {
  const r = c.result;
  c.result = { at: r.at, code, kind: r.kind, outcome: 'refused', receiptId: r.receiptId, resource: r.resource };
  c.record = { ...c.record, outcome: 'refused', reason_code: code };
}

export interface Recorded {
  receiptId: string;
  batchId: string;
  leafHash: string;
  result: Record<string, unknown>;
  /** The call was turned into a refusal at commit: its grant's daily quota or per-minute rate was used up. */
  refused: 'quota' | 'rate' | null;
  /** For a call with `answer` that was not refused: its answer, signed. */
  answer?: SignedAnswer;
}

interface Waiting extends PendingCall {
  resolve: (r: Recorded) => void;
  reject: (e: unknown) => void;
}

/** China Standard Time day (quotas reset at midnight in Beijing). */
export function chinaDay(d = new Date()): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The minute (since the epoch) a rate counter counts in. */
export const rateMinute = (ms = Date.now()) => Math.floor(ms / 60_000);

type LimitOf = (c: PendingCall) => { grantId: string; limit: number } | undefined;
const rateOf: LimitOf = (c) => (c.rate ? { grantId: c.rate.grantId, limit: c.rate.perMinute } : undefined);
const quotaOf: LimitOf = (c) => (c.quota ? { grantId: c.quota.grantId, limit: c.quota.perDay } : undefined);

/**
 * The calls (by index, in batch order) of each grant with a limit, leaving out `skip`, in grant-id
 * order: the lock order of the counter rows, the same for every batch (concurrent batches never deadlock).
 */
function perGrant(calls: PendingCall[], skip: Set<number>, limitOf: LimitOf): { grantId: string; limit: number; idx: number[] }[] {
  const out = new Map<string, { grantId: string; limit: number; idx: number[] }>();
  calls.forEach((c, i) => {
    const l = skip.has(i) ? undefined : limitOf(c);
    if (!l) return;
    const g = out.get(l.grantId) ?? { grantId: l.grantId, limit: l.limit, idx: [] };
    g.idx.push(i);
    out.set(l.grantId, g);
  });
  return [...out.values()].sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
}

/** Takes `n` calls back off a grant's counter of the minute (rate) or the day (quota). */
const giveBackRate = (db: Db, grantId: string, minute: number, n: number) =>
  db.updateTable('exchange_rate_usage').set({ used: sql`greatest(used - ${n}, 0)` }).where('grant_id', '=', grantId).where('minute', '=', minute).execute();
const giveBackQuota = (db: Db, grantId: string, day: string, n: number) =>
  db.updateTable('exchange_usage').set({ used: sql`greatest(used - ${n}, 0)` }).where('grant_id', '=', grantId).where('day', '=', day).execute();

/**
 * Counts calls against per-grant limits with one upsert (`upsert(values)` → the counters after it),
 * returns the indexes of the calls beyond each limit (the last ones of the batch) and takes them
 * back off the counter (`giveBack`).
 */
async function overLimit(
  calls: PendingCall[],
  skip: Set<number>,
  limitOf: LimitOf,
  upsert: (values: { grantId: string; n: number }[]) => Promise<{ grant_id: string; used: number }[]>,
  giveBack: (grantId: string, n: number) => Promise<unknown>,
): Promise<number[]> {
  const list = perGrant(calls, skip, limitOf);
  if (!list.length) return [];
  const grants = new Map(list.map((g) => [g.grantId, g]));
  const rows = await upsert(list.map((g) => ({ grantId: g.grantId, n: g.idx.length })));
  const over: number[] = [];
  for (const r of rows) {
    const g = grants.get(r.grant_id)!;
    const n = Math.min(g.idx.length, r.used - g.limit);
    if (n > 0) {
      over.push(...g.idx.slice(g.idx.length - n));
      await giveBack(r.grant_id, n);
    }
  }
  return over;
}

let prunedMinute = 0;

/** Once a minute (per process), when calls with a rate are counted: the counters of past minutes are deleted. */
async function pruneRateCounters(exec: Db, calls: PendingCall[], now: Date): Promise<void> {
  const minute = rateMinute(now.getTime());
  if (prunedMinute === minute || !calls.some((c) => c.rate)) return;
  prunedMinute = minute;
  await exec.deleteFrom('exchange_rate_usage').where('minute', '<', minute - 1).execute();
}

/**
 * Counts the calls against their grants' per-minute rates and daily quotas and turns the calls
 * beyond a limit into refusals (in place). Each counter is one upsert that holds its row lock only
 * for that statement when `exec` is not in a transaction.
 */
export async function countLimits(exec: Db, calls: PendingCall[], now = new Date()): Promise<{ exceeded: Set<number>; limited: Set<number> }> {
  // Rate per minute first, then the daily quota of the calls still accepted.
  const minute = rateMinute(now.getTime());
  const limited = new Set(
    await overLimit(
      calls,
      new Set(),
      rateOf,
      (values) =>
        exec
          .insertInto('exchange_rate_usage')
          .values(values.map((v) => ({ grant_id: v.grantId, minute, used: v.n })))
          .onConflict((oc) => oc.columns(['grant_id', 'minute']).doUpdateSet({ used: sql`exchange_rate_usage.used + excluded.used` }))
          .returning(['grant_id', 'used'])
          .execute(),
      (grantId, n) => giveBackRate(exec, grantId, minute, n),
    ),
  );
  await pruneRateCounters(exec, calls, now);
  const day = chinaDay(now);
  const exceeded = new Set(
    await overLimit(
      calls,
      limited,
      quotaOf,
      (values) =>
        exec
          .insertInto('exchange_usage')
          .values(values.map((v) => ({ grant_id: v.grantId, day, used: v.n })))
          .onConflict((oc) => oc.columns(['grant_id', 'day']).doUpdateSet({ used: sql`exchange_usage.used + excluded.used` }))
          .returning(['grant_id', 'used'])
          .execute(),
      (grantId, n) => giveBackQuota(exec, grantId, day, n),
    ),
  );
  for (const i of limited) refuseAtCommit(calls[i], 'RATE_LIMITED');
  for (const i of exceeded) refuseAtCommit(calls[i], 'QUOTA_EXCEEDED');
  return { exceeded, limited };
}

/**
 * Takes counted calls back off their counters (their batch could not be written), outside any
 * transaction. Best effort: if this fails too, the counters stay high — refusing early, never late.
 */
async function uncount(db: Db, calls: PendingCall[], counted: { exceeded: Set<number>; limited: Set<number> }, minute: number, day: string): Promise<void> {
  try {
    for (const g of perGrant(calls, counted.limited, rateOf)) await giveBackRate(db, g.grantId, minute, g.idx.length);
    for (const g of perGrant(calls, new Set([...counted.limited, ...counted.exceeded]), quotaOf)) await giveBackQuota(db, g.grantId, day, g.idx.length);
  } catch {
    /* the counters stay high: safe */
  }
}

/** Writes calls in the caller's transaction: counts them against their limits, then records them (see insertCalls). */
export async function writeCalls(trx: Db, calls: PendingCall[]): Promise<{ batchId: string; leafHash: string; exceeded: Set<number>; limited: Set<number> }> {
  const counted = await countLimits(trx, calls);
  return { ...(await insertCalls(trx, calls)), ...counted };
}

/** The counts of one batch against its grants' limits, for the one-statement path of insertCalls. */
interface Limits {
  minute: number;
  day: string;
  /** Per grant (in grant-id order, the lock order): calls counted and the limit. */
  rate: { grantId: string; n: number; limit: number }[];
  quota: { grantId: string; n: number; limit: number }[];
}

/** What a batch adds to its grants' counters if none of its calls is refused (see CallRecorder). */
function limitsOf(calls: PendingCall[], now: Date): Limits {
  const counts = (limitOf: LimitOf) =>
    perGrant(calls, new Set(), limitOf).map((g) => ({ grantId: g.grantId, n: g.idx.length, limit: g.limit }));
  return { minute: rateMinute(now.getTime()), day: chinaDay(now), rate: counts(rateOf), quota: counts(quotaOf) };
}

/** Whether a batch could pass a limit even on a fresh counter (more calls of a grant than its limit). */
const overAtOnce = (l: Limits) => [...l.rate, ...l.quota].some((x) => x.n > x.limit);

/** The error of insertCalls with limits when a counter would pass its limit (nothing was written). */
export const isOverLimit = (err: unknown) => (err as { code?: unknown } | null)?.code === 'YW001';

/**
 * Records calls in ONE statement — their receipts, the batch and one transparency-log entry listing
 * them all — so that, run on its own, it is its own transaction (atomic) and one round trip.
 *
 * With `limits`, the same statement also adds the calls to their grants' counters (per minute and
 * per day) and fails whole (`isOverLimit`) if a counter would pass its limit: the common case, no
 * call refused, is then one round trip for counting and recording, and the counter rows are locked
 * only for that statement. Without, the calls must have been counted already (countLimits).
 */
export async function insertCalls(exec: Db, calls: PendingCall[], limits?: Limits): Promise<{ batchId: string; leafHash: string }> {
  const { batchId, leafHash, statement } = insertStatement(calls, limits);
  await exec.executeQuery(statement);
  return { batchId, leafHash };
}

/** The statement of insertCalls, compiled, not run (the recorder signs the answers while it runs). */
function insertStatement(calls: PendingCall[], limits?: Limits): { batchId: string; leafHash: string; statement: CompiledQuery; canonical: string[] } {
  const batchId = randomUUID();
  const canonical = calls.map((c) => canonicalJson(c.result));
  const hashes = canonical.map((j) => sha256(j));
  const logged = prepareLogEntries([
    {
      type: 'exchange.calls',
      subject: batchId,
      // Members in canonical (sorted) order: the log entry's canonical JSON then needs no copy of them.
      calls: calls.map((c, i) => ({ client: c.record.client_id ?? null, kind: c.record.kind, outcome: c.record.outcome, receipt: c.record.id, resource: c.record.resource_code, resultHash: hashes[i] })),
    },
  ]);
  const leafHash = logged.entries[0].leafHash;
  // The receipts go as ONE json parameter (json_to_recordset): a fixed statement whatever the batch
  // size, and JSON.stringify is native, where a text array per column is escaped element by element in
  // JavaScript by the driver (and a VALUES list would be parsed and planned anew for every size).
  const receipts = JSON.stringify(
    calls.map((c, i) => {
      const r = c.record;
      return {
        id: r.id, at: r.at, kind: r.kind, client_id: r.client_id ?? null, client_name: r.client_name ?? null, consumer_department_id: r.consumer_department_id ?? null,
        grant_id: r.grant_id ?? null, resource_id: r.resource_id ?? null, resource_code: r.resource_code, fields: r.fields, purpose: r.purpose ?? null,
        reference: r.reference ?? null, subject_key: r.subject_key ?? null, outcome: r.outcome, reason_code: r.reason_code ?? null, result_hash: hashes[i], auth: r.auth ?? null,
      };
    }),
  );
  const q = logged.rows[0];
  const withCounting = !!limits && (limits.rate.length > 0 || limits.quota.length > 0);
  const params: unknown[] = [q.leaf_hash, q.entry, batchId, leafHash, calls.length, receipts];
  if (withCounting) {
    for (const [l, period] of [
      [limits.rate, limits.minute],
      [limits.quota, limits.day],
    ] as const)
      if (l.length) params.push(period, l.map((x) => x.grantId), l.map((x) => x.n), l.map((x) => x.limit), l.length);
  }
  // Its text is made once per shape, not compiled per batch; like every single statement on
  // PostgreSQL it runs as a prepared statement (db/pg-driver.ts), planned once per connection.
  const statement = CompiledQuery.raw(groupCommitSql(withCounting && limits.rate.length > 0, withCounting && limits.quota.length > 0), params);
  return { batchId, leafHash, statement, canonical };
}

const groupCommitTexts = new Map<string, string>();

/**
 * The text of insertCalls's statement: $1–$6 the log entry's leaf hash and bytes, the batch id, its
 * leaf hash (text), its size and the receipts (json); with counting, for each counter table counted
 * (rate, then quota) its period, grant ids, calls per grant, limits per grant and number of grants.
 *
 * Counting: one upsert per counter table (rows in grant-id order, the lock order of every batch)
 * that leaves a counter alone if it would pass its limit; `within` is true if every counter took
 * its calls, else it raises YW001 (exchange_over_limit) and so undoes the whole statement.
 */
function groupCommitSql(rate: boolean, quota: boolean): string {
  const shape = `${rate}/${quota}`;
  let text = groupCommitTexts.get(shape);
  if (text) return text;
  let n = 6;
  const counters: string[] = [];
  const checks: string[] = [];
  for (const [on, name, table, period, type] of [
    [rate, 'rate', 'exchange_rate_usage', 'minute', 'bigint'],
    [quota, 'quota', 'exchange_usage', 'day', 'date'],
  ] as const) {
    if (!on) continue;
    const [p, ids, ns, lims, count] = [++n, ++n, ++n, ++n, ++n];
    counters.push(`${name} AS (INSERT INTO ${table} (grant_id, ${period}, used) SELECT g, $${p}::${type}, n FROM unnest($${ids}::uuid[], $${ns}::int[]) AS u(g, n)
      ON CONFLICT (grant_id, ${period}) DO UPDATE SET used = ${table}.used + excluded.used
      WHERE ${table}.used + excluded.used <= ($${lims}::int[])[array_position($${ids}::uuid[], ${table}.grant_id)]
      RETURNING 1),`);
    checks.push(`(SELECT count(*) FROM ${name}) = $${count}::int AND`);
  }
  const counting = counters.length ? `${counters.join('\n')}\n within AS (SELECT CASE WHEN ${checks.join(' ')} true THEN true ELSE exchange_over_limit() END AS ok),` : '';
  text = `WITH ${counting}
     logged AS (INSERT INTO tlog_queue (leaf_hash, entry) VALUES ($1, $2)),
     batch AS (INSERT INTO exchange_batches (id, leaf_hash, size) VALUES ($3::uuid, $4, $5::int))
INSERT INTO exchange_calls (id, at, kind, client_id, client_name, consumer_department_id, grant_id, resource_id, resource_code,
                            fields, purpose, reference, subject_key, outcome, reason_code, result_hash, batch_id, auth)
SELECT id, at, kind, client_id, client_name, consumer_department_id, grant_id, resource_id, resource_code,
       fields, purpose, reference, subject_key, outcome, reason_code, result_hash, $3::uuid, auth
FROM json_to_recordset($6::json)
  AS u(id uuid, at timestamptz, kind text, client_id uuid, client_name text, consumer_department_id uuid, grant_id uuid, resource_id uuid, resource_code text,
       fields jsonb, purpose text, reference text, subject_key text, outcome text, reason_code text, result_hash text, auth text)
${counters.length ? 'WHERE (SELECT ok FROM within)' : ''}`;
  groupCommitTexts.set(shape, text);
  return text;
}

export class CallRecorder {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** Until then batches are counted, then recorded (a limit was reached just before). */
  private inTwoStepsUntil = 0;

  constructor(
    private readonly db: Db,
    /** Signs the answers of the calls recorded with `answer`. */
    private readonly signAnswers: AnswerSigner | null = null,
    private readonly maxBatch = 1000,
    /** Batches written at once, at most. */
    private readonly writers = 4,
    /**
     * While a batch is being written, the calls arriving wait for it to finish and go together in
     * the next batch; another batch is started alongside only once this many are waiting. (Starting
     * one for every arrival made many small batches: per call, more statements, more signatures
     * and more log entries — the per-batch costs are most of what a call costs the database. Never
     * starting one, 64 with the benchmark's 50 connections, left the server idle a quarter of the
     * time while every call waited on the batch in flight: a batch sent alongside waits for the
     * counter row's lock in PostgreSQL instead, and is committed right after the first. 8, 16 and
     * 64 measured back to back: 7,585, 7,688 and 6,178-6,466 calls/s, about 16 calls per batch at 16.)
     */
    private readonly parallelFrom = 16,
  ) {}

  record(call: PendingCall): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...call, resolve, reject });
      if (this.inFlight === 0 || (this.inFlight < this.writers && this.queue.length >= this.parallelFrom)) {
        this.inFlight++;
        void this.loop();
      }
    });
  }

  private async loop(): Promise<void> {
    // Let the calls already in flight on this tick join the batch.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          // No transaction around the two steps: the counters' row locks (one per grant, shared by
          // every process's batches) are held for one upsert, not across round trips; the records are
          // one atomic statement. A crash between the two leaves the counters high by one batch: the
          // client is refused a few calls early, never allowed more than its quota.
          const now = new Date();
          let counted = { exceeded: new Set<number>(), limited: new Set<number>() };
          // The statement goes first; the answers are made and signed while it runs. (The pool hands
          // over a connection on a later tick, so they wait for the next turn of the event loop: made
          // at once, they would hold the statement back until they were done.)
          const write = async (limits?: Limits) => {
            const { batchId, leafHash, statement, canonical } = insertStatement(batch, limits);
            const written = this.db.executeQuery(statement);
            const signed = new Promise<Map<number, SignedAnswer>>((resolve, reject) => setImmediate(() => this.answers(batch, leafHash, counted, canonical).then(resolve, reject)));
            const [, answers] = await Promise.all([written, signed]);
            return { batchId, leafHash, answers };
          };
          const inTwoSteps = async () => {
            counted = await countLimits(this.db, batch, now);
            return write().catch(async (e: unknown) => {
              await uncount(this.db, batch, counted, rateMinute(now.getTime()), chinaDay(now));
              throw e;
            });
          };
          // The common case in one round trip: counted and recorded together. If a limit would be
          // passed, that statement undid itself, and the batch is counted first, its calls beyond
          // the limit refused, then recorded — and so are the batches of the next second (a client
          // beyond its limit tends to stay there: no statement tried in vain for each batch).
          await pruneRateCounters(this.db, batch, now);
          const limits = limitsOf(batch, now);
          const out =
            now.getTime() < this.inTwoStepsUntil || overAtOnce(limits)
              ? await inTwoSteps()
              : await write(limits).catch((err: unknown) => {
                  if (!isOverLimit(err)) throw err;
                  this.inTwoStepsUntil = now.getTime() + 1000;
                  return inTwoSteps();
                });
          batch.forEach((c, i) => {
            const refused = counted.limited.has(i) ? 'rate' : counted.exceeded.has(i) ? 'quota' : null;
            c.resolve({ receiptId: c.record.id, batchId: out.batchId, leafHash: out.leafHash, result: c.result, refused, ...(out.answers.has(i) ? { answer: out.answers.get(i) } : {}) });
          });
        } catch (err) {
          for (const c of batch) c.reject(err);
        }
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const f of this.idle.splice(0)) f();
    }
  }

  /**
   * The answers of the batch's calls with `answer` not refused at commit (by index): the result
   * with its log reference as JSON, signed together as one batch.
   */
  private async answers(batch: Waiting[], leafHash: string, counted: { exceeded: Set<number>; limited: Set<number> }, canonical: string[]): Promise<Map<number, SignedAnswer>> {
    const out = new Map<number, SignedAnswer>();
    if (!this.signAnswers) return out;
    const idx: number[] = [];
    const bodies: string[] = [];
    batch.forEach((c, i) => {
      if (!c.answer || counted.limited.has(i) || counted.exceeded.has(i)) return;
      idx.push(i);
      bodies.push(withLog(canonical[i], leafHash));
    });
    if (!bodies.length) return out;
    const { signature, proofs } = await this.signAnswers(bodies);
    idx.forEach((i, k) => out.set(i, { body: bodies[k], signature, proof: proofs[k] }));
    return out;
  }

  /** Waits until everything handed in is written (shutdown, tests). */
  async drain(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }
}
