// Unified payment (统一支付): the platform's payment orders, their fee items, refunds and the
// provider notifications received (one row per distinct notification: the idempotency record);
// and the built-in simulated payment provider's own tables (sim_pay_*), kept apart as an
// external system's would be.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE payment_orders (
  id uuid PRIMARY KEY,
  order_no text NOT NULL UNIQUE,
  provider text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  payer_account_id uuid NOT NULL,
  department_id uuid NOT NULL,
  description text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  currency char(3) NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
  state text NOT NULL DEFAULT 'created' CHECK (state IN ('created','pending','paid','failed','cancelled','expired','refunding','refunded','partially_refunded')),
  refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
  provider_trade_no text,
  pay_url text,
  return_path text,
  origin text NOT NULL CHECK (origin IN ('module','portal')),
  late boolean NOT NULL DEFAULT false,
  expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  closed_at timestamptz,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_orders_payer ON payment_orders (payer_account_id, created_at DESC);
CREATE INDEX payment_orders_department ON payment_orders (department_id, created_at DESC);
CREATE INDEX payment_orders_subject ON payment_orders (subject_type, subject_id);
CREATE INDEX payment_orders_paid_at ON payment_orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (subject_type, subject_id) WHERE state IN ('created','pending');

CREATE TABLE payment_items (
  order_id uuid NOT NULL REFERENCES payment_orders (id),
  seq integer NOT NULL,
  name text NOT NULL,
  standard text NOT NULL DEFAULT '',
  legal_basis text NOT NULL DEFAULT '',
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  PRIMARY KEY (order_id, seq)
);

CREATE TABLE payment_refunds (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES payment_orders (id),
  refund_no text NOT NULL UNIQUE,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  reason text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','succeeded','failed')),
  automatic boolean NOT NULL DEFAULT false,
  origin text NOT NULL DEFAULT 'platform' CHECK (origin IN ('platform','provider')),
  requested_by uuid,
  provider_refund_no text,
  submitted_at timestamptz,
  finished_at timestamptz,
  failure_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refunds_order ON payment_refunds (order_id);
CREATE INDEX payment_refunds_finished ON payment_refunds (finished_at) WHERE state = 'succeeded';

CREATE TABLE payment_events (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  event_id text NOT NULL,
  order_id uuid NOT NULL REFERENCES payment_orders (id),
  kind text NOT NULL CHECK (kind IN ('payment','refund')),
  state text NOT NULL,
  refund_no text,
  outcome text NOT NULL CHECK (outcome IN ('applied','stale','converged')),
  order_state_after text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, event_id)
);
CREATE INDEX payment_events_order ON payment_events (order_id, id);

CREATE TABLE sim_pay_orders (
  trade_no text PRIMARY KEY,
  mch_id text NOT NULL,
  out_trade_no text NOT NULL,
  total_fen bigint NOT NULL,
  currency char(3) NOT NULL,
  description text NOT NULL,
  return_url text NOT NULL,
  notify_url text NOT NULL,
  pay_token text NOT NULL UNIQUE,
  trade_state text NOT NULL DEFAULT 'NOTPAY' CHECK (trade_state IN ('NOTPAY','SUCCESS','PAYERROR','CLOSED','REVOKED')),
  time_expire timestamptz NOT NULL,
  paid_at timestamptz,
  refunded_fen bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (mch_id, out_trade_no)
);
CREATE INDEX sim_pay_orders_paid ON sim_pay_orders (mch_id, paid_at) WHERE paid_at IS NOT NULL;

CREATE TABLE sim_pay_refunds (
  refund_no text PRIMARY KEY,
  mch_id text NOT NULL,
  out_refund_no text NOT NULL,
  out_trade_no text NOT NULL,
  refund_fen bigint NOT NULL,
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('PROCESSING','SUCCESS','ABNORMAL')),
  source text NOT NULL CHECK (source IN ('api','console')),
  notify_url text,
  success_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (mch_id, out_refund_no)
);
CREATE INDEX sim_pay_refunds_trade ON sim_pay_refunds (mch_id, out_trade_no);

CREATE TABLE sim_pay_notifications (
  id text PRIMARY KEY,
  mch_id text NOT NULL,
  out_trade_no text NOT NULL,
  event_type text NOT NULL,
  notify_url text NOT NULL,
  body jsonb NOT NULL,
  held boolean NOT NULL DEFAULT false,
  deliveries integer NOT NULL DEFAULT 0,
  last_status integer,
  acknowledged_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sim_pay_notifications_trade ON sim_pay_notifications (mch_id, out_trade_no, created_at);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
