import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, freshDatabaseUrl, testApp } from '../../../../../test/helpers';
import { openDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { enqueue, enqueueItem, itemsOf, cancelJobs, JobRunner, type ClaimedJob } from './index';
import { transact } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';

const silent = { warn() {}, error() {}, info() {}, debug() {} } as never;

describe.each(DB_KINDS)('durable jobs on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind, { DEMO_DATA: false });
  });
  afterAll(async () => app?.close());
  const db = () => app.database.db;

  it('a job enqueued in a transaction that rolls back never exists; one that commits runs once', async () => {
    await expect(
      db().transaction().execute(async (trx) => {
        await enqueue(trx, { queue: 't.rollback' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await db().transaction().execute(async (trx) => enqueue(trx, { queue: 't.commit', payload: { n: 1 } }));
    const seen: ClaimedJob[] = [];
    const runner = new JobRunner(db(), silent).handle('t.rollback', async (j) => void seen.push(j)).handle('t.commit', async (j) => void seen.push(j));
    expect(await runner.drain()).toBe(1);
    expect(seen.map((j) => [j.queue, j.payload])).toEqual([['t.commit', { n: 1 }]]);
    expect(await runner.drain()).toBe(0);
    // Done: deleted (the table holds the work to do and the dead jobs).
    expect(await db().selectFrom('jobs').selectAll().where('queue', 'in', ['t.commit', 't.rollback']).execute()).toEqual([]);
  });

  it('retries a failing job with backoff and marks it dead after its last attempt', async () => {
    await enqueue(db(), { queue: 't.fail', maxAttempts: 3 });
    let calls = 0;
    const runner = new JobRunner(db(), silent, { backoffMs: 1 }).handle('t.fail', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    for (let i = 0; i < 3; i++) {
      // Make the retry due now rather than waiting for the backoff.
      await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 't.fail').where('state', '=', 'pending').execute();
      await runner.drain();
    }
    const row = await db().selectFrom('jobs').selectAll().where('queue', '=', 't.fail').executeTakeFirstOrThrow();
    expect(calls).toBe(3);
    expect(row).toMatchObject({ state: 'dead', attempts: 3, last_error: 'boom 3' });
  });

  it('a batch handler runs the due jobs of its queue together; when it fails, each job runs on its own and only the failing one retries', async () => {
    for (let n = 1; n <= 3; n++) await enqueue(db(), { queue: 't.batch', payload: { n }, maxAttempts: 2 });
    const batches: number[][] = [];
    const singles: number[] = [];
    const ok = new JobRunner(db(), silent).handle(
      't.batch',
      async (j) => void singles.push(j.payload.n as number),
      async (js) => void batches.push(js.map((j) => j.payload.n as number)),
    );
    expect(await ok.drain()).toBe(3);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(singles).toEqual([]);
    expect(await db().selectFrom('jobs').select('state').where('queue', '=', 't.batch').execute()).toEqual([]); // done: deleted

    for (let n = 4; n <= 6; n++) await enqueue(db(), { queue: 't.batch2', payload: { n }, maxAttempts: 2 });
    const failing = new JobRunner(db(), silent, { backoffMs: 3600_000 }).handle(
      't.batch2',
      async (j) => {
        if (j.payload.n === 5) throw new Error('five');
        singles.push(j.payload.n as number);
      },
      async () => {
        throw new Error('batch');
      },
    );
    expect(await failing.drain()).toBe(3);
    expect(singles).toEqual([4, 6]);
    const rows = await db().selectFrom('jobs').select(['state', 'payload', 'last_error']).where('queue', '=', 't.batch2').orderBy('id').execute();
    // 4 and 6 done (deleted), 5 waits for its retry.
    expect(rows.map((r) => [r.state, r.payload, r.last_error])).toEqual([['pending', { n: 5 }, 'five']]);
  });

  it('a batch handler may return the jobs that failed: only those retry, with backoff; the others are done', async () => {
    for (let n = 1; n <= 3; n++) await enqueue(db(), { queue: 't.batch3', payload: { n }, maxAttempts: 2 });
    const seen: number[][] = [];
    const runner = new JobRunner(db(), silent, { backoffMs: 3600_000 }).handle(
      't.batch3',
      async () => {
        throw new Error('the single-job handler is not used');
      },
      async (js) => {
        seen.push(js.map((j) => j.payload.n as number));
        return new Map(js.filter((j) => j.payload.n === 2).map((j) => [j.id, new Error('two')]));
      },
    );
    expect(await runner.drain()).toBe(3);
    expect(seen).toEqual([[1, 2, 3]]);
    const rows = await db().selectFrom('jobs').selectAll().where('queue', '=', 't.batch3').orderBy('id').execute();
    expect(rows.map((r) => [r.state, r.payload, r.attempts, r.last_error])).toEqual([['pending', { n: 2 }, 1, 'two']]); // 1 and 3 done: deleted
    expect(rows[0].run_at.getTime()).toBeGreaterThan(Date.now() + 3000_000); // backing off
    expect(await runner.drain()).toBe(0);
  });

  it('enqueueItem: the items of a deferring transaction travel in one job, in order; elsewhere one job each; nothing on rollback', async () => {
    await transact(db(), async (trx) => {
      await enqueueItem(trx, 't.items', { n: 1 });
      await enqueueItem(trx, 't.items.other', 'x');
      await enqueueItem(trx, 't.items', { n: 2 });
      await enqueue(trx, { queue: 't.items', payload: { single: true } });
      await enqueueItem(trx, 't.items', { n: 3 });
    });
    await db().transaction().execute(async (trx) => {
      await enqueueItem(trx, 't.items', { n: 4 });
      await enqueueItem(trx, 't.items', { n: 5 });
    });
    await expect(
      transact(db(), async (trx) => {
        await enqueueItem(trx, 't.items', { n: 6 });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await db().selectFrom('jobs').select(['queue', 'payload']).where('queue', 'like', 't.items%').orderBy('id').execute();
    expect(rows.map((r) => [r.queue, r.payload])).toEqual([
      ['t.items', { items: [{ n: 1 }, { n: 2 }, { n: 3 }] }],
      ['t.items.other', { items: ['x'] }],
      ['t.items', { single: true }],
      ['t.items', { items: [{ n: 4 }] }],
      ['t.items', { items: [{ n: 5 }] }],
    ]);
    const seen: unknown[][] = [];
    const runner = new JobRunner(db(), silent).handle('t.items', async (j) => void seen.push(itemsOf(j))).handle('t.items.other', async (j) => void seen.push(itemsOf(j)));
    expect(await runner.drain()).toBe(5);
    // A job without items (written before, or by enqueue) is its own one item.
    expect(seen).toEqual([[{ n: 1 }, { n: 2 }, { n: 3 }], ['x'], [{ single: true }], [{ n: 4 }], [{ n: 5 }]]);
  });

  it('a timer does not run before it is due; dedupe keys and cancellation work', async () => {
    await enqueue(db(), { queue: 't.timer', runAt: new Date(Date.now() + 3600_000), dedupeKey: 'task-1' });
    await enqueue(db(), { queue: 't.timer', runAt: new Date(Date.now() + 3600_000), dedupeKey: 'task-1' });
    await enqueue(db(), { queue: 't.timer', runAt: new Date(Date.now() + 3600_000), dedupeKey: 'task-2' });
    const pending = await db().selectFrom('jobs').select('dedupe_key').where('queue', '=', 't.timer').where('state', '=', 'pending').execute();
    expect(pending.map((p) => p.dedupe_key).sort()).toEqual(['task-1', 'task-2']);
    let ran = 0;
    const runner = new JobRunner(db(), silent).handle('t.timer', async () => void ran++);
    expect(await runner.drain()).toBe(0);
    expect(await cancelJobs(db(), 't.timer', 'task-2')).toBe(1);
    await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 't.timer').execute();
    expect(await runner.drain()).toBe(1);
    expect(ran).toBe(1);
  });

  it('a deferring transaction writes its appends at the end with the same job semantics, and nothing on rollback', async () => {
    const later = new Date(Date.now() + 3600_000);
    await enqueue(db(), { queue: 't.defer', runAt: later, dedupeKey: 'old' });
    await enqueue(db(), { queue: 't.defer', runAt: later, dedupeKey: 'kept' });
    const ctx = { actor: null, ip: null, requestId: 'deferred-test', audited: false };
    await transact(db(), async (trx) => {
      await cancelJobs(trx, 't.defer', 'old'); // cancel, then arm again: the new one stays
      await enqueue(trx, { queue: 't.defer', runAt: later, dedupeKey: 'old', payload: { n: 2 } });
      await enqueue(trx, { queue: 't.defer', runAt: later, dedupeKey: 'armed-then-cancelled' });
      await cancelJobs(trx, 't.defer', 'armed-then-cancelled');
      await enqueue(trx, { queue: 't.defer', runAt: later, dedupeKey: 'kept', payload: { n: 3 } }); // already pending: ignored
      await enqueue(trx, { queue: 't.defer', runAt: later, dedupeKey: 'twice', payload: { n: 4 } });
      await enqueue(trx, { queue: 't.defer', runAt: later, dedupeKey: 'twice', payload: { n: 5 } });
      await recordAudit(trx, ctx, { action: 'deferred.test', entityType: 'test', entityId: 'x' });
      // Not written yet: the transaction's own reads do not see deferred rows.
      expect(await trx.selectFrom('audit_log').select('id').where('request_id', '=', 'deferred-test').execute()).toHaveLength(0);
    });
    const rows = await db().selectFrom('jobs').select(['dedupe_key', 'state', 'payload']).where('queue', '=', 't.defer').orderBy('id').execute();
    // "Cancel, then arm again" moved the pending job of its key (one row written, not a cancelled one and a new one).
    expect(rows.map((r) => [r.dedupe_key, r.state, r.payload])).toEqual([
      ['old', 'pending', { n: 2 }],
      ['kept', 'pending', {}],
      ['twice', 'pending', { n: 4 }],
    ]);
    expect(await db().selectFrom('audit_log').select('action').where('request_id', '=', 'deferred-test').execute()).toEqual([{ action: 'deferred.test' }]);
    await expect(
      transact(db(), async (trx) => {
        await enqueue(trx, { queue: 't.defer.rollback' });
        await recordAudit(trx, { ...ctx, requestId: 'deferred-rollback' }, { action: 'deferred.test', entityType: 'test' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db().selectFrom('jobs').select('id').where('queue', '=', 't.defer.rollback').execute()).toHaveLength(0);
    expect(await db().selectFrom('audit_log').select('id').where('request_id', '=', 'deferred-rollback').execute()).toHaveLength(0);
  });

  it('a deferring transaction cancels pending jobs of other transactions by key (queue and key both match), again and again (past the statement\'s custom plans)', async () => {
    const later = new Date(Date.now() + 3600_000);
    for (let i = 0; i < 8; i++) {
      await enqueue(db(), { queue: 't.cancel.a', runAt: later, dedupeKey: `k${i}` });
      await enqueue(db(), { queue: 't.cancel.b', runAt: later, dedupeKey: `k${i}` });
      await enqueue(db(), { queue: 't.cancel.a', runAt: later, dedupeKey: `other${i}` });
      await transact(db(), async (trx) => {
        await cancelJobs(trx, 't.cancel.a', `k${i}`);
        await cancelJobs(trx, 't.cancel.b', `k${i}`);
        await cancelJobs(trx, 't.cancel.b', `other${i}`); // no such pending job in that queue: nothing
        await enqueue(trx, { queue: 't.cancel.c', runAt: later, dedupeKey: `k${i}` });
      });
      const rows = await db().selectFrom('jobs').select(['queue', 'dedupe_key', 'state']).where('queue', 'like', 't.cancel.%').where(sql<boolean>`dedupe_key IN (${`k${i}`}, ${`other${i}`})`).orderBy('id').execute();
      // The cancelled ones are deleted.
      expect(rows.map((r) => [r.queue, r.dedupe_key, r.state])).toEqual([
        ['t.cancel.a', `other${i}`, 'pending'],
        ['t.cancel.c', `k${i}`, 'pending'],
      ]);
    }
  });

  it('a timer moved (cancel, then arm again) while its old job runs: the runner records nothing on it, and the moved one runs at its new time', async () => {
    await enqueue(db(), { queue: 't.move', dedupeKey: 'k', payload: { v: 1 } });
    const later = new Date(Date.now() + 3600_000);
    const seen: unknown[] = [];
    const runner = new JobRunner(db(), silent).handle('t.move', async (j) => {
      seen.push(j.payload.v);
      if (j.payload.v === 1)
        await transact(db(), async (trx) => {
          await cancelJobs(trx, 't.move', 'k');
          await enqueue(trx, { queue: 't.move', dedupeKey: 'k', runAt: later, payload: { v: 2 } });
        });
    });
    expect(await runner.drain()).toBe(1);
    const [row] = await db().selectFrom('jobs').selectAll().where('queue', '=', 't.move').execute();
    expect(row).toMatchObject({ state: 'pending', attempts: 0, locked_by: null, payload: { v: 2 } });
    expect(Math.abs(row.run_at.getTime() - later.getTime())).toBeLessThan(1000);
    expect(await runner.drain()).toBe(0); // not due yet
    await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 't.move').execute();
    expect(await runner.drain()).toBe(1);
    expect(seen).toEqual([1, 2]);
    expect(await db().selectFrom('jobs').select('state').where('queue', '=', 't.move').execute()).toEqual([]); // done: deleted
  });

  it('deferred inserts of one shape reuse their statement text with each call\'s values; other shapes get their own', async () => {
    const later = new Date(Date.now() + 3600_000);
    for (const round of [1, 2, 3])
      await transact(db(), async (trx) => {
        await enqueue(trx, { queue: 't.shape', payload: { round, n: 1 } }); // run_at now()
        await enqueue(trx, { queue: 't.shape', payload: { round, n: 2 }, runAt: later, dedupeKey: `k${round}` });
        if (round !== 2) await enqueue(trx, { queue: 't.shape', payload: { round, n: 3 }, maxAttempts: round });
      });
    await transact(db(), async (trx) => enqueue(trx, { queue: 't.shape', payload: { round: 4, n: 1 }, runAt: later }));
    const rows = await db().selectFrom('jobs').select(['payload', 'dedupe_key', 'max_attempts', 'run_at']).where('queue', '=', 't.shape').orderBy('id').execute();
    const soon = (d: Date) => d.getTime() < Date.now() + 60_000;
    expect(rows.map((r) => [r.payload, r.dedupe_key, r.max_attempts, soon(r.run_at)])).toEqual([
      [{ round: 1, n: 1 }, null, 10, true],
      [{ round: 1, n: 2 }, 'k1', 10, false],
      [{ round: 1, n: 3 }, null, 1, true],
      [{ round: 2, n: 1 }, null, 10, true],
      [{ round: 2, n: 2 }, 'k2', 10, false],
      [{ round: 3, n: 1 }, null, 10, true],
      [{ round: 3, n: 2 }, 'k3', 10, false],
      [{ round: 3, n: 3 }, null, 3, true],
      [{ round: 4, n: 1 }, null, 10, false],
    ]);
  });

  it('due jobs of preferred queues are claimed before older jobs of the others', async () => {
    const past = (s: number) => new Date(Date.now() - s * 1000);
    await enqueue(db(), { queue: 't.notify', runAt: past(30), payload: { n: 1 } });
    await enqueue(db(), { queue: 't.notify', runAt: past(20), payload: { n: 2 } });
    await enqueue(db(), { queue: 't.engine', runAt: past(10), payload: { n: 3 } });
    const order: number[] = [];
    const take = async (j: ClaimedJob) => void order.push((j.payload as { n: number }).n);
    const runner = new JobRunner(db(), silent).handle('t.notify', take).handle('t.engine', take).prefer('t.engine');
    await runner.drain();
    expect(order).toEqual([3, 1, 2]);
  });

  it('a claim takes up to its batch size: the preferred queues\' due jobs first, then the others\', each group in due order across its queues (id breaks ties), none not yet due', async () => {
    const at = (s: number) => new Date(Date.now() + s * 1000);
    const same = at(-50);
    await db().transaction().execute(async (trx) => {
      const jobs: [string, Date, number][] = [
        ['t.c.other1', at(-60), 1], ['t.c.other2', at(-55), 2], ['t.c.other1', same, 3], ['t.c.other2', same, 4],
        ['t.c.pref1', at(-20), 5], ['t.c.pref2', at(-30), 6], ['t.c.pref1', at(-25), 7], ['t.c.pref2', at(3600), 8],
        ['t.c.other1', at(-10), 9], ['t.c.unhandled', at(-70), 10],
      ];
      for (const [queue, runAt, n] of jobs) await enqueue(trx, { queue, runAt, payload: { n } });
    });
    const take = async () => {};
    const runner = new JobRunner(db(), silent, { batchSize: 4 });
    for (const q of ['t.c.other1', 't.c.other2', 't.c.pref1', 't.c.pref2']) runner.handle(q, take);
    runner.prefer('t.c.pref1', 't.c.pref2');
    const n = (jobs: ClaimedJob[]) => jobs.map((j) => (j.payload as { n: number }).n);
    expect(n(await runner.claim())).toEqual([6, 7, 5, 1]);
    expect(n(await runner.claim())).toEqual([2, 3, 4, 9]); // 3 and 4 share run_at: enqueued (id) order
    expect(n(await runner.claim())).toEqual([]); // 8 is not due, 10's queue is not handled here
  });

  it('the runner loop runs jobs several at a time, each once, and records them done', async () => {
    await db().transaction().execute(async (trx) => {
      for (let i = 0; i < 45; i++) await enqueue(trx, { queue: 't.loop', payload: { i } });
    });
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    const runner = new JobRunner(db(), silent, { idleMs: 20, concurrency: 4 }).handle('t.loop', async (j) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      seen.push((j.payload as { i: number }).i);
      inFlight--;
    });
    runner.start();
    for (let t = 0; t < 600 && seen.length < 45; t++) await new Promise((r) => setTimeout(r, 50));
    await runner.stop();
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(most).toBeGreaterThan(1);
    expect(await db().selectFrom('jobs').select('state').where('queue', '=', 't.loop').execute()).toEqual([]); // all done: deleted
  });

  it('a job whose runner died (lease expired) is taken up by another runner', async () => {
    await enqueue(db(), { queue: 't.lease' });
    const dead = new JobRunner(db(), silent, { leaseSeconds: 30 }).handle('t.lease', async () => {});
    const claimed = await dead.claim(); // claimed, then the process "dies" before finishing
    expect(claimed).toHaveLength(1);
    const attempts: number[] = [];
    const other = new JobRunner(db(), silent).handle('t.lease', async (j) => void attempts.push(j.attempts));
    expect(await other.drain()).toBe(0); // the lease still holds
    await db().updateTable('jobs').set({ locked_until: sql`now() - interval '1 second'` }).where('queue', '=', 't.lease').execute();
    expect(await other.drain()).toBe(1);
    expect(attempts).toEqual([2]);
    expect(await db().selectFrom('jobs').selectAll().where('queue', '=', 't.lease').execute()).toEqual([]); // done: deleted
    // The dead runner's late success is not recorded on a job it no longer holds (nothing left to record either).
    expect(await new JobRunner(db(), silent).drain()).toBe(0);
  });
});

describe('several processes share one queue without running a job twice (PostgreSQL)', () => {
  it('a runner claiming while another runner\'s claim holds the first due jobs locked takes the next ones, a full batch', async () => {
    const url = await freshDatabaseUrl('postgres');
    const a = await openDatabase({ url, dataDir: '/tmp', poolSize: 2 });
    try {
      await migrateToLatest(a.db);
      await a.db.transaction().execute(async (trx) => {
        for (let n = 0; n < 12; n++) await enqueue(trx, { queue: 't.busy', runAt: new Date(Date.now() - (100 - n) * 1000), payload: { n } });
      });
      const runner = new JobRunner(a.db, silent, { batchSize: 5 }).handle('t.busy', async () => {});
      // The other runner's claim in flight: the first five due jobs row-locked by an open transaction.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const lockedNow = new Promise<void>((r) => (locked = r));
      const other = a.db.transaction().execute(async (trx) => {
        await sql`SELECT id FROM jobs WHERE queue = 't.busy' ORDER BY run_at, id LIMIT 5 FOR UPDATE`.execute(trx);
        locked();
        await held;
      });
      await lockedNow;
      const claimed = await runner.claim();
      release();
      await other;
      expect(claimed.map((j) => (j.payload as { n: number }).n)).toEqual([5, 6, 7, 8, 9]);
    } finally {
      await a.close();
    }
  });

  it('two runners on separate connection pools run 300 jobs exactly once each', async () => {
    const url = await freshDatabaseUrl('postgres');
    const a = await openDatabase({ url, dataDir: '/tmp', poolSize: 4 });
    const b = await openDatabase({ url, dataDir: '/tmp', poolSize: 4 });
    try {
      await migrateToLatest(a.db);
      for (let i = 0; i < 300; i += 50) {
        await a.db.transaction().execute(async (trx) => {
          for (let j = i; j < i + 50; j++) await enqueue(trx, { queue: 't.many', payload: { n: j } });
        });
      }
      const runs: number[] = [];
      const handler = async (job: ClaimedJob) => {
        runs.push(job.payload.n as number);
        await new Promise((r) => setTimeout(r, 1));
      };
      const r1 = new JobRunner(a.db, silent, { batchSize: 7 }).handle('t.many', handler);
      const r2 = new JobRunner(b.db, silent, { batchSize: 7 }).handle('t.many', handler);
      const [n1, n2] = await Promise.all([r1.drain(), r2.drain()]);
      expect(n1 + n2).toBe(300);
      expect(n1).toBeGreaterThan(0);
      expect(n2).toBeGreaterThan(0);
      expect(runs.length).toBe(300);
      expect(new Set(runs).size).toBe(300);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
