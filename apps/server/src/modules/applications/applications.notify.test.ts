/**
 * The applicant is told (inbox; SMS / e-mail by the notifications module's adapters) at
 * acceptance, supplement request, decision and result, once per event even when the outbox
 * delivers twice; an agent's principal and the agent both are told; a fee due is told too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';
import { QUEUES } from './applications.engine';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '通知测试' };

describe.each(DB_KINDS)('notifications of applications on %s', (kind) => {
  let app: FastifyInstance;
  let zhang: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let itemId: string;
  let feeItemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `notify-key-${kind}-${++key}-${Date.now()}` });
  const drain = () => app.services.jobs.drain();

  beforeAll(async () => {
    app = await testApp(kind);
    useTestClock(app, '2025-09-25T02:00:00Z');
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
  const inbox = async (c: Client) => ok(await c.req('GET', '/api/notifications?limit=100')) as { items: { template: string; body: { zh: string }; link: string | null }[] };

  it('acceptance, supplement request, decision and result reach the inbox once each', async () => {
    const before = (await inbox(zhang)).items.length;
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true }, idem()), 201);
    const t1 = await taskOf(window, a.id);
    ok(await window.req('POST', `/api/tasks/${t1.id}/accept`, {}));
    const t2 = await taskOf(reviewer, a.id);
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/request-supplement`, { items: [{ kind: 'field', key: 'reason', reason: '请写明申请事由' }] }));
    ok(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { formData: { reason: '补写事由' } }));
    ok(await reviewer.req('POST', `/api/tasks/${t2.id}/review`, { agree: true, opinion: '同意' }));
    ok(await decider.req('POST', `/api/tasks/${(await taskOf(decider, a.id)).id}/decide`, { approve: true, opinion: '准予' }));
    await drain();
    // The outbox delivers at least once: a second delivery of every event of this application changes nothing.
    await app.database.db
      .updateTable('jobs')
      .set({ state: 'pending', run_at: sql`now()`, locked_until: null })
      .where('queue', '=', QUEUES.outbox)
      .where(sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements(payload->'items') e WHERE e->>'applicationId' = ${a.id})`)
      .execute();
    await drain();
    const mine = (await inbox(zhang)).items.slice(0, (await inbox(zhang)).items.length - before);
    const templates = mine.map((n) => n.template).filter((t) => t.startsWith('application.')).sort();
    expect(templates).toEqual(['application.accepted', 'application.approved', 'application.concluded', 'application.supplement_requested'].sort());
    const accepted = mine.find((n) => n.template === 'application.accepted')!;
    expect(accepted.body.zh).toContain(a.number);
    expect(accepted.link).toBe(`/portal/applications/${a.id}`);
    expect(mine.find((n) => n.template === 'application.supplement_requested')!.body.zh).toContain('申请事由');
    // SMS went out through the notifications module's adapter (a delivery row per channel).
    const deliveries = await app.database.db
      .selectFrom('notification_deliveries')
      .innerJoin('notifications', 'notifications.id', 'notification_deliveries.notification_id')
      .select(['notifications.template_code', 'notification_deliveries.channel'])
      .where('notifications.recipient_id', '=', zhang.me.account.id)
      .where('notifications.template_code', '=', 'application.accepted')
      .execute();
    expect(deliveries.some((d) => d.channel === 'sms')).toBe(true);
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
    const w = (await inbox(wang)).items;
    const denied = w.find((n) => n.template === 'application.denied' && n.body.zh.includes(a.number));
    expect(denied?.body.zh).toContain('不符合法定条件');
    expect(denied?.body.zh).toContain('行政复议');
    ok(await agent.req('POST', '/api/auth/act', { as: 'self' }));
    expect((await inbox(agent)).items.some((n) => n.template === 'application.denied' && n.body.zh.includes(a.number))).toBe(true);

    const b = ok(await zhang.req('POST', '/api/applications', { itemId: feeItemId, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, b.id)).id}/accept`, {}));
    await drain();
    const due = (await inbox(zhang)).items.find((n) => n.template === 'payment.due' && n.body.zh.includes(b.number));
    expect(due?.body.zh).toContain('8.00');
  });
});
