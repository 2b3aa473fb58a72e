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
 * Official years are those the State Council has published (package data, or entered by an
 * administrator with extendCalendar; the calendar is per process, and every process of a node
 * learns an entered year from the database: org/calendar.sync.ts). The {@link PROVISIONAL_YEARS} years after the last official
 * one use a **provisional calendar** computed from the statutory rules (see provisionalArrangement
 * and ADR 0002); a deadline whose last day falls in such a year is provisional (isProvisionalDate)
 * and is recomputed when the official arrangement is entered. A date beyond the provisional years,
 * or before the data, throws {@link CalendarCoverageError}.
 */
import { createRequire } from 'node:module';
import chineseDays from 'chinese-days';
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

/** Forgets the years entered with extendCalendar (tests that start a second app in one process). */
export function resetCalendarForTests(): void {
  calendar = undefined;
  table = undefined;
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

/** How many years after the last official one the provisional calendar covers. */
export const PROVISIONAL_YEARS = 2;

/** Years (inclusive) covered by the provisional calendar: the PROVISIONAL_YEARS after the official ones. */
export function provisionalCoverage(): { from: number; to: number } {
  const { to } = load();
  return { from: to + 1, to: to + PROVISIONAL_YEARS };
}

/** Whether a date ('YYYY-MM-DD') lies in a year the provisional calendar stands in for. */
export function isProvisionalDate(date: string): boolean {
  const y = yearOfDate(date);
  const p = provisionalCoverage();
  return y >= p.from && y <= p.to;
}

/**
 * The covered days (official and provisional years) counted once: `worked[i]` is how many working
 * days there are from `base` to `base + i` inclusive. Every question of the calendar — is a day a
 * working day, the N-th working day after one, the working days between two — is then a look-up
 * or a binary search instead of a walk that formats and looks up each date (deadlines, days left and
 * SLA colours are worked out on every transition and every task list). Made again when the calendar
 * changes (extendCalendar).
 */
interface DayTable {
  base: number;
  end: number;
  worked: Int32Array;
}

let table: DayTable | undefined;

function days(): DayTable {
  if (table) return table;
  const cal = load();
  const base = toDayNumber(`${cal.from}-01-01`);
  const end = toDayNumber(`${cal.to + PROVISIONAL_YEARS}-12-31`);
  const worked = new Int32Array(end - base + 1);
  let n = 0;
  for (let day = base; day <= end; day++) {
    if (onCalendar(day)) n++;
    worked[day - base] = n;
  }
  table = { base, end, worked };
  return table;
}

/** Throws CalendarCoverageError unless the day's year is official or provisional; returns its index in the table. */
function covered(dayNumber: number): number {
  const t = days();
  if (dayNumber < t.base || dayNumber > t.end) {
    const cal = load();
    throw new CalendarCoverageError(yearOfDate(fromDayNumber(dayNumber)), { from: cal.from, to: cal.to + PROVISIONAL_YEARS });
  }
  return dayNumber - t.base;
}

function isWeekday(dayNumber: number): boolean {
  const weekday = weekdayOf(dayNumber);
  return weekday !== 0 && weekday !== 6;
}

/** Whether a covered day is a working day, from the arrangements themselves (what the table is made of). */
function onCalendar(dayNumber: number): boolean {
  const date = fromDayNumber(dayNumber);
  const { workdays, holidays, to } = load();
  if (yearOfDate(date) > to) return !provisionalDaysOff(yearOfDate(date)).has(date) && isWeekday(dayNumber);
  if (workdays.has(date)) return true;
  if (holidays.has(date)) return false;
  return isWeekday(dayNumber);
}

function isWorkingDayNumber(dayNumber: number): boolean {
  const i = covered(dayNumber);
  const { worked } = days();
  return worked[i]! - (i > 0 ? worked[i - 1]! : 0) === 1;
}

/**
 * Whether a date is a working day on the calendar as it was before the official arrangement of
 * `year` was entered, i.e. with `year` and later years provisional. `before` gives the days of the
 * entered notice in December of the year before with their earlier status (see extendCalendar).
 * Used to recount deadlines computed on the provisional calendar.
 */
export function wasWorkingDayBefore(date: string, year: number, before: Record<string, boolean> = {}): boolean {
  if (date in before) return before[date]!;
  const y = yearOfDate(date);
  if (y < year) return isWorkingDay(date);
  if (y > year + PROVISIONAL_YEARS - 1) throw new CalendarCoverageError(y, { from: load().from, to: year + PROVISIONAL_YEARS - 1 });
  return !provisionalDaysOff(y).has(date) && isWeekday(toDayNumber(date));
}

/**
 * A deadline computed with `wasWorkingDayBefore(…, year, before)` moved onto today's calendar: the
 * working days it was after `ref` (a day both calendars agree on, before any day they differ on)
 * are counted again on the current calendar. Returns the date unchanged when it is not after ref.
 */
export function recountDeadline(date: string, ref: string, year: number, before: Record<string, boolean> = {}): string {
  const end = toDayNumber(date);
  let n = 0;
  for (let d = toDayNumber(ref) + 1; d <= end; d++) if (wasWorkingDayBefore(fromDayNumber(d), year, before)) n++;
  if (n === 0) return date;
  return addWorkingDays(ref, n);
}

// ---- provisional calendar ---------------------------------------------------------------------

/** Day number of lunar year `y`'s first day (正月初一), from the package's month-length tables. */
function lunarNewYear(y: number): number {
  // 1900-01-31 was 正月初一 of lunar year 1900; the tables start there.
  let day = toDayNumber('1900-01-31');
  for (let year = 1900; year < y; year++) day += lunarYearDays(year);
  return day;
}

// Pure table look-ups of the package (no dates parsed, so no time-zone trap).
const { getYearLeapMonth, monthDays } = chineseDays;

function lunarYearDays(y: number): number {
  let n = getYearLeapMonth(y).days;
  for (let m = 1; m <= 12; m++) n += monthDays(y, m);
  return n;
}

/** 'YYYY-MM-DD' of lunar month `month` (not the leap one), day `day` of lunar year `y`. */
export function solarOfLunar(y: number, month: number, day: number): string {
  let n = lunarNewYear(y);
  const leap = getYearLeapMonth(y);
  for (let m = 1; m < month; m++) n += monthDays(y, m);
  if (leap.leapMonth !== undefined && leap.leapMonth < month) n += leap.days;
  return fromDayNumber(n + day - 1);
}

/**
 * 清明 (the solar term pure brightness, around 5 April): the usual 21st-century formula
 * floor(Y·0.2422 + 4.81) − floor(Y/4) with Y the year within the century, as chinese-days computes
 * it (its own function formats through a time-zone-dependent date, so it is reproduced here).
 */
export function qingmingOf(year: number): string {
  if (year < 2000 || year > 2099) throw new RangeError(`清明 formula covers 2000–2099, not ${year}`);
  const yy = year % 100;
  const day = Math.floor(yy * 0.2422 + 4.81) - Math.floor(yy / 4);
  return `${year}-04-${String(day).padStart(2, '0')}`;
}

export interface ProvisionalHoliday {
  name: { zh: string; en: string };
  /** Statutory days off (全国年节及纪念日放假办法, as amended 2024). */
  statutory: string[];
  /** Weekdays off because a statutory day fell on a weekend or on another holiday (补假, art. 6). */
  substitute: string[];
}

const provisionalCache = new Map<number, ProvisionalHoliday[]>();

/**
 * The provisional arrangement of `year`, from the statutory rules only: 元旦 1 day, 春节 4 (除夕 and
 * 初一–初三), 清明 1, 劳动节 2 (1–2 May), 端午 1, 中秋 1, 国庆 3 (1–3 October); a statutory day that falls
 * on a Saturday or Sunday, or on another holiday's day, gives the next free weekday off (补假, which
 * the 办法 itself requires). No 调休 swap (a weekend worked to bridge a gap) is guessed: the State
 * Council decides those each year, they are net zero over a holiday period, so deadlines that span
 * a period come out as the official calendar will give them, and only one ending inside or next
 * to a period can move, by a day or two, once the notice is entered.
 */
export function provisionalArrangement(year: number): ProvisionalHoliday[] {
  const hit = provisionalCache.get(year);
  if (hit) return hit;
  const span = (start: string, n: number) => Array.from({ length: n }, (_, i) => fromDayNumber(toDayNumber(start) + i));
  const springFestival = solarOfLunar(year, 1, 1);
  const periods: { zh: string; en: string; days: string[] }[] = [
    { zh: '元旦', en: "New Year's Day", days: [`${year}-01-01`] },
    { zh: '春节', en: 'Spring Festival', days: span(fromDayNumber(toDayNumber(springFestival) - 1), 4) },
    { zh: '清明节', en: 'Qingming Festival', days: [qingmingOf(year)] },
    { zh: '劳动节', en: 'Labour Day', days: span(`${year}-05-01`, 2) },
    { zh: '端午节', en: 'Dragon Boat Festival', days: [solarOfLunar(year, 5, 5)] },
    { zh: '中秋节', en: 'Mid-Autumn Festival', days: [solarOfLunar(year, 8, 15)] },
    { zh: '国庆节', en: 'National Day', days: span(`${year}-10-01`, 3) },
  ];
  const off = new Set<string>();
  const out: ProvisionalHoliday[] = [];
  // 中秋 may fall on 1–3 October: a day that is two holidays at once is one more day to give.
  const sorted = [...periods].sort((a, b) => a.days[0]!.localeCompare(b.days[0]!));
  for (const p of sorted) {
    let owed = 0;
    const statutory: string[] = [];
    for (const d of p.days) {
      if (off.has(d) || !isWeekday(toDayNumber(d))) owed++;
      if (!off.has(d)) statutory.push(d);
      off.add(d);
    }
    const substitute: string[] = [];
    let day = toDayNumber(p.days[p.days.length - 1]!);
    while (owed > 0) {
      day++;
      const d = fromDayNumber(day);
      if (!isWeekday(day) || off.has(d)) continue;
      substitute.push(d);
      off.add(d);
      owed--;
    }
    out.push({ name: { zh: p.zh, en: p.en }, statutory, substitute });
  }
  provisionalCache.set(year, out);
  return out;
}

const daysOffCache = new Map<number, Set<string>>();

/** Every provisional day off of `year` (substitute days of 国庆 stay well inside the year). */
function provisionalDaysOff(year: number): Set<string> {
  let days = daysOffCache.get(year);
  if (!days) {
    days = new Set<string>();
    for (const p of provisionalArrangement(year)) for (const d of [...p.statutory, ...p.substitute]) days.add(d);
    daysOffCache.set(year, days);
  }
  return days;
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
  const from = covered(toDayNumber(start));
  if (n === 0) return fromDayNumber(toDayNumber(start));
  const { base, end, worked } = days();
  const want = worked[from]! + n;
  // Past the covered days: the day the count would need is in a year the calendar does not know.
  if (want > worked[end - base]!) covered(end + 1);
  // The first day whose count reaches `want` (a working day: the count rises on it).
  let lo = from + 1;
  let hi = end - base;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (worked[mid]! < want) lo = mid + 1;
    else hi = mid;
  }
  return fromDayNumber(base + lo);
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
  const i = covered(a);
  const { base, end, worked } = days();
  // Past the covered days: refused for the first year the calendar does not know.
  if (b > end) covered(end + 1);
  return worked[b - base]! - worked[i]!;
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
  checkArrangement(year, arrangement);
  for (const d of arrangement.holidays) {
    cal.workdays.delete(d);
    cal.holidays.add(d);
  }
  for (const d of arrangement.workdays) {
    cal.holidays.delete(d);
    cal.workdays.add(d);
  }
  cal.to = year;
  table = undefined;
  return true;
}

/**
 * Throws RangeError unless extendCalendar(year, arrangement) would apply it: the next year after the
 * covered ones, dates from 1 December of the year before to the year's end, no day both a holiday
 * and a working day, at least one holiday in the year. Changes nothing.
 */
export function checkArrangement(year: number, arrangement: { holidays: readonly string[]; workdays: readonly string[] }): void {
  const cal = load();
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
}
