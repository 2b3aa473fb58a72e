/**
 * A simulated payment provider (模拟支付渠道) that behaves like a real gateway, standing in for the
 * provincial non-tax payment platform, UnionPay or WeChat Pay on a development machine. It is an
 * external system: its own tables (sim_pay_*), its own Ed25519 signing key (in node_meta), its
 * own HTTP surface under /pay-sim; the platform reaches it only through that surface.
 *
 * - Merchant API (signed by the merchant with HMAC-SHA256 over sorted parameters): create an
 *   order, query, close, refund, download the daily statement (a CSV signed with Ed25519).
 * - A hosted checkout page where the payer pays, cancels, or (for tests) makes the payment fail;
 *   then the browser is sent to the merchant's return URL.
 * - Asynchronous notifications signed with Ed25519, posted to the merchant's notify URL by a
 *   durable job and retried with backoff until the merchant answers {"code":"SUCCESS"}.
 * - Realistic misbehaviour, configurable: each notification sent several times (duplicates),
 *   late (delayed), or held back and released in any order (out of order); payments accepted
 *   after the merchant closed the order (a payment slip paid at a bank counter); refunds made
 *   from the merchant console (商户平台), which the platform never asked for.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../../db/database';
import type { SimPayOrdersTable, SimPayRefundsTable } from '../../../db/types';
import type { Selectable } from 'kysely';
import { randomToken } from '../../../shared/crypto';
import { enqueue, type ClaimedJob, type JobRunner } from '../../jobs';
import { edSign, edSignBytes, hmacVerify, newEd25519, privateKeyFrom, type Params } from '../signing';
import type { Fetch } from '../simulated-provider';
import { checkoutPage, statusPage, type PageOrder } from './page';

export interface SimMerchant {
  mchId: string;
  key: string;
  name: string;
}

export interface SimBehaviour {
  /** How many times each notification is sent (2+ = duplicates, as after a lost acknowledgement). */
  copies: number;
  /** Seconds before a notification is first sent (late notifications). */
  delaySeconds: number;
  /** Keep notifications back until `release()` (to deliver them in any order). */
  hold: boolean;
  /** Let a payer pay an order the merchant closed or that passed its time limit. */
  acceptLatePayments: boolean;
}

export interface SimulatorOptions {
  db: Db;
  jobs: JobRunner;
  /** Public base URL of the simulator, e.g. https://node/pay-sim. */
  baseUrl: string;
  merchants: SimMerchant[];
  /** How notifications reach notify URLs. */
  fetch: Fetch;
  behaviour?: Partial<SimBehaviour>;
  log: FastifyBaseLogger;
}

type SimOrder = Selectable<SimPayOrdersTable>;
type SimRefund = Selectable<SimPayRefundsTable>;

const JOBS = { notify: 'paysim.notify', settleRefund: 'paysim.refund.settle' } as const;
const NOTIFY_ATTEMPTS = 15;
const CLOCK_SKEW_SECONDS = 300;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '');

function tradeNo(prefix: string): string {
  const d = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  return `${prefix}${d}${BigInt(`0x${randomBytes(7).toString('hex')}`).toString().padStart(17, '0').slice(0, 17)}`;
}

export class PaySimulator {
  behaviour: SimBehaviour;
  private keyPromise?: Promise<{ keyId: string; privateKey: KeyObject; publicKey: string }>;

  constructor(private readonly o: SimulatorOptions) {
    this.behaviour = { copies: 1, delaySeconds: 0, hold: false, acceptLatePayments: false, ...o.behaviour };
    o.jobs.handle(JOBS.notify, (job) => this.deliver(job));
    o.jobs.handle(JOBS.settleRefund, (job) => this.settleRefund(job));
  }

