/**
 * The payment order as an explicit state machine: states, transitions and the rules that decide
 * what a provider's notification may change. Every transition goes through `assertTransition`
 * and the repository updates with `WHERE state IN (<allowed predecessors>)`, so two concurrent
 * writers cannot both move an order.
 *
 *   created ──pay──▶ pending ──▶ paid ──refund──▶ refunding ──▶ refunded
 *      │                │  ╲──▶ failed            ▲     │  ╲──▶ partially_refunded ──refund──┘
 *      │                │   ╲─▶ cancelled         │     └──▶ paid (the refund failed)
 *      └──────▶ cancelled / expired ──(paid late: recorded, refunded automatically)──▶ refunding
 *
 * Ordering rule for notifications. A notification is a *fact* the provider asserts ("this order
 * was paid", "this refund succeeded"). Facts only ever move an order forward; a fact the platform
 * already knows (a paid notification for a refunded order) is stale and changes nothing. A fact
 * that does not fit what the platform knows (a refund it never asked for, a refund of an order
 * it still thinks unpaid, a payment of an order it has closed) is not applied on its word: the
 * platform queries the provider and converges to the provider's whole, current view.
 */
import { AppError } from '../../shared/errors';

export const ORDER_STATES = ['created', 'pending', 'paid', 'failed', 'cancelled', 'expired', 'refunding', 'refunded', 'partially_refunded'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const TRANSITIONS: Record<OrderState, readonly OrderState[]> = {
  // 'created' → paid/failed: the provider saw the order although the platform's step to 'pending'
  // was lost (a crash between the provider's answer and the commit); the provider's word wins.
  created: ['pending', 'paid', 'failed', 'cancelled', 'expired'],
  pending: ['paid', 'failed', 'cancelled', 'expired'],
  // A paid order may need a refund at once when the provider reports one the platform did not start.
  paid: ['refunding', 'refunded', 'partially_refunded'],
  // Paid late (after the platform closed the order): recorded and refunded automatically.
  failed: ['refunding', 'refunded'],
  cancelled: ['refunding', 'refunded'],
  expired: ['refunding', 'refunded'],
  refunding: ['refunded', 'partially_refunded', 'paid'],
  partially_refunded: ['refunding', 'refunded'],
  refunded: [],
};

/** States in which the order holds (or held) the payer's money. */
export const PAID_FAMILY: readonly OrderState[] = ['paid', 'refunding', 'refunded', 'partially_refunded'];
/** States in which the order can still be paid. */
export const OPEN: readonly OrderState[] = ['created', 'pending'];
/** Closed without payment: a payment that still arrives is late and is refunded. */
export const CLOSED_UNPAID: readonly OrderState[] = ['failed', 'cancelled', 'expired'];
/** States an officer may refund from. */
export const REFUNDABLE: readonly OrderState[] = ['paid', 'partially_refunded'];

export function canTransition(from: OrderState, to: OrderState): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function predecessorsOf(to: OrderState): OrderState[] {
  return ORDER_STATES.filter((s) => TRANSITIONS[s].includes(to));
}

export function assertTransition(from: OrderState, to: OrderState): void {
  if (!canTransition(from, to))
    throw new AppError(409, 'PAYMENT_STATE_CONFLICT', `支付订单状态为“${from}”，不能变为“${to}”`, `A payment order in state ${from} cannot become ${to}`);
}

/**
 * Where the money of a paid-family order stands after its refunds: still refunding while a refund
 * is pending, otherwise paid, partially refunded or refunded.
 */
export function refundState(amountFen: number, refundedFen: number, pendingRefunds: number): OrderState {
  if (pendingRefunds > 0) return 'refunding';
  if (refundedFen <= 0) return 'paid';
  return refundedFen >= amountFen ? 'refunded' : 'partially_refunded';
}
