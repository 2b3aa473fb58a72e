/**
 * The legal clock (办理时限) of an application, in Chinese working days (shared/workdays: public
 * holidays and 调休 make-up days included).
 *
 * Rules (行政许可法 art. 42, 45, 82; 民法典 art. 201):
 * - The clock starts at acceptance (受理). The day of acceptance does not count; the period's N-th
 *   working day is its last day, which ends at 24:00 China time. Legal (法定) and promised (承诺)
 *   due dates are both kept; warnings and overdue follow the promised one (the tighter promise
 *   the platform keeps), the legal one is shown beside it.
 * - 补正 after acceptance and 特别程序 (hearing, testing, expert review …) pause the clock. When it
 *   resumes, every due date (legal, promised, the current step's) moves later by the working days
 *   of the pause: the working days after the day it paused up to and including the day it
 *   resumed (the day of pausing was a day of work; a pause ended the same day costs nothing).
 * - Each step of the process has its own budget (budgetDays) counted the same way from the day
 *   the step opened.
 * - Warning (预警) starts on the first day on which at most (1 − share) of the period is left,
 *   `share` being APPLICATION_WARNING_SHARE; overdue (超期) starts when the last day has ended.
 *
 * "Now" comes from a Clock so that tests (and replays) can set it; production uses the system's.
 */
import { CalendarCoverageError, addWorkingDays, chinaDate, isWorkingDay, workingDaysBetween } from '../../shared/workdays';
import { chinaEndOfDay, fromDayNumber, toDayNumber } from '../../shared/dates';
import { AppError } from '../../shared/errors';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told otherwise (tests, simulations). */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(to: Date | string): void {
    this.t = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export type Sla = 'normal' | 'warning' | 'overdue';

/** The start (00:00 China time) of a calendar date. */
export function chinaStartOfDay(date: string): Date {
  return new Date(chinaEndOfDay(date).getTime() + 1 - 86_400_000);
}

/** The instant a due date is past: the start of the next day, China time. */
export function overdueAt(due: string): Date {
  return new Date(chinaEndOfDay(due).getTime() + 1);
}

const nextDay = (d: string) => fromDayNumber(toDayNumber(d) + 1);
const prevDay = (d: string) => fromDayNumber(toDayNumber(d) - 1);

/**
 * The first date of the warning period of a `days`-long period ending on `due`: the earliest
 * date from which at most floor(days × (1 − share)) working days are left.
 */
export function warningFrom(due: string, days: number, share: number): string {
  const left = Math.floor(days * (1 - share) + 1e-9);
  let d = due;
  let count = 0; // working days after d up to and including due
  for (let guard = 0; guard < 4000; guard++) {
    const counted = count + (isWorkingDay(d) ? 1 : 0); // working days after the previous day
    if (counted > left) return d;
    count = counted;
    d = prevDay(d);
  }
  return d;
}

/** Working days left until `due` as seen on `today` (0 on the last day, negative once past). */
export function daysLeft(today: string, due: string): number {
  return workingDaysBetween(today, due);
}

export function slaOf(today: string, due: string, days: number, share: number): Sla {
  if (today > due) return 'overdue';
  return today >= warningFrom(due, days, share) ? 'warning' : 'normal';
}

/** Working days a pause took (see the rules above). */
export function pausedWorkingDays(pausedAt: Date, resumedAt: Date): number {
  return Math.max(0, workingDaysBetween(chinaDate(pausedAt), chinaDate(resumedAt)));
}

export function extend(due: string, workingDays: number): string {
  return workingDays > 0 ? addWorkingDays(due, workingDays) : due;
}

export { addWorkingDays, chinaDate, nextDay };

/** The working-day calendar does not cover a date the rules need: a clear 503, never a guess. */
export function calendarNotCovered(e: CalendarCoverageError): AppError {
  return new AppError(
    503,
    'WORKING_CALENDAR_NOT_COVERED',
    `工作日历尚未包含 ${e.year} 年的节假日安排（现有 ${e.coverage.from}–${e.coverage.to} 年），无法计算办理时限；请平台管理员录入国务院办公厅公布的 ${e.year} 年节假日安排后重试`,
    `The working-day calendar has no holiday arrangement for ${e.year} (it covers ${e.coverage.from}–${e.coverage.to}), so the time limit cannot be computed; a platform administrator must enter the State Council's arrangement for ${e.year}, then try again`,
    undefined,
    { year: e.year, coverage: e.coverage },
  );
}

/** Runs `fn`, turning a calendar coverage gap into the 503 problem above. */
export function withCalendar<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CalendarCoverageError) throw calendarNotCovered(e);
    throw e;
  }
}

/** Like withCalendar, for reads: null where the calendar cannot answer (a page still shows). */
export function orNull<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CalendarCoverageError) return null;
    throw e;
  }
}
