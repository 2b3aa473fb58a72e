/** Table types of the licences module's own tables (declaration-merged into the database type). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface LicencesTable {
  id: string;
  type: string;
  number: string;
  holder_account_id: string;
  holder_kind: 'person' | 'enterprise';
  holder_name: string;
  department_id: string;
  kid: string;
  status_list_id: string;
  status_index: number;
  status: Generated<'valid' | 'suspended' | 'revoked'>;
  status_reason: string | null;
  /** The licence's fields, sealed (AES-256-GCM). */
  fields_sealed: string;
  /** The SD-JWT VC with all its disclosures, sealed. */
  sd_jwt_sealed: string;
  valid_from: Timestamp;
  valid_until: NullableTimestamp;
  source: 'application' | 'api' | 'demo';
  application_id: string | null;
  issued_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface LicenceHolderKeysTable {
  account_id: string;
  kid: string;
  public_jwk: JSONColumnType<Record<string, unknown>>;
  private_jwk_sealed: string;
  created_at: Generated<Date>;
}

export interface LicencePresentationsTable {
  id: string;
  licence_id: string;
  holder_account_id: string;
  fields: JSONColumnType<string[]>;
  /** The presentation (SD-JWT + KB-JWT), sealed: it carries the disclosed personal data. */
  compact_sealed: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface LicenceTrustedIssuersTable {
  id: string;
  iss: string;
  name: string;
  name_en: string;
  region_code: string;
  jwks: JSONColumnType<{ keys: Record<string, unknown>[] }>;
  note: string | null;
  added_by: string | null;
  created_at: Generated<Date>;
  removed_at: NullableTimestamp;
}

export interface LicenceUsesTable {
  id: string;
  licence_id: string;
  holder_account_id: string;
  licence_type: string;
  used_by_department_id: string;
  used_by_actor: string | null;
  used_by_name: string;
  purpose: JSONColumnType<Record<string, unknown>>;
  fields: JSONColumnType<string[]>;
  outcome: 'resolved' | 'unavailable';
  reason: string | null;
  leaf_hash: string | null;
  at: Generated<Date>;
}

declare module '../../db/types' {
  interface Database {
    licences: LicencesTable;
    licence_holder_keys: LicenceHolderKeysTable;
    licence_presentations: LicencePresentationsTable;
    licence_trusted_issuers: LicenceTrustedIssuersTable;
    licence_uses: LicenceUsesTable;
  }
}
