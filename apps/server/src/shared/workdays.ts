/**
 * Working-day calendar for legal time limits (法定/承诺办结时限 "N 个工作日").
 *
 * A day is a working day when it is Monday–Friday and not a public holiday, or when it is a
 * weekend day the State Council has made a working day (调休补班). The official arrangements come
 * from the `chinese-days` package, which transcribes the State Council's yearly notice.
 *
 * We read the package's published JSON (dist/chinese-days.json) rather than calling its
 * `isWorkday()`: that function parses 'YYYY-MM-DD' as UTC but reads it back in the process's
 * local time zone, so in any zone west of UTC it is off by one day (e.g. with TZ=America/New_York
 * it reports Monday 2025-01-27 as a day off). The JSON is plain date strings and zone-free.
 *
 * Counting convention (行政许可法 art. 82: time limits in working days exclude statutory holidays;
 * 民法典 art. 201: the first day of a period does not count): the day of acceptance does not
 * count, counting starts on the next working day, and the N-th working day is the last day of the
 * period, which ends at 24:00 China time.
 *
 * The calendar only knows the years the State Council has published. A date outside them throws
 * {@link CalendarCoverageError}: a deadline computed on a guessed calendar is a wrong deadline.
 */
import { createRequire } from 'node:module';
import { chinaDate, chinaEndOfDay, fromDayNumber, parseIsoDate, toDayNumber, weekdayOf } from './dates';

export { chinaDate } from './dates';

interface Calendar {
  /** Public holidays, including the weekend days inside a holiday period. */
  holidays: Set<string>;
  /** Weekend days made working days (调休补班). */
  workdays: Set<string>;
  /** First and last year with an official arrangement. */
  from: number;
  to: number;
}

let calendar: Calendar | undefined;

function load(): Calendar {
  if (calendar) return calendar;
  const require = createRequire(import.meta.url);
  const data = require('chinese-days/dist/chinese-days.json') as {
    holidays: Record<string, string>;
    workdays: Record<string, string>;
  };
  const holidays = new Set(Object.keys(data.holidays));
  const years = new Set([...holidays].map(yearOfDate));
  const from = Math.min(...years);
  const to = Math.max(...years);
  // Every year has at least 元旦; a year without holidays is missing data, not a year without rest.
  for (let y = from; y <= to; y++) {
    if (!years.has(y)) throw new Error(`chinese-days: no holiday data for ${y} inside ${from}–${to}`);
  }
  calendar = { holidays, workdays: new Set(Object.keys(data.workdays)), from, to };
  return calendar;
}

function yearOfDate(date: string): number {
  return Number(date.slice(0, 4));
}

export class CalendarCoverageError extends RangeError {
  constructor(
    readonly year: number,
    readonly coverage: { from: number; to: number },
  ) {
    super(
      `No official holiday arrangement for ${year}: the working-day calendar covers ` +
        `${coverage.from}–${coverage.to}. Update the chinese-days package or add the year with extendCalendar().`,
    );
    this.name = 'CalendarCoverageError';
  }
}

/** Years (inclusive) for which the official holiday arrangement is known. */
export function calendarCoverage(): { from: number; to: number } {
  const { from, to } = load();
  return { from, to };
}

/** Throws CalendarCoverageError unless the day's year has an official arrangement. */
function assertCovered(dayNumber: number): string {
  const cal = load();
  const date = fromDayNumber(dayNumber);
  const year = yearOfDate(date);
  if (year < cal.from || year > cal.to) throw new CalendarCoverageError(year, { from: cal.from, to: cal.to });
  return date;
}

function isWorkingDayNumber(dayNumber: number): boolean {
  const date = assertCovered(dayNumber);
  const { workdays, holidays } = load();
  if (workdays.has(date)) return true;
  if (holidays.has(date)) return false;
  const weekday = weekdayOf(dayNumber);
  return weekday !== 0 && weekday !== 6;
}

