/**
 * A calendar year entered in one process reaches the others without a restart: at once through
 * LISTEN/NOTIFY (PostgreSQL, and PGlite in-process), and within CALENDAR_CHECK_SECONDS through the
 * periodic check when a notification was missed, or on reconnection when the LISTEN connection
 * was lost. The two-process case runs a second server
 * process (main.ts) on the same PostgreSQL database: it learns the year entered through the
 * first and recounts the deadlines on the official calendar when its job runner claims the job.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, freshDatabaseUrl, personLogin, staffLogin, testApp, testConfig } from '../../../../../test/helpers';
import { spawnServer, type RunningServer } from '../../../../../test/spawn-server';
import { buildApp } from '../../app';
import { people } from '../../demo/data';
import { calendarCoverage, resetCalendarForTests } from '../../shared/workdays';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from '../applications/applications.testing';
import { sql } from 'kysely';
import { CALENDAR_CHANNEL, CalendarSync, notifyCalendarYear } from './calendar.sync';

const next = 2027;
/** Bounded, generous for a loaded machine; the poll ends as soon as the condition holds. */
const PROMPTLY = { timeout: 30_000, interval: 100 };
const arrangement = (year: number) => ({ holidays: [1, 2, 3].map((d) => `${year}-01-0${d}`), workdays: [] as string[] });

/** Stores a year as another process would, without this process's route applying it. */
async function storeYear(app: FastifyInstance, year: number, notify: boolean) {
  const a = arrangement(year);
  await app.database.db.transaction().execute(async (trx) => {
    await trx.insertInto('calendar_years').values({ year, holidays: JSON.stringify(a.holidays), workdays: JSON.stringify(a.workdays), source: `测试用（非官方）${year}` }).execute();
    if (notify) await notifyCalendarYear(trx, year);
  });
}

describe.each(DB_KINDS)('calendar years reach every process on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    resetCalendarForTests();
    // An hour between checks: only the notification can explain a prompt update.
    app = await testApp(kind, { CALENDAR_CHECK_SECONDS: 3600 });
    expect(calendarCoverage().to).toBe(next - 1);
  });
  afterAll(async () => app?.close());

  it('a notified year is loaded at once; a year stored without one by the periodic check', async () => {
    await storeYear(app, next, true);
    await vi.waitFor(() => expect(calendarCoverage().to).toBe(next), PROMPTLY);
    expect(ok(await app.inject({ method: 'GET', url: '/api/calendar' }))).toMatchObject({ to: next, provisional: { from: next + 1 } });

    // A missed notification (stored without one): the periodic check finds it.
    const polling = new CalendarSync({ db: app.database.db, log: app.log, checkSeconds: 1 });
    await polling.start();
    try {
      await storeYear(app, next + 1, false);
      await vi.waitFor(() => expect(calendarCoverage().to).toBe(next + 1), PROMPTLY);
    } finally {
      await polling.stop();
    }
  });
});

describe('two server processes on one PostgreSQL database', { timeout: 300_000 }, () => {
  let a: FastifyInstance;
  let b: RunningServer | undefined;

  beforeAll(async () => {
    resetCalendarForTests();
    const url = await freshDatabaseUrl('postgres', { seeded: true });
    // A: this process, no job runner. B: a server process as an operator runs it. Both check the
    // table only hourly: a prompt update comes from the notification (or from the recount job,
    // which loads the stored years before it recounts, whichever comes first).
    const config = testConfig(url, { CALENDAR_CHECK_SECONDS: 3600 });
    a = await buildApp(config);
    b = await spawnServer({ DATABASE_URL: url, DATA_SECRET: config.DATA_SECRET!, DEMO_DATA: 'false', LOG_LEVEL: 'warn', CALENDAR_CHECK_SECONDS: '3600', JOB_RUNNER: 'true' });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  it('a year entered through one is used by the other promptly, and its recount is right whoever runs it', async () => {
    const calendarOfB = async () => (await (await fetch(`${b!.url}/api/calendar`)).json()) as { to: number; provisional: { from: number } };
    expect((await calendarOfB()).to).toBe(next - 1);

    // An application accepted on 21 December whose legal deadline (20 working days) runs into the provisional year.
    useTestClock(a, `${next - 1}-12-21T02:00:00Z`);
    const gaj = await departmentId(a, 'FZ-GAJ');
    const { items: [itemId] } = await publish(a, [testItem({ name: '跨年事项（两进程）', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) })]);
    const zhang = await personLogin(a, people[0].idNumber);
    const app1 = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true }, { 'idempotency-key': `cal-sync-${Date.now()}` }), 201);
    const task = (await a.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', app1.id).executeTakeFirstOrThrow()).id;
    const accepted = ok(await (await staffLogin(a, 'gaj.window')).req('POST', `/api/tasks/${task}/accept`, {}));
    expect(accepted.application.clock).toMatchObject({ legalDue: `${next}-01-19`, provisional: true });

    // Entered through A (1–5 January off on the made-up notice).
    const admin = await staffLogin(a, 'admin');
    const holidays = [1, 2, 3, 4, 5].map((d) => `${next}-01-0${d}`);
    const put = await admin.req('PUT', `/api/admin/calendar/${next}`, { holidays, workdays: [], source: `测试用（非官方）${next}` });
    expect(put.statusCode, put.body).toBe(204);
    const entered = Date.now();

    // B uses it without a restart.
    await vi.waitFor(async () => expect(await calendarOfB()).toMatchObject({ to: next, provisional: { from: next + 1 } }), PROMPTLY);
    console.info(`[calendar sync] the other process used ${next} ≤ ${Date.now() - entered} ms after the PUT answered (polled every 100 ms)`);
    // Only B runs jobs: it recounts the deadline on the official calendar (19 → 21 January).
    await vi.waitFor(async () => {
      const row = await a.database.db.selectFrom('applications').select(['legal_due', 'calendar_basis']).where('id', '=', app1.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ legal_due: `${next}-01-21`, calendar_basis: next });
    }, { timeout: 60_000, interval: 200 });
    // Entering it again through B: refused, it is in effect there too.
    const adminB = await fetch(`${b!.url}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'Yiwang@2026' }) });
    expect(adminB.status).toBe(200);
    const cookie = adminB.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const again = await fetch(`${b!.url}/api/admin/calendar/${next}`, { method: 'PUT', headers: { cookie, 'x-csrf-token': ((await adminB.json()) as { csrfToken: string }).csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ holidays, workdays: [], source: 'again' }) });
    expect(((await again.json()) as { code: string }).code).toBe('CALENDAR_YEAR_IN_USE');
  });

  it('a lost LISTEN connection is re-opened, and what was stored meanwhile is loaded then', async () => {
    const listeners = async () =>
      (await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = ${`yiwang-listen-${CALENDAR_CHANNEL}-${process.pid}`} AND datname = current_database()`.execute(a.database.db)).rows.map((r) => r.pid);
    const [pid] = await listeners();
    expect(pid).toBeTruthy();
    // A year stored without a notification stays unseen (the check is an hour away)…
    await storeYear(a, next + 1, false);
    expect(calendarCoverage().to).toBe(next);
    // …until the connection dies: reconnected, the process reads the table again.
    await sql`SELECT pg_terminate_backend(${pid})`.execute(a.database.db);
    await vi.waitFor(async () => expect((await listeners()).filter((p) => p !== pid).length).toBe(1), PROMPTLY);
    await vi.waitFor(() => expect(calendarCoverage().to).toBe(next + 1), PROMPTLY);
  });
});
