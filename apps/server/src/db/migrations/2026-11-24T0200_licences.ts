// E-licences: licences in holders' wallets (fields and SD-JWT sealed), wallet keys for key binding,
// short-lived presentations, the trust list of other regions' issuers (互认) and authorised uses (授权用证).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE licences (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  number text NOT NULL,
  holder_account_id uuid NOT NULL REFERENCES accounts(id),
  holder_kind text NOT NULL CHECK (holder_kind IN ('person','enterprise')),
  holder_name text NOT NULL,
  department_id uuid NOT NULL REFERENCES departments(id),
  kid text NOT NULL REFERENCES licence_issuer_keys(kid),
  status_list_id uuid NOT NULL REFERENCES licence_status_lists(id),
  status_index integer NOT NULL,
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid','suspended','revoked')),
  status_reason text,
  fields_sealed text NOT NULL,
  sd_jwt_sealed text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  source text NOT NULL CHECK (source IN ('application','api','demo')),
  application_id uuid,
  issued_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (status_list_id, status_index),
  UNIQUE (department_id, number)
);
CREATE UNIQUE INDEX licences_application ON licences (application_id) WHERE application_id IS NOT NULL;
CREATE INDEX licences_holder ON licences (holder_account_id, type);
CREATE INDEX licences_department ON licences (department_id, created_at);

CREATE TABLE licence_holder_keys (
  account_id uuid PRIMARY KEY REFERENCES accounts(id),
  kid text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_jwk_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE licence_presentations (
  id text PRIMARY KEY,
  licence_id uuid NOT NULL REFERENCES licences(id),
  holder_account_id uuid NOT NULL,
  fields jsonb NOT NULL,
  compact_sealed text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX licence_presentations_licence ON licence_presentations (licence_id);

CREATE TABLE licence_trusted_issuers (
  id uuid PRIMARY KEY,
  iss text NOT NULL,
  name text NOT NULL,
  name_en text NOT NULL,
  region_code text NOT NULL,
  jwks jsonb NOT NULL,
  note text,
  added_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
CREATE UNIQUE INDEX licence_trusted_issuers_iss ON licence_trusted_issuers (iss) WHERE removed_at IS NULL;

CREATE TABLE licence_uses (
  id uuid PRIMARY KEY,
  licence_id uuid NOT NULL REFERENCES licences(id),
  holder_account_id uuid NOT NULL,
  licence_type text NOT NULL,
  used_by_department_id uuid NOT NULL,
  used_by_actor text,
  used_by_name text NOT NULL,
  purpose jsonb NOT NULL,
  fields jsonb NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('resolved','unavailable')),
  reason text,
  leaf_hash text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX licence_uses_holder ON licence_uses (holder_account_id, at)
`);
}