  /** Changes how the simulator misbehaves (tests). */
  behave(b: Partial<SimBehaviour>): void {
    Object.assign(this.behaviour, b);
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** The provider's signing key, created on first use and kept in node_meta. */
  private key() {
    this.keyPromise ??= (async () => {
      const db = this.o.db;
      const k = 'paysim.signing_key';
      let row = await db.selectFrom('node_meta').select('value').where('key', '=', k).executeTakeFirst();
      if (!row) {
        const pair = newEd25519();
        await db
          .insertInto('node_meta')
          .values({ key: k, value: JSON.stringify({ keyId: randomUUID(), ...pair }) })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        // Another process may have won the race: use whatever is stored.
        row = await db.selectFrom('node_meta').select('value').where('key', '=', k).executeTakeFirstOrThrow();
      }
      const v = row.value as { keyId: string; privateKey: string; publicKey: string };
      return { keyId: v.keyId, privateKey: privateKeyFrom(v.privateKey), publicKey: v.publicKey };
    })();
    return this.keyPromise;
  }

  async publicKey(): Promise<string> {
    return (await this.key()).publicKey;
  }

  private async sign(params: Params): Promise<Params> {
    const p: Params = { ...params, sign_type: 'ED25519' };
    p.sign = edSign(p, (await this.key()).privateKey);
    return p;
  }

  // ---- notifications --------------------------------------------------------------------------

  private async notify(trx: Db, order: SimOrder, eventType: string, extra: Params = {}): Promise<void> {
    const body = await this.sign({
      notify_id: randomUUID(),
      notify_time: new Date().toISOString(),
      event_type: eventType,
      mch_id: order.mch_id,
      out_trade_no: order.out_trade_no,
      trade_no: order.trade_no,
      trade_state: order.trade_state,
      total_fen: Number(order.total_fen),
      currency: order.currency,
      paid_at: iso(order.paid_at),
      ...extra,
    });
    const b = this.behaviour;
    await trx
      .insertInto('sim_pay_notifications')
      .values({ id: String(body.notify_id), mch_id: order.mch_id, out_trade_no: order.out_trade_no, event_type: eventType, notify_url: String(extra.notify_url ?? order.notify_url), body: JSON.stringify(body), held: b.hold })
      .execute();
    if (b.hold) return;
    const runAt = b.delaySeconds > 0 ? new Date(Date.now() + b.delaySeconds * 1000) : undefined;
    for (let copy = 0; copy < Math.max(1, b.copies); copy++) {
      await enqueue(trx, { queue: JOBS.notify, payload: { id: body.notify_id, copy }, runAt, maxAttempts: NOTIFY_ATTEMPTS });
    }
  }

  /**
   * Sends notifications held back so far, in the order they were made or reversed (the newest
   * first: e.g. a refund's notification before the payment's), at most `limit` of them. Returns
   * how many. (Jobs due together may run in any order, so a test that needs a strict order
   * releases one at a time.)
   */
  async release(order: 'as_made' | 'reversed' = 'as_made', limit = Number.MAX_SAFE_INTEGER): Promise<number> {
    const all = await this.o.db.selectFrom('sim_pay_notifications').select(['id']).where('held', '=', true).orderBy('created_at').orderBy('id').execute();
    if (order === 'reversed') all.reverse();
    const rows = all.slice(0, limit);
    const base = Date.now() - 60_000;
    await this.o.db.transaction().execute(async (trx) => {
      for (const [i, r] of rows.entries()) {
        await enqueue(trx, { queue: JOBS.notify, payload: { id: r.id, copy: 0 }, runAt: new Date(base + i * 1000), maxAttempts: NOTIFY_ATTEMPTS });
        await trx.updateTable('sim_pay_notifications').set({ held: false }).where('id', '=', r.id).execute();
      }
    });
    return rows.length;
  }

  /** Posts one notification; anything but a 2xx {"code":"SUCCESS"} is retried by the job runner. */
  private async deliver(job: ClaimedJob): Promise<void> {
    const id = String(job.payload.id);
    const n = await this.o.db.selectFrom('sim_pay_notifications').selectAll().where('id', '=', id).executeTakeFirst();
    // Every copy is sent, acknowledged or not: duplicates are what a provider sends when it never saw the answer.
    if (!n) return;
    let status = 0;
    let ok = false;
    try {
      const res = await this.o.fetch(n.notify_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(n.body) });
      status = res.status;
      const text = await res.text();
      ok = res.ok && (JSON.parse(text) as { code?: string }).code === 'SUCCESS';
    } catch (err) {
      this.o.log.debug({ err, id }, 'paysim: notification not delivered');
    }
    await this.o.db
      .updateTable('sim_pay_notifications')
      .set({ deliveries: sql`deliveries + 1`, last_status: status, ...(ok ? { acknowledged_at: sql`coalesce(acknowledged_at, now())` } : {}) })
      .where('id', '=', id)
      .execute();
    if (!ok) throw new Error(`notification ${id} not acknowledged (HTTP ${status})`);
  }

  // ---- refunds --------------------------------------------------------------------------------

