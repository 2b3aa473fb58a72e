/**
 * 窗口收件: a window clerk registers an application for a person at the counter. The person is
 * found by resident ID number (identity module) with a matching name; the application is theirs
 * (their portal lists it), channel 'window', audited. Bad input is refused and changes nothing.
 * On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001' };

describe.each(DB_KINDS)('window intake on %s', (kind) => {
  let app: FastifyInstance;
  let clerk: Client;
  let zhang: Client;
  let itemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `intake-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemId] } = await publish(app, [testItem({ name: '窗口收件测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) })]));
    clerk = await staffLogin(app, 'gaj.window');
    zhang = await personLogin(app, people[0].idNumber);
  });
  afterAll(async () => app?.close());

  it("registers an application on the person's behalf; the person sees it in their portal", async () => {
    const headers = idem();
    const body = { idNumber: people[0].idNumber, name: people[0].name, itemId, formData: form };
    const a = ok(await clerk.req('POST', '/api/window/applications', body, headers), 201);
    expect(a).toMatchObject({ state: 'submitted', channel: 'window', applicant: { kind: 'person', name: people[0].name } });
    expect(a.number).toBeTruthy();
    // A retry makes nothing new.
    const again = await clerk.req('POST', '/api/window/applications', body, headers);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(a.id);

    const mine = ok(await zhang.req('GET', '/api/applications')) as { id: string; channel: string }[];
    expect(mine.find((m) => m.id === a.id)).toMatchObject({ channel: 'window' });
    const seen = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(seen.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['window_intake', 'submit']));
    expect(seen.timeline.find((e: { type: string }) => e.type === 'window_intake').actor).toMatchObject({ kind: 'officer', name: null, department: '福州市公安局' });
    const row = await app.database.db.selectFrom('applications').select(['created_by', 'applicant_id', 'channel']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.channel).toBe('window');
    expect(row.created_by).not.toBe(row.applicant_id);
    const audit = await app.database.db.selectFrom('audit_log').select('action').where('entity_id', '=', a.id).execute();
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['application.window_intake', 'application.submit']));
    // Accepted at the window like any other.
    const task = (ok(await clerk.req('GET', '/api/tasks')) as { id: string; applicationId: string }[]).find((t) => t.applicationId === a.id)!;
    expect(ok(await clerk.req('POST', `/api/tasks/${task.id}/accept`, {})).application.clock.acceptedAt).toBeTruthy();
  });

  it('refuses bad input and changes nothing', async () => {
    const reviewer = await staffLogin(app, 'gaj.reviewer');
    const before = await tableCounts(app);
    const body = { idNumber: people[0].idNumber, name: people[0].name, itemId, formData: form };
    expectProblem(await clerk.req('POST', '/api/window/applications', { ...body, idNumber: '350102199003070013' }, idem()), 400, 'ID_NUMBER_INVALID', 'body/idNumber');
    expectProblem(await clerk.req('POST', '/api/window/applications', { ...body, idNumber: '11010519491231002X' }, idem()), 404, 'PERSON_NOT_FOUND', 'body/idNumber');
    expectProblem(await clerk.req('POST', '/api/window/applications', { ...body, name: '李四' }, idem()), 422, 'IDENTITY_MISMATCH', 'body/name');
    expectProblem(await clerk.req('POST', '/api/window/applications', body), 400, 'IDEMPOTENCY_KEY_REQUIRED');
    expectProblem(await clerk.req('POST', '/api/window/applications', { ...body, formData: { applicantName: '张伟', mobile: '123' } }, idem()), 400, 'FORM_INVALID');
    expect((await clerk.req('POST', '/api/window/applications', { ...body, extra: 1 }, idem())).statusCode).toBe(400);
    expect((await zhang.req('POST', '/api/window/applications', body, idem())).statusCode).toBe(403);
    expect((await reviewer.req('POST', '/api/window/applications', body, idem())).statusCode).toBe(403);
    expect(await tableCounts(app)).toEqual(before);
  });
});
