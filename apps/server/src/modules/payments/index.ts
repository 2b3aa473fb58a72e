/**
 * Payments module (统一支付). Owns payment_orders, payment_items, payment_refunds and
 * payment_events; the built-in simulated provider (./simulator) owns sim_pay_* and is reached
 * only over its HTTP surface under /pay-sim.
 *
 * Publishes:
 * - `PaymentsService` (app.services.payments): `createOrder(trx, ctx, { subjectType, subjectId,
 *   payerAccountId, departmentId, items: [{ name, standard, legalBasis, amountFen }] })` inside the
 *   caller's transaction; `ordersForSubject(db, type, id)`.
 * - Outbox events (jobs queues) for other modules to handle: `payment.paid`, `payment.closed`
 *   (failed / cancelled / expired), `payment.refunded` — see PAYMENT_EVENTS. A module that waits
 *   for a payment registers `app.services.jobs.handle('payment.paid', …)`; handlers must be
 *   idempotent (at-least-once delivery) and should compare `amountFen` with the fee they asked for.
 * - Routes under /api/payments (payers, officers, admins) and the provider's notify endpoint.
 *
 * The provider is chosen by PAYMENT_PROVIDER; `PaymentProvider` (payments.provider.ts) is the
 * interface a real adapter fills.
 */
import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { JobRunner } from '../jobs';
import type { OrgService } from '../org';
import type { PaymentProvider } from './payments.provider';
import { PaymentsService } from './payments.service';
import { SimulatedProvider, type Fetch } from './simulated-provider';
import { PaySimulator } from './simulator';

export { PaymentsService, PAYMENT_EVENTS, PAYMENT_JOBS, systemContext, type CreateOrderInput, type FeeItem, type PresentedOrder } from './payments.service';
export { paymentsRoutes } from './payments.routes';
export type { PaymentProvider, ProviderEvent, ProviderOrder, StatementLine } from './payments.provider';
export { PaySimulator, type SimBehaviour } from './simulator';
export { canonicalString, hmacSign, edSign, edVerify } from './signing';
export type { Fetch } from './simulated-provider';

export interface PaymentsSetup {
  service: PaymentsService;
  /** The built-in simulated provider, when this node runs it (mounted at /pay-sim). */
  simulator: PaySimulator | null;
}

export function createPayments(opts: { db: Db; config: Config; jobs: JobRunner; org: OrgService; log: FastifyBaseLogger; inProcess: Fetch }): PaymentsSetup {
  const { config } = opts;
  const builtin = config.PAYMENT_PROVIDER === 'simulated' && !config.PAYMENT_PROVIDER_URL;
  const baseUrl = (config.PAYMENT_PROVIDER_URL ?? `${config.PUBLIC_URL}/pay-sim`).replace(/\/$/, '');
  const merchantKey = config.PAYMENT_MERCHANT_KEY ?? createHmac('sha256', config.DATA_SECRET).update('paysim-merchant').digest('hex');
  // This node's own addresses are reached in-process (the node may not know its public address in tests and demos).
  const local: Fetch = (url, init) => (url.startsWith(config.PUBLIC_URL) ? opts.inProcess(url, init) : fetch(url, init));

  let provider: PaymentProvider;
  switch (config.PAYMENT_PROVIDER) {
    case 'simulated':
      provider = new SimulatedProvider({ baseUrl, mchId: config.PAYMENT_MERCHANT_ID, merchantKey, publicKey: config.PAYMENT_PROVIDER_PUBLIC_KEY, fetch: builtin ? opts.inProcess : local });
      break;
    default:
      throw new Error(`Unknown PAYMENT_PROVIDER ${String(config.PAYMENT_PROVIDER)}`);
  }

  const simulator = builtin
    ? new PaySimulator({
        db: opts.db,
        jobs: opts.jobs,
        baseUrl,
        merchants: [{ mchId: config.PAYMENT_MERCHANT_ID, key: merchantKey, name: config.PAYMENT_MERCHANT_NAME }],
        fetch: local,
        behaviour: { copies: config.PAYMENT_SIM_NOTIFY_COPIES, delaySeconds: config.PAYMENT_SIM_NOTIFY_DELAY_SECONDS, acceptLatePayments: config.PAYMENT_SIM_ACCEPT_LATE },
        log: opts.log,
      })
    : null;

  const service = new PaymentsService({ db: opts.db, provider, jobs: opts.jobs, org: opts.org, publicUrl: config.PUBLIC_URL, orderTtlMinutes: config.PAYMENT_ORDER_TTL_MINUTES, log: opts.log });
  return { service, simulator };
}
