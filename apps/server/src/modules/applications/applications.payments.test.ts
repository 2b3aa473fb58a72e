/**
 * The payment step end to end through HTTP, on both databases, with the simulated provider's
 * signed asynchronous callbacks: the fee of the catalog version becomes an order, the process
 * waits until the provider says "paid", then goes on; an expired order is renewed by the applicant;
 * a duplicated callback moves nothing twice; a refund is recorded on the application.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, expectProblem, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '缴费测试' };

describe.each(DB_KINDS)('the payment step on %s', (kind) => {
  let app: FastifyInstance;
  let zhang: Client;
  let window: Client;
  let reviewer: Client;
  let decider: Client;
  let itemId: string;
  let freeItemId: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `pay-key-${kind}-${++key}-${Date.now()}` });
  const drain = () => app.services.jobs.drain();
  const sim = () => app.services.paySimulator!;
  const path = (url: string) => {
    const u = new URL(url);
    return u.pathname + u.search;
  };

  beforeAll(async () => {
    app = await testApp(kind);
    useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    const free = testItem({ name: '零收费事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), fee: { amount: 0, afterStage: 'review' } });
    ({ items: [itemId, freeItemId] } = await publish(app, [
      testItem({ name: '收费事项（统一支付）', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj), fee: { amount: 12.5, afterStage: 'review' } }),
      free,
    ]));
    zhang = await personLogin(app, people[0].idNumber);
    window = await staffLogin(app, 'gaj.window');
    reviewer = await staffLogin(app, 'gaj.reviewer');
    decider = await staffLogin(app, 'gaj.decider');
  });
  afterAll(async () => app?.close());

  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[];
    return list.find((x) => x.applicationId === applicationId);
  };

  /** Submitted, accepted and reviewed: the process is at its payment step. */
  async function atPayment(item = itemId) {
    const a = ok(await zhang.req('POST', '/api/applications', { itemId: item, formData: form, submit: true }, idem()), 201);
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window, a.id))!.id}/accept`, {}));
    ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer, a.id))!.id}/review`, { agree: true, opinion: '同意' }));
    return a as { id: string; number: string };
  }

  async function pay(orderId: string, action: 'pay' | 'cancel' | 'fail' = 'pay') {
    const { payUrl } = ok(await zhang.req('POST', `/api/payments/orders/${orderId}/pay`));
    const back = await app.inject({ method: 'POST', url: path(payUrl), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `action=${action}` });
    expect(back.statusCode).toBe(303);
  }

  it('the fee from the catalog becomes an order; the step waits for the signed callback, then goes on', async () => {
    const a = await atPayment();
    const waiting = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(waiting.awaiting).toBe('payment');
    expect(waiting.payment).toMatchObject({ amountFen: 1250, state: 'created', step: 1 });
    expect(waiting.timeline.map((e: { type: string }) => e.type)).toContain('payment_needed');
    // The order is the payer's, for this application, with the catalog's fee item.
    const order = ok(await zhang.req('GET', `/api/payments/orders/${waiting.payment.orderId}`));
    expect(order).toMatchObject({ subject: { type: 'application', id: a.id }, amountFen: 1250, items: [{ name: '工本费', amountFen: 1250, standard: '12.5 元/件' }] });
    // Nobody can decide yet.
    expect(await taskOf(decider, a.id)).toBeUndefined();
    await drain();
    expect(await taskOf(decider, a.id)).toBeUndefined();

    // Paid on the provider's page; its signed notification arrives three times.
    sim().behave({ copies: 3 });
    try {
      await pay(order.id);
      await drain();
    } finally {
      sim().behave({ copies: 1 });
    }
    const paid = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(paid.awaiting).toBeNull();
    expect(paid.payment).toMatchObject({ orderId: order.id, state: 'paid' });
    expect(paid.timeline.filter((e: { type: string }) => e.type === 'paid')).toHaveLength(1);
    // The decision step opened once.
    const t = (await taskOf(decider, a.id))!;
    expect(t).toBeTruthy();
    const tasks = await app.database.db.selectFrom('application_tasks').select('stage_key').where('application_id', '=', a.id).execute();
    expect(tasks.filter((x) => x.stage_key === 'decide')).toHaveLength(1);
    ok(await decider.req('POST', `/api/tasks/${t.id}/decide`, { approve: true, opinion: '准予' }));
    await drain();
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).state).toBe('concluded');

    // A refund by the department is recorded on the application.
    const r = await window.req('POST', `/api/payments/orders/${order.id}/refunds`, { amountFen: 1250, reason: '多收退费' });
    expect(r.statusCode, r.body).toBe(202);
    await drain();
    const refunded = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(refunded.payment).toMatchObject({ state: 'refunded', refundedFen: 1250 });
    expect(refunded.timeline.filter((e: { type: string }) => e.type === 'refunded')).toHaveLength(1);
  });

  it('a withdrawn application gets its paid fee back through the provider (signed refund notification)', async () => {
    const a = await atPayment();
    const p = ok(await zhang.req('GET', `/api/applications/${a.id}`)).payment;
    await pay(p.orderId);
    await drain();
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).payment.state).toBe('paid');
    const w = ok(await zhang.req('POST', `/api/applications/${a.id}/withdraw`, { reason: '不再需要办理' }));
    expect(w.state).toBe('withdrawn');
    expect(w.payment.state).toBe('refunding');
    const asked = w.timeline.find((e: { type: string }) => e.type === 'refund_requested');
    expect(asked.message.zh).toContain('12.50');
    const audit = await app.database.db.selectFrom('audit_log').select('detail').where('action', '=', 'payment.refund.request').where('entity_id', '=', p.orderId).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).toMatchObject({ amountFen: 1250, automatic: true });
    await drain();
    const back = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(back.payment).toMatchObject({ state: 'refunded', refundedFen: 1250 });
    expect(back.timeline.filter((e: { type: string }) => e.type === 'refunded')).toHaveLength(1);
    expect(ok(await zhang.req('GET', `/api/payments/orders/${p.orderId}`)).state).toBe('refunded');
    // Withdrawing before paying asks for no refund.
    const b = await atPayment();
    const wb = ok(await zhang.req('POST', `/api/applications/${b.id}/withdraw`, { reason: '不再需要办理' }));
    expect(wb.timeline.map((e: { type: string }) => e.type)).not.toContain('refund_requested');
    // Its order is still open at the provider: paid after the withdrawal, it opens nothing and the fee goes back.
    await pay(wb.payment.orderId);
    await drain();
    const late = ok(await zhang.req('GET', `/api/applications/${b.id}`));
    expect(late.state).toBe('withdrawn');
    expect(late.awaiting).toBeNull();
    expect(late.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['paid_after_end', 'refund_requested', 'refunded']));
    expect(late.payment).toMatchObject({ state: 'refunded', refundedFen: 1250 });
    expect(await taskOf(decider, b.id)).toBeUndefined();
    const open = await app.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', b.id).where('state', 'in', ['open', 'waiting']).execute();
    expect(open).toHaveLength(0);
  });

  it('an expired order keeps the application waiting; the applicant starts a new one and pays it', async () => {
    const a = await atPayment();
    const first = ok(await zhang.req('GET', `/api/applications/${a.id}`)).payment;
    // A new order while the first is open is refused.
    await expectProblem(await zhang.req('POST', `/api/applications/${a.id}/payment`), 409, 'PAYMENT_ORDER_STILL_OPEN');
    const db = app.database.db;
    await db.updateTable('payment_orders').set({ expires_at: sql`now() - interval '1 second'` }).where('id', '=', first.orderId).execute();
    await db.updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 'payments.expire').where('dedupe_key', '=', first.orderId).where('state', '=', 'pending').execute();
    await drain();
    const expired = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(expired.awaiting).toBe('payment');
    expect(expired.payment).toMatchObject({ orderId: first.orderId, state: 'expired' });
    expect(expired.timeline.map((e: { type: string }) => e.type)).toContain('payment_closed');
    expect(await taskOf(decider, a.id)).toBeUndefined();

    const renewed = ok(await zhang.req('POST', `/api/applications/${a.id}/payment`));
    expect(renewed.payment.orderId).not.toBe(first.orderId);
    expect(renewed.payment).toMatchObject({ state: 'created', amountFen: 1250 });
    // Somebody else cannot.
    const li = await personLogin(app, people[1].idNumber);
    await expectProblem(await li.req('POST', `/api/applications/${a.id}/payment`), 404, 'NOT_FOUND');
    await pay(renewed.payment.orderId);
    await drain();
    expect(ok(await zhang.req('GET', `/api/applications/${a.id}`)).awaiting).toBeNull();
    expect(await taskOf(decider, a.id)).toBeTruthy();
  });

  it('a payment callback for another amount or order does not move the application; a fee of zero is no order', async () => {
    const a = await atPayment();
    const p = ok(await zhang.req('GET', `/api/applications/${a.id}`)).payment;
    const ctx = { actor: null, ip: null, requestId: 'test', audited: false };
    expect(await app.services.applications.paymentSettled(ctx, a.id, { orderId: p.orderId, amountFen: 1 })).toBe(false);
    const after = ok(await zhang.req('GET', `/api/applications/${a.id}`));
    expect(after.awaiting).toBe('payment');

    const b = await atPayment(freeItemId);
    const free = ok(await zhang.req('GET', `/api/applications/${b.id}`));
    expect(free.awaiting).toBeNull();
    expect(free.payment).toBeNull();
    expect(await taskOf(decider, b.id)).toBeTruthy();
  });
});
