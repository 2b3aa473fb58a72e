/**
 * The payment-provider interface (支付渠道接口). The platform speaks to exactly one provider per
 * node, chosen by configuration (PAYMENT_PROVIDER); an adapter for a provincial non-tax payment
 * platform (非税支付平台), UnionPay or WeChat Pay fills this interface and nothing else changes.
 *
 * Rules an adapter must keep:
 * - Amounts are integers in fen (分); the currency is CNY.
 * - `createCharge`, `refund` and `close` are idempotent by the platform's numbers (orderNo,
 *   refundNo): the platform retries them after a timeout.
 * - Nothing here is called inside a database transaction (it is remote I/O).
 * - `verifyCallback` checks the provider's signature; `parseEvent` is only called on a verified
 *   callback and turns the provider's message into a neutral event.
 */

export type ProviderTradeState = 'pending' | 'paid' | 'failed' | 'cancelled' | 'closed' | 'not_found';

export interface ChargeRequest {
  /** The platform's order number (商户订单号), unique, at most 32 characters. */
  orderNo: string;
  amountFen: number;
  currency: 'CNY';
  description: string;
  /** Where the payer's browser is sent back (never trusted: the platform queries instead). */
  returnUrl: string;
  /** Where the provider posts its signed asynchronous notifications. */
  notifyUrl: string;
  /** After this the provider should refuse the payment. */
  expiresAt: Date;
}

export interface ChargeResult {
  /** The hosted payment page (收银台) the payer is redirected to. */
  payUrl: string;
  providerTradeNo: string | null;
}

export interface ProviderRefund {
  refundNo: string;
  providerRefundNo: string | null;
  amountFen: number;
  state: 'pending' | 'succeeded' | 'failed';
  finishedAt: Date | null;
}

/** The provider's authoritative view of one order (from a query). */
export interface ProviderOrder {
  orderNo: string;
  state: ProviderTradeState;
  providerTradeNo: string | null;
  amountFen: number | null;
  currency: string | null;
  paidAt: Date | null;
  refunds: ProviderRefund[];
}

export interface RefundRequest {
  orderNo: string;
  refundNo: string;
  amountFen: number;
  totalFen: number;
  reason: string;
  notifyUrl: string;
}

export type RefundResult =
  | { accepted: true; providerRefundNo: string | null }
  | { accepted: false; reason: string };

/** A verified notification, in neutral terms. */
export type ProviderEvent =
  | {
      kind: 'payment';
      /** The provider's notification id: duplicates of one notification share it. */
      eventId: string;
      orderNo: string;
      state: 'paid' | 'failed' | 'cancelled' | 'closed';
      providerTradeNo: string | null;
      amountFen: number;
      currency: string;
      paidAt: Date | null;
      occurredAt: Date;
    }
  | {
      kind: 'refund';
      eventId: string;
      orderNo: string;
      refundNo: string;
      providerRefundNo: string | null;
      state: 'succeeded' | 'failed';
      amountFen: number;
      finishedAt: Date | null;
      occurredAt: Date;
    };

export interface CallbackInput {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One line of the provider's daily statement (对账单). */
export interface StatementLine {
  kind: 'payment' | 'refund';
  orderNo: string;
  refundNo: string | null;
  providerTradeNo: string | null;
  amountFen: number;
  at: Date;
}

export interface PaymentProvider {
  /** Short name, used in the notify URL (/api/payments/notify/:provider) and stored on orders. */
  readonly name: string;
  createCharge(req: ChargeRequest): Promise<ChargeResult>;
  query(orderNo: string): Promise<ProviderOrder>;
  /** Close an unpaid order so it can no longer be paid; answers the state after the attempt. */
  close(orderNo: string): Promise<{ state: ProviderTradeState }>;
  refund(req: RefundRequest): Promise<RefundResult>;
  verifyCallback(input: CallbackInput): Promise<boolean>;
  parseEvent(input: CallbackInput): ProviderEvent;
  /** What the provider expects as the answer that stops its retries. */
  acknowledgement(): { contentType: string; body: string };
  /** The statement of one day (YYYY-MM-DD, China Standard Time). */
  statement(date: string): Promise<StatementLine[]>;
}

/** The provider could not be reached or answered something unusable (retry later). */
export class ProviderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailable';
  }
}
