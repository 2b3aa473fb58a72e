import { afterEach, describe, expect, it } from 'vitest';
import { fromDayNumber, toDayNumber } from './dates';
import {
  CalendarCoverageError,
  addWorkingDays,
  calendarCoverage,
  chinaDate,
  deadlineAt,
  isProvisionalDate,
  isWorkingDay,
  provisionalArrangement,
  provisionalCoverage,
  qingmingOf,
  solarOfLunar,
  workingDaysBetween,
} from './workdays';

/** Every date from `from` to `to` inclusive. */
function datesFrom(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = toDayNumber(from); d <= toDayNumber(to); d++) out.push(fromDayNumber(d));
  return out;
}

function expectDaysOff(from: string, to: string): void {
  for (const d of datesFrom(from, to)) expect(isWorkingDay(d), d).toBe(false);
}

describe('calendarCoverage', () => {
  it('covers the years the State Council has published in chinese-days', () => {
    expect(calendarCoverage()).toEqual({ from: 2004, to: 2026 });
  });
});

describe('isWorkingDay — ordinary weeks', () => {
  it('is Monday to Friday', () => {
    expect(datesFrom('2025-03-10', '2025-03-16').map(isWorkingDay)).toEqual([true, true, true, true, true, false, false]);
  });
});

describe('isWorkingDay — 2025, 国办发明电〔2024〕12号', () => {
  it('元旦: 1 January off, no make-up day', () => {
    expect(isWorkingDay('2025-01-01')).toBe(false);
    expect(isWorkingDay('2025-01-02')).toBe(true);
    expect(isWorkingDay('2025-01-04')).toBe(false); // an ordinary Saturday
  });
  it('春节: 28 January – 4 February off, Sunday 26 January and Saturday 8 February worked', () => {
    expectDaysOff('2025-01-28', '2025-02-04');
    expect(isWorkingDay('2025-01-26')).toBe(true);
    expect(isWorkingDay('2025-02-08')).toBe(true);
    expect(isWorkingDay('2025-01-25')).toBe(false);
    expect(isWorkingDay('2025-01-27')).toBe(true);
    expect(isWorkingDay('2025-02-05')).toBe(true);
    expect(isWorkingDay('2025-02-09')).toBe(false);
  });
  it('清明: 4–6 April off', () => {
    expectDaysOff('2025-04-04', '2025-04-06');
    expect(isWorkingDay('2025-04-07')).toBe(true);
  });
  it('劳动节: 1–5 May off, Sunday 27 April worked', () => {
    expectDaysOff('2025-05-01', '2025-05-05');
    expect(isWorkingDay('2025-04-27')).toBe(true);
    expect(isWorkingDay('2025-05-06')).toBe(true);
  });
  it('端午: 31 May – 2 June off', () => {
    expectDaysOff('2025-05-31', '2025-06-02');
  });
  it('国庆节 and 中秋节: 1–8 October off, Sunday 28 September and Saturday 11 October worked', () => {
    expectDaysOff('2025-10-01', '2025-10-08');
    expect(isWorkingDay('2025-09-28')).toBe(true);
    expect(isWorkingDay('2025-10-11')).toBe(true);
    expect(isWorkingDay('2025-10-09')).toBe(true);
    expect(isWorkingDay('2025-10-12')).toBe(false);
  });
  it('has 248 working days in the year', () => {
    expect(workingDaysBetween('2024-12-31', '2025-12-31')).toBe(248);
  });
});

