// Foundation: departments, accounts and roles, enterprises and mandates, sessions and tokens,
// the simulated identity provider's registry, and the internal audit log.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE node_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE departments (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  name_en text NOT NULL,
  region_code char(6) NOT NULL,
  uscc char(18) UNIQUE,
  kind text NOT NULL DEFAULT 'legal_authority' CHECK (kind IN ('legal_authority','authorised_org','entrusted_org')),
  parent_id uuid REFERENCES departments(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX departments_region ON departments (region_code);

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('citizen','enterprise','officer','data_admin','supervisor','platform_admin')),
  display_name text NOT NULL,
  username text UNIQUE,
  password_hash text,
  totp_secret_enc text,
  totp_enabled boolean NOT NULL DEFAULT false,
  oidc_subject text UNIQUE,
  id_number_hash text UNIQUE,
  id_number_enc text,
  uscc char(18) UNIQUE,
  mobile_enc text,
  email text,
  department_id uuid REFERENCES departments(id),
  region_code char(6),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_department ON accounts (department_id);

CREATE TABLE account_roles (
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role text NOT NULL,
  PRIMARY KEY (account_id, role)
);

CREATE TABLE enterprise_members (
  enterprise_id uuid NOT NULL REFERENCES accounts(id),
  person_id uuid NOT NULL REFERENCES accounts(id),
  role text NOT NULL CHECK (role IN ('legal_rep','staff')),
  granted_by uuid REFERENCES accounts(id),
  valid_until timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (enterprise_id, person_id)
);
CREATE INDEX enterprise_members_person ON enterprise_members (person_id);

CREATE TABLE mandates (
  id uuid PRIMARY KEY,
  agent_id uuid NOT NULL REFERENCES accounts(id),
  principal_id uuid NOT NULL REFERENCES accounts(id),
  scope jsonb NOT NULL,
  reason text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  revoked_at timestamptz,
  created_by uuid NOT NULL REFERENCES accounts(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (agent_id <> principal_id),
  CHECK (valid_until > valid_from)
);
CREATE INDEX mandates_agent ON mandates (agent_id);
CREATE INDEX mandates_principal ON mandates (principal_id);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  acting_as_id uuid REFERENCES accounts(id),
  acting_as_role text,
  acting_for_id uuid REFERENCES accounts(id),
  mandate_id uuid REFERENCES mandates(id),
  csrf_token text NOT NULL,
  amr jsonb NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_clients (
  id uuid PRIMARY KEY,
  client_id text NOT NULL UNIQUE,
  name text NOT NULL,
  department_id uuid NOT NULL REFERENCES departments(id),
  secret_hash text,
  public_jwk jsonb,
  scopes jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
  created_by uuid REFERENCES accounts(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE access_tokens (
  token_hash text PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES api_clients(id),
  scopes jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oidc_logins (
  state text PRIMARY KEY,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  login_type text NOT NULL,
  return_to text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idp_people (
  id_number char(18) PRIMARY KEY,
  name text NOT NULL,
  mobile text,
  password_hash text NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idp_enterprises (
  uscc char(18) PRIMARY KEY,
  name text NOT NULL,
  legal_rep_id_number char(18) NOT NULL REFERENCES idp_people(id_number),
  staff_id_numbers jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idp_codes (
  code_hash text PRIMARY KEY,
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  code_challenge text NOT NULL,
  nonce text,
  claims jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  outcome text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success','failure')),
  actor_id uuid,
  actor_kind text,
  actor_roles jsonb,
  actor_department_id uuid,
  actor_region_code char(6),
  acting_as_id uuid,
  acting_for_id uuid,
  entity_type text NOT NULL,
  entity_id text,
  detail jsonb NOT NULL DEFAULT '{}',
  ip text,
  request_id text
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
