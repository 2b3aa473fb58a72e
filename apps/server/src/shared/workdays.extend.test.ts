// Kept in its own file: extendCalendar() changes module state, and Vitest gives each test file
// fresh modules.
import { describe, expect, it } from 'vitest';
import { CalendarCoverageError, addWorkingDays, calendarCoverage, extendCalendar, isProvisionalDate, isWorkingDay, provisionalCoverage, recountDeadline, wasWorkingDayBefore, workingDaysBetween } from './workdays';

/**
 * A made-up arrangement for 2027 to exercise the mechanism — NOT the official one. It includes a
 * December working day of the year before, as the notice for 2019 did (2018-12-29).
 */
const FIXTURE_2027 = {
  holidays: ['2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03', '2027-02-08', '2027-02-09'],
  workdays: ['2026-12-27', '2027-02-06'],
};

describe('extendCalendar', () => {
  it('does nothing for years the package already covers', () => {
    expect(extendCalendar(2026, { holidays: ['2026-03-02'], workdays: [] })).toBe(false);
    expect(isWorkingDay('2026-03-02')).toBe(true);
  });

  it('refuses gaps, bad dates and contradictions', () => {
    expect(() => extendCalendar(2028, FIXTURE_2027)).toThrow(RangeError);
    expect(() => extendCalendar(2027, { holidays: ['2027-02-30'], workdays: [] })).toThrow(RangeError);
    expect(() => extendCalendar(2027, { holidays: ['2026-11-30', '2027-01-01'], workdays: [] })).toThrow(RangeError);
    expect(() => extendCalendar(2027, { holidays: ['2028-01-01'], workdays: [] })).toThrow(RangeError);
    expect(() => extendCalendar(2027, { holidays: ['2027-01-01'], workdays: ['2027-01-01'] })).toThrow(RangeError);
    expect(() => extendCalendar(2027, { holidays: [], workdays: ['2027-02-06'] })).toThrow(RangeError);
    expect(calendarCoverage()).toEqual({ from: 2004, to: 2026 });
    expect(isProvisionalDate('2027-01-04')).toBe(true);
    expect(() => isWorkingDay('2029-01-04')).toThrow(CalendarCoverageError);
  });

  it('adds the next year, including days at the end of the year before', () => {
    expect(isWorkingDay('2026-12-31')).toBe(true);
    // On the provisional calendar: 4 January is a working day, 6 February (Saturday) a day off.
    expect(isWorkingDay('2027-02-06')).toBe(false);
    const provisional = addWorkingDays('2026-12-30', 30);
    const before = { '2026-12-27': isWorkingDay('2026-12-27'), '2026-12-31': isWorkingDay('2026-12-31') };
    expect(extendCalendar(2027, FIXTURE_2027)).toBe(true);
    expect(calendarCoverage()).toEqual({ from: 2004, to: 2027 });
    expect(isWorkingDay('2026-12-27')).toBe(true); // a Sunday made a working day
    expect(isWorkingDay('2026-12-31')).toBe(false);
    expect(isWorkingDay('2027-01-04')).toBe(true);
    expect(isWorkingDay('2027-02-06')).toBe(true);
    expect(isWorkingDay('2027-02-08')).toBe(false);
    expect(addWorkingDays('2026-12-30', 1)).toBe('2027-01-04');
    expect(isProvisionalDate('2027-06-01')).toBe(false);
    expect(isProvisionalDate('2028-06-01')).toBe(true);
    expect(provisionalCoverage()).toEqual({ from: 2028, to: 2029 });
    expect(() => isWorkingDay('2030-01-03')).toThrow(CalendarCoverageError);
    // A deadline computed on the provisional calendar, recounted on the official one: the same
    // number of working days after 30 November 2026 (the fixture works 27 Dec and 6 Feb, rests
    // 31 Dec and 8–9 Feb, where the rules rested 6 Feb and 9–10 Feb).
    expect(wasWorkingDayBefore('2026-12-31', 2027, before)).toBe(true);
    expect(wasWorkingDayBefore('2027-02-06', 2027, before)).toBe(false);
    const recounted = recountDeadline(provisional, '2026-12-30', 2027, before);
    expect(workingDaysBetween('2026-12-30', recounted)).toBe(30);
    expect([provisional, recounted]).toEqual(['2027-02-17', '2027-02-15']);
    expect(recountDeadline('2026-11-20', '2026-11-30', 2027, before)).toBe('2026-11-20');
  });
});
