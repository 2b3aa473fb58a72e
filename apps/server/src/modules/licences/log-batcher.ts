/**
 * Group commit for transparency log appends that belong to no other write (verification calls):
 * entries that arrive while a batch is being written go into the next one, so a burst of calls
 * costs one transaction per batch instead of one per call. Every caller's promise settles only
 * after its entry is committed to the log's queue, so a response never claims a log entry that
 * could still be lost.
 */
import type { Db } from '../../db/database';
import { appendToLog, type LogEntryInput } from '../transparency';

interface Pending {
  entry: LogEntryInput;
  resolve: (leafHash: string) => void;
  reject: (err: unknown) => void;
}

export class LogBatcher {
  private queue: Pending[] = [];
  private running = false;
  /** Batches written and entries in them, for the benchmark's figures. */
  readonly stats = { batches: 0, entries: 0 };

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 500,
  ) {}

  append(entry: LogEntryInput): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const hashes = await this.db.transaction().execute(async (trx) => {
          const out: string[] = [];
          for (const p of batch) out.push((await appendToLog(trx, p.entry)).leafHash);
          return out;
        });
        this.stats.batches++;
        this.stats.entries += batch.length;
        batch.forEach((p, i) => p.resolve(hashes[i]));
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
    this.running = false;
  }
}
