/**
 * Unified payment against the built-in simulated provider, on both databases: the redirect and
 * the signed callback, callbacks that come twice, late, out of order or forged, failures,
 * refunds, expiry, reconciliation, and bad input that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { DB_KINDS, personLogin, staffLogin, tableCounts, testApp, type Client, expectProblem } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { canonicalString, edSign, edVerify, hmacSign, hmacVerify } from './signing';
import { chinaDay, systemContext } from './payments.service';
import { refundState } from './payments.states';

const ZERO_ID = '00000000-0000-4000-8000-000000000000';
const person = (name: string) => people.find((p) => p.name === name)!;

describe('signatures over sorted parameters', () => {
  it('builds the canonical string without sign, sign_type and empty values, keys in ASCII order', () => {
    expect(canonicalString({ b: 2, a: 'x', sign: 's', sign_type: 'ED25519', empty: '', nil: null, list: [{ k: 1 }] })).toBe('a=x&b=2&list=[{"k":1}]');
  });
  it('HMAC-SHA256 and Ed25519 verify what they signed and nothing else', () => {
    const p: Record<string, unknown> = { out_trade_no: 'YW1', total_fen: 1250 };
    p.sign = hmacSign(p, 'merchant-key-0123456789');
    expect(hmacVerify(p, 'merchant-key-0123456789')).toBe(true);
    expect(hmacVerify({ ...p, total_fen: 1 }, 'merchant-key-0123456789')).toBe(false);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const q: Record<string, unknown> = { out_trade_no: 'YW1', total_fen: 1250, sign_type: 'ED25519' };
    q.sign = edSign(q, privateKey);
    expect(edVerify(q, publicKey)).toBe(true);
    expect(edVerify({ ...q, total_fen: 1251 }, publicKey)).toBe(false);
    expect(edVerify({ ...q, sign_type: 'HMAC' }, publicKey)).toBe(false);
  });
  it('knows a China day and the refund state rule', () => {
    expect(chinaDay('2026-11-24')!.from.toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(chinaDay('2026-02-30')).toBeNull();
    expect(refundState(1000, 0, 0)).toBe('paid');
    expect(refundState(1000, 300, 0)).toBe('partially_refunded');
    expect(refundState(1000, 1000, 0)).toBe('refunded');
    expect(refundState(1000, 300, 1)).toBe('refunding');
  });
});

describe.each(DB_KINDS)('unified payment on %s', (kind) => {
  let app: FastifyInstance;
  let citizen: Client;
  let other: Client;
  let clerk: Client;
  let foreignClerk: Client;
  let deptAdmin: Client;
  let otherDeptAdmin: Client;
  let admin: Client;
  let scjgId: string;
  let n = 0;

  beforeAll(async () => {
    app = await testApp(kind);
    citizen = await personLogin(app, person('张伟').idNumber);
    other = await personLogin(app, person('王秀英').idNumber);
    clerk = await staffLogin(app, 'scjg.window');
    foreignClerk = await staffLogin(app, 'gaj.window');
    deptAdmin = await staffLogin(app, 'scjg.admin');
    otherDeptAdmin = await staffLogin(app, 'xzsp.admin');
    admin = await staffLogin(app, 'admin');
    scjgId = (await app.inject({ method: 'GET', url: '/api/departments' })).json().find((d: { code: string }) => d.code === 'FZ-SCJGJ').id;
  });
  afterAll(async () => app?.close());

  const db = () => app.database.db;
  const sim = () => app.services.paySimulator!;
  const drain = () => app.services.jobs.drain();
  const path = (url: string) => {
    const u = new URL(url);
    return u.pathname + u.search;
  };

  async function createOrder(c = citizen, amounts = [1000, 250]) {
    n++;
    const res = await c.req('POST', '/api/payments/orders', {
      subjectType: 'application',
      subjectId: `app-${kind}-${n}`,
      departmentId: scjgId,
      currency: 'CNY',
      items: amounts.map((amountFen, i) => ({ name: i === 0 ? '营业执照工本费' : '副本工本费', standard: '每证 10 元', legalBasis: '《行政事业性收费标准》', amountFen })),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; orderNo: string; amountFen: number; state: string };
  }

  async function startPay(id: string, c = citizen): Promise<string> {
    const res = await c.req('POST', `/api/payments/orders/${id}/pay`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().payUrl;
  }

  /** The payer's action on the provider's checkout page; answers the provider's redirect. */
  async function checkout(payUrl: string, action: 'pay' | 'cancel' | 'fail' = 'pay') {
    return app.inject({ method: 'POST', url: path(payUrl), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `action=${action}` });
  }

  async function order(id: string, c: Client = citizen) {
    const res = await c.req('GET', `/api/payments/orders/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  async function paidOrder(amounts?: number[]) {
    const o = await createOrder(citizen, amounts);
    expect((await checkout(await startPay(o.id))).statusCode).toBe(303);
    await drain();
    expect((await order(o.id)).state).toBe('paid');
    return o;
  }

  const jobsOf = (queue: string, orderId: string) =>
    db().selectFrom('jobs').selectAll().where('queue', '=', queue).where(sql<boolean>`payload->>'orderId' = ${orderId}`).execute();
  const eventsOf = (orderId: string) => db().selectFrom('payment_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  const notificationsOf = (orderNo: string) => db().selectFrom('sim_pay_notifications').selectAll().where('out_trade_no', '=', orderNo).orderBy('created_at').execute();

  /** Makes an order's expiry due now (instead of waiting for it). */
  async function expireNow(orderId: string) {
    await db().updateTable('payment_orders').set({ expires_at: sql`now() - interval '1 second'` }).where('id', '=', orderId).execute();
    await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 'payments.expire').where('dedupe_key', '=', orderId).where('state', '=', 'pending').execute();
  }

  it('happy path: redirect to the checkout page, pay, redirect back, signed callback; the subject is told', async () => {
    const o = await createOrder();
    expect(o).toMatchObject({ state: 'created', amountFen: 1250 });
    const payUrl = await startPay(o.id);
    expect(payUrl).toMatch(/^http:\/\/yiwang\.test\/pay-sim\/pay\//);
    expect((await order(o.id)).state).toBe('pending');

    const page = await app.inject({ method: 'GET', url: path(payUrl) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('¥12.50');
    expect(page.body).toContain('lang="en"');
    expect(page.body).toContain(o.orderNo);

    const back = await checkout(payUrl);
    expect(back.statusCode).toBe(303);
    const returnUrl = new URL(back.headers.location as string);
    expect(returnUrl.pathname).toBe(`/api/payments/orders/${o.id}/return`);

    await drain(); // the provider's asynchronous notification
    const paid = await order(o.id);
    expect(paid).toMatchObject({ state: 'paid', refundedFen: 0, late: false, payUrl: null });
    expect(paid.paidAt).toBeTruthy();
    expect(paid.items).toHaveLength(2);

    const ret = await app.inject({ method: 'GET', url: returnUrl.pathname + returnUrl.search, headers: { cookie: citizen.cookie } });
    expect(ret.statusCode).toBe(303);
    expect(ret.headers.location).toBe(`/portal/payments/${o.id}?payment=${o.id}&state=paid`);

    const [event] = await jobsOf('payment.paid', o.id);
    expect(event.payload).toMatchObject({ orderId: o.id, subjectType: 'application', subjectId: `app-${kind}-${n}`, amountFen: 1250 });
    expect((await eventsOf(o.id)).map((e) => [e.state, e.outcome])).toEqual([['paid', 'applied']]);
    const [note] = await notificationsOf(o.orderNo);
    expect(note.acknowledged_at).toBeTruthy();
    const audit = await db().selectFrom('audit_log').select(['action', 'outcome']).where('entity_id', '=', o.id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['payment.order.create', 'payment.order.pay', 'payment.order.paid', 'payment.notify']));
  });

  it('the return endpoint never trusts the browser: it asks the provider', async () => {
    sim().behave({ hold: true });
    try {
      const o = await createOrder();
      const payUrl = await startPay(o.id);
      // A browser that claims success before paying changes nothing.
      const lie = await app.inject({ method: 'GET', url: `/api/payments/orders/${o.id}/return?out_trade_no=${o.orderNo}&result=paid&trade_state=SUCCESS` });
      expect(lie.statusCode).toBe(303);
      expect(lie.headers.location).toContain('state=pending');
      expect((await order(o.id)).state).toBe('pending');

      const back = await checkout(payUrl); // paid; the notification is held back by the provider
      const ret = await app.inject({ method: 'GET', url: path(back.headers.location as string) });
      expect(ret.headers.location).toContain('state=paid');
      expect((await order(o.id)).state).toBe('paid');
      expect(await eventsOf(o.id)).toHaveLength(0);

      // The notification arrives afterwards: already known, changes nothing.
      expect(await sim().release()).toBe(1);
      await drain();
      expect((await eventsOf(o.id)).map((e) => e.outcome)).toEqual(['stale']);
      expect(await jobsOf('payment.paid', o.id)).toHaveLength(1);
      expect((await notificationsOf(o.orderNo))[0].acknowledged_at).toBeTruthy();
    } finally {
      sim().behave({ hold: false });
    }
  });

  it('duplicated notifications change nothing and are still acknowledged', async () => {
    sim().behave({ copies: 3 });
    let o;
    try {
      o = await paidOrder();
    } finally {
      sim().behave({ copies: 1 });
    }
    const [note] = await notificationsOf(o.orderNo);
    expect(note.deliveries).toBe(3);
    expect(await eventsOf(o.id)).toHaveLength(1);
    expect(await jobsOf('payment.paid', o.id)).toHaveLength(1);
    const dups = await db().selectFrom('audit_log').select('detail').where('action', '=', 'payment.notify').where('entity_id', '=', o.id).execute();
    expect(dups.filter((d) => (d.detail as { outcome?: string }).outcome === 'duplicate')).toHaveLength(2);

    // The same message once more, by hand: acknowledged, nothing else changes.
    const before = await tableCounts(app, ['audit_log']);
    const again = await app.inject({ method: 'POST', url: '/api/payments/notify/simulated', payload: note.body });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ code: 'SUCCESS' });
    expect(await tableCounts(app, ['audit_log'])).toEqual(before);
    expect((await order(o.id)).state).toBe('paid');
  });

  it('out of order: a refund notification arriving before the payment notification', async () => {
    sim().behave({ hold: true });
    let o;
    try {
      o = await createOrder();
      await checkout(await startPay(o.id));
      // The merchant's staff refund on the provider's own console; the platform never asked for it.
      await sim().consoleRefund('yiwang-node', o.orderNo, 1250);
      await drain(); // the provider settles the refund; its notification is held too
      expect(await notificationsOf(o.orderNo)).toHaveLength(2);
      expect(await sim().release('reversed', 1)).toBe(1); // the refund's notification first
      await drain();
      expect(await sim().release()).toBe(1); // then the payment's
    } finally {
      sim().behave({ hold: false });
    }
    await drain();
    const after = await order(o.id);
    expect(after).toMatchObject({ state: 'refunded', refundedFen: 1250 });
    expect(after.refunds).toMatchObject([{ state: 'succeeded', origin: 'provider', amountFen: 1250, automatic: false }]);
    // The refund came first: it did not fit, so the provider was queried and the order converged;
    // the payment notification that followed was stale.
    expect((await eventsOf(o.id)).map((e) => [e.kind, e.outcome, e.order_state_after])).toEqual([
      ['refund', 'converged', 'refunded'],
      ['payment', 'stale', 'refunded'],
    ]);
    expect(await jobsOf('payment.paid', o.id)).toHaveLength(1);
    expect(await jobsOf('payment.refunded', o.id)).toHaveLength(1);
  });

  it('a late notification: paid in time but heard only after the expiry → paid, not expired', async () => {
    sim().behave({ delaySeconds: 3600 });
    let o;
    try {
      o = await createOrder();
      await checkout(await startPay(o.id));
    } finally {
      sim().behave({ delaySeconds: 0 });
    }
    await drain();
    expect((await order(o.id)).state).toBe('pending'); // nothing heard yet
    await expireNow(o.id);
    await drain(); // the expiry timer asks the provider first
    expect((await order(o.id)).state).toBe('paid');
    expect(await jobsOf('payment.closed', o.id)).toHaveLength(0);
    await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('queue', '=', 'paysim.notify').where('state', '=', 'pending').execute();
    await drain(); // the late notification
    expect((await eventsOf(o.id)).map((e) => e.outcome)).toEqual(['stale']);
    expect((await order(o.id)).state).toBe('paid');
  });

  it('paid after the order expired: the payment is recorded and refunded automatically', async () => {
    sim().behave({ acceptLatePayments: true });
    try {
      const o = await createOrder();
      const payUrl = await startPay(o.id);
      await expireNow(o.id);
      await drain();
      expect((await order(o.id)).state).toBe('expired');
      expect((await jobsOf('payment.closed', o.id))[0].payload).toMatchObject({ state: 'expired' });
      // A provider that lets the payment through anyway (a payment slip paid at a bank counter).
      expect((await checkout(payUrl)).statusCode).toBe(303);
      await drain(); // notification → query → late → automatic refund → provider → refund notification
      const after = await order(o.id);
      expect(after).toMatchObject({ state: 'refunded', late: true, refundedFen: 1250 });
      expect(after.refunds).toMatchObject([{ automatic: true, state: 'succeeded', amountFen: 1250, origin: 'platform' }]);
      expect(await jobsOf('payment.paid', o.id)).toHaveLength(0);
      expect((await eventsOf(o.id)).map((e) => [e.kind, e.outcome])).toEqual([
        ['payment', 'converged'],
        ['refund', 'applied'],
      ]);
    } finally {
      sim().behave({ acceptLatePayments: false });
    }
  });

  it('forged notifications are refused with problem+json, change nothing, and are audited as failures', async () => {
    const paid = await paidOrder();
    const [real] = await notificationsOf(paid.orderNo);
    const victim = await createOrder();
    await startPay(victim.id);
    const attacker = generateKeyPairSync('ed25519').privateKey;
    const forged = (() => {
      const b: Record<string, unknown> = { ...(real.body as Record<string, unknown>), out_trade_no: victim.orderNo, notify_id: 'forged-1' };
      b.sign = edSign(b, attacker);
      return b;
    })();
    const cases: [string, Record<string, unknown>][] = [
      ['a real notification replayed for another order', { ...(real.body as Record<string, unknown>), out_trade_no: victim.orderNo }],
      ['a tampered amount', { ...(real.body as Record<string, unknown>), total_fen: 1 }],
      ["signed with the attacker's own key", forged],
      ['no signature', { ...(real.body as Record<string, unknown>), out_trade_no: victim.orderNo, sign: undefined }],
      ['an HMAC with the merchant key instead of the provider signature', { ...(real.body as Record<string, unknown>), sign_type: 'HMAC-SHA256' }],
    ];
    for (const [name, body] of cases) {
      const before = await tableCounts(app, ['audit_log']);
      const failuresBefore = await db().selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'payment.notify').where('outcome', '=', 'failure').executeTakeFirstOrThrow();
      const res = await app.inject({ method: 'POST', url: '/api/payments/notify/simulated', payload: body });
      expectProblem(res, 400, 'PAYMENT_SIGNATURE_INVALID', 'body/sign');
      expect(await tableCounts(app, ['audit_log']), name).toEqual(before);
      const failuresAfter = await db().selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'payment.notify').where('outcome', '=', 'failure').executeTakeFirstOrThrow();
      expect(Number(failuresAfter.n), name).toBe(Number(failuresBefore.n) + 1);
    }
    expect((await order(victim.id)).state).toBe('pending');
    expect((await order(paid.id)).state).toBe('paid');
  });

  it('a correctly signed notification that contradicts the order (another amount) is refused and changes nothing', async () => {
    const victim = await createOrder();
    await startPay(victim.id);
    const stored = (await db().selectFrom('node_meta').select('value').where('key', '=', 'paysim.signing_key').executeTakeFirstOrThrow()).value as { privateKey: string };
    const { privateKeyFrom } = await import('./signing');
    const body: Record<string, unknown> = {
      notify_id: `mismatch-${kind}`,
      notify_time: new Date().toISOString(),
      event_type: 'TRADE_SUCCESS',
      mch_id: 'yiwang-node',
      out_trade_no: victim.orderNo,
      trade_no: 'SIM-X',
      trade_state: 'SUCCESS',
      total_fen: 1,
      currency: 'CNY',
      paid_at: new Date().toISOString(),
      sign_type: 'ED25519',
    };
    body.sign = edSign(body, privateKeyFrom(stored.privateKey));
    const before = await tableCounts(app, ['audit_log']);
    expectProblem(await app.inject({ method: 'POST', url: '/api/payments/notify/simulated', payload: body }), 409, 'PAYMENT_NOTIFICATION_MISMATCH');
    expect(await tableCounts(app, ['audit_log'])).toEqual(before);
    expect((await order(victim.id)).state).toBe('pending');
    const audit = await db().selectFrom('audit_log').select(['outcome']).where('action', '=', 'payment.notify').where('entity_id', '=', victim.id).execute();
    expect(audit.map((a) => a.outcome)).toEqual(['failure']);
  });

  it('a notification the platform refuses is retried by the provider until acknowledged', async () => {
    sim().behave({ hold: true });
    let o;
    try {
      o = await createOrder();
      await checkout(await startPay(o.id));
    } finally {
      sim().behave({ hold: false });
    }
    const [note] = await notificationsOf(o.orderNo);
    // Damage the message in transit: the platform refuses it, the provider's job backs off and retries.
    await db().updateTable('sim_pay_notifications').set({ body: JSON.stringify({ ...(note.body as object), total_fen: 1 }) }).where('id', '=', note.id).execute();
    await sim().release();
    await drain();
    const job = await db().selectFrom('jobs').selectAll().where('queue', '=', 'paysim.notify').where(sql<boolean>`payload->>'id' = ${note.id}`).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'pending', attempts: 1 });
    expect((await order(o.id)).state).toBe('pending');
    await db().updateTable('sim_pay_notifications').set({ body: JSON.stringify(note.body) }).where('id', '=', note.id).execute();
    await db().updateTable('jobs').set({ run_at: sql`now() - interval '1 second'` }).where('id', '=', job.id).execute();
    await drain();
    expect((await order(o.id)).state).toBe('paid');
    const after = (await notificationsOf(o.orderNo))[0];
    expect(after).toMatchObject({ deliveries: 2, last_status: 200 });
    expect(after.acknowledged_at).toBeTruthy();
  });

  it('failure and cancellation at the provider, and cancellation by the payer, close the order', async () => {
    const failed = await createOrder();
    const back = await checkout(await startPay(failed.id), 'fail');
    expect(back.headers.location).toContain('result=failed');
    await drain();
    expect((await order(failed.id)).state).toBe('failed');
    expect((await jobsOf('payment.closed', failed.id))[0].payload).toMatchObject({ state: 'failed', subjectType: 'application' });
    expectProblem(await citizen.req('POST', `/api/payments/orders/${failed.id}/pay`), 409, 'PAYMENT_NOT_PAYABLE');

    const cancelled = await createOrder();
    await checkout(await startPay(cancelled.id), 'cancel');
    await drain();
    expect((await order(cancelled.id)).state).toBe('cancelled');

    const mine = await createOrder();
    const payUrl = await startPay(mine.id);
    const res = await citizen.req('POST', `/api/payments/orders/${mine.id}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().state).toBe('cancelled');
    // The provider closed it too: the checkout page no longer takes money.
    const page = await app.inject({ method: 'GET', url: path(payUrl) });
    expect(page.body).toContain('role="alert"');
    expect((await checkout(payUrl)).statusCode).toBe(409);
  });

  it('refunds: only by an officer of the owning department; partial, then the rest', async () => {
    const o = await paidOrder();
    const url = `/api/payments/orders/${o.id}/refunds`;
    let before = await tableCounts(app);
    expectProblem(await foreignClerk.req('POST', url, { amountFen: 500, reason: '多收退费' }), 404, 'PAYMENT_ORDER_NOT_FOUND');
    expectProblem(await citizen.req('POST', url, { amountFen: 500, reason: '多收退费' }), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);

    const first = await clerk.req('POST', url, { amountFen: 500, reason: '多收退费' });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ refund: { amountFen: 500, state: 'pending', automatic: false }, order: { state: 'refunding' } });
    await drain();
    expect(await order(o.id)).toMatchObject({ state: 'partially_refunded', refundedFen: 500 });

    before = await tableCounts(app);
    expectProblem(await clerk.req('POST', url, { amountFen: 800, reason: '超额退款' }), 400, 'PAYMENT_REFUND_EXCEEDS', 'body/amountFen');
    expect(await tableCounts(app)).toEqual(before);

    expect((await clerk.req('POST', url, { amountFen: 750, reason: '申请撤回，全额退费' })).statusCode).toBe(202);
    await drain();
    const done = await order(o.id);
    expect(done).toMatchObject({ state: 'refunded', refundedFen: 1250 });
    expect(done.refunds.map((r: { state: string }) => r.state)).toEqual(['succeeded', 'succeeded']);
    expect((await jobsOf('payment.refunded', o.id)).map((j) => (j.payload as { fully: boolean }).fully).sort()).toEqual([false, true]);
    expectProblem(await clerk.req('POST', url, { amountFen: 1, reason: '再退一次' }), 409, 'PAYMENT_NOT_REFUNDABLE');

    // Officers see their department's orders; another department's officer sees none of them.
    expect((await clerk.req('GET', '/api/payments/orders?limit=200')).json().items.map((x: { id: string }) => x.id)).toContain(o.id);
    expect((await foreignClerk.req('GET', '/api/payments/orders')).json().total).toBe(0);
    expect((await foreignClerk.req('GET', `/api/payments/orders/${o.id}`)).statusCode).toBe(404);
  });

  it('expiry: unpaid orders, started or not, expire by their timer', async () => {
    const untouched = await createOrder();
    const started = await createOrder();
    const payUrl = await startPay(started.id);
    await expireNow(untouched.id);
    await expireNow(started.id);
    await drain();
    expect((await order(untouched.id)).state).toBe('expired');
    expect((await order(started.id)).state).toBe('expired');
    expect(await jobsOf('payment.closed', started.id)).toHaveLength(1);
    expectProblem(await citizen.req('POST', `/api/payments/orders/${untouched.id}/pay`), 409, 'PAYMENT_NOT_PAYABLE');
    // The provider closed its order: the payer can no longer pay there.
    expect((await checkout(payUrl)).statusCode).toBe(409);
  });

  it('another module creates an order inside its own transaction; a bad one rolls back', async () => {
    const payer = citizen.me.account.id as string;
    const created = await db().transaction().execute((trx) =>
      app.services.payments.createOrder(trx, systemContext('test'), {
        subjectType: 'application',
        subjectId: `module-${kind}`,
        payerAccountId: payer,
        departmentId: scjgId,
        items: [{ name: '不动产登记费', standard: '住宅每件 80 元', legalBasis: '发改价格规〔2016〕2559号', amountFen: 8000 }],
      }),
    );
    expect(created).toMatchObject({ state: 'created', amountFen: 8000, subject: { type: 'application', id: `module-${kind}` } });
    expect((await citizen.req('GET', '/api/payments/orders?subjectId=module-' + kind)).json().items).toHaveLength(1);
    const before = await tableCounts(app);
    await expect(
      db().transaction().execute((trx) =>
        app.services.payments.createOrder(trx, systemContext('test'), { subjectType: 'application', subjectId: `module-bad-${kind}`, payerAccountId: payer, departmentId: scjgId, items: [{ name: '免费', amountFen: 0 }] }),
      ),
    ).rejects.toMatchObject({ code: 'PAYMENT_AMOUNT_INVALID', field: 'input/items/0/amountFen' });
    expect(await tableCounts(app)).toEqual(before);
  });

  describe('bad input is refused with problem+json and changes nothing', () => {
    const body = (over: Record<string, unknown> = {}, item: Record<string, unknown> = {}) => ({
      subjectType: 'application',
      subjectId: `bad-${kind}`,
      departmentId: scjgId,
      currency: 'CNY',
      items: [{ name: '工本费', amountFen: 1000, ...item }],
      ...over,
    });
    let othersOrder: { id: string };
    let openSubject: string;
    beforeAll(async () => {
      othersOrder = await createOrder(other);
      const mine = await createOrder();
      openSubject = `app-${kind}-${n}`;
      expect(mine.state).toBe('created');
    });

    const cases: [string, () => Promise<LightMyRequestResponse>, number, string, string?, string[]?][] = [
      ['a negative amount', () => citizen.req('POST', '/api/payments/orders', body({}, { amountFen: -100 })), 400, 'VALIDATION_FAILED', 'body/items/0/amountFen'],
      ['a zero amount', () => citizen.req('POST', '/api/payments/orders', body({}, { amountFen: 0 })), 400, 'VALIDATION_FAILED', 'body/items/0/amountFen'],
      ['a fractional amount (yuan instead of fen)', () => citizen.req('POST', '/api/payments/orders', body({}, { amountFen: 12.5 })), 400, 'VALIDATION_FAILED', 'body/items/0/amountFen'],
      ['an amount as a string', () => citizen.req('POST', '/api/payments/orders', body({}, { amountFen: '1000' })), 400, 'VALIDATION_FAILED', 'body/items/0/amountFen'],
      ['a wrong currency', () => citizen.req('POST', '/api/payments/orders', body({ currency: 'USD' })), 400, 'PAYMENT_CURRENCY_UNSUPPORTED', 'body/currency'],
      ['no fee items', () => citizen.req('POST', '/api/payments/orders', body({ items: [] })), 400, 'VALIDATION_FAILED', 'body/items'],
      ['an unknown department', () => citizen.req('POST', '/api/payments/orders', body({ departmentId: ZERO_ID })), 400, 'DEPARTMENT_UNKNOWN', 'body/departmentId'],
      ['a second open order for one subject', () => citizen.req('POST', '/api/payments/orders', body({ subjectId: openSubject })), 409, 'PAYMENT_OPEN_ORDER_EXISTS', 'body/subjectId'],
      ['a foreign order id', () => citizen.req('GET', `/api/payments/orders/${ZERO_ID}`), 404, 'PAYMENT_ORDER_NOT_FOUND'],
      ['paying a foreign order id', () => citizen.req('POST', `/api/payments/orders/${ZERO_ID}/pay`), 404, 'PAYMENT_ORDER_NOT_FOUND'],
      ['a malformed order id', () => citizen.req('GET', '/api/payments/orders/not-a-uuid'), 400, 'VALIDATION_FAILED', 'params/id'],
      ["another citizen's order by id", () => citizen.req('GET', `/api/payments/orders/${othersOrder.id}`), 404, 'PAYMENT_ORDER_NOT_FOUND'],
      ["paying another citizen's order", () => citizen.req('POST', `/api/payments/orders/${othersOrder.id}/pay`), 404, 'PAYMENT_ORDER_NOT_FOUND'],
      ["cancelling another citizen's order", () => citizen.req('POST', `/api/payments/orders/${othersOrder.id}/cancel`), 404, 'PAYMENT_ORDER_NOT_FOUND'],
      ['a refund of zero', () => clerk.req('POST', `/api/payments/orders/${othersOrder.id}/refunds`, { amountFen: 0, reason: '测试' }), 400, 'VALIDATION_FAILED', 'body/amountFen'],
      ['a refund of an unpaid order', () => clerk.req('POST', `/api/payments/orders/${othersOrder.id}/refunds`, { amountFen: 100, reason: '测试' }), 409, 'PAYMENT_NOT_REFUNDABLE'],
      ['a notification for an unknown provider', () => app.inject({ method: 'POST', url: '/api/payments/notify/unionpay', payload: {} }), 404, 'PAYMENT_PROVIDER_UNKNOWN', 'params/provider', ['audit_log']],
      ['an unsigned notification', () => app.inject({ method: 'POST', url: '/api/payments/notify/simulated', payload: { out_trade_no: 'YW1', event_type: 'TRADE_SUCCESS' } }), 400, 'PAYMENT_SIGNATURE_INVALID', 'body/sign', ['audit_log']],
      ['a reconciliation date that does not exist', () => admin.req('GET', '/api/payments/reconciliation?date=2026-02-30'), 400, 'DATE_INVALID', 'querystring/date'],
    ];

    it.each(cases)('refuses %s', async (_name, send, status, code, field, except) => {
      const before = await tableCounts(app, except ?? []);
      expectProblem(await send(), status, code, field);
      expect(await tableCounts(app, except ?? [])).toEqual(before);
    });

    it("leaves the other citizen's order alone and lists only one's own", async () => {
      expect((await order(othersOrder.id, other)).state).toBe('created');
      const mine = (await citizen.req('GET', '/api/payments/orders?limit=200')).json().items.map((x: { id: string }) => x.id);
      expect(mine).not.toContain(othersOrder.id);
      expect((await other.req('GET', '/api/payments/orders')).json().items.map((x: { id: string }) => x.id)).toEqual([othersOrder.id]);
    });
  });

  it('reconciliation (对账) finds injected discrepancies, in JSON and CSV, scoped by department', async () => {
    const good = await paidOrder();
    const off = await paidOrder([3000]);
    const phantom = await createOrder(); // never paid at the provider
    // Injected: the provider booked a different amount; the provider has a payment the platform never heard of;
    // the platform believes in a payment the provider does not have.
    await db().updateTable('sim_pay_orders').set({ total_fen: 2999 }).where('out_trade_no', '=', off.orderNo).execute();
    await db()
      .insertInto('sim_pay_orders')
      .values({
        trade_no: 'SIMGHOST0001',
        mch_id: 'yiwang-node',
        out_trade_no: 'YWGHOST000000000001',
        total_fen: 4200,
        currency: 'CNY',
        description: '未知订单',
        return_url: 'http://yiwang.test/x',
        notify_url: 'http://yiwang.test/y',
        pay_token: 'ghost-token',
        trade_state: 'SUCCESS',
        time_expire: new Date(Date.now() + 3600_000),
        paid_at: new Date(),
      })
      .execute();
    await db().updateTable('payment_orders').set({ state: 'paid', paid_at: new Date() }).where('id', '=', phantom.id).execute();

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const res = await admin.req('GET', `/api/payments/reconciliation?date=${today}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    const line = (orderNo: string) => r.lines.find((l: { orderNo: string; kind: string }) => l.orderNo === orderNo && l.kind === 'payment');
    expect(r.balanced).toBe(false);
    expect(line(good.orderNo)).toMatchObject({ status: 'matched', platformAmountFen: 1250, providerAmountFen: 1250 });
    expect(line(off.orderNo)).toMatchObject({ status: 'amount_mismatch', platformAmountFen: 3000, providerAmountFen: 2999 });
    expect(line('YWGHOST000000000001')).toMatchObject({ status: 'missing_on_platform', platformAmountFen: null, providerAmountFen: 4200, orderId: null });
    expect(line(phantom.orderNo)).toMatchObject({ status: 'missing_on_provider', platformAmountFen: 1250, providerAmountFen: null });
    expect(r.summary).toMatchObject({ amountMismatch: 1, missingOnPlatform: 1, missingOnProvider: 1 });
    expect(r.summary.matched).toBeGreaterThan(1);
    // Refunds made earlier in this suite are reconciled too.
    expect(r.lines.some((l: { kind: string; status: string }) => l.kind === 'refund' && l.status === 'matched')).toBe(true);

    const csv = await admin.req('GET', `/api/payments/reconciliation?date=${today}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.startsWith('\uFEFFstatus,kind,order_no,refund_no,platform_amount_fen,provider_amount_fen')).toBe(true);
    expect(csv.body).toContain(`amount_mismatch,payment,${off.orderNo},,3000,2999`);
    expect(csv.body).toContain('missing_on_platform,payment,YWGHOST000000000001,,,4200');

    // The department's admin sees the department's lines, not the unattributable one; another department sees none.
    const mine = (await deptAdmin.req('GET', `/api/payments/reconciliation?date=${today}`)).json();
    expect(mine.departmentId).toBe(scjgId);
    expect(mine.lines.map((l: { orderNo: string }) => l.orderNo)).toEqual(expect.arrayContaining([good.orderNo, off.orderNo, phantom.orderNo]));
    expect(mine.lines.map((l: { orderNo: string }) => l.orderNo)).not.toContain('YWGHOST000000000001');
    expect((await otherDeptAdmin.req('GET', `/api/payments/reconciliation?date=${today}`)).json().lines).toEqual([]);
    expectProblem(await clerk.req('GET', `/api/payments/reconciliation?date=${today}`), 403, 'ROLE_NOT_ALLOWED');
  });
});
