import { Type, type Static } from '@sinclair/typebox';
import { ORDER_STATES } from './payments.states';

/** The largest amount one order may carry: 100 million yuan, in fen. */
export const MAX_FEN = 10_000_000_000;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Fen = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_FEN, description });
export const OrderStateSchema = Type.Union(ORDER_STATES.map((s) => Type.Literal(s)));

export const FeeItemBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: '收费项目名称' }),
    standard: Type.Optional(Type.String({ maxLength: 200, description: '收费标准, e.g. 工本费每证 10 元' })),
    legalBasis: Type.Optional(Type.String({ maxLength: 300, description: '收费依据 (the document that authorises the fee)' })),
    amountFen: Fen('amount in fen (分), a positive integer'),
  },
  { additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    subjectType: Type.String({ pattern: '^[a-z][a-z0-9_.-]{1,31}$', description: "what is paid for, e.g. 'application'" }),
    subjectId: Type.String({ minLength: 1, maxLength: 64 }),
    departmentId: Type.String({ format: 'uuid', description: 'the department that collects the fee and owns the subject' }),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217; only CNY is accepted', examples: ['CNY'] }),
    items: Type.Array(FeeItemBody, { minItems: 1, maxItems: 20 }),
    returnPath: Type.Optional(Type.String({ pattern: '^/(?!/)[^\\s]*$', maxLength: 512, description: 'where the browser goes after paying (a path on this site)' })),
  },
  { additionalProperties: false },
);
export type CreateOrderBodyT = Static<typeof CreateOrderBody>;

export const RefundBody = Type.Object(
  {
    amountFen: Fen('amount to refund in fen'),
    reason: Type.String({ minLength: 2, maxLength: 300 }),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const ProviderParams = Type.Object({ provider: Type.String({ pattern: '^[a-z][a-z0-9_-]{1,31}$' }) });

export const ListQuery = Type.Object(
  {
    state: Type.Optional(OrderStateSchema),
    subjectType: Type.Optional(Type.String({ maxLength: 32 })),
    subjectId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const ReconciliationQuery = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the day, China Standard Time (UTC+8)' }),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);

export const RefundSchema = Type.Object({
  id: Type.String(),
  refundNo: Type.String(),
  amountFen: Type.Integer(),
  reason: Type.String(),
  state: Type.String(),
  automatic: Type.Boolean(),
  origin: Type.String(),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});

export const OrderSchema = Type.Object({
  id: Type.String(),
  orderNo: Type.String(),
  subject: Type.Object({ type: Type.String(), id: Type.String() }),
  departmentId: Type.String(),
  payerAccountId: Type.String(),
  description: Type.String(),
  amountFen: Type.Integer(),
  currency: Type.String(),
  state: Type.String(),
  refundedFen: Type.Integer(),
  late: Type.Boolean({ description: 'paid after the order was closed; refunded automatically' }),
  provider: Type.String(),
  payUrl: Nullable(Type.String()),
  items: Type.Array(Type.Object({ name: Type.String(), standard: Type.String(), legalBasis: Type.String(), amountFen: Type.Integer() })),
  refunds: Type.Array(RefundSchema),
  expiresAt: Type.String(),
  paidAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const OrderListSchema = Type.Object({ items: Type.Array(OrderSchema), total: Type.Integer() });
export const PayResponse = Type.Object({ payUrl: Type.String(), order: OrderSchema });

export const ReconciliationLine = Type.Object({
  status: Type.Union([Type.Literal('matched'), Type.Literal('missing_on_platform'), Type.Literal('missing_on_provider'), Type.Literal('amount_mismatch')]),
  kind: Type.Union([Type.Literal('payment'), Type.Literal('refund')]),
  orderNo: Type.String(),
  refundNo: Nullable(Type.String()),
  orderId: Nullable(Type.String()),
  platformAmountFen: Type.Union([Type.Integer(), Type.Null()]),
  providerAmountFen: Type.Union([Type.Integer(), Type.Null()]),
  platformAt: Nullable(Type.String()),
  providerAt: Nullable(Type.String()),
});

export const ReconciliationReport = Type.Object({
  date: Type.String(),
  provider: Type.String(),
  departmentId: Nullable(Type.String()),
  generatedAt: Type.String(),
  balanced: Type.Boolean(),
  summary: Type.Object({
    matched: Type.Integer(),
    missingOnPlatform: Type.Integer(),
    missingOnProvider: Type.Integer(),
    amountMismatch: Type.Integer(),
    platformNetFen: Type.Integer({ description: 'payments minus refunds, as the platform recorded them' }),
    providerNetFen: Type.Integer({ description: 'payments minus refunds, as the provider reports them' }),
  }),
  lines: Type.Array(ReconciliationLine),
});
export type ReconciliationReportT = Static<typeof ReconciliationReport>;
export type ReconciliationLineT = Static<typeof ReconciliationLine>;
