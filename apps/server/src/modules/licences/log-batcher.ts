/**
 * Batched transparency-log appends for calls that write nothing else (verification answers):
 * entries that arrive while batches are being written (up to four at once) go into the next one, and each batch is ONE
 * log leaf (`<type>.batch`, its entries in order) appended by one INSERT — so a burst of calls
 * costs one insert per batch instead of one per call. A caller's promise settles only after its
 * batch is committed, so an answer never cites a log entry that could still be lost; the receipt
 * names the leaf (its hash, for an inclusion proof) and the entry's position in it.
 */
import type { Db } from '../../db/database';
import { appendToLog, type LogEntryInput } from '../transparency';

interface Pending {
  entry: LogEntryInput;
  resolve: (at: { leafHash: string; index: number }) => void;
  reject: (err: unknown) => void;
}

export class LogBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Batches written and entries in them, for the benchmark's figures. */
  readonly stats = { batches: 0, entries: 0 };

  constructor(
    private readonly db: Db,
    private readonly batchType: string,
    private readonly maxBatch = 500,
    /** Batches being written at once: a slow commit does not hold up the next batch. */
    private readonly maxInFlight = 4,
  ) {}

  append(entry: LogEntryInput): Promise<{ leafHash: string; index: number }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.kick();
        });
      }
    });
  }

  private kick(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.kick();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      // One INSERT, atomic on its own: no BEGIN/COMMIT round trips around it.
      const { leafHash } = await appendToLog(this.db, { type: this.batchType, subject: null, count: batch.length, entries: batch.map((p) => p.entry) });
      this.stats.batches++;
      this.stats.entries += batch.length;
      batch.forEach((p, index) => p.resolve({ leafHash, index }));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    }
  }
}
