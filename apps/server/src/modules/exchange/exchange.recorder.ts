/**
 * Group commit of data calls. Each call's record (receipt) is handed to the recorder and the
 * response waits until it is durable. Up to four batches are written at once; whatever arrives
 * while they are being written goes into the next: under load one transaction carries hundreds of calls — their receipts, one
 * transparency-log entry listing them all, and the daily quota counters — while an idle call waits
 * only for its own small transaction.
 *
 * Quotas are exact: the batch adds its calls to each grant's counter for the day with
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING used` (the row lock serializes processes), and the
 * calls beyond the quota are turned into refusals before anything is written.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { canonicalJson, prepareLogEntries } from '../transparency';
import { sha256b64u } from './exchange.crypto';
import type { ExchangeCallsTable } from './exchange.types';

export type CallRecord = Omit<Insertable<ExchangeCallsTable>, 'batch_id' | 'result_hash' | 'fields'> & { fields: string[] };

export interface PendingCall {
  record: CallRecord;
  /** The signed part of the answer (without the log reference); its hash is logged. */
  result: Record<string, unknown>;
  /** Quota to count the call against (successful calls only). */
  quota?: { grantId: string; perDay: number };
  /** Builds the refusal when the quota turns out to be used up at commit. */
  onQuotaExceeded?: () => { result: Record<string, unknown>; reasonCode: string };
}

export interface Recorded {
  receiptId: string;
  batchId: string;
  leafHash: string;
  result: Record<string, unknown>;
  quotaExceeded: boolean;
}

interface Waiting extends PendingCall {
  resolve: (r: Recorded) => void;
  reject: (e: unknown) => void;
}

/** China Standard Time day (quotas reset at midnight in Beijing). */
export function chinaDay(d = new Date()): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Writes calls in one transaction (also used directly, inside a caller's transaction, for single calls). */
export async function writeCalls(trx: Db, calls: PendingCall[]): Promise<{ batchId: string; leafHash: string; exceeded: Set<number> }> {
  const exceeded = new Set<number>();
  // Quota: count the batch's successful calls per grant, refuse the excess.
  const perGrant = new Map<string, { perDay: number; idx: number[] }>();
  calls.forEach((c, i) => {
    if (!c.quota) return;
    const g = perGrant.get(c.quota.grantId) ?? { perDay: c.quota.perDay, idx: [] };
    g.idx.push(i);
    perGrant.set(c.quota.grantId, g);
  });
  if (perGrant.size) {
    const day = chinaDay();
    const rows = await trx
      .insertInto('exchange_usage')
      .values([...perGrant].sort(([a], [b]) => (a < b ? -1 : 1)).map(([grantId, g]) => ({ grant_id: grantId, day, used: g.idx.length }))) // one lock order: concurrent batches never deadlock
      .onConflict((oc) => oc.columns(['grant_id', 'day']).doUpdateSet({ used: sql`exchange_usage.used + excluded.used` }))
      .returning(['grant_id', 'used'])
      .execute();
    for (const r of rows) {
      const g = perGrant.get(r.grant_id)!;
      const over = Math.min(g.idx.length, r.used - g.perDay);
      if (over > 0) {
        for (const i of g.idx.slice(g.idx.length - over)) exceeded.add(i);
        await trx.updateTable('exchange_usage').set({ used: sql`used - ${over}` }).where('grant_id', '=', r.grant_id).where('day', '=', day).execute();
      }
    }
  }
  for (const i of exceeded) {
    const c = calls[i];
    const refusal = c.onQuotaExceeded!();
    c.result = refusal.result;
    c.record = { ...c.record, outcome: 'refused', reason_code: refusal.reasonCode };
  }
  const batchId = randomUUID();
  const hashes = calls.map((c) => sha256b64u(canonicalJson(c.result)));
  const logged = prepareLogEntries([
    {
      type: 'exchange.calls',
      subject: batchId,
      calls: calls.map((c, i) => ({ receipt: c.record.id, resultHash: hashes[i], outcome: c.record.outcome, resource: c.record.resource_code, client: c.record.client_id ?? null, kind: c.record.kind })),
    },
  ]);
  const leafHash = logged.entries[0].leafHash;
  const rows = (from: number) => calls.slice(from, from + 500).map((c, j) => ({ ...c.record, fields: JSON.stringify(c.record.fields), result_hash: hashes[from + j], batch_id: batchId }));
  // The log entry, the batch and its first 500 receipts in ONE statement (a round trip, not three).
  await trx
    .with('logged', (db) => db.insertInto('tlog_queue').values(logged.rows))
    .with('batch', (db) => db.insertInto('exchange_batches').values({ id: batchId, leaf_hash: leafHash, size: calls.length }))
    .insertInto('exchange_calls')
    .values(rows(0))
    .execute();
  for (let i = 500; i < calls.length; i += 500) await trx.insertInto('exchange_calls').values(rows(i)).execute();
  return { batchId, leafHash, exceeded };
}

export class CallRecorder {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 1000,
    /** Batches written at once (each its own transaction; quota rows serialize them per grant). */
    private readonly writers = 4,
  ) {}

  record(call: PendingCall): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...call, resolve, reject });
      if (this.inFlight < this.writers) {
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
          const out = await this.db.transaction().execute((trx) => writeCalls(trx, batch));
          batch.forEach((c, i) =>
            c.resolve({ receiptId: c.record.id, batchId: out.batchId, leafHash: out.leafHash, result: c.result, quotaExceeded: out.exceeded.has(i) }),
          );
        } catch (err) {
          for (const c of batch) c.reject(err);
        }
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const f of this.idle.splice(0)) f();
    }
  }

  /** Waits until everything handed in is written (shutdown, tests). */
  async drain(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }
}
