/**
 * Request budgets counted in the database: fixed windows per key (an account, an API client, an
 * address, a route and address …), one atomic upsert per request (`INSERT … ON CONFLICT DO UPDATE
 * … RETURNING count`), so every server process of a node (SERVER_PROCESSES) draws on one budget
 * exactly. Windows are aligned to the process clock (servers keep NTP time; a skew of a few seconds
 * shifts a window's edge, never the count within it). The table is UNLOGGED: after a crash the
 * windows start again from zero. Windows of up to a day: older ones are pruned.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database';

export interface WindowHit {
  limit: number;
  /** Requests counted in this window, this one included. */
  count: number;
  remaining: number;
  /** Seconds until the window ends (at least 1). */
  reset: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
  allowed: boolean;
}

export class RateWindows {
  private hits = 0;
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request against `key`'s budget of `limit` per `windowMs`. */
  async hit(key: string, limit: number, windowMs = 60_000): Promise<WindowHit> {
    if (windowMs > 86_400_000) throw new RangeError('rate windows are at most a day long');
    const t = this.now();
    const start = Math.floor(t / windowMs) * windowMs;
    const r = await sql<{ count: number }>`INSERT INTO rate_windows (key, window_start, count) VALUES (${key}, ${new Date(start)}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + 1 RETURNING count`.execute(this.db);
    const count = Number(r.rows[0].count);
    // Ended windows are dropped now and then (any process may do it; no window is longer than a day).
    if (++this.hits % 1000 === 0) await sql`DELETE FROM rate_windows WHERE window_start < ${new Date(t - 86_400_000)}`.execute(this.db);
    const ttlMs = Math.max(1, start + windowMs - t);
    return { limit, count, remaining: Math.max(0, limit - count), reset: Math.max(1, Math.ceil(ttlMs / 1000)), ttlMs, allowed: count <= limit };
  }
}
