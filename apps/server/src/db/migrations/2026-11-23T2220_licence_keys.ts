// E-licence crypto foundation: issuers' signing keys (private halves sealed with DATA_SECRET) and
// Token Status Lists. Licence types and issuance come later.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE licence_issuer_keys (
  kid text PRIMARY KEY,
  department_id uuid NOT NULL REFERENCES departments(id),
  alg text NOT NULL CHECK (alg IN ('EdDSA','ES256','SM2SM3')),
  public_jwk jsonb NOT NULL,
  private_jwk_sealed text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','retired','revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE UNIQUE INDEX licence_issuer_keys_one_active ON licence_issuer_keys (department_id, alg) WHERE status = 'active';
CREATE INDEX licence_issuer_keys_department ON licence_issuer_keys (department_id);

CREATE TABLE licence_status_lists (
  id uuid PRIMARY KEY,
  department_id uuid NOT NULL REFERENCES departments(id),
  alg text NOT NULL CHECK (alg IN ('EdDSA','ES256','SM2SM3')),
  bits smallint NOT NULL CHECK (bits IN (1,2,4,8)),
  size integer NOT NULL CHECK (size BETWEEN 1 AND 16777216),
  lst text NOT NULL,
  ttl_seconds integer NOT NULL CHECK (ttl_seconds BETWEEN 1 AND 86400),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
)
`);
}
