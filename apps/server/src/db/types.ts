/**
 * Table types for Kysely. Each module owns its tables; this file only gathers their row shapes
 * so that one typed `Kysely<Database>` serves every repository. A repository queries only the
 * tables of its own module (see docs/ARCHITECTURE.md).
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface NodeMetaTable {
  key: string;
  value: JSONColumnType<object>;
  updated_at: Generated<Date>;
}

export interface DepartmentsTable {
  id: string;
  code: string;
  name: string;
  name_en: string;
  region_code: string;
  uscc: string | null;
  kind: Generated<'legal_authority' | 'authorised_org' | 'entrusted_org'>;
  parent_id: string | null;
  created_at: Generated<Date>;
}

export type AccountKind = 'citizen' | 'enterprise' | 'officer' | 'data_admin' | 'supervisor' | 'platform_admin';

export interface AccountsTable {
  id: string;
  kind: AccountKind;
  display_name: string;
  username: string | null;
  password_hash: string | null;
  totp_secret_enc: string | null;
  totp_enabled: Generated<boolean>;
  oidc_subject: string | null;
  id_number_hash: string | null;
  id_number_enc: string | null;
  uscc: string | null;
  mobile_enc: string | null;
  email: string | null;
  department_id: string | null;
  region_code: string | null;
  status: Generated<'active' | 'disabled'>;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  last_login_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AccountRolesTable {
  account_id: string;
  role: string;
}

export interface EnterpriseMembersTable {
  enterprise_id: string;
  person_id: string;
  role: 'legal_rep' | 'staff';
  granted_by: string | null;
  valid_until: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface MandatesTable {
  id: string;
  agent_id: string;
  principal_id: string;
  scope: JSONColumnType<string[]>;
  reason: string;
  valid_from: Timestamp;
  valid_until: Timestamp;
  revoked_at: NullableTimestamp;
  created_by: string;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  account_id: string;
  acting_as_id: string | null;
  acting_as_role: string | null;
  acting_for_id: string | null;
  mandate_id: string | null;
  csrf_token: string;
  amr: JSONColumnType<string[]>;
  ip: string | null;
  user_agent: string | null;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface ApiClientsTable {
  id: string;
  client_id: string;
  name: string;
  department_id: string;
  secret_hash: string | null;
  public_jwk: JSONColumnType<Record<string, unknown>> | null;
  scopes: JSONColumnType<string[]>;
  status: Generated<'active' | 'disabled'>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface AccessTokensTable {
  token_hash: string;
  client_id: string;
  scopes: JSONColumnType<string[]>;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface OidcLoginsTable {
  state: string;
  nonce: string;
  code_verifier: string;
  login_type: string;
  return_to: string;
  created_at: Generated<Date>;
}

export interface IdpPeopleTable {
  id_number: string;
  name: string;
  mobile: string | null;
  password_hash: string;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface IdpEnterprisesTable {
  uscc: string;
  name: string;
  legal_rep_id_number: string;
  staff_id_numbers: JSONColumnType<string[]>;
  created_at: Generated<Date>;
}

export interface IdpCodesTable {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  claims: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  action: string;
  outcome: Generated<'success' | 'failure'>;
  actor_id: string | null;
  actor_kind: string | null;
  actor_roles: JSONColumnType<string[]> | null;
  actor_department_id: string | null;
  actor_region_code: string | null;
  acting_as_id: string | null;
  acting_for_id: string | null;
  entity_type: string;
  entity_id: string | null;
  detail: JSONColumnType<Record<string, unknown>>;
  ip: string | null;
  request_id: string | null;
}

export interface JobsTable {
  id: Generated<number>;
  queue: string;
  dedupe_key: string | null;
  payload: JSONColumnType<Record<string, unknown>>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_by: string | null;
  locked_until: NullableTimestamp;
  last_error: string | null;
  state: Generated<'pending' | 'done' | 'dead' | 'cancelled'>;
  created_at: Generated<Date>;
  finished_at: NullableTimestamp;
}

export interface CalendarYearsTable {
  year: number;
  holidays: JSONColumnType<string[]>;
  workdays: JSONColumnType<string[]>;
  source: string;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface Database {
  node_meta: NodeMetaTable;
  departments: DepartmentsTable;
  accounts: AccountsTable;
  account_roles: AccountRolesTable;
  enterprise_members: EnterpriseMembersTable;
  mandates: MandatesTable;
  sessions: SessionsTable;
  api_clients: ApiClientsTable;
  access_tokens: AccessTokensTable;
  oidc_logins: OidcLoginsTable;
  idp_people: IdpPeopleTable;
  idp_enterprises: IdpEnterprisesTable;
  idp_codes: IdpCodesTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  calendar_years: CalendarYearsTable;
}
