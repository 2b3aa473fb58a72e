/**
 * The applicant is told (inbox; SMS / e-mail by the notifications module's adapters) at
 * acceptance, non-acceptance, supplement request, decision and result, once each, in the
 * transition's own transaction (in the inbox when it commits, nobody told when it rolls back);
 * an agent's principal and the agent both are told; a fee due is told too; the officer holding a
 * task is told when its step nears and passes its deadline. A template that does not fit is
 * logged, not sent, and does not undo the officer's act. Outbox jobs queued by an older version
 * (events carrying a template) still tell once. One message per person, application family and
 * moment: what one transaction tells a person about one application (and its bundle) is folded
 * into one message (a decision and its conclusion, a fee due at acceptance, the last child's
 * conclusion and its bundle's); messages at different moments are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { transact } from '../../db/deferred';
import { enqueue } from '../jobs';
import { departmentId, ok, publish, testBundle, testItem, threeStages, travel, useTestClock } from './applications.testing';
import { foldNotices, type Notice } from './applications.notify';
import { QUEUES, appealOf } from './applications.engine';
import { render } from '../notifications/notifications.templates';
import type { ManualClock } from './applications.clock';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '通知测试' };

describe.each(DB_KINDS)('notifications of applications on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let zhang: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let itemId: string;
  let feeItemId: string;
  let bundleId: string;
  let admin: Client;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `notify-key-${kind}-${++key}-${Date.now()}` });
  const drain = () => app.services.jobs.drain();
  const db = () => app.database.db;

  beforeAll(async () => {
    app = await testApp(kind);
    clock = useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    const twoStages = [
      { key: 'accept', name: '受理', role: 'window_clerk' as const, department: gaj, budgetDays: 1, kind: 'single' as const },
      { key: 'decide', name: '决定', role: 'decider' as const, department: gaj, budgetDays: 1, kind: 'single' as const },
    ];
    let bundles: string[];
    ({ items: [itemId, feeItemId], bundles } = await publish(
      app,
      [
        testItem({ name: '通知测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
        testItem({ name: '通知测试收费事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), fee: { amount: 8, afterStage: 'accept' } }),
        testItem({ name: '通知一件事甲项', departmentId: gaj, legal: 20, promised: 5, stages: twoStages }),
        testItem({ name: '通知一件事乙项', departmentId: gaj, legal: 20, promised: 5, stages: twoStages }),
      ],
      [(ids) => testBundle({ code: `notify-bundle-${kind}`, name: '通知测试一件事', lead: gaj, items: ids.slice(2), denialPolicy: 'continue' })],
    ));
    bundleId = bundles[0];
    zhang = await personLogin(app, people[0].idNumber);
    window = await staffLogin(app, 'gaj.window');
    reviewer = await staffLogin(app, 'gaj.reviewer');
    decider = await staffLogin(app, 'gaj.decider');
    admin = await staffLogin(app, 'admin');
  });
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[];
    const t = list.find((x) => x.applicationId === applicationId);
    if (!t) throw new Error('no task');
    return t;
  };
  type Item = { id: string; template: string; title: { zh: string; en: string }; body: { zh: string; en: string }; link: string | null; deliveries: { channel: string }[] };
  const inbox = async (c: Client) => ok(await c.req('GET', '/api/notifications?limit=100')) as { items: Item[] };
  /** The recipient's notifications about one application (its number in the text). */
  const about = async (c: Client, number: string) => (await inbox(c)).items.filter((n) => n.body.zh.includes(number));

  it('acceptance, supplement request, decision and result reach the inbox once each, with the transition', async () => {
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const t1 = await taskOf(window, a.id);
    ok(await window.req('POST', `/api/tasks/${t1.id}/accept`, {}));
    // In the inbox as the acceptance commits (no job has run), its SMS waiting for the notifications outbox.
    const accepted = (await about(zhang, a.number)).find((n) => n.template === 'application.accepted')!;
    expect(accepted).toMatchObject({ link: `/portal/applications/${a.id}`, deliveries: [{ channel: 'sms' }] });
    const t2 = await taskOf(reviewer, a.id);
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/request-supplement`, { items: [{ kind: 'field', key: 'reason', reason: '请写明申请事由' }] }));
    ok(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { formData: { reason: '补写事由' } }));
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/review`, { agree: true, opinion: '同意' }));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, a.id)).id}/decide`, { approve: true, opinion: '准予' }));
    await drain();
    // The outbox delivers at least once: its events of this application handed out again tell no one twice.
    await db()
      .updateTable('jobs')
      .set({ state: 'pending', run_at: sql`now()`, locked_until: null })
      .where('queue', '=', QUEUES.outbox)
      .where(sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements(payload->'items') e WHERE e->>'applicationId' = ${a.id})`)
      .execute();
    await drain();
    const mine = await about(zhang, a.number);
    const templates = mine.map((n) => n.template).filter((t) => t.startsWith('application.')).sort();
    // Approved with no step left is concluded in the decision's transaction: one message says both
    // (it replaced application.approved + application.concluded told at the same instant).
    expect(templates).toEqual(['application.accepted', 'application.approved_concluded', 'application.supplement_requested'].sort());
    expect(mine.find((n) => n.template === 'application.supplement_requested')!.body.zh).toContain('申请事由');
    const done = mine.find((n) => n.template === 'application.approved_concluded')!;
    expect(done.title).toEqual({ zh: '您的申请已准予并办结', en: 'Your application is approved and concluded' });
    expect(done.body.zh).toBe(`您申请的「通知测试事项」（办件编号 ${a.number}）已作出准予决定并办结，办理结果：网上送达。您可以在“我的办件”中查看办理结果。`);
    expect(done.body.en).toContain('has been approved and is concluded. Result: 网上送达');
    expect(done.deliveries.map((d) => d.channel).sort()).toEqual(['email', 'sms']);
    // Both state changes stay on the timeline and in the audit log.
    const timeline = (ok(await zhang.req('GET', `/api/applications/${a.id}`)).timeline as { type: string }[]).map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['approve', 'conclude']));
    const audited = await db().selectFrom('audit_log').select(sql<string>`detail->>'transition'`.as('t')).where('entity_id', '=', a.id).where('action', '=', 'application.transition').execute();
    expect(audited.map((r) => r.t)).toEqual(expect.arrayContaining(['approve', 'conclude']));
    // SMS went out through the notifications module's adapter (a delivery row per channel).
    const deliveries = await db()
      .selectFrom('notification_deliveries')
      .innerJoin('notifications', 'notifications.id', 'notification_deliveries.notification_id')
      .select(['notification_deliveries.channel', 'notification_deliveries.status'])
      .where('notifications.id', '=', accepted.id)
      .execute();
    expect(deliveries).toEqual([{ channel: 'sms', status: 'sent' }]);
  });

  it('a non-acceptance tells the applicant why', async () => {
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/not-accept`, { reasonCode: 'not_in_scope', reason: '该事项由区级部门受理' }));
    const told = (await about(zhang, a.number)).filter((n) => n.template === 'application.not_accepted');
    expect(told).toHaveLength(1);
    expect(told[0].body.zh).toContain('该事项由区级部门受理');
  });

  it('a denial tells the reasons and how to appeal; a fee due is told with its amount; an agent and the principal are both told', async () => {
    const agent = await personLogin(app, people.find((p) => p.name === '陈明')!.idNumber);
    const wang = await personLogin(app, people.find((p) => p.name === '王秀英')!.idNumber);
    const principal = agent.me.options.principals[0];
    ok(await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id }));
    const a = ok(await agent.req('POST', '/api/applications', { itemId, formData: { ...form, applicantName: '王秀英' }, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
    ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, a.id)).id}/review`, { agree: false, opinion: '不符合条件' }));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, a.id)).id}/decide`, { approve: false, opinion: '不予', reasons: ['不符合法定条件'] }));
    await drain();
    // The denial letter is delivered (concluded) in the decision's transaction: one message says both.
    const w = (await about(wang, a.number)).filter((n) => n.template.startsWith('application.'));
    expect(w.map((n) => n.template).sort()).toEqual(['application.accepted', 'application.denied_concluded']);
    const denied = w.find((n) => n.template === 'application.denied_concluded')!;
    expect(denied.body.zh).toContain('不符合法定条件');
    expect(denied.body.zh).toContain('不予决定书已送达（网上送达），本件已办结。如不服本决定，可以自收到本决定之日起六十日内');
    expect(denied.body.en).toContain('The decision was delivered (网上送达) and the application is concluded.');
    ok(await agent.req('POST', '/api/auth/act', { as: 'self' }));
    expect((await about(agent, a.number)).filter((n) => n.template === 'application.denied_concluded')).toHaveLength(1);

    // A fee due right at acceptance: one message for both.
    const b = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, b.id)).id}/accept`, {}));
    const due = await about(zhang, b.number);
    expect(due.map((n) => n.template)).toEqual(['application.accepted_payment_due']);
    expect(due[0].body.zh).toContain('已受理，承诺于');
    expect(due[0].body.zh).toContain('需缴纳费用 8.00 元');
    expect(due[0].deliveries).toEqual([expect.objectContaining({ channel: 'sms' })]);
  });

  it('a denial told on its own (its conclusion later) says how to appeal once, in both languages', async () => {
    const t = await app.database.db.selectFrom('notification_templates').selectAll().where('code', '=', 'application.denied').executeTakeFirstOrThrow();
    const appeal = appealOf('福州市市场监督管理局', '350100');
    const out = render(t as never, { applicationNo: 'FZ-1', itemName: '食品经营许可', reason: '不符合法定条件', appeal: appeal.text.zh });
    expect(out.zh.body.split('如不服本决定').length - 1).toBe(1);
    expect(out.zh.body).toMatch(/理由：不符合法定条件。如不服本决定，可以自收到本决定之日起六十日内/);
    const en = render(t as never, { applicationNo: 'FZ-1', itemName: '食品经营许可', reason: 'x', appeal: appeal.text.en });
    expect(en.en.body.split('If you disagree').length - 1).toBe(1);
  });

  it('the officer holding a task is told when its step nears and passes its deadline', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
    const t = await taskOf(reviewer, a.id);
    ok(await reviewer.req('POST', `/api/tasks/${t.id}/claim`));
    // Monday 29 Sep, noon: the review step (2 working days, due Sunday 28 Sep, a make-up working day) is overdue.
    await travel(app, clock, '2025-09-29T04:00:00Z');
    const told = (await about(reviewer, a.number)).filter((n) => n.template === 'task.deadline_warning');
    expect(told).toHaveLength(2); // warning, then overdue
    expect(told.every((n) => n.link === `/workbench/tasks/${t.id}`)).toBe(true);
    // The applicant is not told of the officers' deadlines.
    expect((await about(zhang, a.number)).some((n) => n.template === 'task.deadline_warning')).toBe(false);
    ok(await reviewer.req('POST', `/api/tasks/${t.id}/review`, { agree: true, opinion: '同意' }));
  });

  it('a transition that rolls back tells no one', async () => {
    const me = zhang.me.account.id;
    const number = `FZ-RB-${kind}`;
    await expect(
      transact(db(), async (trx) => {
        await app.services.applications.engine.emit(trx, 'application.state_changed', {
          applicationId: null,
          rootId: null,
          applicantId: me,
          createdBy: me,
          action: 'accept',
          template: 'application.accepted',
          params: { applicationNo: number, itemName: '通知测试事项', dueDate: '2025-10-09' },
        });
        await pair(trx, number);
        throw new Error('the officer’s act failed');
      }),
    ).rejects.toThrow('the officer’s act failed');
    await drain();
    expect(await about(zhang, number)).toEqual([]);
    const written = await db().selectFrom('notifications').select('id').where(sql<boolean>`params->>'applicationNo' = ${number}`).execute();
    expect(written).toEqual([]);
    // The same pair committed: one message, to each of the two people, written as the transaction closes.
    const kept = `FZ-FOLD-${kind}`;
    await transact(db(), (trx) => pair(trx, kept));
    expect((await about(zhang, kept)).map((n) => n.template)).toEqual(['application.approved_concluded']);
    expect((await about(decider, kept)).map((n) => n.template)).toEqual(['application.approved_concluded']);
  });

  /** An approval and its conclusion of one application, emitted in `trx` as the engine does (two recipients). */
  const pair = async (trx: Parameters<Parameters<typeof transact>[1]>[0], number: string) => {
    const base = { applicationId: `${number}-app`, rootId: `${number}-app`, applicantId: zhang.me.account.id, createdBy: decider.me.account.id };
    const engine = app.services.applications.engine;
    await engine.emit(trx, 'application.state_changed', { ...base, action: 'approve', template: 'application.approved', params: { applicationNo: number, itemName: '通知测试事项' } });
    await engine.emit(trx, 'application.state_changed', { ...base, action: 'conclude', template: 'application.concluded', params: { applicationNo: number, itemName: '通知测试事项', delivery: '网上送达' } });
  };

  it('a template that does not fit its parameters is logged and not sent; the acceptance stands and the others are told', async () => {
    const original = await db().selectFrom('notification_templates').select('params').where('code', '=', 'application.accepted').executeTakeFirstOrThrow();
    // A region's template asks for a parameter the engine does not give (set in the table, as a migration gone wrong would).
    await db()
      .updateTable('notification_templates')
      .set({ params: JSON.stringify([...original.params, 'office']) })
      .where('code', '=', 'application.accepted')
      .execute();
    app.services.notifications.templateCache.drop();
    const errors = vi.spyOn(app.log, 'error');
    try {
      const a = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
      expect((ok(await zhang.req('GET', `/api/applications/${a.id}`)).timeline as { type: string }[]).map((e) => e.type)).toContain('accept');
      // The acceptance and the fee folded into one message, whose template fits: told.
      expect((await about(zhang, a.number)).map((n) => n.template)).toEqual(['application.accepted_payment_due']);
      // The folded template does not fit either: the two it stands for instead, of which the fee notice fits.
      await db()
        .updateTable('notification_templates')
        .set({ params: sql`params || '["office"]'::jsonb` })
        .where('code', '=', 'application.accepted_payment_due')
        .execute();
      app.services.notifications.templateCache.drop();
      const b = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${(await taskOf(window, b.id)).id}/accept`, {}));
      expect((ok(await zhang.req('GET', `/api/applications/${b.id}`)).timeline as { type: string }[]).map((e) => e.type)).toContain('accept');
      const told = await about(zhang, b.number);
      expect(told.map((n) => n.template)).toEqual(['payment.due']); // the same transaction's other notification
      const logged = (t: string) => errors.mock.calls.some(([o, msg]) => msg === 'application notification not sent: template and params do not fit' && (o as { template?: string }).template === t);
      expect(logged('application.accepted')).toBe(true);
      expect(logged('application.accepted_payment_due')).toBe(true);
    } finally {
      errors.mockRestore();
      await db().updateTable('notification_templates').set({ params: JSON.stringify(original.params) }).where('code', '=', 'application.accepted').execute();
      await db()
        .updateTable('notification_templates')
        .set({ params: JSON.stringify(['applicationNo', 'itemName', 'dueDate', 'amount', 'payBefore']) })
        .where('code', '=', 'application.accepted_payment_due')
        .execute();
      app.services.notifications.templateCache.drop();
    }
  });

  it('a bundle: acceptances at separate moments are told each; the last child’s decision, its conclusion and the bundle’s are one message', async () => {
    const b = ok(await zhang.req('POST', '/api/applications', { bundleId, formData: form, submit: true }, idem()), 201);
    const [first, last] = b.children as { id: string; number: string; title: string }[];
    for (const c of [first, last]) ok(await window.req('POST', `/api/tasks/${(await taskOf(window, c.id)).id}/accept`, {}));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, first.id)).id}/decide`, { approve: true, opinion: '准予' }));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, last.id)).id}/decide`, { approve: true, opinion: '准予' }));
    await drain();
    const done = ok(await zhang.req('GET', `/api/applications/${b.id}`));
    expect(done.state).toBe('concluded');
    // (The invitation to rate the bundle, review.invite_link, comes later from the outbox: another moment.)
    const mine = (await about(zhang, b.number)).filter((n) => n.template.startsWith('application.'));
    // Before: 2 acceptances, 2 approvals, 2 conclusions and the bundle's conclusion (7 messages, 10 SMS / e-mails).
    expect(mine.map((n) => n.template).sort()).toEqual(['application.accepted', 'application.accepted', 'application.approved_concluded', 'application.bundle_approved_concluded']);
    expect(mine.find((n) => n.template === 'application.approved_concluded')!.body.zh).toContain(`（办件编号 ${first.number}）`);
    const whole = mine.find((n) => n.template === 'application.bundle_approved_concluded')!;
    expect(whole.link).toBe(`/portal/applications/${b.id}`);
    expect(whole.title).toEqual({ zh: '您的一件事已全部办结', en: 'Your bundle is concluded' });
    expect(whole.body.zh).toBe(
      `您申请的「通知测试一件事」（办件编号 ${b.number}）已全部办结（全部准予）。最后办结的「${last.title}」已作出准予决定，办理结果：网上送达；其余事项此前已分别告知。您可以在“我的办件”中查看各事项的结果。`,
    );
    expect(whole.body.en).toContain(`is concluded (全部准予). Its last item, "${last.title}", has been approved; result: 网上送达.`);
    expect(whole.deliveries.map((d) => d.channel).sort()).toEqual(['email', 'sms']);
    // 1 + 1 SMS for the acceptances, SMS and e-mail for each of the two other messages.
    expect(mine.flatMap((n) => n.deliveries)).toHaveLength(6);
    // Every state change is still on the timeline: both children's approvals and conclusions, and the bundle's.
    const types = (done.timeline as { type: string; applicationId: string }[]).map((e) => `${e.applicationId === b.id ? 'bundle' : e.applicationId === last.id ? 'last' : 'first'}:${e.type}`);
    expect(types).toEqual(expect.arrayContaining(['first:approve', 'first:conclude', 'last:approve', 'last:conclude', 'bundle:bundle_state']));
  });

  it('a bundle whose last item is not accepted: the non-acceptance and the bundle’s conclusion are one message', async () => {
    const b = ok(await zhang.req('POST', '/api/applications', { bundleId, formData: form, submit: true }, idem()), 201);
    const [first, last] = b.children as { id: string; number: string; title: string }[];
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, first.id)).id}/accept`, {}));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, first.id)).id}/decide`, { approve: true, opinion: '准予' }));
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, last.id)).id}/not-accept`, { reasonCode: 'not_in_scope', reason: '该事项由区级部门受理' }));
    const done = ok(await zhang.req('GET', `/api/applications/${b.id}`));
    expect(done.state).toBe('concluded');
    const mine = (await about(zhang, b.number)).filter((n) => n.template.startsWith('application.'));
    expect(mine.map((n) => n.template).sort()).toEqual(['application.accepted', 'application.approved_concluded', 'application.bundle_not_accepted_concluded']);
    const whole = mine.find((n) => n.template === 'application.bundle_not_accepted_concluded')!;
    expect(whole.body.zh).toBe(
      `您申请的「通知测试一件事」（办件编号 ${b.number}）已全部办结（部分准予）。其中「${last.title}」不予受理，原因：申请事项依法不属于本机关职权范围：该事项由区级部门受理。其余事项的办理情况请在“我的办件”中查看。如有疑问，请咨询受理部门。`,
    );
    expect(whole.deliveries.map((d) => d.channel).sort()).toEqual(['email', 'sms']);
  });

  it('a fold honours an operator’s edits: a reworded replaced template is sent as it is until the folded one is reworded too', async () => {
    type T = { code: string; version: number; channels: string[]; zh: Record<string, string>; en: Record<string, string> };
    const templates = async () => ok(await admin.req('GET', '/api/admin/notification-templates')) as T[];
    const edit = async (code: string, zhBody: string) => {
      const t = (await templates()).find((x) => x.code === code)!;
      ok(await admin.req('PUT', `/api/admin/notification-templates/${code}`, { version: t.version, channels: t.channels, zh: { ...t.zh, body: zhBody }, en: t.en }));
    };
    const decideAt = async () => {
      const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id)).id}/accept`, {}));
      ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, a.id)).id}/review`, { agree: true, opinion: '同意' }));
      ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, a.id)).id}/decide`, { approve: true, opinion: '准予' }));
      return (await about(zhang, a.number)).filter((n) => n.template !== 'application.accepted');
    };
    await edit('application.approved', '本区：「{{itemName}}」（{{applicationNo}}）已准予。');
    const separate = await decideAt();
    expect(separate.map((n) => n.template).sort()).toEqual(['application.approved', 'application.concluded']);
    expect(separate.find((n) => n.template === 'application.approved')!.body.zh).toMatch(/^本区：/);
    await edit('application.approved_concluded', '本区：「{{itemName}}」（{{applicationNo}}）已准予并办结，{{delivery}}。');
    const folded = await decideAt();
    expect(folded.map((n) => n.template)).toEqual(['application.approved_concluded']);
    expect(folded[0].body.zh).toMatch(/^本区：.*已准予并办结，网上送达。$/);
  });

  it('an outbox job queued by an older version (events with a template) still tells once, however often it runs', async () => {
    const me = zhang.me.account.id;
    const event = (number: string) => ({
      type: 'application.state_changed',
      at: new Date().toISOString(),
      applicationId: null,
      rootId: null,
      applicantId: me,
      createdBy: me,
      action: 'accept',
      from: 'submitted',
      to: 'accepted',
      template: 'application.accepted',
      params: { applicationNo: number, itemName: '通知测试事项', dueDate: '2025-10-09' },
    });
    const many = `FZ-OLD-ITEMS-${kind}`;
    const one = `FZ-OLD-ONE-${kind}`;
    // The job of one engine transaction (enqueueItem), and one written before that (one event, no items).
    await enqueue(db(), { queue: QUEUES.outbox, payload: { items: [event(many)] } });
    await enqueue(db(), { queue: QUEUES.outbox, payload: event(one) });
    await drain();
    await db().updateTable('jobs').set({ state: 'pending', run_at: sql`now()`, locked_until: null }).where('queue', '=', QUEUES.outbox).where(sql<boolean>`payload::text LIKE ${'%FZ-OLD-%'}`).execute();
    await drain();
    expect((await about(zhang, many)).map((n) => n.template)).toEqual(['application.accepted']);
    expect((await about(zhang, one)).map((n) => n.template)).toEqual(['application.accepted']);
  });
});

describe('foldNotices: one message per person, application family and moment', () => {
  const e = (applicationId: string, rootId: string, extra: Record<string, unknown> = {}) => ({ type: 'application.state_changed', applicationId, rootId, ...extra });
  const n = (recipient: string, template: string, params: Record<string, unknown>, ev: Record<string, unknown> & { type: string }): Notice => ({ e: ev, input: { recipientAccountId: recipient, template, params, link: `/portal/applications/${String(ev.rootId)}` } });
  const p = { applicationNo: 'N-1', itemName: '甲' };

  it('folds a decision and its conclusion per recipient, and leaves other recipients, roots and kinds apart', () => {
    const out = foldNotices([
      n('u1', 'application.approved', p, e('a', 'a')),
      n('u2', 'application.approved', p, e('a', 'a')),
      n('u1', 'task.deadline_warning', p, { type: 'task.deadline_warning', taskId: 't' }),
      n('u1', 'application.concluded', { ...p, delivery: '网上送达' }, e('a', 'a')),
      n('u2', 'application.concluded', { ...p, delivery: '网上送达' }, e('a', 'a')),
      n('u1', 'application.concluded', { applicationNo: 'N-2', itemName: '乙', delivery: '网上送达' }, e('b', 'b')),
    ]);
    expect(out.map((i) => [i.recipientAccountId, i.template])).toEqual([
      ['u1', 'application.approved_concluded'],
      ['u2', 'application.approved_concluded'],
      ['u1', 'task.deadline_warning'],
      ['u1', 'application.concluded'],
    ]);
    expect(out[0]).toMatchObject({ params: { ...p, delivery: '网上送达' }, link: '/portal/applications/a' });
    expect(out[0].replaces!.map((r) => r.template)).toEqual(['application.approved', 'application.concluded']);
  });

  it('folds the last child’s denial and conclusion into its bundle’s conclusion; an approval alone is left', () => {
    const out = foldNotices([
      n('u1', 'application.approved', { applicationNo: 'B-1', itemName: '甲' }, e('c1', 'B')),
      n('u1', 'application.denied', { applicationNo: 'B-2', itemName: '乙', reason: 'r', appeal: 'x' }, e('c2', 'B')),
      n('u1', 'application.concluded', { applicationNo: 'B-2', itemName: '乙', delivery: '网上送达' }, e('c2', 'B')),
      n('u1', 'application.concluded', { applicationNo: 'B', itemName: '一件事', delivery: '各事项办理结果已分别送达' }, e('B', 'B', { kind: 'bundle', outcomeLabel: '部分准予' })),
    ]);
    expect(out.map((i) => i.template)).toEqual(['application.approved', 'application.bundle_denied_concluded']);
    expect(out[1].params).toEqual({ applicationNo: 'B', itemName: '一件事', outcome: '部分准予', lastItem: '乙', delivery: '网上送达', reason: 'r', appeal: 'x' });
    expect(out[1].replaces!.map((r) => r.template)).toEqual(['application.denied', 'application.concluded', 'application.concluded']);
  });

  it('folds a last child’s non-acceptance into its bundle’s conclusion; a bundle concluded with two children ending at once is left apart', () => {
    const bundle = n('u1', 'application.concluded', { applicationNo: 'B', itemName: '一件事', delivery: '各事项办理结果已分别送达' }, e('B', 'B', { kind: 'bundle', outcomeLabel: '未获准予' }));
    const out = foldNotices([n('u1', 'application.not_accepted', { applicationNo: 'B-2', itemName: '乙', reason: 'r' }, e('c2', 'B')), bundle]);
    expect(out.map((i) => [i.template, i.params])).toEqual([['application.bundle_not_accepted_concluded', { applicationNo: 'B', itemName: '一件事', outcome: '未获准予', lastItem: '乙', reason: 'r' }]]);
    const two = foldNotices([
      n('u1', 'application.not_accepted', { applicationNo: 'B-1', itemName: '甲', reason: 'r' }, e('c1', 'B')),
      n('u1', 'application.not_accepted', { applicationNo: 'B-2', itemName: '乙', reason: 'r' }, e('c2', 'B')),
      bundle,
    ]);
    expect(two.map((i) => i.template)).toEqual(['application.not_accepted', 'application.not_accepted', 'application.concluded']);
  });
});
