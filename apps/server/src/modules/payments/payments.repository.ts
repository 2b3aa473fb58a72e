/** SQL of the payments module: payment_orders, payment_items, payment_refunds, payment_events. No rules here. */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../../db/database';
import type { PaymentEventsTable, PaymentItemsTable, PaymentOrdersTable, PaymentRefundsTable } from '../../db/types';
import { predecessorsOf, type OrderState } from './payments.states';

export type OrderRow = Selectable<PaymentOrdersTable>;
export type ItemRow = Selectable<PaymentItemsTable>;
export type RefundRow = Selectable<PaymentRefundsTable>;

export interface OrderScope {
  payerAccountId?: string;
  departmentId?: string;
}

export interface OrderFilter extends OrderScope {
  state?: OrderState;
  subjectType?: string;
  subjectId?: string;
  limit: number;
  offset: number;
}

export const ordersRepo = {
  insert: (db: Db, row: Insertable<PaymentOrdersTable>) => db.insertInto('payment_orders').values(row).execute(),
  insertItems: (db: Db, rows: Insertable<PaymentItemsTable>[]) => db.insertInto('payment_items').values(rows).execute(),

  byId: (db: Db, id: string) => db.selectFrom('payment_orders').selectAll().where('id', '=', id).executeTakeFirst(),
  byNo: (db: Db, orderNo: string) => db.selectFrom('payment_orders').selectAll().where('order_no', '=', orderNo).executeTakeFirst(),
  /** Locks the order for the rest of the transaction: writers of one order take turns. */
  lock: (db: Db, id: string) => db.selectFrom('payment_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),

  openForSubject: (db: Db, subjectType: string, subjectId: string) =>
    db
      .selectFrom('payment_orders')
      .selectAll()
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .where('state', 'in', ['created', 'pending'])
      .executeTakeFirst(),

  forSubject: (db: Db, subjectType: string, subjectId: string) =>
    db.selectFrom('payment_orders').selectAll().where('subject_type', '=', subjectType).where('subject_id', '=', subjectId).orderBy('created_at', 'desc').execute(),

  async list(db: Db, f: OrderFilter): Promise<{ rows: OrderRow[]; total: number }> {
    let q = db.selectFrom('payment_orders');
    if (f.payerAccountId) q = q.where('payer_account_id', '=', f.payerAccountId);
    if (f.departmentId) q = q.where('department_id', '=', f.departmentId);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  },

  /**
   * Moves an order to `to` only from a state that may precede it (and, when given, only from
   * `from`): the guard in SQL, so a concurrent writer that moved it first wins and this one sees 0.
   */
  async transition(db: Db, id: string, to: OrderState, set: Partial<Record<keyof PaymentOrdersTable, unknown>> = {}, from?: OrderState[]): Promise<boolean> {
    const allowed = (from ?? predecessorsOf(to)).filter((s) => predecessorsOf(to).includes(s));
    if (!allowed.length) return false;
    const r = await db
      .updateTable('payment_orders')
      .set({ ...(set as object), state: to, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('state', 'in', allowed)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  update: (db: Db, id: string, set: Partial<Record<keyof PaymentOrdersTable, unknown>>) =>
    db
      .updateTable('payment_orders')
      .set({ ...(set as object), updated_at: sql`now()` })
      .where('id', '=', id)
      .execute(),

  /** Orders paid on the provider's clock within [from, to) (reconciliation). */
  paidBetween: (db: Db, from: Date, to: Date, departmentId?: string) => {
    let q = db.selectFrom('payment_orders').selectAll().where('paid_at', '>=', from).where('paid_at', '<', to);
    if (departmentId) q = q.where('department_id', '=', departmentId);
    return q.orderBy('paid_at').execute();
  },

  byNos: (db: Db, orderNos: string[]) =>
    orderNos.length ? db.selectFrom('payment_orders').select(['id', 'order_no', 'department_id']).where('order_no', 'in', orderNos).execute() : Promise.resolve([]),
};

export const itemsRepo = {
  forOrders: (db: Db, orderIds: string[]) =>
    orderIds.length ? db.selectFrom('payment_items').selectAll().where('order_id', 'in', orderIds).orderBy('order_id').orderBy('seq').execute() : Promise.resolve([] as ItemRow[]),
};

export const refundsRepo = {
  insert: (db: Db, row: Insertable<PaymentRefundsTable>) => db.insertInto('payment_refunds').values(row).execute(),
  byId: (db: Db, id: string) => db.selectFrom('payment_refunds').selectAll().where('id', '=', id).executeTakeFirst(),
  forOrder: (db: Db, orderId: string) => db.selectFrom('payment_refunds').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('refund_no').execute(),
  forOrders: (db: Db, orderIds: string[]) =>
    orderIds.length ? db.selectFrom('payment_refunds').selectAll().where('order_id', 'in', orderIds).orderBy('created_at').execute() : Promise.resolve([] as RefundRow[]),
  /** Finishes a pending refund; false when it was not pending any more. */
  async finish(db: Db, id: string, state: 'succeeded' | 'failed', set: { finished_at: Date | null; provider_refund_no?: string | null; failure_reason?: string | null }): Promise<boolean> {
    const r = await db
      .updateTable('payment_refunds')
      .set({ state, finished_at: set.finished_at ?? sql`now()`, ...(set.provider_refund_no !== undefined ? { provider_refund_no: set.provider_refund_no } : {}), failure_reason: set.failure_reason ?? null })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  markSubmitted: (db: Db, id: string, providerRefundNo: string | null) =>
    db.updateTable('payment_refunds').set({ submitted_at: sql`now()`, provider_refund_no: providerRefundNo }).where('id', '=', id).execute(),
  /** Refunds that succeeded on the provider's clock within [from, to) (reconciliation). */
  succeededBetween: (db: Db, from: Date, to: Date, departmentId?: string) => {
    let q = db
      .selectFrom('payment_refunds as r')
      .innerJoin('payment_orders as o', 'o.id', 'r.order_id')
      .select(['r.refund_no', 'r.amount_fen', 'r.finished_at', 'r.provider_refund_no', 'o.order_no', 'o.department_id'])
      .where('r.state', '=', 'succeeded')
      .where('r.finished_at', '>=', from)
      .where('r.finished_at', '<', to);
    if (departmentId) q = q.where('o.department_id', '=', departmentId);
    return q.orderBy('r.finished_at').execute();
  },
};

export const eventsRepo = {
  exists: async (db: Db, provider: string, eventId: string) =>
    !!(await db.selectFrom('payment_events').select('id').where('provider', '=', provider).where('event_id', '=', eventId).executeTakeFirst()),
  insert: (db: Db, row: Insertable<PaymentEventsTable>) => db.insertInto('payment_events').values(row).execute(),
  forOrder: (db: Db, orderId: string) => db.selectFrom('payment_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute(),
};
