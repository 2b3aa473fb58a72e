/**
 * The applicant is told (inbox; SMS / e-mail by the notifications module's adapters) at
 * acceptance, non-acceptance, supplement request, decision and result, once each, in the
 * transition's own transaction (in the inbox when it commits, nobody told when it rolls back);
 * an agent's principal and the agent both are told; a fee due is told too; the officer holding a
 * task is told when its step nears and passes its deadline. A template that does not fit is
 * logged, not sent, and does not undo the officer's act. Outbox jobs queued by an older version
 * (events carrying a template) still tell once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { transact } from '../../db/deferred';
import { enqueue } from '../jobs';
import { departmentId, ok, publish, testItem, threeStages, travel, useTestClock } from './applications.testing';
import { QUEUES } from './applications.engine';
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
  let key = 0;
  const idem = () => ({ 'idempotency-key': `notify-key-${kind}-${++key}-${Date.now()}` });
  const drain = () => app.services.jobs.drain();
  const db = () => app.database.db;

  beforeAll(async () => {
    app = await testApp(kind);
    clock = useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemId, feeItemId] } = await publish(app, [
      testItem({ name: '通知测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
      testItem({ name: '通知测试收费事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), fee: { amount: 8, afterStage: 'accept' } }),
    ]));
    zhang = await personLogin(app, people[0].idNumber);
    window = await staffLogin(app, 'gaj.window');
    reviewer = await staffLogin(app, 'gaj.reviewer');
    decider = await staffLogin(app, 'gaj.decider');
  });
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[];
    const t = list.find((x) => x.applicationId === applicationId);
    if (!t) throw new Error('no task');
    return t;
  };
  type Item = { id: string; template: string; body: { zh: string }; link: string | null; deliveries: { channel: string }[] };
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
    expect(templates).toEqual(['application.accepted', 'application.approved', 'application.concluded', 'application.supplement_requested'].sort());
    expect(mine.find((n) => n.template === 'application.supplement_requested')!.body.zh).toContain('申请事由');
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
    const w = await about(wang, a.number);
    const denied = w.filter((n) => n.template === 'application.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0].body.zh).toContain('不符合法定条件');
    expect(denied[0].body.zh).toContain('行政复议');
    ok(await agent.req('POST', '/api/auth/act', { as: 'self' }));
    expect((await about(agent, a.number)).filter((n) => n.template === 'application.denied')).toHaveLength(1);

    const b = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, b.id)).id}/accept`, {}));
    const due = (await about(zhang, b.number)).filter((n) => n.template === 'payment.due');
    expect(due).toHaveLength(1);
    expect(due[0].body.zh).toContain('8.00');
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
        throw new Error('the officer’s act failed');
      }),
    ).rejects.toThrow('the officer’s act failed');
    await drain();
    expect(await about(zhang, number)).toEqual([]);
    const written = await db().selectFrom('notifications').select('id').where(sql<boolean>`params->>'applicationNo' = ${number}`).execute();
    expect(written).toEqual([]);
  });

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
      const told = await about(zhang, a.number);
      expect(told.map((n) => n.template)).toEqual(['payment.due']); // the same transaction's other notification
      expect(errors.mock.calls.some(([o, msg]) => msg === 'application notification not sent: template and params do not fit' && (o as { template?: string }).template === 'application.accepted')).toBe(true);
    } finally {
      errors.mockRestore();
      await db().updateTable('notification_templates').set({ params: JSON.stringify(original.params) }).where('code', '=', 'application.accepted').execute();
      app.services.notifications.templateCache.drop();
    }
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
