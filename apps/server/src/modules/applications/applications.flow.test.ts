/**
 * One item from submission to conclusion through the HTTP API, on both databases: the state
 * machine, the timeline the applicant sees, the legal clock against the real 2025 calendar
 * (National Day and its make-up working days), supplements that pause and extend the clock,
 * drafts resumed on another device, idempotent submission and withdrawal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { enterprises, people } from '../../demo/data';
import { adminCtx, departmentId, ok, publish, testItem, threeStages, useTestClock, type Stage } from './applications.testing';
import { noPayments } from './applications.engine';
import type { ManualClock } from './applications.clock';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '办理测试' };

describe.each(DB_KINDS)('applications on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let zhang: Client;
  let li: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let itemId: string;
  let enterpriseItemId: string;
  let feeItemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `test-key-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    // Thursday 25 September 2025, 10:00 China time: National Day (1–8 October) is ahead, with
    // make-up working days on Sunday 28 September and Saturday 11 October.
    clock = useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemId, enterpriseItemId, feeItemId] } = await publish(app, [
      testItem({ name: '测试事项（三级审批）', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
      testItem({ name: '测试事项（企业）', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), objects: ['legal_person'] }),
      testItem({ name: '收费事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), fee: { amount: 20, afterStage: 'review' } }),
    ]));
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    window = await staffLogin(app, 'gaj.window');
    reviewer = await staffLogin(app, 'gaj.reviewer');
    decider = await staffLogin(app, 'gaj.decider');
  });
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string; state: string }[];
    const t = list.find((x) => x.applicationId === applicationId);
    if (!t) throw new Error(`no task for ${applicationId} in ${JSON.stringify(list.map((x) => x.applicationId))}`);
    return t as { id: string; applicationId: string; state: string; dueDate: string; daysLeft: number; sla: string };
  };

  const submit = async (c: Client = zhang) => ok(await c.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);

  it('runs an item from submission to conclusion: numbers, receipt, due dates, timeline', async () => {
    const a = await submit();
    expect(a.state).toBe('submitted');
    expect(a.number).toMatch(/^35000020250925\d{6}$/);
    expect(a.currentStep).toMatchObject({ action: 'accept', dueDate: '2025-09-26' });

    // 受理: the legal clock starts. The acceptance day does not count; 28 Sep is a make-up day.
    const t1 = await taskOf(window, a.id);
    const accepted = ok(await window.req('POST', `/api/tasks/${t1.id}/accept`, { note: '材料齐全' }));
    expect(accepted.application.state).toBe('under_review');
    expect(accepted.application.clock).toMatchObject({ promisedDue: '2025-10-09', legalDue: '2025-10-29', paused: false });
    expect(accepted.application.receipt).toMatchObject({ kind: 'acceptance_receipt', number: a.number, promisedDue: '2025-10-09', legalDue: '2025-10-29' });

    // The reviewer sees the task with its budget (2 days: 26 Sep, 28 Sep) and days left.
    clock.set('2025-09-26T02:00:00Z');
    const t2 = await taskOf(reviewer, a.id);
    expect(t2).toMatchObject({ dueDate: '2025-09-28', daysLeft: 1, sla: 'normal' });
    const mine = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    // Working days after 26 Sep up to 9 Oct: 28, 29, 30 Sep and 9 Oct.
    expect(mine.clock).toMatchObject({ daysLeft: 4, legalDaysLeft: 19, sla: 'normal' });
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/review`, { agree: true, opinion: '符合条件，同意' }));

    const t3 = await taskOf(decider, a.id);
    const decided = ok(await decider.req('POST', `/api/tasks/${t3.id}/decide`, { approve: true, opinion: '准予', result: { recordNo: 'DJ-2025-001' } }));
    // 办结: no step left after the decision, so the result is delivered online in the decision's
    // own transaction (no job in between).
    expect(decided.application.state).toBe('concluded');
    expect(decided.application.result).toMatchObject({ name: '测试事项（三级审批）结果', fields: { recordNo: 'DJ-2025-001' } });
    await app.services.jobs.drain();
    const done = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(done.state).toBe('concluded');
    expect(done.result.delivery).toEqual({ method: 'online' });
    const types = done.timeline.map((e: { type: string }) => e.type);
    expect(types).toEqual(['submit', 'accept', 'step', 'step_done', 'step', 'approve', 'conclude']);
    // The applicant's timeline is public: no internal notes, no officer names.
    expect(done.timeline.every((e: { visibility: string; actor: { kind: string; name: string | null } }) => e.visibility === 'public' && (e.actor.kind !== 'officer' || e.actor.name === null))).toBe(true);
    // The officer's view has the internal notes and the opinions.
    const officerView = ok(await decider.req('GET', `/api/tasks/${t3.id}`));
    expect(officerView.application.timeline.some((e: { type: string; visibility: string }) => e.type === 'opinion' && e.visibility === 'internal')).toBe(true);
    expect(officerView.application.tasks.map((t: { outcome: string }) => t.outcome)).toEqual(['accepted', 'agreed', 'approved']);
    // Every transition is audited.
    const audit = await app.database.db.selectFrom('audit_log').select('action').where('detail', '@>', JSON.stringify({ applicationId: a.id }) as never).execute();
    expect(audit.map((r) => r.action).sort()).toEqual(['task.accept', 'task.decide', 'task.review'].sort());
    const transitions = await app.database.db.selectFrom('audit_log').select(['detail', 'actor_id']).where('action', '=', 'application.transition').where('entity_id', '=', a.id).orderBy('id').execute();
    expect(transitions.map((r) => (r.detail as { transition: string }).transition)).toEqual(['submit', 'accept', 'beginReview', 'approve', 'conclude']);
    // Attributed to who caused them: the applicant and the officers (the conclusion: the decision's).
    expect(transitions.map((r) => r.actor_id)).toEqual([zhang.me.account.id, window.me.account.id, window.me.account.id, decider.me.account.id, decider.me.account.id]);
  });

  it('does not accept (不予受理) with a reason code; nothing further happens', async () => {
    const a = await submit();
    const t = await taskOf(window, a.id);
    const r = ok(await window.req('POST', `/api/tasks/${t.id}/not-accept`, { reasonCode: 'not_in_scope', reason: '该事项由区级部门受理' }));
    expect(r.application.state).toBe('not_accepted');
    expect(r.application.outcome).toMatchObject({ kind: 'not_accepted', reasonCode: 'not_in_scope', reason: '该事项由区级部门受理' });
    expect(r.application.clock.promisedDue).toBeNull();
    const seen = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(seen.timeline.at(-1).message.zh).toContain('不予受理');
    const again = await window.req('POST', `/api/tasks/${t.id}/accept`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('TASK_STATE_CONFLICT');
    const open = (ok(await window.req('GET', '/api/tasks')) as { applicationId: string }[]).filter((x) => x.applicationId === a.id);
    expect(open).toEqual([]);
  });

  it('a supplement during review pauses the clock and extends every due date by the paused working days', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const a = await submit();
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
    const t2 = await taskOf(reviewer, a.id);
    clock.set('2025-09-26T03:00:00Z'); // Friday 26 Sep
    const asked = ok(
      await reviewer.req('POST', `/api/tasks/${t2.id}/request-supplement`, {
        items: [{ kind: 'field', key: 'reason', reason: '申请事由不清楚' }, { kind: 'material', key: 'statement', reason: '申请书未签字' }],
        note: '请一次性补正',
      }),
    );
    expect(asked.application.state).toBe('supplement_requested');
    expect(asked.application.clock.paused).toBe(true);
    expect(asked.application.supplement.items.map((i: { key: string }) => i.key)).toEqual(['reason', 'statement']);
    // While paused, the officer cannot act and the applicant sees the days left frozen.
    expect((await reviewer.req('POST', `/api/tasks/${t2.id}/review`, { agree: true, opinion: '同意' })).json().code).toBe('APPLICATION_AWAITING_APPLICANT');
    clock.set('2025-10-08T03:00:00Z');
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).clock.daysLeft).toBe(4);

    // Thursday 9 Oct: paused working days after 26 Sep up to 9 Oct are 28, 29, 30 Sep and 9 Oct.
    clock.set('2025-10-09T02:00:00Z');
    const back = ok(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { formData: { reason: '因工作调动申请' }, note: '已补充', materials: [{ key: 'statement', note: '已签字' }] }));
    expect(back.state).toBe('under_review');
    expect(back.clock).toMatchObject({ paused: false, pausedDays: 4, promisedDue: '2025-10-14', legalDue: '2025-11-04' });
    expect(back.formData.reason).toBe('因工作调动申请');
    // The review step's own due date moves too: 28 Sep + 4 working days = 10 Oct.
    expect((await taskOf(reviewer, a.id)).dueDate).toBe('2025-10-10');
    expect(back.timeline.some((e: { type: string; message: { zh: string } }) => e.type === 'clock_resumed' && e.message.zh.includes('2025-10-14'))).toBe(true);
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/review`, { agree: true, opinion: '同意' }));
  });

  it('a supplement before acceptance returns the application to the window; the clock has not started', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const a = await submit();
    const t = await taskOf(window, a.id);
    ok(await window.req('POST', `/api/tasks/${t.id}/request-supplement`, { items: [{ kind: 'material', key: 'statement', reason: '缺少申请书' }] }));
    clock.set('2025-09-29T02:00:00Z');
    const back = ok(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { materials: [{ key: 'statement' }] }));
    expect(back.state).toBe('submitted');
    expect(back.clock.promisedDue).toBeNull();
    const accepted = ok(await window.req('POST', `/api/tasks/${t.id}/accept`, {}));
    // Accepted on Monday 29 Sep: 30 Sep, 9, 10, 11 (make-up) and 13 Oct.
    expect(accepted.application.clock.promisedDue).toBe('2025-10-13');
  });

  /** Time travel for the reply-by timer: the clock moves and the timer is run now. */
  const replyByPassed = async (to: string) => {
    clock.set(to);
    await app.database.db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', 'applications.reply_by').where('state', '=', 'pending').execute();
    await app.services.jobs.drain();
  };

  it('a supplement not answered by its reply-by date ends the application: 不予受理 before acceptance, 终止 after', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const a = await submit();
    const t = await taskOf(window, a.id);
    const asked = ok(await window.req('POST', `/api/tasks/${t.id}/request-supplement`, { items: [{ kind: 'material', key: 'statement', reason: '缺少申请书' }], replyWithinDays: 3 }));
    // Thursday 25 Sep + 3 working days: 26, 28 (make-up Sunday), 29 Sep.
    expect(asked.application.supplement.replyBy).toBe('2025-09-29');
    // Still the 29th: nothing happens; the timer waits again.
    await replyByPassed('2025-09-29T15:00:00Z');
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).state).toBe('supplement_requested');
    // A supplement after the date is refused and changes nothing.
    clock.set('2025-09-30T01:00:00Z');
    const before = await tableCounts(app, ['jobs']);
    expectProblem(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { materials: [{ key: 'statement' }] }), 409, 'SUPPLEMENT_REPLY_OVERDUE');
    expect(await tableCounts(app, ['jobs'])).toEqual(before);
    await replyByPassed('2025-09-30T01:00:00Z');
    const ended = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(ended.state).toBe('not_accepted');
    expect(ended.outcome).toMatchObject({ kind: 'not_accepted', reasonCode: 'supplement_overdue' });
    expect(ended.timeline.at(-1).message.zh).toContain('逾期未按一次性告知的要求补正');
    expect((ok(await window.req('GET', '/api/tasks')) as { applicationId: string }[]).filter((x) => x.applicationId === a.id)).toEqual([]);
    const audit = await app.database.db.selectFrom('audit_log').select('detail').where('entity_id', '=', a.id).where('action', '=', 'application.transition').execute();
    expect(audit.map((r) => (r.detail as { transition: string }).transition)).toContain('supplementOverdue');

    // After acceptance: the application stops (终止); one answered in time goes on.
    clock.set('2025-09-25T02:00:00Z');
    const b = await submit();
    const c = await submit();
    for (const x of [b, c]) ok(await window.req('POST', `/api/tasks/${(await taskOf(window, x.id)).id}/accept`, {}));
    for (const x of [b, c]) ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, x.id)).id}/request-supplement`, { items: [{ kind: 'field', key: 'reason', reason: '事由不清' }], replyWithinDays: 1 }));
    clock.set('2025-09-26T02:00:00Z');
    ok(await zhang.req('POST', `/api/applications/${c.id}/supplement`, { formData: { reason: '已说明' } }));
    await replyByPassed('2025-09-27T02:00:00Z');
    const stopped = ok(await zhang.req('GET', `/api/applications/${b.id}`));
    expect(stopped).toMatchObject({ state: 'stopped', outcome: { kind: 'stopped', reason: 'supplement_overdue' } });
    expect(ok(await zhang.req('GET', `/api/applications/${c.id}`)).state).toBe('under_review');
  });

  it('submission is idempotent: sequential and concurrent retries make one application; another body under the key is refused', async () => {
    const before = await app.database.db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const headers = idem();
    const body = { itemId, formData: form, submit: true };
    const first = await zhang.req('POST', '/api/applications', body, headers);
    expect(first.statusCode).toBe(201);
    const retry = await zhang.req('POST', '/api/applications', body, headers);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    const other = await zhang.req('POST', '/api/applications', { ...body, formData: { ...form, reason: '另一份' } }, headers);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');

    const h2 = idem();
    const burst = await Promise.all(Array.from({ length: 6 }, () => zhang.req('POST', '/api/applications', body, h2)));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(new Set(burst.map((r) => r.json().id)).size).toBe(1);
    const after = await app.database.db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(2);
    // The same key of another person is another request.
    const liApp = await li.req('POST', '/api/applications', { ...body, formData: { ...form, applicantName: '李娜' } }, h2);
    expect(liApp.statusCode).toBe(201);
    expect(liApp.json().id).not.toBe(burst[0].json().id);
    // A retry draws no number: the numbers of the three applications made follow each other.
    const seq = (r: { json(): { number: string } }) => Number(r.json().number.slice(-6));
    expect([seq(burst[0]) - seq(first), seq(liApp) - seq(burst[0])]).toEqual([1, 1]);
  });

  it('a draft is saved, resumed on another device with a version check, and submitted once', async () => {
    const draft = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟' } }), 201);
    expect(draft).toMatchObject({ state: 'draft', number: null });
    // Another device (another session of the same person) reads and continues it.
    const other = await personLogin(app, people[0].idNumber);
    const read = ok(await other.req('GET', `/api/applications/${draft.id}`));
    expect(read.formData).toEqual({ applicantName: '张伟' });
    const saved = ok(await other.req('PUT', `/api/applications/${draft.id}`, { formData: { ...form }, version: read.version }));
    // The first device's copy is stale now.
    const stale = await zhang.req('PUT', `/api/applications/${draft.id}`, { formData: { applicantName: '张' }, version: draft.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('DRAFT_VERSION_CONFLICT');
    // Form data is stored encrypted.
    const raw = await app.database.db.selectFrom('applications').select('form_data').where('id', '=', draft.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(raw.form_data)).not.toContain('13800591001');
    const h = idem();
    const sub = await zhang.req('POST', `/api/applications/${draft.id}/submit`, undefined, h);
    expect(sub.statusCode, sub.body).toBe(200);
    expect(sub.json()).toMatchObject({ id: draft.id, state: 'submitted', version: saved.version + 2 });
    const twice = await zhang.req('POST', `/api/applications/${draft.id}/submit`, undefined, h);
    expect(twice.statusCode).toBe(200);
    expect(twice.headers['idempotent-replayed']).toBe('true');
    const again = await zhang.req('POST', `/api/applications/${draft.id}/submit`, undefined, idem());
    expect(again.json().code).toBe('APPLICATION_ALREADY_SUBMITTED');
    // Only drafts are discarded.
    expect((await zhang.req('DELETE', `/api/applications/${draft.id}`)).json().code).toBe('APPLICATION_NOT_DRAFT');
    const d2 = ok(await zhang.req('POST', '/api/applications', { itemId }), 201);
    expect((await zhang.req('DELETE', `/api/applications/${d2.id}`)).statusCode).toBe(204);
    expect((await zhang.req('GET', `/api/applications/${d2.id}`)).statusCode).toBe(404);
  });

  it('the applicant withdraws before the decision: tasks and timers are cancelled', async () => {
    const a = await submit();
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
    const w = ok(await zhang.req('POST', `/api/applications/${a.id}/withdraw`, { reason: '不再需要' }));
    expect(w.state).toBe('withdrawn');
    const live = await app.database.db.selectFrom('application_tasks').select('state').where('application_id', '=', a.id).where('state', 'in', ['open', 'waiting']).execute();
    expect(live).toEqual([]);
    const timers = await app.database.db.selectFrom('jobs').select('dedupe_key').where('queue', '=', 'applications.timer').where('state', '=', 'pending').where('dedupe_key', 'like', `${a.id}%`).execute();
    expect(timers).toEqual([]);
    expect((await zhang.req('POST', `/api/applications/${a.id}/withdraw`, { reason: '再撤一次' })).json().code).toBe('APPLICATION_STATE_CONFLICT');
  });

  it('the outbox carries every transition to subscribers, the applicant is told; the payment step waits for the payments module (seam)', async () => {
    const events: (Record<string, unknown> & { type: string })[] = [];
    app.services.applications.subscribe('*', async (e) => void events.push(e));
    clock.set('2025-09-25T02:00:00Z');
    app.services.applications.usePayments(noPayments);
    const a = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
    ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, a.id)).id}/review`, { agree: true, opinion: '同意' }));
    // Without the payments module the fee is waived (and said so internally); the decision step opens.
    await taskOf(decider, a.id);
    await app.services.jobs.drain();
    const mine = events.filter((e) => e.applicationId === a.id);
    expect(mine.find((e) => e.type === 'application.payment_needed')).toMatchObject({ answer: 'waived', fees: [{ name: '工本费', amount: 20 }] });
    expect(mine.find((e) => e.type === 'application.state_changed' && e.to === 'accepted')).toMatchObject({ applicantId: zhang.me.account.id, action: 'accept' });
    // The applicant was told in the transition's own transaction (applications.notify.ts), not through the outbox.
    const told = await app.database.db
      .selectFrom('notifications')
      .select('params')
      .where('recipient_id', '=', zhang.me.account.id)
      .where('template_code', '=', 'application.accepted')
      .where(sql<boolean>`params->>'applicationNo' = ${a.number}`)
      .execute();
    expect(told.map((n) => n.params)).toEqual([{ applicationNo: a.number, itemName: '收费事项', dueDate: '2025-10-09' }]);
    // At least once, not necessarily in order (each event carries its time).
    expect(mine.filter((e) => e.type === 'task.opened').map((e) => e.stage).sort()).toEqual(['受理', '审查', '决定'].sort());

    // A payments module that makes the process wait until the fee is paid.
    let asked = 0;
    app.services.applications.usePayments({ paymentNeeded: async () => (asked++, 'pending') });
    try {
      const b = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${(await taskOf(window, b.id)).id}/accept`, {}));
      ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, b.id)).id}/review`, { agree: true, opinion: '同意' }));
      expect(asked).toBe(1);
      expect(ok(await zhang.req('GET', `/api/applications/${b.id}`)).awaiting).toBe('payment');
      expect((ok(await decider.req('GET', '/api/tasks')) as { applicationId: string }[]).some((t) => t.applicationId === b.id)).toBe(false);
      expect(await app.services.applications.paymentSettled(adminCtx(), b.id)).toBe(true);
      expect(await app.services.applications.paymentSettled(adminCtx(), b.id)).toBe(false);
      await taskOf(decider, b.id);
      expect(ok(await zhang.req('GET', `/api/applications/${b.id}`)).timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['payment_needed', 'paid']));
    } finally {
      app.services.applications.usePayments();
    }
  });

  it('lists my applications only; an agent applies for the principal; an enterprise for itself', async () => {
    const mine = ok(await zhang.req('GET', '/api/applications')) as { id: string }[];
    const lis = ok(await li.req('GET', '/api/applications')) as { id: string }[];
    expect(mine.length).toBeGreaterThan(3);
    expect(mine.some((m) => lis.some((l) => l.id === m.id))).toBe(false);

    const agent = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    const principal = agent.me.options.principals[0];
    ok(await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id }));
    const forWang = ok(await agent.req('POST', '/api/applications', { itemId, formData: { ...form, applicantName: '王秀英' }, submit: true }, idem()), 201);
    expect(forWang.applicant).toMatchObject({ name: '王秀英', onBehalf: true });
    const wang = await personLogin(app, people.find((p) => p.name === '王秀英')!.idNumber);
    expect((ok(await wang.req('GET', '/api/applications')) as { id: string }[]).map((x) => x.id)).toContain(forWang.id);
    // The agent acting for themselves does not see it.
    ok(await agent.req('POST', '/api/auth/act', { as: 'self' }));
    expect((await agent.req('GET', `/api/applications/${forWang.id}`)).statusCode).toBe(404);

    const ent = enterprises[0];
    const boss = await personLogin(app, ent.legalRep.idNumber, { type: 'enterprise', uscc: ent.uscc });
    const refused = await boss.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem());
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('APPLICANT_KIND_NOT_SERVED');
    const forEnt = ok(await boss.req('POST', '/api/applications', { itemId: enterpriseItemId, formData: { ...form, applicantName: '黄建国' }, submit: true }, idem()), 201);
    expect(forEnt.applicant).toMatchObject({ kind: 'enterprise', name: ent.name });
    // A person may not use a service for legal persons.
    expect((await zhang.req('POST', '/api/applications', { itemId: enterpriseItemId, formData: form, submit: true }, idem())).json().code).toBe('APPLICANT_KIND_NOT_SERVED');
  });
});

export type { Stage };
