/**
 * Unified payment (统一支付) for the process step that needs it.
 *
 * When a process reaches its payment step the engine asks `catalogPayments` (the PaymentPort):
 * the fees of the item's published catalog version become a payment order of the payments module
 * (`createOrder(trx, …)`, in the engine's transaction), and the application waits
 * (`awaiting = 'payment'`). The payments module's outbox events move it on:
 *
 * - `payment.paid` → `paymentSettled`: the amount is compared with the order the application waits
 *   for; then handling continues with the next step (idempotent: at-least-once delivery).
 * - `payment.closed` (expired / cancelled / failed) → the timeline says so and the applicant may
 *   start a new order (POST /api/applications/:id/payment); the application keeps waiting.
 * - `payment.refunded` → the timeline and the application's payment record say so.
 * - An application that ends without the service (withdrawn, not accepted, stopped) after paying
 *   gets the fee back: the engine asks `refundPaid` (payments.refundRemaining) in its transaction;
 *   the provider's signed notification then records the refund.
 *
 * A fee of zero (or a catalog item without amounts) is not an order: the step goes on at once.
 */
import type { Db } from '../../db/database';
import type { RequestContext } from '../../shared/actor';
import type { ClaimedJob, JobRunner } from '../jobs';
import type { PaymentsService } from '../payments';
import { systemContext, type PaymentPort, type PaymentRef } from './applications.engine';

/** Fen of a catalog fee in yuan (the catalog states yuan; payments count fen). */
export const fen = (yuan: number) => Math.round(yuan * 100);

export interface PaymentEventsTarget {
  paymentSettled(ctx: RequestContext, applicationId: string, paid?: { orderId: string; amountFen: number; paidAt?: string | null }): Promise<boolean>;
  paymentClosed(ctx: RequestContext, applicationId: string, closed: { orderId: string; state: string }): Promise<boolean>;
  paymentRefunded(ctx: RequestContext, applicationId: string, refund: { orderId: string; refundNo: string; amountFen: number; refundedFen: number; fully: boolean }): Promise<boolean>;
}

/** Order lifetime when the catalog gives no days to pay: the payments module's default. */
export function catalogPayments(payments: Pick<PaymentsService, 'createOrder' | 'refundRemaining'>): PaymentPort & { orderFor: typeof orderFor } {
  async function orderFor(
    trx: Db,
    ctx: RequestContext,
    req: { applicationId: string; rootId: string; number: string; itemName: string; departmentId: string; payerAccountId: string; fees: { name: string; amount?: number; standard?: string; basis?: string }[]; payWithinDays: number; step: number },
  ): Promise<PaymentRef | null> {
    const items = req.fees
      .filter((f) => typeof f.amount === 'number' && f.amount > 0)
      .map((f) => ({ name: f.name, standard: f.standard ?? '', legalBasis: f.basis ?? '', amountFen: fen(f.amount!) }));
    if (!items.length) return null;
    const order = await payments.createOrder(trx, ctx, {
      subjectType: 'application',
      subjectId: req.applicationId,
      payerAccountId: req.payerAccountId,
      departmentId: req.departmentId,
      items,
      description: `${req.itemName}（${req.number}）`,
      ...(req.payWithinDays > 0 ? { expiresInMinutes: req.payWithinDays * 24 * 60 } : {}),
      returnPath: `/portal/applications/${req.rootId}`,
    });
    return { orderId: order.id, orderNo: order.orderNo, amountFen: order.amountFen, state: order.state, step: req.step, expiresAt: order.expiresAt ?? null, paidAt: null, refundedFen: 0 };
  }
  return {
    orderFor,
    refundPaid: (trx, req) => payments.refundRemaining(trx, req.ctx, req.orderId, req.reason),
    async paymentNeeded(trx, req) {
      const order = await orderFor(trx, req.ctx ?? systemContext('applications.payment'), req);
      return order ? { answer: 'pending', order } : 'waived';
    },
  };
}

/** Registers the handlers of the payments module's outbox queues (one handler per queue). */
export function handlePaymentEvents(jobs: JobRunner, target: PaymentEventsTarget): void {
  const ours = (job: ClaimedJob) => (job.payload as { subjectType?: string }).subjectType === 'application';
  const ctx = (job: ClaimedJob) => systemContext(`job:${job.id}`);
  jobs.handle('payment.paid', async (job) => {
    if (!ours(job)) return;
    const p = job.payload as { orderId: string; subjectId: string; amountFen: number; paidAt?: string | null };
    await target.paymentSettled(ctx(job), p.subjectId, { orderId: p.orderId, amountFen: Number(p.amountFen), paidAt: p.paidAt ?? null });
  });
  jobs.handle('payment.closed', async (job) => {
    if (!ours(job)) return;
    const p = job.payload as { orderId: string; subjectId: string; state: string };
    await target.paymentClosed(ctx(job), p.subjectId, { orderId: p.orderId, state: p.state });
  });
  jobs.handle('payment.refunded', async (job) => {
    if (!ours(job)) return;
    const p = job.payload as { orderId: string; subjectId: string; refundNo: string; amountFen: number; refundedFen: number; fully: boolean };
    await target.paymentRefunded(ctx(job), p.subjectId, { orderId: p.orderId, refundNo: p.refundNo, amountFen: Number(p.amountFen), refundedFen: Number(p.refundedFen), fully: !!p.fully });
  });
}
