/**
 * Every process of a node works on the same working-day calendar. The calendar lives in each
 * process's memory (shared/workdays), filled from the package data and from `calendar_years`,
 * the durable record of the years a platform administrator entered. When one process enters a
 * year (PUT /api/admin/calendar/:year), the others learn it:
 *
 * - at once, normally: the entering transaction sends NOTIFY on CALENDAR_CHANNEL (delivered at
 *   commit, to every process LISTENing on the database: PostgreSQL, or PGlite in-process), and each
 *   process then loads the stored years it does not have yet;
 * - within CALENDAR_CHECK_SECONDS at worst: each process also checks the table on a timer (one
 *   indexed read), which covers a lost LISTEN connection, a notification sent while it was
 *   reconnecting (it re-reads on reconnection too) and a row written by other means;
 * - before any work that needs the year: the recount job (applications.recalendar) and the PUT
 *   itself refresh first.
 *
 * Nothing is kept only in memory: the table is the truth, the in-memory calendar a cache of it.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { Db, DatabaseHandle } from '../../db/database';
import { calendarCoverage, extendCalendar } from '../../shared/workdays';

/** NOTIFY channel: payload the year entered. */
export const CALENDAR_CHANNEL = 'yiwang_calendar';

/** Sends the notification inside the caller's transaction (delivered at commit, not at all on rollback). */
export async function notifyCalendarYear(trx: Db, year: number): Promise<void> {
  await sql`SELECT pg_notify(${CALENDAR_CHANNEL}, ${String(year)})`.execute(trx);
}

/** Applies the stored years this process does not cover yet, in order; returns the years applied. */
export async function loadCalendarYears(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('calendar_years').selectAll().where('year', '>', calendarCoverage().to).orderBy('year').execute();
  const applied: number[] = [];
  // No await between the checks and the changes: two loads at once cannot both apply a year.
  for (const r of rows) if (extendCalendar(r.year, { holidays: r.holidays, workdays: r.workdays })) applied.push(r.year);
  return applied;
}

export interface CalendarSyncOptions {
  db: Db;
  /** The database's LISTEN (absent: the timer alone). */
  listen?: DatabaseHandle['listen'];
  log: FastifyBaseLogger;
  /** Seconds between checks of the table (0: no timer). */
  checkSeconds: number;
}

export class CalendarSync {
  private running: Promise<number[]> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly o: CalendarSyncOptions) {}

  /**
   * Loads the stored years this process lacks. One load at a time; a call during a load runs
   * another after it (the first may have read the table before the newest commit).
   */
  refresh(): Promise<number[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<number[]> => {
      const applied: number[] = [];
      try {
        do {
          this.again = false;
          applied.push(...(await loadCalendarYears(this.o.db)));
        } while (this.again);
      } finally {
        this.running = null;
      }
      if (applied.length) this.o.log.info({ calendarYears: applied }, 'working-day calendar extended from the database');
      return applied;
    };
    this.running = run();
    return this.running;
  }

  private background(why: string): void {
    this.refresh().catch((err) => this.o.log.warn({ err, why }, 'working-day calendar: loading entered years failed; retried at the next check'));
  }

  /** Loads the stored years, then listens and checks periodically. */
  async start(): Promise<number[]> {
    const applied = await this.refresh();
    if (this.o.listen) {
      this.unlisten = await this.o.listen(CALENDAR_CHANNEL, () => this.background('notification'), {
        onReconnect: () => this.background('reconnected'),
        onError: (err) => this.o.log.warn({ err }, 'working-day calendar: LISTEN connection failed; reconnecting (the periodic check covers the gap)'),
      });
    }
    if (this.o.checkSeconds > 0) {
      this.timer = setInterval(() => this.background('periodic check'), this.o.checkSeconds * 1000);
      this.timer.unref();
    }
    return applied;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
    await this.running?.catch(() => undefined);
  }
}
