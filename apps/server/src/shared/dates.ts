/**
 * Calendar dates ('YYYY-MM-DD') and China time.
 *
 * Legal deadlines, birth dates and holidays are *calendar dates*, not instants. We do date
 * arithmetic on "day numbers" (days since 1970-01-01) so that nothing depends on the time zone of
 * the process: `new Date('2025-01-26')` is UTC midnight but `getDate()` reads local time, a classic
 * off-by-one west of Greenwich.
 *
 * China time is a fixed UTC+8. China has observed no daylight saving time since 1991, so a fixed
 * offset is exact for every date this platform deals with (holiday data starts in 2004).
 */

const MS_PER_DAY = 86_400_000;
const CHINA_UTC_OFFSET_MS = 8 * 3_600_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when year/month/day name a real Gregorian date (handles leap years). */
export function isValidDateParts(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this month.
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day number of a 'YYYY-MM-DD' string, or undefined when it is not a real date in that format. */
export function parseIsoDate(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isValidDateParts(year, month, day)) return undefined;
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** Like {@link parseIsoDate} but throws a RangeError: for API inputs that must be valid. */
export function toDayNumber(date: string): number {
  const n = parseIsoDate(date);
  if (n === undefined) throw new RangeError(`Not a calendar date in YYYY-MM-DD format: ${JSON.stringify(date)}`);
  return n;
}

/** 'YYYY-MM-DD' of a day number. */
export function fromDayNumber(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day of the week of a day number, 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** The calendar date ('YYYY-MM-DD') in China (Asia/Shanghai) at the given instant. */
export function chinaDate(instant: Date): string {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid Date');
  return fromDayNumber(Math.floor((ms + CHINA_UTC_OFFSET_MS) / MS_PER_DAY));
}

/** The last millisecond (23:59:59.999 China time) of a calendar date, as an absolute instant. */
export function chinaEndOfDay(date: string): Date {
  return new Date((toDayNumber(date) + 1) * MS_PER_DAY - CHINA_UTC_OFFSET_MS - 1);
}
