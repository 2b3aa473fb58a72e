// Data sharing exchange (数据共享交换): consumers' access requests (供需对接), grants, the data calls
// made under them with their receipts (and the transparency log batches they were logged in),
// daily quota counters, client assertion keys and used assertion ids, change-feed subscriptions
// (数据回流), and misuse cases opened from 我的数据使用记录.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE exchange_client_keys (
  id uuid PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES api_clients(id),
  kid text NOT NULL,
  alg text NOT NULL CHECK (alg IN ('EdDSA','ES256')),
  jwk jsonb NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','revoked')),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, kid)
);
CREATE TABLE exchange_assertion_jtis (
  client_id uuid NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX exchange_assertion_jtis_expiry ON exchange_assertion_jtis (expires_at);
CREATE TABLE exchange_requests (
  id uuid PRIMARY KEY,
  request_no text NOT NULL UNIQUE,
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  consumer_department_id uuid NOT NULL REFERENCES departments(id),
  client_id uuid REFERENCES api_clients(id),
  kinds jsonb NOT NULL,
  fields jsonb NOT NULL,
  purpose text NOT NULL,
  legal_basis text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  quota_per_day integer NOT NULL CHECK (quota_per_day > 0),
  rate_per_minute integer CHECK (rate_per_minute > 0),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','approved','refused','withdrawn')),
  decision_reason text,
  decided_by uuid,
  decided_at timestamptz,
  created_by uuid,
  created_by_kind text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchange_requests_state ON exchange_requests (state, created_at DESC);
CREATE INDEX exchange_requests_resource ON exchange_requests (resource_id, created_at DESC);
CREATE INDEX exchange_requests_consumer ON exchange_requests (consumer_department_id, created_at DESC);
CREATE TABLE exchange_grants (
  id uuid PRIMARY KEY,
  request_id uuid REFERENCES exchange_requests(id),
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  consumer_department_id uuid NOT NULL REFERENCES departments(id),
  client_id uuid REFERENCES api_clients(id),
  kinds jsonb NOT NULL,
  fields jsonb NOT NULL,
  purpose text NOT NULL,
  legal_basis text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  quota_per_day integer NOT NULL,
  rate_per_minute integer,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active','revoked')),
  revoked_reason text,
  revoked_by uuid,
  revoked_at timestamptz,
  log_leaf_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchange_grants_lookup ON exchange_grants (consumer_department_id, resource_id);
CREATE INDEX exchange_grants_resource ON exchange_grants (resource_id);
CREATE TABLE exchange_usage (
  grant_id uuid NOT NULL REFERENCES exchange_grants(id),
  day date NOT NULL,
  used integer NOT NULL DEFAULT 0,
  PRIMARY KEY (grant_id, day)
);
CREATE TABLE exchange_batches (
  id uuid PRIMARY KEY,
  leaf_hash text NOT NULL,
  size integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE exchange_calls (
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('query','verify','feed','material')),
  client_id uuid,
  client_name text,
  consumer_department_id uuid,
  grant_id uuid,
  resource_id uuid,
  resource_code text NOT NULL,
  fields jsonb NOT NULL DEFAULT '[]',
  purpose text,
  reference text,
  subject_key text,
  outcome text NOT NULL CHECK (outcome IN ('ok','not_found','match','no_match','refused')),
  reason_code text,
  result_hash text NOT NULL,
  batch_id uuid REFERENCES exchange_batches(id),
  auth text
);
CREATE INDEX exchange_calls_subject ON exchange_calls (subject_key, at DESC) WHERE subject_key IS NOT NULL;
CREATE INDEX exchange_calls_resource ON exchange_calls (resource_id, at DESC);
CREATE INDEX exchange_calls_consumer ON exchange_calls (consumer_department_id, at DESC);
CREATE INDEX exchange_calls_at ON exchange_calls (at DESC);
CREATE TABLE exchange_subscriptions (
  id uuid PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES api_clients(id),
  consumer_department_id uuid NOT NULL REFERENCES departments(id),
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  region_code text NOT NULL,
  cursor bigint NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active','cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, resource_id, region_code)
);
CREATE TABLE exchange_cases (
  id uuid PRIMARY KEY,
  case_no text NOT NULL UNIQUE,
  call_id uuid NOT NULL REFERENCES exchange_calls(id),
  account_id uuid NOT NULL,
  reporter_id uuid NOT NULL,
  reason text NOT NULL,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open','resolved')),
  finding text CHECK (finding IN ('misuse_confirmed','no_misuse')),
  resolution text,
  resolved_by uuid,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (call_id, account_id)
);
CREATE INDEX exchange_cases_state ON exchange_cases (state, created_at DESC)
`);
}

export async function down(): Promise<void> {
  throw new Error('forward-only');
}
