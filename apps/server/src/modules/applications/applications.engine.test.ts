/**
 * The process engine on both databases: countersign, any-sign and sequential signing; claims;
 * a bundle of three children in parallel and one dependent child that starts after its
 * prerequisite and receives its result; the bundle denial policies; and the deadline timers
 * (warning, overdue, escalation to supervision) firing from the durable job queue against an
 * injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { basicForm, departmentId, ok, publish, testBundle, testItem, threeStages, travel, useTestClock, type Stage } from './applications.testing';
import type { ManualClock } from './applications.clock';

const form = { applicantName: '李娜', mobile: '13800591002', reason: '测试' };

describe.each(DB_KINDS)('approval engine on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let li: Client;
  const staff: Record<string, Client> = {};
  const dept: Record<string, string> = {};
  const items: Record<string, string> = {};
  const bundles: Record<string, string> = {};
  let key = 0;
  const idem = () => ({ 'idempotency-key': `engine-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    clock = useTestClock(app, '2025-09-25T02:00:00Z');
    for (const code of ['FZ-GAJ', 'FZ-RSJ', 'FZ-YBJ', 'FZ-MZJ']) dept[code] = await departmentId(app, code);
    const { GAJ, RSJ, YBJ, MZJ } = { GAJ: dept['FZ-GAJ'], RSJ: dept['FZ-RSJ'], YBJ: dept['FZ-YBJ'], MZJ: dept['FZ-MZJ'] };
    const signing = (kind: Stage['kind']): Stage[] => [
      { key: 'accept', name: '受理', role: 'window_clerk', department: GAJ, budgetDays: 1, kind: 'single' },
      { key: 'joint', name: '联合审查', role: 'reviewer', departments: [GAJ, RSJ], budgetDays: 2, kind },
      { key: 'decide', name: '决定', role: 'decider', department: GAJ, budgetDays: 1, kind: 'single' },
    ];
    const quick = (d: string): Stage[] => [
      { key: 'accept', name: '受理', role: 'window_clerk', department: d, budgetDays: 1, kind: 'single' },
      { key: 'decide', name: '审核办结', role: 'decider', department: d, budgetDays: 2, kind: 'single' },
    ];
    const withHousehold = { ...basicForm, properties: { ...basicForm.properties, householdNo: { type: 'string', title: '户号', maxLength: 20 } }, required: [...basicForm.required, 'householdNo'] };
    const published = await publish(
      app,
      [
        testItem({ name: '会签事项', departmentId: GAJ, legal: 20, promised: 5, stages: signing('countersign') }),
        testItem({ name: '或签事项', departmentId: GAJ, legal: 20, promised: 5, stages: signing('anysign') }),
        testItem({ name: '依次审批事项', departmentId: GAJ, legal: 20, promised: 5, stages: signing('sequential') }),
        testItem({ name: '计时事项', departmentId: GAJ, legal: 20, promised: 5, stages: threeStages(GAJ) }),
        testItem({ name: '户口登记（测试）', departmentId: GAJ, legal: 5, promised: 3, stages: quick(GAJ), resultName: '户口登记信息' }),
        testItem({ name: '社保登记（测试）', departmentId: RSJ, legal: 5, promised: 3, stages: quick(RSJ) }),
        testItem({ name: '救助登记（测试）', departmentId: MZJ, legal: 5, promised: 3, stages: quick(MZJ) }),
        testItem({ name: '医保参保（测试）', departmentId: YBJ, legal: 5, promised: 3, stages: quick(YBJ), form: withHousehold }),
      ],
      (['stop_dependents', 'stop_dependents', 'stop_all'] as const).map((policy, i) => (ids: string[]) =>
        testBundle({
          code: `test-bundle-${kind}-${i}`,
          name: `测试一件事${i}`,
          lead: GAJ,
          items: ids.slice(4, 8),
          dependencies: [{ from: ids[4], to: ids[7], result: '户口登记信息（户号）', fields: ['householdNo'] }],
          denialPolicy: policy,
        }),
      ),
    );
    ['countersign', 'anysign', 'sequential', 'timed', 'hukou', 'social', 'relief', 'medical'].forEach((k, i) => (items[k] = published.items[i]));
    ['parallel', 'stopDependents', 'stopAll'].forEach((k, i) => (bundles[k] = published.bundles[i]));
    li = await personLogin(app, people[1].idNumber);
    for (const d of ['gaj', 'rsj', 'ybj', 'mzj']) for (const r of ['window', 'reviewer', 'decider']) staff[`${d}.${r}`] = await staffLogin(app, `${d}.${r}`);
  });
  afterAll(async () => app?.close());

  const submitItem = async (k: string) => ok(await li.req('POST', '/api/applications', { itemId: items[k], formData: form, submit: true }, idem()), 201);
  const tasksOf = async (c: Client, applicationId: string, scope = 'todo') =>
    (ok(await c.req('GET', `/api/tasks?scope=${scope}`)) as { id: string; applicationId: string; state: string; sla: string; daysLeft: number; dueDate: string }[]).filter(
      (t) => t.applicationId === applicationId,
    );
  const only = async (c: Client, applicationId: string) => {
    const t = await tasksOf(c, applicationId);
    expect(t, `one open task for ${applicationId}`).toHaveLength(1);
    return t[0];
  };
  const accept = async (c: Client, id: string) => ok(await c.req('POST', `/api/tasks/${(await only(c, id)).id}/accept`, {}));
  const review = async (c: Client, id: string, agree = true) => ok(await c.req('POST', `/api/tasks/${(await only(c, id)).id}/review`, { agree, opinion: agree ? '同意' : '不同意：材料不符' }));

  it('a task list that waits for work answers as soon as a task opens in the department', async () => {
    const officer = staff['mzj.window'];
    // No open acceptance task in the department, so that the list has to wait.
    await app.database.db.updateTable('application_tasks').set({ state: 'cancelled' }).where('department_id', '=', dept['FZ-MZJ']).where('role', '=', 'window_clerk').where('state', '=', 'open').execute();
    expect(ok(await officer.req('GET', '/api/tasks?waitSeconds=1'))).toEqual([]);
    const t0 = Date.now();
    const waiting = officer.req('GET', '/api/tasks?waitSeconds=30');
    const a = ok(await li.req('POST', '/api/applications', { itemId: items.relief, formData: form, submit: true }, idem()), 201);
    const tasks = ok(await waiting) as { application: { id: string } }[];
    expect(tasks.map((t) => t.application.id)).toContain(a.id);
    // Answered by the notification, not at the end of the 30 s wait.
    expect(Date.now() - t0).toBeLessThan(25_000);
    // An officer's system that needs nothing back (Prefer: return=minimal) gets 204; the act is done.
    const task = (tasks as unknown as { id: string; application: { id: string } }[]).find((t) => t.application.id === a.id)!;
    const r = await officer.req('POST', `/api/tasks/${task.id}/accept`, {}, { prefer: 'return=minimal' });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    expect(ok(await officer.req('GET', `/api/tasks/${task.id}`)).task).toMatchObject({ state: 'completed' });
  });

  it('countersign (会签): every department must agree; a disagreement blocks approval', async () => {
    const a = await submitItem('countersign');
    await accept(staff['gaj.window'], a.id);
    const gajTask = await only(staff['gaj.reviewer'], a.id);
    await only(staff['rsj.reviewer'], a.id);
    const one = await review(staff['gaj.reviewer'], a.id);
    expect(one.application.currentStep).toMatchObject({ index: 1, signKind: 'countersign' });
    // The other department still has its task; one agreement is not enough.
    await only(staff['rsj.reviewer'], a.id);
    expect(await tasksOf(staff['gaj.decider'], a.id)).toEqual([]);
    await review(staff['rsj.reviewer'], a.id);
    await only(staff['gaj.decider'], a.id);
    expect((await staff['gaj.reviewer'].req('POST', `/api/tasks/${gajTask.id}/review`, { agree: true, opinion: '再次' })).json().code).toBe('TASK_STATE_CONFLICT');

    const b = await submitItem('countersign');
    await accept(staff['gaj.window'], b.id);
    const pending = await only(staff['gaj.reviewer'], b.id);
    await review(staff['rsj.reviewer'], b.id, false);
    // The first disagreement decides the step: the other signer's task is cancelled.
    const cancelled = await staff['gaj.reviewer'].req('POST', `/api/tasks/${pending.id}/review`, { agree: true, opinion: '同意' });
    expect(cancelled.json()).toMatchObject({ code: 'TASK_STATE_CONFLICT' });
    const decide = await only(staff['gaj.decider'], b.id);
    const refused = await staff['gaj.decider'].req('POST', `/api/tasks/${decide.id}/decide`, { approve: true, opinion: '准予' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('REVIEW_OBJECTIONS');
    const denied = ok(await staff['gaj.decider'].req('POST', `/api/tasks/${decide.id}/decide`, { approve: false, opinion: '不予', reasons: ['福州市人力资源和社会保障局审查不同意'] }));
    // The decision letter is concluded in the decision's own transaction: no conclusion job.
    expect(denied.application.state).toBe('concluded');
    expect(denied.application.outcome.kind).toBe('denied');
    expect(await app.database.db.selectFrom('jobs').select('id').where('queue', '=', 'applications.conclude').where('dedupe_key', '=', b.id).execute()).toEqual([]);
    expect(denied.application.timeline.map((e: { type: string }) => e.type).slice(-2)).toEqual(['deny', 'conclude']);
    expect(denied.application.outcome.appeal).toMatchObject({ reconsideration: { body: '福州市人民政府', days: 60 }, litigation: { months: 6 } });
    await app.services.jobs.drain();
    const seen = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(seen.state).toBe('concluded');
    expect(seen.outcome.kind).toBe('denied');
    expect(seen.timeline.find((e: { type: string }) => e.type === 'deny').message.zh).toContain('行政复议');
  });

  it('any-sign (或签): the first agreement wins and the other task is cancelled', async () => {
    const a = await submitItem('anysign');
    await accept(staff['gaj.window'], a.id);
    const gajTask = await only(staff['gaj.reviewer'], a.id);
    await review(staff['rsj.reviewer'], a.id);
    const late = await staff['gaj.reviewer'].req('POST', `/api/tasks/${gajTask.id}/review`, { agree: true, opinion: '同意' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('TASK_STATE_CONFLICT');
    const tasks = await app.database.db.selectFrom('application_tasks').select(['state', 'department_id']).where('application_id', '=', a.id).where('step_index', '=', 1).execute();
    expect(tasks.map((t) => t.state).sort()).toEqual(['cancelled', 'completed']);
    await only(staff['gaj.decider'], a.id);
  });

  it('sequential (依次审批): the next department signs only after the previous one', async () => {
    const a = await submitItem('sequential');
    await accept(staff['gaj.window'], a.id);
    expect(await tasksOf(staff['rsj.reviewer'], a.id)).toEqual([]);
    const waiting = await app.database.db.selectFrom('application_tasks').select(['id', 'state']).where('application_id', '=', a.id).where('department_id', '=', dept['FZ-RSJ']).executeTakeFirstOrThrow();
    expect(waiting.state).toBe('waiting');
    const early = await staff['rsj.reviewer'].req('POST', `/api/tasks/${waiting.id}/review`, { agree: true, opinion: '同意' });
    expect(early.json().code).toBe('TASK_STATE_CONFLICT');
    await review(staff['gaj.reviewer'], a.id);
    expect(await tasksOf(staff['gaj.decider'], a.id)).toEqual([]);
    await review(staff['rsj.reviewer'], a.id);
    const d = await only(staff['gaj.decider'], a.id);
    ok(await staff['gaj.decider'].req('POST', `/api/tasks/${d.id}/decide`, { approve: true, opinion: '准予' }));
  });

  it('a claimed task cannot be acted on by another officer; released, it can', async () => {
    const admin = await staffLogin(app, 'admin');
    const created = await admin.req('POST', '/api/admin/staff', { username: `gaj.window2.${kind}`, displayName: '公安局窗口受理员二', password: 'Passw0rd-long', kind: 'officer', roles: ['window_clerk'], departmentId: dept['FZ-GAJ'] });
    expect(created.statusCode, created.body).toBe(201);
    const second = await staffLogin(app, `gaj.window2.${kind}`, 'Passw0rd-long');
    const a = await submitItem('timed');
    const t = await only(staff['gaj.window'], a.id);
    const claimed = ok(await staff['gaj.window'].req('POST', `/api/tasks/${t.id}/claim`));
    expect(claimed.task.assignee.name).toBe(staff['gaj.window'].me.account.displayName);
    const other = await second.req('POST', `/api/tasks/${t.id}/accept`, {});
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('TASK_CLAIMED_BY_OTHER');
    expect((await second.req('POST', `/api/tasks/${t.id}/claim`)).json().code).toBe('TASK_CLAIMED_BY_OTHER');
    ok(await staff['gaj.window'].req('POST', `/api/tasks/${t.id}/release`));
    const mine = ok(await second.req('POST', `/api/tasks/${t.id}/accept`, {}));
    expect(mine.task).toMatchObject({ state: 'completed', outcome: 'accepted' });
  });

  it('a bundle: three children in parallel in three departments, the dependent one starts after its prerequisite with its result', async () => {
    const b = ok(await li.req('POST', '/api/applications', { bundleId: bundles.parallel, formData: form, submit: true }, idem()), 201);
    expect(b.kind).toBe('bundle');
    expect(b.children.map((c: { state: string }) => c.state)).toEqual(['submitted', 'submitted', 'submitted', 'waiting']);
    expect(b.children.map((c: { number: string }) => c.number)).toEqual([1, 2, 3, 4].map((n) => `${b.number}-${n}`));
    const [hukou, social, relief, medical] = b.children as { id: string }[];
    // Three acceptance tasks at once, in three departments; none yet for the dependent child.
    await only(staff['gaj.window'], hukou.id);
    await only(staff['rsj.window'], social.id);
    await only(staff['mzj.window'], relief.id);
    expect(await tasksOf(staff['ybj.window'], medical.id)).toEqual([]);
    // The applicant sees one application.
    const list = ok(await li.req('GET', '/api/applications')) as { id: string }[];
    expect(list.map((x) => x.id)).toContain(b.id);
    expect(list.map((x) => x.id)).not.toContain(hukou.id);

    // Two departments act at the same time.
    const [h1, s1] = await Promise.all([accept(staff['gaj.window'], hukou.id), accept(staff['rsj.window'], social.id)]);
    expect([h1.application.state, s1.application.state]).toEqual(['under_review', 'under_review']);
    const hd = await only(staff['gaj.decider'], hukou.id);
    const missing = await staff['gaj.decider'].req('POST', `/api/tasks/${hd.id}/decide`, { approve: true, opinion: '准予登记' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'RESULT_FIELDS_MISSING', field: 'body/result/householdNo' });
    const sd = await only(staff['rsj.decider'], social.id);
    await Promise.all([
      staff['gaj.decider'].req('POST', `/api/tasks/${hd.id}/decide`, { approve: true, opinion: '准予登记', result: { householdNo: '350102001234' } }).then((r) => ok(r)),
      staff['rsj.decider'].req('POST', `/api/tasks/${sd.id}/decide`, { approve: true, opinion: '准予' }).then((r) => ok(r)),
    ]);
    // No step left after the decisions: both children concluded in their decisions' transactions,
    // so the dependent child started at once (no job in between).
    expect(await tasksOf(staff['ybj.window'], medical.id)).toHaveLength(1);
    await app.services.jobs.drain();

    const mid = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(mid.state).toBe('under_review');
    expect(mid.children.map((c: { state: string }) => c.state)).toEqual(['concluded', 'concluded', 'submitted', 'submitted']);
    expect(mid.children[3].received).toEqual([expect.objectContaining({ itemId: items.hukou, result: expect.objectContaining({ fields: { householdNo: '350102001234' } }) })]);
    // The dependent child's form got the household number from the prerequisite's result.
    const medView = ok(await staff['ybj.window'].req('GET', `/api/tasks/${(await only(staff['ybj.window'], medical.id)).id}`));
    expect(medView.application.formData.householdNo).toBe('350102001234');

    await accept(staff['mzj.window'], relief.id);
    ok(await staff['mzj.decider'].req('POST', `/api/tasks/${(await only(staff['mzj.decider'], relief.id)).id}/decide`, { approve: true, opinion: '准予' }));
    await accept(staff['ybj.window'], medical.id);
    ok(await staff['ybj.decider'].req('POST', `/api/tasks/${(await only(staff['ybj.decider'], medical.id)).id}/decide`, { approve: true, opinion: '参保成功' }));
    await app.services.jobs.drain();
    const done = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(done.state).toBe('concluded');
    expect(done.outcome).toEqual({ kind: 'approved' });
    expect(done.children.every((c: { state: string }) => c.state === 'concluded')).toBe(true);
    // One timeline for the whole bundle, with every child's steps.
    const byChild = new Set(done.timeline.map((e: { applicationId: string }) => e.applicationId));
    expect(byChild.size).toBe(5);
    expect(done.timeline.at(-1).message.zh).toContain('一件事已全部办结');
  });

  it('stop_dependents: a denied child stops the items that need it; the others go on', async () => {
    const b = ok(await li.req('POST', '/api/applications', { bundleId: bundles.stopDependents, formData: form, submit: true }, idem()), 201);
    const [hukou, social, relief, medical] = b.children as { id: string }[];
    await accept(staff['gaj.window'], hukou.id);
    ok(await staff['gaj.decider'].req('POST', `/api/tasks/${(await only(staff['gaj.decider'], hukou.id)).id}/decide`, { approve: false, opinion: '不予', reasons: ['不符合落户条件'] }));
    const now = ok(await li.req('GET', `/api/applications/${b.id}`));
    // The denied child is concluded at once (its letter delivered online); its dependant is stopped.
    expect(now.children.map((c: { state: string }) => c.state)).toEqual(['concluded', 'submitted', 'submitted', 'stopped']);
    expect(now.children[0].outcome.kind).toBe('denied');
    expect(now.children[3].outcome).toEqual({ kind: 'stopped', reason: 'prerequisite_denied' });
    for (const [c, d] of [[social, 'rsj'], [relief, 'mzj']] as const) {
      await accept(staff[`${d}.window`], c.id);
      ok(await staff[`${d}.decider`].req('POST', `/api/tasks/${(await only(staff[`${d}.decider`], c.id)).id}/decide`, { approve: true, opinion: '准予' }));
    }
    await app.services.jobs.drain();
    const done = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(done.state).toBe('concluded');
    expect(done.outcome).toEqual({ kind: 'partially_approved' });
  });

  it('stop_all: a denial stops every child not yet decided; decided approvals stand', async () => {
    const b = ok(await li.req('POST', '/api/applications', { bundleId: bundles.stopAll, formData: form, submit: true }, idem()), 201);
    const [hukou, social, relief] = b.children as { id: string }[];
    await accept(staff['gaj.window'], hukou.id);
    ok(await staff['gaj.decider'].req('POST', `/api/tasks/${(await only(staff['gaj.decider'], hukou.id)).id}/decide`, { approve: true, opinion: '准予', result: { householdNo: '350102009999' } }));
    await accept(staff['rsj.window'], social.id);
    ok(await staff['rsj.decider'].req('POST', `/api/tasks/${(await only(staff['rsj.decider'], social.id)).id}/decide`, { approve: false, opinion: '不予', reasons: ['不符合参保条件'] }));
    const now = ok(await li.req('GET', `/api/applications/${b.id}`));
    // The approval and the denial each concluded in their own transaction.
    expect(now.children.map((c: { state: string }) => c.state)).toEqual(['concluded', 'concluded', 'stopped', 'stopped']);
    expect(now.children[1].outcome.kind).toBe('denied');
    expect(await tasksOf(staff['mzj.window'], relief.id)).toEqual([]);
    await app.services.jobs.drain();
    const done = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(done.children.map((c: { state: string }) => c.state)).toEqual(['concluded', 'concluded', 'stopped', 'stopped']);
    expect(done.state).toBe('concluded');
    expect(done.outcome).toEqual({ kind: 'partially_approved' });
  });

  it('withdrawing a bundle withdraws every child, the waiting one too, and cancels their tasks', async () => {
    const b = ok(await li.req('POST', '/api/applications', { bundleId: bundles.parallel, formData: form, submit: true }, idem()), 201);
    await accept(staff['gaj.window'], b.children[0].id);
    const w = ok(await li.req('POST', `/api/applications/${b.id}/withdraw`, { reason: '孩子随父落户外地' }));
    expect(w.state).toBe('withdrawn');
    expect(w.children.map((c: { state: string }) => c.state)).toEqual(['withdrawn', 'withdrawn', 'withdrawn', 'withdrawn']);
    const live = await app.database.db.selectFrom('application_tasks').select('id').where('root_id', '=', b.id).where('state', 'in', ['open', 'waiting']).execute();
    expect(live).toEqual([]);
    await app.services.jobs.drain();
    expect(ok(await li.req('GET', `/api/applications/${b.id}`)).state).toBe('withdrawn');
  });

  it('deadline timers: the step and the application go to warning and overdue from the job queue; overdue escalates to the region', async () => {
    clock.set('2025-09-25T02:00:00Z');
    // Oversight's change feed (application_changes, written by triggers) names the row at each change of its facts: the engine's and the timers'.
    const feed = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM application_changes WHERE application_id = ${a.id}`.execute(app.database.db)).rows[0].n);
    const a = await submitItem('timed');
    const submitted = await feed();
    expect(submitted).toBeGreaterThanOrEqual(1);
    await accept(staff['gaj.window'], a.id);
    expect(await feed()).toBeGreaterThan(submitted);
    // Timers are rows: they survive a restart.
    const timers = await app.database.db.selectFrom('jobs').select('dedupe_key').where('queue', '=', 'applications.timer').where('state', '=', 'pending').where('dedupe_key', 'like', `${a.id}%`).execute();
    expect(timers.map((t) => t.dedupe_key!.slice(a.id.length + 1)).sort()).toEqual(['clock', 'step']);

    // Friday 26 Sep: nothing is due yet; early timers wait again.
    await travel(app, clock, '2025-09-26T02:00:00Z');
    expect((await app.database.db.selectFrom('applications').select('sla_state').where('id', '=', a.id).executeTakeFirstOrThrow()).sla_state).toBe('normal');
    // Monday 29 Sep, noon: the review step (due Sunday 28 Sep, a make-up working day) is overdue.
    await travel(app, clock, '2025-09-29T04:00:00Z');
    const t = await only(staff['gaj.reviewer'], a.id);
    expect(t).toMatchObject({ dueDate: '2025-09-28', sla: 'overdue', daysLeft: -1 });
    const stored = await app.database.db.selectFrom('application_tasks').select('sla_state').where('id', '=', t.id).executeTakeFirstOrThrow();
    expect(stored.sla_state).toBe('overdue');
    expect((await app.database.db.selectFrom('applications').select('sla_state').where('id', '=', a.id).executeTakeFirstOrThrow()).sla_state).toBe('normal');
    // Tuesday 30 Sep: one working day (9 Oct) is left of five: warning (预警).
    const beforeWarning = await feed();
    await travel(app, clock, '2025-09-30T01:00:00Z');
    expect((await app.database.db.selectFrom('applications').select('sla_state').where('id', '=', a.id).executeTakeFirstOrThrow()).sla_state).toBe('warning');
    expect(await feed()).toBeGreaterThan(beforeWarning);
    expect(ok(await li.req('GET', `/api/applications/${a.id}`)).clock).toMatchObject({ sla: 'warning', daysLeft: 1 });
    // Friday 10 Oct: past the promised date (9 Oct): overdue and escalated to supervision (督办).
    await travel(app, clock, '2025-10-10T01:00:00Z');
    expect((await app.database.db.selectFrom('applications').select('sla_state').where('id', '=', a.id).executeTakeFirstOrThrow()).sla_state).toBe('overdue');
    expect(ok(await li.req('GET', `/api/applications/${a.id}`)).clock).toMatchObject({ sla: 'overdue', daysLeft: -1 });
    const fz = await staffLogin(app, 'fz.supervisor');
    const escalated = ok(await fz.req('GET', '/api/escalations')) as { applicationId: string; dueDate: string }[];
    expect(escalated.find((e) => e.applicationId === a.id)).toMatchObject({ dueDate: '2025-10-09' });
    const gl = await staffLogin(app, 'gl.supervisor');
    expect((ok(await gl.req('GET', '/api/escalations')) as { applicationId: string }[]).some((e) => e.applicationId === a.id)).toBe(false);
    const officer = ok(await staff['gaj.reviewer'].req('GET', `/api/tasks/${t.id}`));
    expect(officer.application.timeline.filter((e: { visibility: string }) => e.visibility === 'internal').map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['stage_warning', 'stage_overdue', 'sla_warning', 'sla_overdue']),
    );
    // A second run changes nothing (each timer acts once).
    await travel(app, clock, '2025-10-13T01:00:00Z');
    const escalations = await app.database.db.selectFrom('application_escalations').select('id').where('application_id', '=', a.id).execute();
    expect(escalations).toHaveLength(1);
    // Decided: the clock stops and no timer is left.
    await review(staff['gaj.reviewer'], a.id);
    ok(await staff['gaj.decider'].req('POST', `/api/tasks/${(await only(staff['gaj.decider'], a.id)).id}/decide`, { approve: true, opinion: '准予' }));
    await app.services.jobs.drain();
    const left = await app.database.db.selectFrom('jobs').select('dedupe_key').where('queue', '=', 'applications.timer').where('state', '=', 'pending').where('dedupe_key', 'like', `${a.id}%`).execute();
    expect(left).toEqual([]);
  });
});