describe('isWorkingDay — 2026, gov.cn/zhengce/zhengceku/202511/content_7047091.htm', () => {
  it('元旦: 1–3 January off, Sunday 4 January worked', () => {
    expectDaysOff('2026-01-01', '2026-01-03');
    expect(isWorkingDay('2026-01-04')).toBe(true);
  });
  it('春节: 15–23 February off, Saturdays 14 and 28 February worked', () => {
    expectDaysOff('2026-02-15', '2026-02-23');
    expect(isWorkingDay('2026-02-14')).toBe(true);
    expect(isWorkingDay('2026-02-28')).toBe(true);
    expect(isWorkingDay('2026-02-24')).toBe(true);
    expect(isWorkingDay('2026-02-21')).toBe(false);
  });
  it('劳动节: 1–5 May off, Saturday 9 May worked', () => {
    expectDaysOff('2026-05-01', '2026-05-05');
    expect(isWorkingDay('2026-05-09')).toBe(true);
  });
  it('中秋节 25–27 September and 国庆节 1–7 October off, Sunday 20 September and Saturday 10 October worked', () => {
    expectDaysOff('2026-09-25', '2026-09-27');
    expectDaysOff('2026-10-01', '2026-10-07');
    expect(isWorkingDay('2026-09-20')).toBe(true);
    expect(isWorkingDay('2026-10-10')).toBe(true);
    expect(isWorkingDay('2026-10-08')).toBe(true);
  });
  it('has 248 working days in the year', () => {
    expect(workingDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
  });
});

describe('addWorkingDays', () => {
  it('does not count the day of acceptance and skips the Spring Festival', () => {
    // Friday 24 Jan 2025: Sun 26 (make-up) is the 1st, Mon 27 the 2nd, Wed 5 Feb the 3rd.
    expect(addWorkingDays('2025-01-24', 1)).toBe('2025-01-26');
    expect(addWorkingDays('2025-01-24', 2)).toBe('2025-01-27');
    expect(addWorkingDays('2025-01-24', 3)).toBe('2025-02-05');
  });
  it('returns the same day for n = 0, even on a day off', () => {
    expect(addWorkingDays('2025-01-24', 0)).toBe('2025-01-24');
    expect(addWorkingDays('2025-10-01', 0)).toBe('2025-10-01');
  });
  it('counts from the next working day when accepted on a day off', () => {
    expect(addWorkingDays('2025-10-01', 1)).toBe('2025-10-09');
    expect(addWorkingDays('2025-09-30', 1)).toBe('2025-10-09');
    expect(addWorkingDays('2025-04-30', 1)).toBe('2025-05-06');
  });
  it('lands on make-up Saturdays', () => {
    expect(addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(addWorkingDays('2026-02-13', 2)).toBe('2026-02-24');
  });
  it('crosses the new year', () => {
    // Wed 31 Dec, 1–3 Jan off, Sun 4 Jan worked, then Mon 5 – Wed 7.
    expect(addWorkingDays('2025-12-30', 5)).toBe('2026-01-07');
  });
  it('handles the 2026 National Day period', () => {
    // Sun 20 Sep worked, 25–27 Sep and 1–7 Oct off.
    expect(addWorkingDays('2026-09-18', 10)).toBe('2026-10-09');
  });
  it('computes a 20-working-day licensing limit (行政许可法 art. 42)', () => {
    expect(addWorkingDays('2025-09-15', 20)).toBe('2025-10-17');
  });
  it('rejects negative, fractional and invalid input', () => {
    expect(() => addWorkingDays('2025-01-24', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-01-24', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-01-24', Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-02-30', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('24/01/2025', 1)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts working days after `from` up to and including `to`', () => {
    expect(workingDaysBetween('2025-01-24', '2025-02-05')).toBe(3);
    expect(workingDaysBetween('2025-01-24', '2025-02-04')).toBe(2);
    expect(workingDaysBetween('2025-01-24', '2025-01-24')).toBe(0);
    expect(workingDaysBetween('2025-01-24', '2025-01-25')).toBe(0);
  });
  it('is negative when `to` is before `from`', () => {
    expect(workingDaysBetween('2025-02-05', '2025-01-24')).toBe(-3);
    expect(workingDaysBetween('2025-01-25', '2025-01-24')).toBe(0); // +0, not -0
  });
  it('is the inverse of addWorkingDays over 2025–2026', () => {
    for (const start of datesFrom('2025-01-01', '2026-10-31').filter((_, i) => i % 3 === 0)) {
      for (const n of [0, 1, 2, 5, 10, 20, 30]) {
        const end = addWorkingDays(start, n);
        expect(workingDaysBetween(start, end), `${start} + ${n}`).toBe(n);
        expect(workingDaysBetween(end, start)).toBe(0 - n);
        if (n > 0) expect(isWorkingDay(end)).toBe(true);
      }
    }
  });
});

describe('counting agrees with walking the calendar day by day', () => {
  // addWorkingDays / workingDaysBetween count on a table of the covered days; walking isWorkingDay
  // one day at a time is the definition they must keep, across official and provisional years.
  const walkAdd = (start: string, n: number) => {
    let d = toDayNumber(start);
    for (let left = n; left > 0; ) if (isWorkingDay(fromDayNumber(++d))) left--;
    return fromDayNumber(d);
  };
  const walkBetween = (from: string, to: string) => datesFrom(fromDayNumber(toDayNumber(from) + 1), to).filter(isWorkingDay).length;
  it('for 2,000 starts and lengths from 2004 to the last provisional year', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const first = toDayNumber('2004-01-01');
    const last = toDayNumber('2028-09-01'); // + 60 working days and + 90 days stay inside 2028
    for (let i = 0; i < 2000; i++) {
      const start = fromDayNumber(first + Math.floor(rnd() * (last - first)));
      const n = Math.floor(rnd() * 61);
      const end = addWorkingDays(start, n);
      expect(end, `${start} + ${n}`).toBe(walkAdd(start, n));
      expect(workingDaysBetween(start, end)).toBe(n);
      const other = fromDayNumber(toDayNumber(start) + Math.floor(rnd() * 90));
      expect(workingDaysBetween(start, other), `${start} → ${other}`).toBe(walkBetween(start, other));
      expect(workingDaysBetween(other, start)).toBe(0 - walkBetween(start, other));
    }
  });
});

describe('coverage limits', () => {
  it('throws CalendarCoverageError outside the published and provisional years', () => {
    expect(provisionalCoverage()).toEqual({ from: 2027, to: 2028 });
    expect(() => isWorkingDay('2029-01-04')).toThrow(CalendarCoverageError);
    expect(() => isWorkingDay('2003-12-31')).toThrow(CalendarCoverageError);
    expect(() => workingDaysBetween('2003-12-31', '2004-01-05')).toThrow(CalendarCoverageError);
    expect(() => addWorkingDays('2029-01-04', 0)).toThrow(CalendarCoverageError);
  });
  it('throws when a deadline runs past the last provisional day', () => {
    expect(addWorkingDays('2028-12-21', 6)).toBe('2028-12-29');
    expect(() => addWorkingDays('2028-12-21', 7)).toThrow(CalendarCoverageError);
  });
  it('says which year and what is covered', () => {
    try {
      isWorkingDay('2029-03-01');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      expect(e).toMatchObject({ name: 'CalendarCoverageError', year: 2029, coverage: { from: 2004, to: 2028 } });
      expect((e as Error).message).toContain('2004–2028');
    }
  });
});

describe('provisional calendar (years after the official data)', () => {
  const daysOf = (year: number) => provisionalArrangement(year).map((h) => [h.name.zh, h.statutory, h.substitute]);
  it('finds the lunar festivals of the official years (春节, 端午, 中秋 from the lunar tables; 清明)', () => {
    // Every statutory day the rules give for 2008–2026 is a day off in the State Council's notices.
    for (let y = 2008; y <= 2026; y++) {
      for (const d of [solarOfLunar(y, 1, 1), solarOfLunar(y, 5, 5), solarOfLunar(y, 8, 15), qingmingOf(y)]) expect(isWorkingDay(d), `${y}: ${d}`).toBe(false);
    }
    // Published dates (Hong Kong Observatory): 春节 2025-01-29, 2026-02-17, 2027-02-06, 2028-01-26.
    expect([2025, 2026, 2027, 2028].map((y) => solarOfLunar(y, 1, 1))).toEqual(['2025-01-29', '2026-02-17', '2027-02-06', '2028-01-26']);
    // 2028 has a leap fifth month: 端午 is the fifth day of the first one.
    expect(solarOfLunar(2028, 5, 5)).toBe('2028-05-28');
    expect([2025, 2026, 2027, 2028].map(qingmingOf)).toEqual(['2025-04-04', '2026-04-05', '2027-04-05', '2028-04-04']);
  });

  it('gives the statutory days and 补假 for weekend days, and guesses no 调休', () => {
    expect(daysOf(2027)).toEqual([
      ['元旦', ['2027-01-01'], []],
      ['春节', ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08'], ['2027-02-09', '2027-02-10']],
      ['清明节', ['2027-04-05'], []],
      ['劳动节', ['2027-05-01', '2027-05-02'], ['2027-05-03', '2027-05-04']],
      ['端午节', ['2027-06-09'], []],
      ['中秋节', ['2027-09-15'], []],
      ['国庆节', ['2027-10-01', '2027-10-02', '2027-10-03'], ['2027-10-04', '2027-10-05']],
    ]);
    // 2028: 中秋 (3 Oct) falls inside 国庆, so one more weekday off.
    expect(daysOf(2028).slice(-2)).toEqual([
      ['国庆节', ['2028-10-01', '2028-10-02', '2028-10-03'], ['2028-10-04']],
      ['中秋节', [], ['2028-10-05']],
    ]);
    expect(isWorkingDay('2027-02-04')).toBe(true);
    expect(isWorkingDay('2027-02-10')).toBe(false);
    expect(isWorkingDay('2027-02-11')).toBe(true);
    expect(isWorkingDay('2027-02-06')).toBe(false); // a Saturday: no make-up working day is guessed
    expect(isProvisionalDate('2027-03-01')).toBe(true);
    expect(isProvisionalDate('2026-12-31')).toBe(false);
    expect(isProvisionalDate('2029-01-01')).toBe(false);
  });

  it('has as many working days a year as the official calendars since the 2024 amendment', () => {
    // The rules applied to 2025 and 2026 give the official number of working days (调休 swaps are
    // net zero), so a long deadline comes out as the official calendar gives it.
    for (const year of [2025, 2026]) {
      const off = new Set(provisionalArrangement(year).flatMap((h) => [...h.statutory, ...h.substitute]));
      const days = datesFrom(`${year}-01-01`, `${year}-12-31`);
      const rule = days.filter((d) => !off.has(d) && ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())).length;
      expect(rule, String(year)).toBe(days.filter(isWorkingDay).length);
    }
    // 60 working days from 2026-11-24 run into 2027 and come back as a date.
    expect(addWorkingDays('2026-11-24', 60)).toBe('2027-02-23');
  });
});

describe('chinaDate and deadlineAt', () => {
  it('reads the date in China', () => {
    expect(chinaDate(new Date('2025-01-24T16:00:00Z'))).toBe('2025-01-25');
  });
  it('ends the deadline at 23:59:59.999 China time on the last day', () => {
    expect(deadlineAt(new Date('2025-01-24T10:00:00+08:00'), 3).toISOString()).toBe('2025-02-05T15:59:59.999Z');
    // 00:30 on Saturday 25 Jan in China (still Friday in UTC): counting starts Sunday 26.
    expect(deadlineAt(new Date('2025-01-24T16:30:00Z'), 1).toISOString()).toBe('2025-01-26T15:59:59.999Z');
    expect(deadlineAt(new Date('2025-01-24T16:30:00Z'), 0).toISOString()).toBe('2025-01-25T15:59:59.999Z');
  });
});

describe('independence from the process time zone', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('gives the same answers west of UTC (where chinese-days isWorkday() is off by one)', () => {
    process.env.TZ = 'America/New_York';
    expect(new Date(2025, 0, 27).getTimezoneOffset()).toBeGreaterThan(0); // the zone took effect
    expect(isWorkingDay('2025-01-27')).toBe(true);
    expect(isWorkingDay('2025-01-26')).toBe(true);
    expect(isWorkingDay('2025-01-28')).toBe(false);
    expect(addWorkingDays('2025-01-24', 3)).toBe('2025-02-05');
    expect(deadlineAt(new Date('2025-01-24T10:00:00+08:00'), 3).toISOString()).toBe('2025-02-05T15:59:59.999Z');
  });
});