  private async createRefund(trx: Db, order: SimOrder, r: { outRefundNo: string; refundFen: number; reason: string; source: 'api' | 'console'; notifyUrl: string | null }): Promise<SimRefund> {
    const refundNo = tradeNo('SIMR');
    await trx
      .insertInto('sim_pay_refunds')
      .values({ refund_no: refundNo, mch_id: order.mch_id, out_refund_no: r.outRefundNo, out_trade_no: order.out_trade_no, refund_fen: r.refundFen, reason: r.reason, status: 'PROCESSING', source: r.source, notify_url: r.notifyUrl })
      .execute();
    // Refunds settle asynchronously, as at a real provider: PROCESSING now, SUCCESS a moment later.
    await enqueue(trx, { queue: JOBS.settleRefund, payload: { refundNo } });
    return (await trx.selectFrom('sim_pay_refunds').selectAll().where('refund_no', '=', refundNo).executeTakeFirst())!;
  }

  private async settleRefund(job: ClaimedJob): Promise<void> {
    await this.o.db.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('sim_pay_refunds').selectAll().where('refund_no', '=', String(job.payload.refundNo)).forUpdate().executeTakeFirst();
      if (!r || r.status !== 'PROCESSING') return;
      await trx.updateTable('sim_pay_refunds').set({ status: 'SUCCESS', success_at: sql`now()` }).where('refund_no', '=', r.refund_no).execute();
      const order = await trx
        .updateTable('sim_pay_orders')
        .set({ refunded_fen: sql`refunded_fen + ${Number(r.refund_fen)}`, updated_at: sql`now()` })
        .where('mch_id', '=', r.mch_id)
        .where('out_trade_no', '=', r.out_trade_no)
        .returningAll()
        .executeTakeFirstOrThrow();
      const done = (await trx.selectFrom('sim_pay_refunds').selectAll().where('refund_no', '=', r.refund_no).executeTakeFirstOrThrow())!;
      await this.notify(trx, order, 'REFUND_SUCCESS', {
        out_refund_no: done.out_refund_no,
        refund_no: done.refund_no,
        refund_fen: Number(done.refund_fen),
        refund_status: 'SUCCESS',
        success_at: iso(done.success_at),
        ...(done.notify_url ? { notify_url: done.notify_url } : {}),
      });
    });
  }

  /** A refund made by the merchant's staff on the provider's own console (not through the API). */
  async consoleRefund(mchId: string, outTradeNo: string, refundFen: number): Promise<string> {
    return this.o.db.transaction().execute(async (trx) => {
      const order = await trx.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', mchId).where('out_trade_no', '=', outTradeNo).forUpdate().executeTakeFirstOrThrow();
      if (order.trade_state !== 'SUCCESS') throw new Error('only a paid order can be refunded');
      const r = await this.createRefund(trx, order, { outRefundNo: `CONSOLE${randomBytes(8).toString('hex').toUpperCase()}`, refundFen, reason: 'console', source: 'console', notifyUrl: null });
      return r.out_refund_no;
    });
  }

  // ---- HTTP surface ---------------------------------------------------------------------------

  private merchant(mchId: string) {
    return this.o.merchants.find((m) => m.mchId === mchId);
  }

  /** The merchant's signature and clock; the merchant, or an error answer already sent. */
  private authenticate(params: Params, reply: FastifyReply): SimMerchant | null {
    const m = this.merchant(String(params.mch_id ?? ''));
    if (!m) {
      void reply.code(401).send({ code: 'MCH_NOT_EXISTS', message: '商户号不存在' });
      return null;
    }
    if (!hmacVerify(params, m.key)) {
      void reply.code(401).send({ code: 'SIGN_ERROR', message: '签名错误' });
      return null;
    }
    if (Math.abs(Date.now() / 1000 - Number(params.timestamp)) > CLOCK_SKEW_SECONDS) {
      void reply.code(401).send({ code: 'TIMESTAMP_EXPIRED', message: '请求时间戳已过期' });
      return null;
    }
    return m;
  }

  private async queryAnswer(db: Db, order: SimOrder): Promise<Params> {
    const refunds = await db.selectFrom('sim_pay_refunds').selectAll().where('mch_id', '=', order.mch_id).where('out_trade_no', '=', order.out_trade_no).orderBy('created_at').execute();
    return this.sign({
      mch_id: order.mch_id,
      out_trade_no: order.out_trade_no,
      trade_no: order.trade_no,
      trade_state: order.trade_state,
      total_fen: Number(order.total_fen),
      currency: order.currency,
      paid_at: iso(order.paid_at),
      refunded_fen: Number(order.refunded_fen),
      refunds: refunds.map((r) => ({ out_refund_no: r.out_refund_no, refund_no: r.refund_no, refund_fen: Number(r.refund_fen), status: r.status, success_at: iso(r.success_at) })),
    });
  }

  private pageOrder(order: SimOrder): PageOrder {
    return {
      merchantName: this.merchant(order.mch_id)?.name ?? order.mch_id,
      outTradeNo: order.out_trade_no,
      description: order.description,
      totalFen: Number(order.total_fen),
      timeExpire: order.time_expire,
    };
  }

  private backUrl(order: SimOrder, result: string): string {
    const u = new URL(order.return_url);
    // What a real provider appends; the platform ignores it and queries instead.
    u.searchParams.set('out_trade_no', order.out_trade_no);
    u.searchParams.set('result', result);
    return u.toString();
  }

  private payable(order: SimOrder): 'ok' | 'EXPIRED' | string {
    if (order.trade_state === 'NOTPAY' && order.time_expire.getTime() > Date.now()) return 'ok';
    if (this.behaviour.acceptLatePayments && (order.trade_state === 'NOTPAY' || order.trade_state === 'CLOSED')) return 'ok';
    return order.trade_state === 'NOTPAY' ? 'EXPIRED' : order.trade_state;
  }

  routes() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sim = this;
    const db = this.o.db;
    return async function paySimRoutes(app: FastifyInstance) {
      await app.register(import('@fastify/formbody'));
      const r = app.withTypeProvider<TypeBoxTypeProvider>();
      // An external system: its records are its own (not the platform's audit log); no cookies, no CSRF.
      const cfg = { access: 'public' as const, audit: 'none' as const, csrf: false };
      const Signed = { mch_id: Type.String({ maxLength: 32 }), timestamp: Type.Integer(), nonce: Type.String({ maxLength: 64 }), sign: Type.String({ maxLength: 128 }) };
      const OutTradeNo = Type.String({ pattern: '^[A-Za-z0-9_-]{6,32}$' });
      const hide = { hide: true, tags: ['pay-sim'] };

      r.get('/api/public-key', { schema: hide, config: cfg }, async () => {
        const k = await sim.key();
        return { keyId: k.keyId, alg: 'Ed25519', publicKey: k.publicKey };
      });

      r.post('/api/orders', {
        schema: {
          ...hide,
          body: Type.Object({
            ...Signed,
            out_trade_no: OutTradeNo,
            total_fen: Type.Integer(),
            currency: Type.String({ maxLength: 3 }),
            description: Type.String({ maxLength: 128 }),
            return_url: Type.String({ maxLength: 1024 }),
            notify_url: Type.String({ maxLength: 1024 }),
            time_expire: Type.String({ format: 'date-time' }),
          }),
        },
        config: cfg,
      }, async (req, reply) => {
        const b = req.body;
        const m = sim.authenticate(b, reply);
        if (!m) return reply;
        if (b.total_fen <= 0 || b.currency !== 'CNY') return reply.code(400).send({ code: 'PARAM_ERROR', message: '金额或币种无效' });
        const existing = await db.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('out_trade_no', '=', b.out_trade_no).executeTakeFirst();
        if (existing) {
          // Idempotent: the same order again gets the same answer; a different one under the same number is refused.
          if (Number(existing.total_fen) !== b.total_fen) return reply.code(409).send({ code: 'OUT_TRADE_NO_USED', message: '商户订单号重复' });
          return sim.sign({ out_trade_no: existing.out_trade_no, trade_no: existing.trade_no, pay_url: `${sim.o.baseUrl}/pay/${existing.pay_token}` });
        }
        const row = {
          trade_no: tradeNo('SIM'),
          mch_id: m.mchId,
          out_trade_no: b.out_trade_no,
          total_fen: b.total_fen,
          currency: b.currency,
          description: b.description,
          return_url: b.return_url,
          notify_url: b.notify_url,
          pay_token: randomToken(24),
          time_expire: new Date(b.time_expire),
        };
        await db.insertInto('sim_pay_orders').values(row).onConflict((oc) => oc.columns(['mch_id', 'out_trade_no']).doNothing()).execute();
        const o = (await db.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('out_trade_no', '=', b.out_trade_no).executeTakeFirstOrThrow())!;
        return sim.sign({ out_trade_no: o.out_trade_no, trade_no: o.trade_no, pay_url: `${sim.o.baseUrl}/pay/${o.pay_token}` });
      });

      r.post('/api/orders/query', { schema: { ...hide, body: Type.Object({ ...Signed, out_trade_no: OutTradeNo }) }, config: cfg }, async (req, reply) => {
        const m = sim.authenticate(req.body, reply);
        if (!m) return reply;
        const o = await db.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('out_trade_no', '=', req.body.out_trade_no).executeTakeFirst();
        if (!o) return reply.code(404).send({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
        return sim.queryAnswer(db, o);
      });

      r.post('/api/orders/close', { schema: { ...hide, body: Type.Object({ ...Signed, out_trade_no: OutTradeNo }) }, config: cfg }, async (req, reply) => {
        const m = sim.authenticate(req.body, reply);
        if (!m) return reply;
        const res = await db.transaction().execute(async (trx) => {
          const o = await trx.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('out_trade_no', '=', req.body.out_trade_no).forUpdate().executeTakeFirst();
          if (!o) return { status: 404, body: { code: 'ORDER_NOT_EXIST', message: '订单不存在' } };
          if (o.trade_state === 'SUCCESS') return { status: 409, body: { code: 'ORDER_PAID', message: '订单已支付' } };
          if (o.trade_state === 'NOTPAY') await trx.updateTable('sim_pay_orders').set({ trade_state: 'CLOSED', updated_at: sql`now()` }).where('trade_no', '=', o.trade_no).execute();
          const after = await trx.selectFrom('sim_pay_orders').select('trade_state').where('trade_no', '=', o.trade_no).executeTakeFirstOrThrow();
          return { status: 200, body: await sim.sign({ out_trade_no: o.out_trade_no, trade_state: after.trade_state }) };
        });
        return reply.code(res.status).send(res.body);
      });

      r.post('/api/refunds', {
        schema: {
          ...hide,
          body: Type.Object({
            ...Signed,
            out_trade_no: OutTradeNo,
            out_refund_no: OutTradeNo,
            refund_fen: Type.Integer(),
            total_fen: Type.Integer(),
            reason: Type.String({ maxLength: 300 }),
            notify_url: Type.String({ maxLength: 1024 }),
          }),
        },
        config: cfg,
      }, async (req, reply) => {
        const b = req.body;
        const m = sim.authenticate(b, reply);
        if (!m) return reply;
        const res = await db.transaction().execute(async (trx) => {
          const o = await trx.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('out_trade_no', '=', b.out_trade_no).forUpdate().executeTakeFirst();
          if (!o) return { status: 404, body: { code: 'ORDER_NOT_EXIST', message: '订单不存在' } };
          const same = await trx.selectFrom('sim_pay_refunds').selectAll().where('mch_id', '=', m.mchId).where('out_refund_no', '=', b.out_refund_no).executeTakeFirst();
          if (same) return { status: 200, body: await sim.sign({ out_refund_no: same.out_refund_no, refund_no: same.refund_no, status: same.status }) };
          if (o.trade_state !== 'SUCCESS') return { status: 409, body: { code: 'TRADE_STATE_ERROR', message: '订单未支付' } };
          if (b.total_fen !== Number(o.total_fen)) return { status: 400, body: { code: 'PARAM_ERROR', message: '订单金额不符' } };
          const inFlight = await trx
            .selectFrom('sim_pay_refunds')
            .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('refund_fen'), sql<number>`0`).as('n'))
            .where('mch_id', '=', m.mchId)
            .where('out_trade_no', '=', o.out_trade_no)
            .where('status', '!=', 'ABNORMAL')
            .executeTakeFirstOrThrow();
          if (b.refund_fen <= 0 || b.refund_fen > Number(o.total_fen) - Number(inFlight.n)) return { status: 400, body: { code: 'NOT_ENOUGH', message: '退款金额超过可退金额' } };
          const refund = await sim.createRefund(trx, o, { outRefundNo: b.out_refund_no, refundFen: b.refund_fen, reason: b.reason, source: 'api', notifyUrl: b.notify_url });
          return { status: 200, body: await sim.sign({ out_refund_no: refund.out_refund_no, refund_no: refund.refund_no, status: refund.status }) };
        });
        return reply.code(res.status).send(res.body);
      });

      // The statement (对账单) of one day in China Standard Time: every payment and refund, as CSV.
      r.get('/api/statement', {
        schema: { ...hide, querystring: Type.Object({ ...Signed, date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }) },
        config: cfg,
      }, async (req, reply) => {
        const m = sim.authenticate(req.query, reply);
        if (!m) return reply;
        const from = new Date(`${req.query.date}T00:00:00+08:00`);
        if (Number.isNaN(from.getTime())) return reply.code(400).send({ code: 'PARAM_ERROR', message: '日期无效' });
        const to = new Date(from.getTime() + 86_400_000);
        const [paid, refunds] = await Promise.all([
          db.selectFrom('sim_pay_orders').selectAll().where('mch_id', '=', m.mchId).where('paid_at', '>=', from).where('paid_at', '<', to).orderBy('paid_at').execute(),
          db.selectFrom('sim_pay_refunds as r')
            .innerJoin('sim_pay_orders as o', (j) => j.onRef('o.mch_id', '=', 'r.mch_id').onRef('o.out_trade_no', '=', 'r.out_trade_no'))
            .select(['r.out_refund_no', 'r.refund_no', 'r.refund_fen', 'r.success_at', 'o.out_trade_no', 'o.trade_no'])
            .where('r.mch_id', '=', m.mchId)
            .where('r.status', '=', 'SUCCESS')
            .where('r.success_at', '>=', from)
            .where('r.success_at', '<', to)
            .orderBy('r.success_at')
            .execute(),
        ]);
        const lines = [
          'type,time,out_trade_no,trade_no,out_refund_no,amount_fen',
          ...paid.map((o) => `PAYMENT,${iso(o.paid_at)},${o.out_trade_no},${o.trade_no},,${Number(o.total_fen)}`),
          ...refunds.map((x) => `REFUND,${iso(x.success_at)},${x.out_trade_no},${x.trade_no},${x.out_refund_no},${Number(x.refund_fen)}`),
        ];
        const csv = `${lines.join('\r\n')}\r\n`;
        return reply
          .header('x-paysim-signature', edSignBytes(csv, (await sim.key()).privateKey))
          .header('content-disposition', `attachment; filename="statement-${m.mchId}-${req.query.date}.csv"`)
          .type('text/csv; charset=utf-8')
          .send(csv);
      });

      // The hosted checkout page (收银台).
      const TokenParams = Type.Object({ token: Type.String({ maxLength: 64 }) });
      r.get('/pay/:token', { schema: { ...hide, params: TokenParams }, config: cfg }, async (req, reply) => {
        const o = await db.selectFrom('sim_pay_orders').selectAll().where('pay_token', '=', req.params.token).executeTakeFirst();
        reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
        if (!o) return reply.code(404).send(statusPage(null, 'NONE', null));
        const can = sim.payable(o);
        if (can !== 'ok') return reply.send(statusPage(sim.pageOrder(o), can, sim.backUrl(o, can.toLowerCase())));
        return reply.send(checkoutPage(sim.pageOrder(o), req.params.token));
      });

      r.post('/pay/:token', {
        schema: { ...hide, params: TokenParams, body: Type.Object({ action: Type.Union([Type.Literal('pay'), Type.Literal('cancel'), Type.Literal('fail')]) }) },
        config: cfg,
      }, async (req, reply) => {
        const res = await db.transaction().execute(async (trx) => {
          const o = await trx.selectFrom('sim_pay_orders').selectAll().where('pay_token', '=', req.params.token).forUpdate().executeTakeFirst();
          if (!o) return { status: 404, html: statusPage(null, 'NONE', null) };
          const can = sim.payable(o);
          if (can !== 'ok') return { status: 409, html: statusPage(sim.pageOrder(o), can, sim.backUrl(o, can.toLowerCase())) };
          const [state, event, result] =
            req.body.action === 'pay' ? (['SUCCESS', 'TRADE_SUCCESS', 'paid'] as const)
            : req.body.action === 'cancel' ? (['REVOKED', 'TRADE_REVOKED', 'cancelled'] as const)
            : (['PAYERROR', 'TRADE_PAYERROR', 'failed'] as const);
          const updated = await trx
            .updateTable('sim_pay_orders')
            .set({ trade_state: state, ...(state === 'SUCCESS' ? { paid_at: sql`now()` } : {}), updated_at: sql`now()` })
            .where('trade_no', '=', o.trade_no)
            .returningAll()
            .executeTakeFirstOrThrow();
          await sim.notify(trx, updated, event);
          return { status: 303, location: sim.backUrl(updated, result) };
        });
        if (res.location) return reply.redirect(res.location, 303);
        return reply.code(res.status).type('text/html; charset=utf-8').send(res.html);
      });
    };
  }
}
