/**
 * Unified payment (统一支付): payment orders for any subject (an application, later a bundle …),
 * the payer's redirect to the provider and back, the provider's signed notifications, refunds,
 * expiry and the daily reconciliation against the provider's statement.
 *
 * Rules of this service:
 * - The provider is remote: it is never called inside a database transaction. A write that must
 *   reach the provider (a refund) is committed as an intent and sent by a durable job.
 * - The platform believes only signed messages (notifications) and its own queries, never the
 *   payer's browser (the return URL's parameters are ignored).
 * - Every change of an order happens under a row lock (`SELECT … FOR UPDATE`) and through the
 *   state machine in payments.states.ts; every change is audited in the same transaction, and
 *   what other modules must know is put in the outbox (jobs) in that transaction too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import { OFFICER_ROLES, hasRole, subjectOf, type RequestContext } from '../../shared/actor';
import { AppError, errors } from '../../shared/errors';
import { cancelJobs, enqueue, type ClaimedJob, type JobRunner } from '../jobs';
import type { OrgService } from '../org';
import { paymentErrors } from './payments.errors';
import type { PaymentProvider, ProviderEvent, ProviderRefund, ProviderTradeState } from './payments.provider';
import { eventsRepo, itemsRepo, ordersRepo, refundsRepo, type ItemRow, type OrderRow, type RefundRow } from './payments.repository';
import { MAX_FEN, type ReconciliationLineT, type ReconciliationReportT } from './payments.schemas';
import { CLOSED_UNPAID, OPEN, PAID_FAMILY, REFUNDABLE, assertTransition, refundState, type OrderState } from './payments.states';

/** Outbox queues other modules handle (the applications module: "the step that needs payment waits for it"). */
export const PAYMENT_EVENTS = {
  /** The order is paid: { orderId, orderNo, subjectType, subjectId, amountFen, paidAt }. */
  paid: 'payment.paid',
  /** The order ended unpaid: { orderId, orderNo, subjectType, subjectId, state: 'failed'|'cancelled'|'expired' }. */
  closed: 'payment.closed',
  /** A refund succeeded: { orderId, orderNo, subjectType, subjectId, refundNo, amountFen, refundedFen, fully }. */
  refunded: 'payment.refunded',
} as const;

/** This module's own durable jobs. */
export const PAYMENT_JOBS = {
  expire: 'payments.expire',
  submitRefund: 'payments.refund.submit',
  sync: 'payments.sync',
} as const;

const SYNC_MINUTES = 10;
const SYNC_ROUNDS = 24;

export interface FeeItem {
  name: string;
  standard?: string;
  legalBasis?: string;
  amountFen: number;
}

/** What a module (or the portal) gives to create an order. Fees come from the catalog; here they are input. */
export interface CreateOrderInput {
  subjectType: string;
  subjectId: string;
  payerAccountId: string;
  /** The department that collects the fee and owns the subject (its officers may refund). */
  departmentId: string;
  items: FeeItem[];
  currency?: string;
  description?: string;
  /** Minutes until the order expires (default PAYMENT_ORDER_TTL_MINUTES). */
  expiresInMinutes?: number;
  /** Where the payer's browser goes after paying; a path on this site. */
  returnPath?: string;
}

export interface PaymentsOptions {
  db: Db;
  provider: PaymentProvider;
  jobs: JobRunner;
  org: OrgService;
  publicUrl: string;
  orderTtlMinutes: number;
  log: FastifyBaseLogger;
}

/** Facts about an order asserted by the provider: one notification, or a whole query answer. */
interface Facts {
  source: 'notification' | 'query';
  trade?: { state: ProviderTradeState; providerTradeNo: string | null; paidAt: Date | null; amountFen: number | null; currency: string | null };
  refunds: ProviderRefund[];
}