/** Whether a calendar date ('YYYY-MM-DD', China) is a working day. */
export function isWorkingDay(date: string): boolean {
  return isWorkingDayNumber(toDayNumber(date));
}

/**
 * The last day of a period of `n` working days starting on `start` (the day of acceptance, which
 * does not count). n = 0 returns `start` itself (即办件, done the same day).
 * Example: accepted Friday 2025-01-24, 3 working days: Sunday 26 Jan (a make-up working day) is
 * the 1st, Monday 27 the 2nd, 28 Jan–4 Feb is the Spring Festival, Wednesday 5 Feb is the 3rd.
 */
export function addWorkingDays(start: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Working days must be a non-negative integer, got ${n}`);
  let day = toDayNumber(start);
  assertCovered(day);
  for (let left = n; left > 0; ) {
    day += 1;
    if (isWorkingDayNumber(day)) left -= 1;
  }
  return fromDayNumber(day);
}

/**
 * Working days after `from` up to and including `to`; negative when `to` is before `from`.
 * The inverse of addWorkingDays: addWorkingDays(a, n) = b ⇒ workingDaysBetween(a, b) = n.
 * E.g. days left before a deadline: workingDaysBetween(today, deadline).
 */
export function workingDaysBetween(from: string, to: string): number {
  const a = toDayNumber(from);
  const b = toDayNumber(to);
  if (b < a) return 0 - workingDaysBetween(to, from); // 0 - 0 is +0; a bare minus would give -0
  assertCovered(a);
  let count = 0;
  for (let day = a + 1; day <= b; day++) if (isWorkingDayNumber(day)) count += 1;
  return count;
}

/**
 * The instant a period of `n` working days, starting at `start`, ends: 23:59:59.999 China time
 * on the last day (see addWorkingDays).
 */
export function deadlineAt(start: Date, n: number): Date {
  return chinaEndOfDay(addWorkingDays(chinaDate(start), n));
}

/**
 * Adds the official arrangement of the year after the covered ones, for when the State Council
 * has published its notice (usually in November) but the chinese-days package has not caught up.
 * `holidays` lists every day off of the holiday periods (weekend days included, as in the notice's
 * "X月X日至X日放假"), `workdays` the weekend days made working days. Days may fall in December of
 * the year before: the notice for 2019 made 2018-12-29 a working day and 2018-12-30/31 days off.
 *
 * Returns false, changing nothing, when the package already covers the year (its data wins; the
 * caller should log that the override can be removed).
 */
export function extendCalendar(
  year: number,
  arrangement: { holidays: readonly string[]; workdays: readonly string[] },
): boolean {
  const cal = load();
  if (Number.isInteger(year) && year >= cal.from && year <= cal.to) return false;
  if (year !== cal.to + 1) throw new RangeError(`The calendar can only be extended by the next year, ${cal.to + 1}`);

  const earliest = `${year - 1}-12-01`;
  const latest = `${year}-12-31`;
  for (const date of [...arrangement.holidays, ...arrangement.workdays]) {
    if (parseIsoDate(date) === undefined || date < earliest || date > latest) {
      throw new RangeError(`Arrangement for ${year}: ${JSON.stringify(date)} is not a date between ${earliest} and ${latest}`);
    }
  }
  const both = arrangement.holidays.filter((d) => arrangement.workdays.includes(d));
  if (both.length > 0) throw new RangeError(`Arrangement for ${year}: ${both.join(', ')} both a holiday and a working day`);
  if (!arrangement.holidays.some((d) => yearOfDate(d) === year)) {
    throw new RangeError(`Arrangement for ${year} has no holidays in ${year}`);
  }

  for (const d of arrangement.holidays) {
    cal.workdays.delete(d);
    cal.holidays.add(d);
  }
  for (const d of arrangement.workdays) {
    cal.holidays.delete(d);
    cal.workdays.add(d);
  }
  cal.to = year;
  return true;
}
