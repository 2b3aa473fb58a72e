import { describe, expect, it } from 'vitest';
import { chinaDate, chinaEndOfDay, fromDayNumber, isValidDateParts, parseIsoDate, toDayNumber, weekdayOf } from './dates';

describe('isValidDateParts', () => {
  it('knows the Gregorian leap-year rule', () => {
    expect(isValidDateParts(2024, 2, 29)).toBe(true);
    expect(isValidDateParts(2000, 2, 29)).toBe(true);
    expect(isValidDateParts(1900, 2, 29)).toBe(false);
    expect(isValidDateParts(2025, 2, 29)).toBe(false);
  });
  it('rejects impossible months and days', () => {
    expect(isValidDateParts(2025, 4, 31)).toBe(false);
    expect(isValidDateParts(2025, 13, 1)).toBe(false);
    expect(isValidDateParts(2025, 0, 1)).toBe(false);
    expect(isValidDateParts(2025, 1, 0)).toBe(false);
    expect(isValidDateParts(2025, 12, 31)).toBe(true);
    expect(isValidDateParts(2025, 1.5, 1)).toBe(false);
  });
});

describe('parseIsoDate / toDayNumber / fromDayNumber', () => {
  it('round-trips calendar dates', () => {
    for (const d of ['1970-01-01', '1900-01-01', '2025-01-24', '2024-02-29', '2099-12-31']) {
      expect(fromDayNumber(toDayNumber(d))).toBe(d);
    }
    expect(toDayNumber('1970-01-02')).toBe(1);
  });
  it('accepts only strict YYYY-MM-DD real dates', () => {
    for (const bad of ['2025-1-5', '2025/01/05', '20250105', '2025-02-30', '', '2025-01-05T00:00:00Z']) {
      expect(parseIsoDate(bad)).toBeUndefined();
      expect(() => toDayNumber(bad)).toThrow(RangeError);
    }
  });
  it('computes weekdays without the local time zone', () => {
    expect(weekdayOf(toDayNumber('2025-01-26'))).toBe(0); // Sunday
    expect(weekdayOf(toDayNumber('2025-01-27'))).toBe(1);
    expect(weekdayOf(toDayNumber('2026-02-14'))).toBe(6); // Saturday
    expect(weekdayOf(toDayNumber('1969-12-31'))).toBe(3); // negative day numbers
  });
});

describe('chinaDate / chinaEndOfDay', () => {
  it('reads the calendar date at UTC+8', () => {
    expect(chinaDate(new Date('2025-01-24T15:59:59.999Z'))).toBe('2025-01-24');
    expect(chinaDate(new Date('2025-01-24T16:00:00.000Z'))).toBe('2025-01-25');
    expect(chinaDate(new Date('2025-12-31T23:30:00+08:00'))).toBe('2025-12-31');
    expect(() => chinaDate(new Date('nope'))).toThrow(RangeError);
  });
  it('ends the day at 23:59:59.999 China time', () => {
    expect(chinaEndOfDay('2025-02-05').toISOString()).toBe('2025-02-05T15:59:59.999Z');
    expect(chinaDate(chinaEndOfDay('2025-02-05'))).toBe('2025-02-05');
    expect(chinaDate(new Date(chinaEndOfDay('2025-02-05').getTime() + 1))).toBe('2025-02-06');
  });
});
