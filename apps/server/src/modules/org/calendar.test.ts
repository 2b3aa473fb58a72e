import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { addWorkingDays, calendarCoverage, CalendarCoverageError, isProvisionalDate } from '../../shared/workdays';

// A made-up arrangement for the year after the data package's last year (the real one comes from
// the State Council's notice); only its shape matters here.
const next = calendarCoverage().to + 1;
const arrangement = {
  holidays: [`${next}-01-01`, `${next}-01-02`, `${next}-01-03`],
  workdays: [],
  source: `测试用安排（非官方）${next}`,
};

describe('calendar years entered by an administrator', () => {
  let app: FastifyInstance;
  let admin: Client;
  beforeAll(async () => {
    app = await testApp('pglite', { DEMO_DATA: true });
    admin = await staffLogin(app, 'admin');
  });
  afterAll(async () => app?.close());

  it('computes deadlines into the next year provisionally, and on the entered year once it is entered', async () => {
    expect(isProvisionalDate(addWorkingDays(`${next - 1}-12-28`, 5))).toBe(true);
    expect(() => addWorkingDays(`${next + 1}-12-20`, 20)).toThrow(CalendarCoverageError);
    const before = await tableCounts(app);
    const bad = await admin.req('PUT', `/api/admin/calendar/${next}`, { ...arrangement, holidays: [`${next}-13-01`] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CALENDAR_ARRANGEMENT_INVALID');
    expect(await tableCounts(app)).toEqual(before);
    const covered = await admin.req('PUT', `/api/admin/calendar/${next - 1}`, arrangement);
    expect(covered.json().code).toBe('CALENDAR_YEAR_COVERED');
    const officer = await staffLogin(app, 'scjg.window');
    expect((await officer.req('PUT', `/api/admin/calendar/${next}`, arrangement)).statusCode).toBe(403);

    expect((await admin.req('PUT', `/api/admin/calendar/${next}`, arrangement)).statusCode).toBe(204);
    // Dec 28 of the last covered year + 5 working days skips the entered New Year holiday.
    const due = addWorkingDays(`${next - 1}-12-28`, 5);
    expect(due > `${next}-01-03`).toBe(true);
    const cal = (await app.inject({ method: 'GET', url: '/api/calendar' })).json();
    expect(cal.to).toBe(next);
    expect(cal.enteredYears).toEqual([{ year: next, source: arrangement.source }]);
    expect(cal.provisional).toMatchObject({ from: next + 1, to: next + 2 });
    expect(isProvisionalDate(due)).toBe(false);
    const audit = await app.database.db.selectFrom('audit_log').select('action').where('action', '=', 'org.calendar.enter').execute();
    expect(audit.length).toBe(1);
    expect((await admin.req('PUT', `/api/admin/calendar/${next}`, arrangement)).json().code).toBe('CALENDAR_YEAR_IN_USE');
  });
});