/** The context of work done by the platform itself (timers, outbox handlers). */
export const systemContext = (requestId: string): RequestContext => ({ actor: null, ip: null, requestId, audited: false });

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Order and refund numbers: prefix, the China-time date, 16 random hex digits (26 characters, as providers allow ≤ 32). */
function newNumber(prefix: 'YW' | 'RF'): string {
  const d = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  return `${prefix}${d}${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** Start and end of a day in China Standard Time (no daylight saving), or null if it is no real date. */
export function chinaDay(date: string): { from: Date; to: Date } | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const from = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(from.getTime()) || new Date(from.getTime() + 8 * 3600_000).toISOString().slice(0, 10) !== date) return null;
  return { from, to: new Date(from.getTime() + 24 * 3600_000) };
}

export function presentRefund(r: RefundRow) {
  return {
    id: r.id,
    refundNo: r.refund_no,
    amountFen: Number(r.amount_fen),
    reason: r.reason,
    state: r.state,
    automatic: r.automatic,
    origin: r.origin,
    createdAt: r.created_at.toISOString(),
    finishedAt: iso(r.finished_at),
  };
}

export function presentOrder(o: OrderRow, items: ItemRow[], refunds: RefundRow[], opts: { showPayUrl: boolean }) {
  return {
    id: o.id,
    orderNo: o.order_no,
    subject: { type: o.subject_type, id: o.subject_id },
    departmentId: o.department_id,
    payerAccountId: o.payer_account_id,
    description: o.description,
    amountFen: Number(o.amount_fen),
    currency: o.currency,
    state: o.state,
    refundedFen: Number(o.refunded_fen),
    late: o.late,
    provider: o.provider,
    payUrl: opts.showPayUrl && o.state === 'pending' ? o.pay_url : null,
    items: items.map((i) => ({ name: i.name, standard: i.standard, legalBasis: i.legal_basis, amountFen: Number(i.amount_fen) })),
    refunds: refunds.map(presentRefund),
    expiresAt: o.expires_at.toISOString(),
    paidAt: iso(o.paid_at),
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
  };
}
export type PresentedOrder = ReturnType<typeof presentOrder>;

export class PaymentsService {
  private readonly db: Db;
  readonly provider: PaymentProvider;

  constructor(private readonly o: PaymentsOptions) {
    this.db = o.db;
    this.provider = o.provider;
    o.jobs.handle(PAYMENT_JOBS.expire, (job) => this.expireJob(job));
    o.jobs.handle(PAYMENT_JOBS.submitRefund, (job) => this.submitRefundJob(job));
    o.jobs.handle(PAYMENT_JOBS.sync, (job) => this.syncJob(job));
  }

  get notifyUrl(): string {
    return `${this.o.publicUrl}/api/payments/notify/${this.provider.name}`;
  }

  returnUrl(orderId: string): string {
    return `${this.o.publicUrl}/api/payments/orders/${orderId}/return`;
  }

  // ---- creating orders ----------------------------------------------------------------------

  /** Checks the fee items and currency; `at` names the part of the request for error fields. */
  private checkInput(input: CreateOrderInput, at: string): number {
    if ((input.currency ?? 'CNY') !== 'CNY') throw paymentErrors.currencyUnsupported(`${at}/currency`);
    if (!input.items?.length) throw paymentErrors.noItems();
    input.items.forEach((it, i) => {
      if (!Number.isSafeInteger(it.amountFen) || it.amountFen <= 0) throw paymentErrors.amountInvalid(`${at}/items/${i}/amountFen`);
    });
    const total = sum(input.items.map((i) => i.amountFen));
    if (total > MAX_FEN) throw paymentErrors.amountTooLarge(`${at}/items`);
    return total;
  }

  /**
   * Creates a payment order inside the caller's transaction (the applications module calls this
   * when a step needs payment). Nothing is sent to the provider yet: that happens when the payer
   * starts paying. One unfinished order per subject: a second one is refused, so a retried request
   * cannot make the payer pay twice.
   */
  async createOrder(trx: Db, ctx: RequestContext, input: CreateOrderInput, origin: 'module' | 'portal' = 'module'): Promise<PresentedOrder> {
    const total = this.checkInput(input, origin === 'portal' ? 'body' : 'input');
    const open = await ordersRepo.openForSubject(trx, input.subjectType, input.subjectId);
    if (open) throw paymentErrors.openOrderExists(open.id);
    const ttl = Math.max(1, input.expiresInMinutes ?? this.o.orderTtlMinutes);
    const id = randomUUID();
    const actor = ctx.actor;
    const row = {
      id,
      order_no: newNumber('YW'),
      provider: this.provider.name,
      subject_type: input.subjectType,
      subject_id: input.subjectId,
      payer_account_id: input.payerAccountId,
      department_id: input.departmentId,
      description: (input.description ?? input.items.map((i) => i.name).join('、')).slice(0, 100),
      amount_fen: total,
      currency: 'CNY',
      origin,
      return_path: input.returnPath ?? null,
      expires_at: new Date(Date.now() + ttl * 60_000),
      provider_trade_no: null,
      pay_url: null,
      created_by: actor && actor.kind !== 'machine' ? actor.accountId : null,
    };
    await ordersRepo.insert(trx, row);
    await ordersRepo.insertItems(
      trx,
      input.items.map((it, i) => ({ order_id: id, seq: i + 1, name: it.name, standard: it.standard ?? '', legal_basis: it.legalBasis ?? '', amount_fen: it.amountFen })),
    );
    await enqueue(trx, { queue: PAYMENT_JOBS.expire, payload: { orderId: id }, runAt: row.expires_at, dedupeKey: id });
    await recordAudit(trx, ctx, {
      action: 'payment.order.create',
      entityType: 'payment_order',
      entityId: id,
      detail: { orderNo: row.order_no, subjectType: row.subject_type, subjectId: row.subject_id, amountFen: total, origin },
    });
    const created = (await ordersRepo.byId(trx, id))!;
    return presentOrder(created, await itemsRepo.forOrders(trx, [id]), [], { showPayUrl: true });
  }

  /** The portal's create (a citizen, enterprise or agent paying for their own subject). */
  async createOrderForPayer(ctx: RequestContext, body: Omit<CreateOrderInput, 'payerAccountId'> & { currency: string }): Promise<PresentedOrder> {
    const actor = requireActor(ctx);
    this.checkInput({ ...body, payerAccountId: '' }, 'body');
    // Read outside the transaction: PGlite has one connection, and the org service uses the root handle.
    if (!(await this.o.org.department(body.departmentId))) throw paymentErrors.departmentUnknown();
    return this.db.transaction().execute((trx) => this.createOrder(trx, ctx, { ...body, payerAccountId: subjectOf(actor) }, 'portal'));
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Data scope: payers see their own orders, officers their department's, platform admins all. */
  private scopeOf(ctx: RequestContext): { payerAccountId?: string; departmentId?: string } {
    const a = requireActor(ctx);
    if (hasRole(a, 'platform_admin')) return {};
    if (hasRole(a, ...OFFICER_ROLES)) {
      if (!a.departmentId) throw paymentErrors.noDepartment();
      return { departmentId: a.departmentId };
    }
    if (hasRole(a, 'citizen', 'enterprise', 'agent')) return { payerAccountId: subjectOf(a) };
    throw errors.roleNotAllowed();
  }

  private inScope(o: OrderRow, scope: { payerAccountId?: string; departmentId?: string }): boolean {
    return (!scope.payerAccountId || o.payer_account_id === scope.payerAccountId) && (!scope.departmentId || o.department_id === scope.departmentId);
  }

  private async present(db: Db, rows: OrderRow[], showPayUrl: boolean): Promise<PresentedOrder[]> {
    const ids = rows.map((r) => r.id);
    const [items, refunds] = await Promise.all([itemsRepo.forOrders(db, ids), refundsRepo.forOrders(db, ids)]);
    return rows.map((r) =>
      presentOrder(
        r,
        items.filter((i) => i.order_id === r.id),
        refunds.filter((f) => f.order_id === r.id),
        { showPayUrl },
      ),
    );
  }

  async listOrders(ctx: RequestContext, q: { state?: OrderState; subjectType?: string; subjectId?: string; limit: number; offset: number }) {
    const scope = this.scopeOf(ctx);
    const { rows, total } = await ordersRepo.list(this.db, { ...q, ...scope });
    return { items: await this.present(this.db, rows, !!scope.payerAccountId), total };
  }

  async getOrder(ctx: RequestContext, id: string): Promise<PresentedOrder> {
    const scope = this.scopeOf(ctx);
    const o = await ordersRepo.byId(this.db, id);
    if (!o || !this.inScope(o, scope)) throw paymentErrors.orderNotFound();
    return (await this.present(this.db, [o], !!scope.payerAccountId))[0];
  }

  /** For other modules: the orders of a subject (e.g. to show an application's payment). */
  async ordersForSubject(db: Db, subjectType: string, subjectId: string): Promise<PresentedOrder[]> {
    return this.present(db, await ordersRepo.forSubject(db, subjectType, subjectId), false);
  }

  /** The payer's own order, or 404 (another person's order is as good as nonexistent). */
  private async payersOrder(ctx: RequestContext, id: string): Promise<OrderRow> {
    const a = requireActor(ctx);
    const o = await ordersRepo.byId(this.db, id);
    if (!o || o.payer_account_id !== subjectOf(a)) throw paymentErrors.orderNotFound();
    return o;
  }

  // ---- paying -------------------------------------------------------------------------------

  /** Starts (or resumes) paying: the provider's hosted page to redirect the payer to. */
  async startPayment(ctx: RequestContext, id: string): Promise<{ payUrl: string; order: PresentedOrder }> {
    const order = await this.payersOrder(ctx, id);
    if (order.state === 'pending' && order.pay_url) {
      await this.db.transaction().execute((trx) =>
        recordAudit(trx, ctx, { action: 'payment.order.pay', entityType: 'payment_order', entityId: id, detail: { orderNo: order.order_no, resumed: true } }),
      );
      return { payUrl: order.pay_url, order: (await this.present(this.db, [order], true))[0] };
    }
    if (order.state !== 'created') throw paymentErrors.notPayable(order.state);
    if (order.expires_at.getTime() <= Date.now()) throw paymentErrors.expired();
    let charge;
    try {
      charge = await this.provider.createCharge({
        orderNo: order.order_no,
        amountFen: Number(order.amount_fen),
        currency: 'CNY',
        description: order.description,
        returnUrl: this.returnUrl(order.id),
        notifyUrl: this.notifyUrl,
        expiresAt: order.expires_at,
      });
    } catch (err) {
      this.o.log.warn({ err, orderNo: order.order_no }, 'payment provider: create charge failed');
      throw paymentErrors.providerUnavailable();
    }
    return this.db.transaction().execute(async (trx) => {
      const locked = (await ordersRepo.lock(trx, id))!;
      if (locked.state === 'created') {
        await ordersRepo.transition(trx, id, 'pending', { pay_url: charge.payUrl, provider_trade_no: charge.providerTradeNo }, ['created']);
      } else if (locked.state !== 'pending') {
        throw paymentErrors.notPayable(locked.state);
      }
      await recordAudit(trx, ctx, { action: 'payment.order.pay', entityType: 'payment_order', entityId: id, detail: { orderNo: order.order_no } });
      const now = (await ordersRepo.byId(trx, id))!;
      return { payUrl: now.pay_url ?? charge.payUrl, order: (await this.present(trx, [now], true))[0] };
    });
  }

  /** The payer gives up an unpaid order. If the provider says it is paid after all, it is paid. */
  async cancelOrder(ctx: RequestContext, id: string): Promise<PresentedOrder> {
    const order = await this.payersOrder(ctx, id);
    if (!OPEN.includes(order.state)) throw paymentErrors.notCancellable(order.state);
    if (order.state === 'pending') {
      const closed = await this.closeAtProvider(order);
      if (closed) {
        // The provider knows better: apply what it says (paid, failed …) and tell the payer.
        await this.db.transaction().execute(async (trx) => {
          const locked = (await ordersRepo.lock(trx, id))!;
          await this.applyFacts(trx, ctx, locked, closed);
        });
        const now = (await ordersRepo.byId(this.db, id))!;
        if (!OPEN.includes(now.state)) throw paymentErrors.notCancellable(now.state);
      }
    }
    return this.db.transaction().execute(async (trx) => {
      const locked = (await ordersRepo.lock(trx, id))!;
      if (!OPEN.includes(locked.state)) throw paymentErrors.notCancellable(locked.state);
      await this.closeOrder(trx, ctx, locked, 'cancelled');
      await recordAudit(trx, ctx, { action: 'payment.order.cancel', entityType: 'payment_order', entityId: id, detail: { orderNo: order.order_no } });
      return (await this.present(trx, [(await ordersRepo.byId(trx, id))!], true))[0];
    });
  }

  /**
   * Asks the provider to close an unpaid order. Returns the provider's facts when it reports the
   * order as anything but closed/pending (paid, failed, cancelled), null when it is closed.
   */
  private async closeAtProvider(order: OrderRow): Promise<Facts | null> {
    let facts: Facts;
    try {
      facts = await this.queryFacts(order.order_no);
      if (facts.trade?.state === 'pending') {
        const r = await this.provider.close(order.order_no);
        if (r.state === 'closed' || r.state === 'pending' || r.state === 'not_found') return null;
        facts = await this.queryFacts(order.order_no);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw paymentErrors.providerUnavailable();
    }
    return facts.trade && facts.trade.state !== 'closed' && facts.trade.state !== 'not_found' ? facts : null;
  }

  /** Closes an open order as failed, cancelled or expired (under the caller's lock). */
  private async closeOrder(trx: Db, ctx: RequestContext, o: OrderRow, to: 'failed' | 'cancelled' | 'expired'): Promise<void> {
    assertTransition(o.state, to);
    if (!(await ordersRepo.transition(trx, o.id, to, { closed_at: new Date() }, [...OPEN]))) return;
    await cancelJobs(trx, PAYMENT_JOBS.expire, o.id);
    await enqueue(trx, {
      queue: PAYMENT_EVENTS.closed,
      payload: { orderId: o.id, orderNo: o.order_no, subjectType: o.subject_type, subjectId: o.subject_id, state: to },
      dedupeKey: `closed:${o.id}`,
    });
    await recordAudit(trx, ctx, { action: `payment.order.${to}`, entityType: 'payment_order', entityId: o.id, detail: { orderNo: o.order_no, from: o.state } });
  }

  // ---- the provider's word: notifications, queries, convergence ------------------------------

  private async queryFacts(orderNo: string): Promise<Facts> {
    const p = await this.provider.query(orderNo);
    return {
      source: 'query',
      trade: p.state === 'not_found' ? undefined : { state: p.state, providerTradeNo: p.providerTradeNo, paidAt: p.paidAt, amountFen: p.amountFen, currency: p.currency },
      refunds: p.refunds,
    };
  }

  private factsOf(e: ProviderEvent): Facts {
    if (e.kind === 'payment')
      return { source: 'notification', trade: { state: e.state, providerTradeNo: e.providerTradeNo, paidAt: e.paidAt, amountFen: e.amountFen, currency: e.currency }, refunds: [] };
    return {
      source: 'notification',
      refunds: [{ refundNo: e.refundNo, providerRefundNo: e.providerRefundNo, amountFen: e.amountFen, state: e.state, finishedAt: e.finishedAt }],
    };
  }

  /**
   * Whether a notification does not fit what the platform knows, so that the provider must be
   * asked before anything changes: a payment of an order the platform has closed (it will be
   * refunded — be sure first), a refund the platform never asked for, or a refund of an order the
   * platform still believes unpaid (the "refunded before paid" ordering).
   */
  private needsQuery(o: OrderRow, facts: Facts, refunds: RefundRow[]): boolean {
    if (facts.source === 'query') return false;
    if (facts.trade?.state === 'paid' && CLOSED_UNPAID.includes(o.state) && !o.late) return true;
    for (const f of facts.refunds) {
      if (!refunds.some((r) => r.refund_no === f.refundNo)) return true;
      if (!PAID_FAMILY.includes(o.state)) return true;
    }
    return false;
  }

  /**
   * Applies the provider's facts to an order locked by the caller. Facts only move an order
   * forward; a fact already known changes nothing (returns false: stale or duplicate).
   */
  private async applyFacts(trx: Db, ctx: RequestContext, order: OrderRow, facts: Facts): Promise<boolean> {
    let changed = false;
    let o = order;
    const t = facts.trade;
    if (t?.state === 'paid' && ((t.amountFen !== null && t.amountFen !== Number(o.amount_fen)) || (t.currency !== null && t.currency !== o.currency))) {
      throw paymentErrors.notificationMismatch();
    }
    if (t?.state === 'paid') {
      if (OPEN.includes(o.state)) {
        assertTransition(o.state, 'paid');
        await ordersRepo.transition(trx, o.id, 'paid', { paid_at: t.paidAt ?? new Date(), provider_trade_no: t.providerTradeNo ?? o.provider_trade_no }, [...OPEN]);
        await cancelJobs(trx, PAYMENT_JOBS.expire, o.id);
        o = (await ordersRepo.byId(trx, o.id))!;
        await enqueue(trx, {
          queue: PAYMENT_EVENTS.paid,
          payload: { orderId: o.id, orderNo: o.order_no, subjectType: o.subject_type, subjectId: o.subject_id, amountFen: Number(o.amount_fen), paidAt: iso(o.paid_at) },
          dedupeKey: `paid:${o.id}`,
        });
        await recordAudit(trx, ctx, { action: 'payment.order.paid', entityType: 'payment_order', entityId: o.id, detail: { orderNo: o.order_no, via: facts.source } });
        changed = true;
      } else if (CLOSED_UNPAID.includes(o.state) && !o.late) {
        // Paid after the platform closed the order (expired, cancelled, failed): the money is
        // recorded and goes back automatically, as real platforms do; the subject is not told "paid".
        await ordersRepo.update(trx, o.id, { late: true, paid_at: t.paidAt ?? new Date(), provider_trade_no: t.providerTradeNo ?? o.provider_trade_no });
        await recordAudit(trx, ctx, { action: 'payment.order.late_paid', entityType: 'payment_order', entityId: o.id, detail: { orderNo: o.order_no, state: o.state } });
        o = (await ordersRepo.byId(trx, o.id))!;
        changed = true;
      }
    } else if (t && OPEN.includes(o.state) && (t.state === 'failed' || t.state === 'cancelled' || t.state === 'closed')) {
      const to = t.state === 'failed' ? 'failed' : t.state === 'cancelled' ? 'cancelled' : o.expires_at.getTime() <= Date.now() ? 'expired' : 'cancelled';
      await this.closeOrder(trx, ctx, o, to);
      o = (await ordersRepo.byId(trx, o.id))!;
      changed = true;
    }

    // Refunds: finish the ones the platform started, record the ones the provider made on its own.
    let refunds = await refundsRepo.forOrder(trx, o.id);
    for (const f of facts.refunds) {
      const mine = refunds.find((r) => r.refund_no === f.refundNo);
      if (!mine) {
        if (f.state !== 'succeeded' || !(PAID_FAMILY.includes(o.state) || o.late)) continue;
        const id = randomUUID();
        await refundsRepo.insert(trx, {
          id,
          order_id: o.id,
          refund_no: f.refundNo,
          amount_fen: f.amountFen,
          reason: '支付渠道侧发起的退款 Refund made at the payment provider',
          state: 'succeeded',
          origin: 'provider',
          requested_by: null,
          provider_refund_no: f.providerRefundNo,
          finished_at: f.finishedAt ?? new Date(),
          failure_reason: null,
        });
        await recordAudit(trx, ctx, { action: 'payment.refund.recorded', entityType: 'payment_order', entityId: o.id, detail: { refundNo: f.refundNo, amountFen: f.amountFen } });
        await this.refundedEvent(trx, o, f.refundNo, f.amountFen);
        changed = true;
      } else if (Number(mine.amount_fen) !== f.amountFen) {
        throw paymentErrors.notificationMismatch();
      } else if (mine.state === 'pending' && f.state !== 'pending') {
        if (await refundsRepo.finish(trx, mine.id, f.state, { finished_at: f.finishedAt, provider_refund_no: f.providerRefundNo, failure_reason: f.state === 'failed' ? 'provider reported failure' : null })) {
          await recordAudit(trx, ctx, {
            action: f.state === 'succeeded' ? 'payment.refund.succeeded' : 'payment.refund.failed',
            entityType: 'payment_order',
            entityId: o.id,
            outcome: f.state === 'succeeded' ? 'success' : 'failure',
            detail: { refundNo: mine.refund_no, amountFen: Number(mine.amount_fen) },
          });
          if (f.state === 'succeeded') await this.refundedEvent(trx, o, mine.refund_no, Number(mine.amount_fen));
          changed = true;
        }
      }
    }

    // A late payment goes back in full (less what the provider already returned).
    if (o.late) {
      refunds = await refundsRepo.forOrder(trx, o.id);
      const covered = sum(refunds.filter((r) => r.state !== 'failed').map((r) => Number(r.amount_fen)));
      const pendingAuto = refunds.some((r) => r.automatic && r.state === 'pending');
      const failedAuto = refunds.some((r) => r.automatic && r.state === 'failed');
      if (covered < Number(o.amount_fen) && !pendingAuto && !failedAuto) {
        await this.newRefund(trx, ctx, o, Number(o.amount_fen) - covered, '逾期支付，自动退款 Paid after the order was closed: refunded automatically', true);
        changed = true;
      }
    }

    if (await this.settleRefundState(trx, o)) changed = true;
    return changed;
  }

  private async refundedEvent(trx: Db, o: OrderRow, refundNo: string, amountFen: number): Promise<void> {
    const refunded = sum((await refundsRepo.forOrder(trx, o.id)).filter((r) => r.state === 'succeeded').map((r) => Number(r.amount_fen)));
    await enqueue(trx, {
      queue: PAYMENT_EVENTS.refunded,
      payload: { orderId: o.id, orderNo: o.order_no, subjectType: o.subject_type, subjectId: o.subject_id, refundNo, amountFen, refundedFen: refunded, fully: refunded >= Number(o.amount_fen) },
      dedupeKey: `refunded:${refundNo}`,
    });
  }

  /** Puts a paid-family (or late-paid) order in the state its refunds say. */
  private async settleRefundState(trx: Db, order: OrderRow): Promise<boolean> {
    const o = (await ordersRepo.byId(trx, order.id))!;
    if (!PAID_FAMILY.includes(o.state) && !o.late) return false;
    const refunds = await refundsRepo.forOrder(trx, o.id);
    const refunded = sum(refunds.filter((r) => r.state === 'succeeded').map((r) => Number(r.amount_fen)));
    const pending = refunds.filter((r) => r.state === 'pending').length;
    let target = refundState(Number(o.amount_fen), refunded, pending);
    // A late payment whose automatic refund failed stays with the officers as an ordinary paid order.
    if (CLOSED_UNPAID.includes(o.state) && target === 'paid') target = o.state;
    if (target === o.state && refunded === Number(o.refunded_fen)) return false;
    assertTransition(o.state, target);
    await ordersRepo.update(trx, o.id, { state: target, refunded_fen: refunded });
    return true;
  }

  /** Creates a refund intent (sent to the provider after commit by a job) and marks the order refunding. */
  private async newRefund(trx: Db, ctx: RequestContext, o: OrderRow, amountFen: number, reason: string, automatic: boolean): Promise<RefundRow> {
    const id = randomUUID();
    const actor = ctx.actor;
    await refundsRepo.insert(trx, {
      id,
      order_id: o.id,
      refund_no: newNumber('RF'),
      amount_fen: amountFen,
      reason,
      automatic,
      requested_by: actor && actor.kind !== 'machine' ? actor.accountId : null,
      provider_refund_no: null,
      failure_reason: null,
    });
    await enqueue(trx, { queue: PAYMENT_JOBS.submitRefund, payload: { refundId: id }, dedupeKey: id });
    const refund = (await refundsRepo.byId(trx, id))!;
    await recordAudit(trx, ctx, {
      action: 'payment.refund.request',
      entityType: 'payment_order',
      entityId: o.id,
      detail: { orderNo: o.order_no, refundNo: refund.refund_no, amountFen, automatic },
    });
    await this.settleRefundState(trx, o);
    return refund;
  }

  /**
   * The provider's asynchronous notification (POST /api/payments/notify/:provider). Verified,
   * idempotent (a notification already processed changes nothing and is acknowledged again so the
   * provider stops), order-insensitive (see payments.states.ts). Refusals are audited as failures.
   */
  async handleNotification(ctx: RequestContext, providerName: string, input: { headers: Record<string, string | string[] | undefined>; body: unknown }) {
    const refuse = async (err: AppError, detail: Record<string, unknown>, entityId: string | null = null): Promise<never> => {
      await this.db.transaction().execute((trx) =>
        recordAudit(trx, ctx, { action: 'payment.notify', entityType: 'payment_order', entityId, outcome: 'failure', detail: { provider: providerName, code: err.code, ...detail } }),
      );
      throw err;
    };
    if (providerName !== this.provider.name) return refuse(paymentErrors.unknownProvider(), {});
    if (!(await this.provider.verifyCallback(input).catch(() => false))) return refuse(paymentErrors.signatureInvalid(), {});
    let event: ProviderEvent;
    try {
      event = this.provider.parseEvent(input);
    } catch (err) {
      return refuse(paymentErrors.notificationMalformed((err as Error).message), {});
    }
    const order = await ordersRepo.byNo(this.db, event.orderNo);
    if (!order) return refuse(paymentErrors.notificationUnknownOrder(), { eventId: event.eventId, orderNo: event.orderNo });
    if (event.kind === 'payment' && event.state === 'paid' && (event.amountFen !== Number(order.amount_fen) || event.currency !== order.currency))
      return refuse(paymentErrors.notificationMismatch(), { eventId: event.eventId, orderNo: order.order_no }, order.id);

    const facts = this.factsOf(event);
    const detail = { provider: providerName, eventId: event.eventId, kind: event.kind, state: event.state, orderNo: order.order_no };
    // Two rounds at most: a notification that turns out (under the lock) to need a query is
    // rolled back, the provider is queried outside any transaction, and it is applied again.
    for (let round = 0; round < 2; round++) {
      const current = (await ordersRepo.byId(this.db, order.id))!;
      let snapshot: Facts | null = null;
      const seen = await eventsRepo.exists(this.db, providerName, event.eventId);
      if (!seen && this.needsQuery(current, facts, await refundsRepo.forOrder(this.db, order.id))) {
        try {
          snapshot = await this.queryFacts(order.order_no);
        } catch (err) {
          if (err instanceof AppError) throw err;
          throw paymentErrors.providerUnavailable();
        }
      }
      const apply = this.db.transaction().execute(async (trx) => {
        const locked = (await ordersRepo.lock(trx, order.id))!;
        if (await eventsRepo.exists(trx, providerName, event.eventId)) {
          await recordAudit(trx, ctx, { action: 'payment.notify', entityType: 'payment_order', entityId: order.id, detail: { ...detail, outcome: 'duplicate' } });
          return true;
        }
        if (!snapshot && this.needsQuery(locked, facts, await refundsRepo.forOrder(trx, order.id))) return false;
        const changed = await this.applyFacts(trx, ctx, locked, snapshot ?? facts);
        const outcome = !changed ? 'stale' : snapshot ? 'converged' : 'applied';
        const after = (await ordersRepo.byId(trx, order.id))!;
        await eventsRepo.insert(trx, {
          provider: providerName,
          event_id: event.eventId,
          order_id: order.id,
          kind: event.kind,
          state: event.state,
          refund_no: event.kind === 'refund' ? event.refundNo : null,
          outcome,
          order_state_after: after.state,
          payload: JSON.stringify(input.body ?? {}),
        });
        await recordAudit(trx, ctx, { action: 'payment.notify', entityType: 'payment_order', entityId: order.id, detail: { ...detail, outcome, orderState: after.state } });
        return true;
      });
      // A signed message that contradicts the order (another amount) is refused like a forged one.
      const done = await apply.catch((err) =>
        err instanceof AppError && err.code === 'PAYMENT_NOTIFICATION_MISMATCH' ? refuse(err, detail, order.id) : Promise.reject(err),
      );
      if (done) return this.provider.acknowledgement();
    }
    throw new AppError(503, 'PAYMENT_BUSY', '订单正在处理，请稍后重试', 'The order is busy; retry later');
  }

  /**
   * Brings an order in line with the provider's current view (the payer's browser came back, a
   * timer fired). Never trusts the browser: it asks the provider. Returns the order afterwards.
   */
  async syncWithProvider(ctx: RequestContext, id: string): Promise<OrderRow | undefined> {
    const o = await ordersRepo.byId(this.db, id);
    if (!o) return undefined;
    const unsettled = o.state === 'pending' || o.state === 'refunding';
    if (!unsettled) return o;
    const facts = await this.queryFacts(o.order_no);
    await this.db.transaction().execute(async (trx) => {
      const locked = (await ordersRepo.lock(trx, id))!;
      await this.applyFacts(trx, ctx, locked, facts);
    });
    return ordersRepo.byId(this.db, id);
  }

  /** The return endpoint: the browser's way back from the provider; where to send it next. */
  async returnFromProvider(ctx: RequestContext, id: string): Promise<string> {
    let o = await ordersRepo.byId(this.db, id);
    if (!o) throw paymentErrors.orderNotFound();
    try {
      o = (await this.syncWithProvider(ctx, id)) ?? o;
    } catch (err) {
      // The payer still gets their page; the notification or the expiry timer will settle the order.
      this.o.log.warn({ err, orderNo: o.order_no }, 'payment return: provider query failed');
    }
    const target = new URL(o.return_path ?? `/portal/payments/${o.id}`, 'http://x');
    target.searchParams.set('payment', o.id);
    target.searchParams.set('state', o.state);
    return target.pathname + target.search;
  }

  // ---- refunds ------------------------------------------------------------------------------

  /** An officer of the department that owns the subject refunds all or part of a paid order. */
  async requestRefund(ctx: RequestContext, id: string, body: { amountFen: number; reason: string }) {
    const a = requireActor(ctx);
    if (!a.departmentId) throw paymentErrors.noDepartment();
    if (!Number.isSafeInteger(body.amountFen) || body.amountFen <= 0) throw paymentErrors.amountInvalid('body/amountFen');
    return this.db.transaction().execute(async (trx) => {
      const o = await ordersRepo.lock(trx, id);
      if (!o || o.department_id !== a.departmentId) throw paymentErrors.orderNotFound();
      if (!REFUNDABLE.includes(o.state)) throw paymentErrors.notRefundable(o.state);
      const refunds = await refundsRepo.forOrder(trx, id);
      const available = Number(o.amount_fen) - sum(refunds.filter((r) => r.state !== 'failed').map((r) => Number(r.amount_fen)));
      if (body.amountFen > available) throw paymentErrors.refundExceeds(available);
      const refund = await this.newRefund(trx, ctx, o, body.amountFen, body.reason, false);
      return { refund: presentRefund(refund), order: (await this.present(trx, [(await ordersRepo.byId(trx, id))!], false))[0] };
    });
  }

  /**
   * Refunds what is left of a paid order, automatically, in the caller's transaction: the subject
   * it paid for ended without the service (an application withdrawn or not accepted). The provider
   * is asked after commit (job) and its signed notification settles the refund. Null when nothing
   * is left to refund (not paid, already refunded).
   */
  async refundRemaining(trx: Db, ctx: RequestContext, id: string, reason: string): Promise<{ refundNo: string; amountFen: number } | null> {
    const o = await ordersRepo.lock(trx, id);
    if (!o || !REFUNDABLE.includes(o.state)) return null;
    const refunds = await refundsRepo.forOrder(trx, id);
    const available = Number(o.amount_fen) - sum(refunds.filter((r) => r.state !== 'failed').map((r) => Number(r.amount_fen)));
    if (available <= 0) return null;
    const refund = await this.newRefund(trx, ctx, o, available, reason, true);
    return { refundNo: refund.refund_no, amountFen: available };
  }

  // ---- jobs ---------------------------------------------------------------------------------

  /** Timer at the order's expiry: ask the provider (it may have been paid in time), close it, expire it. */
  private async expireJob(job: ClaimedJob): Promise<void> {
    const id = String(job.payload.orderId);
    const o = await ordersRepo.byId(this.db, id);
    if (!o || !OPEN.includes(o.state)) return;
    if (o.expires_at.getTime() > Date.now() + 1000) {
      await enqueue(this.db, { queue: PAYMENT_JOBS.expire, payload: { orderId: id }, runAt: o.expires_at, dedupeKey: id });
      return;
    }
    const ctx = systemContext(`job:${job.id}`);
    const facts = o.state === 'pending' ? await this.closeAtProvider(o) : null;
    await this.db.transaction().execute(async (trx) => {
      const locked = (await ordersRepo.lock(trx, id))!;
      if (facts) await this.applyFacts(trx, ctx, locked, facts);
      const now = (await ordersRepo.byId(trx, id))!;
      if (OPEN.includes(now.state)) await this.closeOrder(trx, ctx, now, 'expired');
    });
  }

  /** Sends a committed refund intent to the provider (idempotent there by refund number). */
  private async submitRefundJob(job: ClaimedJob): Promise<void> {
    const refund = await refundsRepo.byId(this.db, String(job.payload.refundId));
    if (!refund || refund.state !== 'pending' || refund.submitted_at) return;
    const o = (await ordersRepo.byId(this.db, refund.order_id))!;
    const ctx = systemContext(`job:${job.id}`);
    const res = await this.provider.refund({
      orderNo: o.order_no,
      refundNo: refund.refund_no,
      amountFen: Number(refund.amount_fen),
      totalFen: Number(o.amount_fen),
      reason: refund.reason,
      notifyUrl: this.notifyUrl,
    });
    await this.db.transaction().execute(async (trx) => {
      const locked = (await ordersRepo.lock(trx, o.id))!;
      if (res.accepted) {
        await refundsRepo.markSubmitted(trx, refund.id, res.providerRefundNo);
        await recordAudit(trx, ctx, { action: 'payment.refund.submit', entityType: 'payment_order', entityId: o.id, detail: { refundNo: refund.refund_no } });
        // A safety net: if the notification never comes, a query settles the refund.
        await enqueue(trx, { queue: PAYMENT_JOBS.sync, payload: { orderId: o.id, round: 1 }, runAt: new Date(Date.now() + SYNC_MINUTES * 60_000), dedupeKey: o.id });
      } else if (await refundsRepo.finish(trx, refund.id, 'failed', { finished_at: new Date(), failure_reason: res.reason })) {
        await recordAudit(trx, ctx, {
          action: 'payment.refund.failed',
          entityType: 'payment_order',
          entityId: o.id,
          outcome: 'failure',
          detail: { refundNo: refund.refund_no, reason: res.reason },
        });
        await this.settleRefundState(trx, locked);
      }
    });
  }

  /** Timer: query the provider for an order whose outcome is still open (a refund in flight). */
  private async syncJob(job: ClaimedJob): Promise<void> {
    const id = String(job.payload.orderId);
    const round = Number(job.payload.round ?? 1);
    const o = await this.syncWithProvider(systemContext(`job:${job.id}`), id);
    if (o?.state === 'refunding' && round < SYNC_ROUNDS)
      await enqueue(this.db, { queue: PAYMENT_JOBS.sync, payload: { orderId: id, round: round + 1 }, runAt: new Date(Date.now() + SYNC_MINUTES * 60_000), dedupeKey: id });
  }

  // ---- reconciliation (对账) -----------------------------------------------------------------

  /**
   * Compares the platform's payments and refunds of a day with the provider's statement of that
   * day: each transaction matched, missing on one side, or with different amounts. Platform
   * admins see the whole statement; a department admin the transactions of their department's
   * orders (lines the platform cannot attribute are for the platform admin).
   */
  async reconcile(ctx: RequestContext, date: string): Promise<ReconciliationReportT> {
    const a = requireActor(ctx);
    const day = chinaDay(date);
    if (!day) throw paymentErrors.dateInvalid();
    const departmentId = hasRole(a, 'platform_admin') ? null : a.departmentId;
    if (!hasRole(a, 'platform_admin') && !departmentId) throw paymentErrors.noDepartment();
    let statement;
    try {
      statement = await this.provider.statement(date);
    } catch (err) {
      this.o.log.warn({ err, date }, 'payment provider: statement download failed');
      throw paymentErrors.providerUnavailable();
    }
    const [payments, refunds, owners] = await Promise.all([
      ordersRepo.paidBetween(this.db, day.from, day.to, departmentId ?? undefined),
      refundsRepo.succeededBetween(this.db, day.from, day.to, departmentId ?? undefined),
      ordersRepo.byNos(this.db, [...new Set(statement.map((l) => l.orderNo))]),
    ]);
    const ownerOf = new Map(owners.map((o) => [o.order_no, o]));
    const idOf = new Map<string, string>([...owners.map((o) => [o.order_no, o.id] as const), ...payments.map((p) => [p.order_no, p.id] as const)]);

    type Side = { amountFen: number; at: Date; orderNo: string; refundNo: string | null; kind: 'payment' | 'refund' };
    const platform = new Map<string, Side>();
    for (const p of payments) platform.set(`P:${p.order_no}`, { kind: 'payment', orderNo: p.order_no, refundNo: null, amountFen: Number(p.amount_fen), at: p.paid_at! });
    for (const r of refunds) platform.set(`R:${r.refund_no}`, { kind: 'refund', orderNo: r.order_no, refundNo: r.refund_no, amountFen: Number(r.amount_fen), at: r.finished_at! });
    const provider = new Map<string, Side>();
    for (const l of statement) {
      if (departmentId && ownerOf.get(l.orderNo)?.department_id !== departmentId) continue;
      const key = l.kind === 'payment' ? `P:${l.orderNo}` : `R:${l.refundNo}`;
      const prev = provider.get(key);
      provider.set(key, { kind: l.kind, orderNo: l.orderNo, refundNo: l.refundNo, amountFen: (prev?.amountFen ?? 0) + l.amountFen, at: l.at });
    }

    const lines: ReconciliationLineT[] = [];
    for (const key of [...new Set([...platform.keys(), ...provider.keys()])]) {
      const p = platform.get(key);
      const s = provider.get(key);
      const any = (p ?? s)!;
      lines.push({
        status: !p ? 'missing_on_platform' : !s ? 'missing_on_provider' : p.amountFen === s.amountFen ? 'matched' : 'amount_mismatch',
        kind: any.kind,
        orderNo: any.orderNo,
        refundNo: any.refundNo,
        orderId: idOf.get(any.orderNo) ?? null,
        platformAmountFen: p?.amountFen ?? null,
        providerAmountFen: s?.amountFen ?? null,
        platformAt: iso(p?.at),
        providerAt: iso(s?.at),
      });
    }
    const rank = { amount_mismatch: 0, missing_on_platform: 1, missing_on_provider: 2, matched: 3 } as const;
    lines.sort((x, y) => rank[x.status] - rank[y.status] || (x.providerAt ?? x.platformAt ?? '').localeCompare(y.providerAt ?? y.platformAt ?? ''));
    const net = (m: Map<string, Side>) => sum([...m.values()].map((v) => (v.kind === 'payment' ? v.amountFen : -v.amountFen)));
    const count = (s: ReconciliationLineT['status']) => lines.filter((l) => l.status === s).length;
    const summary = {
      matched: count('matched'),
      missingOnPlatform: count('missing_on_platform'),
      missingOnProvider: count('missing_on_provider'),
      amountMismatch: count('amount_mismatch'),
      platformNetFen: net(platform),
      providerNetFen: net(provider),
    };
    return {
      date,
      provider: this.provider.name,
      departmentId,
      generatedAt: new Date().toISOString(),
      balanced: summary.matched === lines.length,
      summary,
      lines,
    };
  }
}

/** The report as CSV (UTF-8 with a byte-order mark, which spreadsheet programs in China expect). */
export function reconciliationCsv(r: ReconciliationReportT): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['status', 'kind', 'order_no', 'refund_no', 'platform_amount_fen', 'provider_amount_fen', 'platform_time', 'provider_time'];
  const rows = r.lines.map((l) => [l.status, l.kind, l.orderNo, l.refundNo, l.platformAmountFen, l.providerAmountFen, l.platformAt, l.providerAt].map(cell).join(','));
  return `\uFEFF${head.join(',')}\r\n${rows.map((x) => `${x}\r\n`).join('')}`;
}
