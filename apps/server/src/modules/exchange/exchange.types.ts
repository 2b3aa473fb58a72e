/** Table types of the exchange module (declaration-merged into the one Kysely Database). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Ts = ColumnType<Date, Date | string, Date | string>;
type TsGen = ColumnType<Date, Date | string | undefined, Date | string>;
type TsNull = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type CallKind = 'query' | 'verify' | 'feed' | 'material';
export type GrantKind = 'query' | 'verify';
export type CallOutcome = 'ok' | 'not_found' | 'match' | 'no_match' | 'refused';

export interface ExchangeClientKeysTable {
  id: string;
  client_id: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  jwk: JSONColumnType<Record<string, string>>;
  status: Generated<'active' | 'revoked'>;
  created_by: string | null;
  created_at: TsGen;
}

export interface ExchangeAssertionJtisTable {
  client_id: string;
  jti: string;
  expires_at: Ts;
}

export interface ExchangeRequestsTable {
  id: string;
  request_no: string;
  resource_id: string;
  consumer_department_id: string;
  client_id: string | null;
  kinds: JSONColumnType<GrantKind[]>;
  fields: JSONColumnType<string[]>;
  purpose: string;
  legal_basis: string;
  valid_from: Ts;
  valid_until: Ts;
  quota_per_day: number;
  rate_per_minute: number | null;
  state: Generated<'pending' | 'approved' | 'refused' | 'withdrawn'>;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: TsNull;
  created_by: string | null;
  created_by_kind: string;
  created_at: TsGen;
}

export interface ExchangeGrantsTable {
  id: string;
  request_id: string | null;
  resource_id: string;
  consumer_department_id: string;
  client_id: string | null;
  kinds: JSONColumnType<GrantKind[]>;
  fields: JSONColumnType<string[]>;
  purpose: string;
  legal_basis: string;
  valid_from: Ts;
  valid_until: Ts;
  quota_per_day: number;
  rate_per_minute: number | null;
  state: Generated<'active' | 'revoked'>;
  revoked_reason: string | null;
  revoked_by: string | null;
  revoked_at: TsNull;
  log_leaf_hash: string | null;
  created_at: TsGen;
}

export interface ExchangeUsageTable {
  grant_id: string;
  day: string;
  used: number;
}

/** Calls counted against a grant's rate_per_minute, per minute since the epoch (exact across processes). */
export interface ExchangeRateUsageTable {
  grant_id: string;
  minute: number;
  used: number;
}

export interface ExchangeBatchesTable {
  id: string;
  leaf_hash: string;
  size: number;
  created_at: TsGen;
}

export interface ExchangeCallsTable {
  id: string;
  at: Ts;
  kind: CallKind;
  client_id: string | null;
  client_name: string | null;
  consumer_department_id: string | null;
  grant_id: string | null;
  resource_id: string | null;
  resource_code: string;
  fields: JSONColumnType<string[]>;
  purpose: string | null;
  reference: string | null;
  subject_key: string | null;
  outcome: CallOutcome;
  reason_code: string | null;
  result_hash: string;
  batch_id: string | null;
  auth: string | null;
}

export interface ExchangeSubscriptionsTable {
  id: string;
  client_id: string;
  consumer_department_id: string;
  resource_id: string;
  region_code: string;
  cursor: Generated<number>;
  state: Generated<'active' | 'cancelled'>;
  created_at: TsGen;
}

export interface ExchangeCasesTable {
  id: string;
  case_no: string;
  call_id: string;
  account_id: string;
  reporter_id: string;
  reason: string;
  state: Generated<'open' | 'resolved'>;
  finding: 'misuse_confirmed' | 'no_misuse' | null;
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: TsNull;
  created_at: TsGen;
}

declare module '../../db/types' {
  interface Database {
    exchange_client_keys: ExchangeClientKeysTable;
    exchange_assertion_jtis: ExchangeAssertionJtisTable;
    exchange_requests: ExchangeRequestsTable;
    exchange_grants: ExchangeGrantsTable;
    exchange_usage: ExchangeUsageTable;
    exchange_rate_usage: ExchangeRateUsageTable;
    exchange_batches: ExchangeBatchesTable;
    exchange_calls: ExchangeCallsTable;
    exchange_subscriptions: ExchangeSubscriptionsTable;
    exchange_cases: ExchangeCasesTable;
  }
}
