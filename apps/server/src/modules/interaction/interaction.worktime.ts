/**
 * Working time (工作时间) for response deadlines: 09:00–12:00 and 13:30–17:30 China time on
 * working days (shared/workdays: holidays and make-up days), i.e. 7 working hours a day.
 * `addWorkingHours(start, h)`: the instant h working hours after `start`.
 */
import { isWorkingDay } from '../../shared/workdays';
import { chinaDate } from '../../shared/dates';

const CN = 8 * 3600_000;
/** Periods of a working day in minutes after China midnight. */
export const PERIODS: [number, number][] = [
  [9 * 60, 12 * 60],
  [13 * 60 + 30, 17 * 60 + 30],
];

function chinaMidnight(t: number): number {
  return Math.floor((t + CN) / 86400_000) * 86400_000 - CN;
}

export function addWorkingHours(start: Date, hours: number): Date {
  let left = Math.round(hours * 60); // minutes
  let t = start.getTime();
  for (let guard = 0; guard < 4000; guard++) {
    const midnight = chinaMidnight(t);
    if (isWorkingDay(chinaDate(new Date(t)))) {
      for (const [a, b] of PERIODS) {
        const from = Math.max(t, midnight + a * 60_000);
        const to = midnight + b * 60_000;
        if (from >= to) continue;
        const avail = (to - from) / 60_000;
        if (left <= avail) return new Date(from + left * 60_000);
        left -= avail;
        t = to;
      }
    }
    t = midnight + 86400_000;
  }
  throw new RangeError('working hours beyond the calendar');
}
