/**
 * 窗口收件: a window clerk registers an application for a person at the counter. The person is
 * found by resident ID number (identity module) with a matching name; the application is theirs
 * (their portal lists it), channel 'window', audited. The scans the clerk attaches are the
 * clerk's files but the applicant's materials: the applicant (and their agent) and the handling
 * department's officers may download them, nobody else. Bad input is refused and changes nothing.
 * On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { multipartBody, samplePdf } from '../files/files.fixtures';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001' };

describe.each(DB_KINDS)('window intake on %s', (kind) => {
  let app: FastifyInstance;
  let clerk: Client;
  let zhang: Client;
  let itemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `intake-${kind}-${++key}-${Date.now()}` });

  const dataDir = mkdtempSync(join(tmpdir(), 'yw-intake-'));

  beforeAll(async () => {
    app = await testApp(kind, { DATA_DIR: dataDir });
    useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemId] } = await publish(app, [testItem({ name: '窗口收件测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) })]));
    clerk = await staffLogin(app, 'gaj.window');
    zhang = await personLogin(app, people[0].idNumber);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

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

  it("the clerk's scans are the applicant's materials: the applicant, their agent and the handling officers download them, nobody else", async () => {
    const scan = samplePdf('window-scan');
    const { payload, contentType } = multipartBody({ filename: '申请书（窗口扫描）.pdf', contentType: 'application/pdf', data: scan });
    const up = await app.inject({ method: 'POST', url: '/api/files', headers: { cookie: clerk.cookie, 'x-csrf-token': clerk.csrf, 'content-type': contentType }, payload });
    expect(up.statusCode, up.body).toBe(201);
    const fileId = up.json().id as string;
    const wang = people.find((p) => p.name === '王秀英')!;
    const a = ok(await clerk.req('POST', '/api/window/applications', { idNumber: wang.idNumber, name: wang.name, itemId, formData: { applicantName: wang.name, mobile: wang.mobile }, materials: [{ key: 'statement', fileIds: [fileId] }] }, idem()), 201);
    const owner = await app.database.db.selectFrom('files').select('owner_id').where('id', '=', fileId).executeTakeFirstOrThrow();
    expect(owner.owner_id).toBe(clerk.me.account.id);

    const applicant = await personLogin(app, wang.idNumber);
    const seen = ok(await applicant.req('GET', `/api/applications/${a.id}`));
    expect(seen.materials.find((m: { key: string }) => m.key === 'statement')).toMatchObject({ status: 'handed_in', files: [expect.objectContaining({ id: fileId })] });
    const download = async (c: Client) => (await c.req('GET', `/api/files/${fileId}`));
    const got = await download(applicant);
    expect(got.statusCode, got.body).toBe(200);
    expect(got.rawPayload.equals(scan)).toBe(true);
    // Their agent, acting for them: yes; the same person acting for themselves: no.
    const agent = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    ok(await agent.req('POST', '/api/auth/act', { as: 'principal', id: applicant.me.account.id }));
    expect((await download(agent)).statusCode).toBe(200);
    ok(await agent.req('POST', '/api/auth/act', { as: 'self' }));
    expectProblem(await download(agent), 404, 'NOT_FOUND');
    // Another citizen and an officer of a department not handling it: not found.
    expectProblem(await download(zhang), 404, 'NOT_FOUND');
    expectProblem(await download(await staffLogin(app, 'scjg.reviewer')), 404, 'NOT_FOUND');
    // The clerk (the uploader) and the handling department's reviewer: yes.
    expect((await download(clerk)).statusCode).toBe(200);
    expect((await download(await staffLogin(app, 'gaj.reviewer'))).statusCode).toBe(200);
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
