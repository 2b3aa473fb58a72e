/**
 * Deadlines that run into a year the State Council has not published yet are computed on the
 * provisional calendar and marked 暂定 for both sides; when a platform administrator enters the
 * official year, a durable job recounts them, tells the applicant on the timeline and audits it.
 * On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { calendarCoverage, resetCalendarForTests } from '../../shared/workdays';
import { CALENDAR_YEAR_ENTERED_QUEUE } from './applications.recalendar';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001' };

describe.each(DB_KINDS)('applications: provisional deadlines on %s', (kind) => {
  let app: FastifyInstance;
  let zhang: Client;
  let gajWindow: Client;
  let admin: Client;
  let itemId: string;
  const next = 2027;

  beforeAll(async () => {
    resetCalendarForTests(); // the other database's run entered 2027 into this process's calendar
    app = await testApp(kind);
    expect(calendarCoverage().to).toBe(next - 1);
    useTestClock(app, `${next - 1}-12-21T02:00:00Z`);
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemId] } = await publish(app, [testItem({ name: '跨年事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) })]));
    zhang = await personLogin(app, people[0].idNumber);
    gajWindow = await staffLogin(app, 'gaj.window');
    admin = await staffLogin(app, 'admin');
  });
  afterAll(async () => app?.close());

  it('marks deadlines in an unpublished year 暂定, then recounts them on the official calendar', async () => {
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, { 'idempotency-key': `recal-${kind}-${Date.now()}` }), 201);
    const t = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', a.id).executeTakeFirstOrThrow()).id;
    // Accepted Monday 21 December: promised 5 working days (28 Dec, official), legal 20 (into 2027:
    // 8 in December, 1 January off by the rules, then 4–19 January).
    const accepted = ok(await gajWindow.req('POST', `/api/tasks/${t}/accept`, {}));
    expect(accepted.application.clock).toMatchObject({ promisedDue: `${next - 1}-12-28`, legalDue: `${next}-01-19`, provisional: true });
    const mine = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(mine.clock.provisional).toBe(true);
    expect(mine.clock.provisionalNote.zh).toContain('暂定');
    const cal = ok(await app.inject({ method: 'GET', url: '/api/calendar' }));
    expect(cal.provisional).toMatchObject({ from: next, to: next + 1 });
    expect(cal.provisional.years[0].holidays[1]).toMatchObject({ name: { zh: '春节' }, statutory: [`${next}-02-05`, `${next}-02-06`, `${next}-02-07`, `${next}-02-08`] });
    expect((await app.database.db.selectFrom('applications').select('calendar_basis').where('id', '=', a.id).executeTakeFirstOrThrow()).calendar_basis).toBe(next - 1);

    // The official notice (made up here): 1–5 January off, nothing worked in exchange.
    const holidays = [1, 2, 3, 4, 5].map((d) => `${next}-01-0${d}`);
    const entered = await admin.req('PUT', `/api/admin/calendar/${next}`, { holidays, workdays: [], source: `国务院办公厅关于${next}年部分节假日安排的通知（测试用）` });
    expect(entered.statusCode, entered.body).toBe(204);
    const job = await app.database.db.selectFrom('jobs').select(['payload']).where('queue', '=', CALENDAR_YEAR_ENTERED_QUEUE).executeTakeFirstOrThrow();
    expect(job.payload).toMatchObject({ year: next });
    await app.services.jobs.drain();

    // 8 in December, then 6–8, 11–15, 18–21 January.
    const after = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(after.clock).toMatchObject({ promisedDue: `${next - 1}-12-28`, legalDue: `${next}-01-21`, provisional: false, provisionalNote: null });
    const note = after.timeline.find((e: { type: string }) => e.type === 'deadline_recalendared');
    expect(note).toMatchObject({ visibility: 'public' });
    expect(note.message.zh).toContain(`${next}-01-19 → ${next}-01-21`);
    const audits = await app.database.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'application.deadline.recalendar').execute();
    expect(audits.map((r) => r.entity_id)).toEqual([a.id]);

    // At least once: the same job again changes nothing.
    await app.database.db.updateTable('jobs').set({ state: 'pending', run_at: new Date(), attempts: 0 } as never).where('queue', '=', CALENDAR_YEAR_ENTERED_QUEUE).execute();
    await app.services.jobs.drain();
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).clock.legalDue).toBe(`${next}-01-21`);
    expect((await app.database.db.selectFrom('audit_log').select('id').where('action', '=', 'application.deadline.recalendar').execute()).length).toBe(1);
  });
});
