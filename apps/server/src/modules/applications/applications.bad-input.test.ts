/**
 * Bad input to applications and tasks gets a problem+json with a stable code, a message in
 * Chinese and English and the field at fault — and changes nothing (every table keeps its row
 * count). On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DB_KINDS, personLogin, staffLogin, tableCounts, testApp, type Client, expectProblem } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { provisionalCoverage } from '../../shared/workdays';
import { adminCtx, departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';
import type { ManualClock } from './applications.clock';

const form = { applicantName: '张伟', mobile: '13800591001' };

describe.each(DB_KINDS)('applications: bad input on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let zhang: Client;
  let li: Client;
  let gajWindow: Client;
  let gajReviewer: Client;
  let gajDecider: Client;
  let rsjWindow: Client;
  let itemId: string;
  let retiredId: string;
  let revisedId: string;
  let staleDraft: string;
  let submitted: { id: string; acceptTask: string };
  let reviewing: { id: string; reviewTask: string; acceptTask: string };
  let key = 0;
  const idem = () => ({ 'idempotency-key': `bad-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    clock = useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    const revised = testItem({ name: '将修订的事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) });
    ({ items: [itemId, retiredId, revisedId] } = await publish(app, [
      testItem({ name: '测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), special: [{ name: '专家评审', limitDays: 10 }] }),
      testItem({ name: '将废止的事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
      revised,
    ]));
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    gajWindow = await staffLogin(app, 'gaj.window');
    gajReviewer = await staffLogin(app, 'gaj.reviewer');
    gajDecider = await staffLogin(app, 'gaj.decider');
    rsjWindow = await staffLogin(app, 'rsj.window');

    // A draft on version 1 of an item that then gets version 2; an item that is then retired.
    staleDraft = ok(await zhang.req('POST', '/api/applications', { itemId: revisedId, formData: form }), 201).id;
    const catalog = app.services.catalog;
    await catalog.saveItemDraft(adminCtx(), revisedId, { ...revised, promisedLimit: { days: 4, note: '再压缩' } });
    await catalog.publishItem(adminCtx(), revisedId);
    await catalog.retireItem(adminCtx(), retiredId, '事项调整，不再办理');

    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const acceptTask = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', a.id).executeTakeFirstOrThrow()).id;
    submitted = { id: a.id, acceptTask };
    const b = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const bAccept = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', b.id).executeTakeFirstOrThrow()).id;
    ok(await gajWindow.req('POST', `/api/tasks/${bAccept}/accept`, {}));
    const reviewTask = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', b.id).where('step_index', '=', 1).executeTakeFirstOrThrow()).id;
    reviewing = { id: b.id, reviewTask, acceptTask: bAccept };
  });
  afterAll(async () => app?.close());

  const cases: [string, () => Promise<LightMyRequestResponse>, number, string, string?][] = [
    ['a retired item', () => zhang.req('POST', '/api/applications', { itemId: retiredId, formData: form, submit: true }, idem()), 409, 'ITEM_VERSION_RETIRED', 'body/itemId'],
    ['a draft of a superseded item version', () => zhang.req('POST', `/api/applications/${staleDraft}/submit`, undefined, idem()), 409, 'ITEM_VERSION_RETIRED', 'itemId'],
    ['an old version asked for explicitly', () => zhang.req('POST', '/api/applications', { itemId: revisedId, version: 1, formData: form, submit: true }, idem()), 409, 'ITEM_VERSION_RETIRED', 'body/version'],
    ['an unknown item', () => zhang.req('POST', '/api/applications', { itemId: '00000000-0000-4000-8000-000000000001', formData: form, submit: true }, idem()), 404, 'ITEM_NOT_FOUND', 'body/itemId'],
    ['a form failing its schema (pattern)', () => zhang.req('POST', '/api/applications', { itemId, formData: { ...form, mobile: '12345' }, submit: true }, idem()), 400, 'FORM_INVALID', 'body/formData/mobile'],
    ['a form missing a required field', () => zhang.req('POST', '/api/applications', { itemId, formData: { mobile: '13800591001' }, submit: true }, idem()), 400, 'FORM_INVALID', 'body/formData/applicantName'],
    ['a submission without an Idempotency-Key', () => zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }), 400, 'IDEMPOTENCY_KEY_REQUIRED', 'header/idempotency-key'],
    ['both an item and a bundle', () => zhang.req('POST', '/api/applications', { itemId, bundleId: itemId, formData: form }), 400, 'APPLICATION_TARGET_INVALID', 'body/itemId'],
    ['formData that is not an object', () => zhang.req('POST', '/api/applications', { itemId, formData: 'x' }), 400, 'VALIDATION_FAILED', 'body/formData'],
    ["another applicant's application (read)", () => li.req('GET', `/api/applications/${submitted.id}`), 404, 'NOT_FOUND'],
    ["another applicant's application (withdraw)", () => li.req('POST', `/api/applications/${submitted.id}/withdraw`, { reason: '冒名撤回' }), 404, 'NOT_FOUND'],
    ["another applicant's application (supplement)", () => li.req('POST', `/api/applications/${submitted.id}/supplement`, { formData: { mobile: '13900000000' } }), 404, 'NOT_FOUND'],
    ["another applicant's draft (save)", () => li.req('PUT', `/api/applications/${staleDraft}`, { formData: {}, version: 1 }), 404, 'NOT_FOUND'],
    ["another applicant's draft (discard)", () => li.req('DELETE', `/api/applications/${staleDraft}`), 404, 'NOT_FOUND'],
    ['a supplement nobody asked for', () => zhang.req('POST', `/api/applications/${submitted.id}/supplement`, { formData: form }), 409, 'APPLICATION_STATE_CONFLICT'],
    ['an officer of another department', () => rsjWindow.req('POST', `/api/tasks/${submitted.acceptTask}/accept`, {}), 403, 'TASK_OTHER_DEPARTMENT'],
    ['an officer of another department (reading)', () => rsjWindow.req('GET', `/api/tasks/${submitted.acceptTask}`), 403, 'TASK_OTHER_DEPARTMENT'],
    ['an officer in the wrong role', () => gajReviewer.req('POST', `/api/tasks/${submitted.acceptTask}/accept`, {}), 403, 'TASK_ROLE_MISMATCH'],
    ['an act of another step', () => gajWindow.req('POST', `/api/tasks/${submitted.acceptTask}/decide`, { approve: true, opinion: '准予' }), 409, 'TASK_ACTION_INVALID'],
    ['a task in the wrong state', () => gajWindow.req('POST', `/api/tasks/${reviewing.acceptTask}/accept`, {}), 409, 'TASK_STATE_CONFLICT'],
    ['an unknown task', () => gajWindow.req('POST', '/api/tasks/00000000-0000-4000-8000-000000000001/accept', {}), 404, 'NOT_FOUND'],
    ['an unknown reason code', () => gajWindow.req('POST', `/api/tasks/${submitted.acceptTask}/not-accept`, { reasonCode: 'dislike', reason: '不喜欢' }), 400, 'VALIDATION_FAILED', 'body/reasonCode'],
    ['a supplement list naming nothing of the item', () => gajWindow.req('POST', `/api/tasks/${submitted.acceptTask}/request-supplement`, { items: [{ kind: 'material', key: 'passport', reason: '缺少护照' }] }), 400, 'SUPPLEMENT_ITEM_UNKNOWN', 'body/items/0/key'],
    ['a review that is neither yes nor no', () => gajReviewer.req('POST', `/api/tasks/${reviewing.reviewTask}/review`, { agree: 'no', opinion: 'x' }), 400, 'VALIDATION_FAILED', 'body/agree'],
    ['a special procedure the guide does not name', () => gajReviewer.req('POST', `/api/tasks/${reviewing.reviewTask}/special-procedure`, { name: '现场勘验' }), 400, 'SPECIAL_PROCEDURE_UNKNOWN', 'body/name'],
    ['ending a special procedure that was not started', () => gajReviewer.req('POST', `/api/tasks/${reviewing.reviewTask}/special-procedure/end`, {}), 409, 'APPLICATION_STATE_CONFLICT'],
    ['a malformed task id', () => gajWindow.req('POST', '/api/tasks/not-a-uuid/accept', {}), 400, 'VALIDATION_FAILED', 'params/id'],
  ];

  it.each(cases)('refuses %s and changes nothing', async (_name, send, status, code, field) => {
    const before = await tableCounts(app);
    const res = await send();
    expectProblem(res, status, code, field);
    expect(await tableCounts(app)).toEqual(before);
  });

  it('refuses a decision to deny without reasons, and one the dependent items could not use', async () => {
    ok(await gajReviewer.req('POST', `/api/tasks/${reviewing.reviewTask}/review`, { agree: true, opinion: '同意' }));
    const decide = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', reviewing.id).where('step_index', '=', 2).executeTakeFirstOrThrow()).id;
    const before = await tableCounts(app);
    expectProblem(await gajDecider.req('POST', `/api/tasks/${decide}/decide`, { approve: false, opinion: '不予' }), 400, 'REASONS_REQUIRED', 'body/reasons');
    expect(await tableCounts(app)).toEqual(before);
  });

  it('a special procedure pauses the clock; ending it extends the due dates', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const t1 = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', a.id).executeTakeFirstOrThrow()).id;
    ok(await gajWindow.req('POST', `/api/tasks/${t1}/accept`, {}));
    const t2 = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', a.id).where('step_index', '=', 1).executeTakeFirstOrThrow()).id;
    clock.set('2025-09-29T02:00:00Z');
    const sp = ok(await gajReviewer.req('POST', `/api/tasks/${t2}/special-procedure`, { name: '专家评审', note: '组织专家论证' }));
    expect(sp.application).toMatchObject({ state: 'special_procedure', clock: { paused: true, pauseReason: 'special_procedure' } });
    expectProblem(await gajReviewer.req('POST', `/api/tasks/${t2}/review`, { agree: true, opinion: '同意' }), 409, 'APPLICATION_IN_SPECIAL_PROCEDURE');
    // Monday 13 Oct: paused after 29 Sep for 30 Sep, 9, 10, 11 (make-up) and 13 Oct.
    clock.set('2025-10-13T02:00:00Z');
    const end = ok(await gajReviewer.req('POST', `/api/tasks/${t2}/special-procedure/end`, { note: '专家意见已出具' }));
    // Promised 9 Oct + 5 working days: 10, 11, 13, 14, 15 Oct.
    expect(end.application).toMatchObject({ state: 'under_review', clock: { paused: false, pausedDays: 5, promisedDue: '2025-10-15' } });
  });

  it('a time limit beyond even the provisional calendar is a clear 503, and nothing changes', async () => {
    // The provisional calendar covers the two years after the official ones; a legal limit of 20
    // working days from late December of the last of them runs into a year nobody can compute.
    const last = provisionalCoverage().to;
    clock.set(`${last}-12-21T02:00:00Z`);
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const t = (await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', a.id).executeTakeFirstOrThrow()).id;
    const before = await tableCounts(app);
    const res = await gajWindow.req('POST', `/api/tasks/${t}/accept`, {});
    expectProblem(res, 503, 'WORKING_CALENDAR_NOT_COVERED');
    expect(res.json().year).toBe(last + 1);
    expect(await tableCounts(app)).toEqual(before);
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).state).toBe('submitted');
  });
});
