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

// ---- transparency log (modules/transparency) ----------------------------------------------------

type Bytes = ColumnType<Buffer, Buffer | Uint8Array, Buffer | Uint8Array>;

export interface TlogQueueTable {
  id: Generated<number>;
  leaf_hash: Bytes;
  entry: Bytes;
  enqueued_at: Generated<Date>;
}

export interface TlogLeavesTable {
  idx: number;
  leaf_hash: Bytes;
  entry: Bytes;
}

export interface TlogTilesTable {
  level: number;
  idx: number;
  hashes: Bytes;
}

export interface TlogStateTable {
  id: number;
  tree_size: number;
  root_hash: Bytes;
  updated_at: Generated<Date>;
}

export interface TlogSthsTable {
  tree_size: number;
  root_hash: Bytes;
  timestamp_ms: number;
  signature: Bytes;
  key_id: string;
}

// Declaration merging adds these tables to Database without touching its original block.
export interface Database {
  tlog_queue: TlogQueueTable;
  tlog_leaves: TlogLeavesTable;
  tlog_tiles: TlogTilesTable;
  tlog_state: TlogStateTable;
  tlog_sths: TlogSthsTable;
}

// ---- catalog (modules/catalog) ------------------------------------------------------------

export type CatalogStatus = 'draft' | 'published' | 'retired';

export interface CatalogItemsTable {
  id: string;
  implementation_code: string;
  department_id: string;
  region_code: string;
  name: string;
  status: Generated<CatalogStatus>;
  latest_version: number | null;
  draft: JSONColumnType<Record<string, unknown>> | null;
  draft_updated_at: NullableTimestamp;
  lint_errors: Generated<number>;
  lint_warnings: Generated<number>;
  lint_rules: Generated<string[]>;
  use_count: Generated<number>;
  retired_at: NullableTimestamp;
  retired_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CatalogItemVersionsTable {
  item_id: string;
  version: number;
  implementation_code: string;
  content: JSONColumnType<Record<string, unknown>>;
  findings: JSONColumnType<unknown[]>;
  published_at: Generated<Date>;
  published_by: string | null;
}

export interface CatalogBundlesTable {
  id: string;
  code: string;
  lead_department_id: string;
  region_code: string;
  name: string;
  status: Generated<CatalogStatus>;
  latest_version: number | null;
  draft: JSONColumnType<Record<string, unknown>> | null;
  draft_updated_at: NullableTimestamp;
  lint_errors: Generated<number>;
  lint_warnings: Generated<number>;
  lint_rules: Generated<string[]>;
  use_count: Generated<number>;
  retired_at: NullableTimestamp;
  retired_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CatalogBundleVersionsTable {
  bundle_id: string;
  version: number;
  content: JSONColumnType<Record<string, unknown>>;
  findings: JSONColumnType<unknown[]>;
  published_at: Generated<Date>;
  published_by: string | null;
}

export interface CatalogBundleItemsTable {
  bundle_id: string;
  item_id: string;
}

export interface CatalogSearchTable {
  entity_id: string;
  kind: 'item' | 'bundle';
  version: number;
  name: string;
  department_id: string;
  region_code: string;
  item_type: string;
  service_objects: string[];
  themes: string[];
  depth: number;
  cross_province: boolean;
  promised_days: number;
  exempt_count: number;
  material_count: number;
  use_count: Generated<number>;
  /** The entry's searchable text (catalog_search_docs). */
  doc_id: number;
}

/** One distinct searchable text shared by every entry with the same name, materials and classification. */
export interface CatalogSearchDocsTable {
  id: Generated<number>;
  sig: string;
  kind: 'item' | 'bundle';
  name: string;
  item_type: string;
  service_objects: string[];
  themes: string[];
  depth: number;
  cross_province: boolean;
  snippet: string;
  name_terms: number[];
  terms: number[];
  entries: Generated<number>;
}

export interface CatalogSuggestionsTable {
  text: string;
  kind: string;
  refs: Generated<number>;
  terms: number[];
}

export interface CatalogThemesTable {
  code: string;
  name: string;
  name_en: string;
  audience: 'person' | 'enterprise';
  sort: Generated<number>;
  keywords: Generated<string[]>;
}

export interface CatalogSynonymsTable {
  id: Generated<number>;
  kind: 'equivalent' | 'expansion';
  terms: string[];
}

export interface Database {
  catalog_items: CatalogItemsTable;
  catalog_item_versions: CatalogItemVersionsTable;
  catalog_bundles: CatalogBundlesTable;
  catalog_bundle_versions: CatalogBundleVersionsTable;
  catalog_bundle_items: CatalogBundleItemsTable;
  catalog_search: CatalogSearchTable;
  catalog_search_docs: CatalogSearchDocsTable;
  catalog_suggestions: CatalogSuggestionsTable;
  catalog_themes: CatalogThemesTable;
  catalog_synonyms: CatalogSynonymsTable;
}

// ---- notifications (modules/notifications) ------------------------------------------------

export type NotificationLocale = 'zh' | 'en';
export type NotificationChannel = 'sms' | 'email';
export interface RenderedNotification {
  title: string;
  body: string;
  sms: string;
}

export interface NotificationTemplatesTable {
  code: string;
  description: string;
  params: JSONColumnType<string[]>;
  channels: JSONColumnType<NotificationChannel[]>;
  title_zh: string;
  body_zh: string;
  sms_zh: string;
  title_en: string;
  body_en: string;
  sms_en: string;
  version: Generated<number>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface NotificationsTable {
  id: string;
  recipient_id: string;
  template_code: string;
  template_version: number;
  params: JSONColumnType<Record<string, string>>;
  content: JSONColumnType<Record<NotificationLocale, RenderedNotification>>;
  link: string | null;
  created_at: Generated<Date>;
  read_at: NullableTimestamp;
}

export interface NotificationDeliveriesTable {
  id: string;
  notification_id: string;
  channel: NotificationChannel;
  status: Generated<'pending' | 'sent' | 'failed' | 'skipped'>;
  attempts: Generated<number>;
  destination_masked: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: NullableTimestamp;
  /** When the delivery was recorded `failed` (indexed: what operators watch). */
  failed_at: NullableTimestamp;
}

export interface NotificationPreferencesTable {
  account_id: string;
  locale: Generated<NotificationLocale>;
  sms: Generated<boolean>;
  email: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface Database {
  notification_templates: NotificationTemplatesTable;
  notifications: NotificationsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_preferences: NotificationPreferencesTable;
}

// ---- materials storage (modules/files) ----------------------------------------------------

export type FileMediaType = 'application/pdf' | 'image/jpeg' | 'image/png' | 'application/ofd';

export interface FilesTable {
  id: string;
  sha256: string;
  size: number;
  media_type: FileMediaType;
  original_name: string;
  owner_id: string;
  uploaded_by: string;
  created_at: Generated<Date>;
}

export interface Database {
  files: FilesTable;
}

// ---- unified payment (modules/payments) and its simulated provider (sim_pay_*) ----------------

export type PaymentOrderState = 'created' | 'pending' | 'paid' | 'failed' | 'cancelled' | 'expired' | 'refunding' | 'refunded' | 'partially_refunded';

export interface PaymentOrdersTable {
  id: string;
  order_no: string;
  provider: string;
  subject_type: string;
  subject_id: string;
  payer_account_id: string;
  department_id: string;
  description: string;
  amount_fen: number;
  currency: Generated<string>;
  state: Generated<PaymentOrderState>;
  refunded_fen: Generated<number>;
  provider_trade_no: string | null;
  pay_url: string | null;
  return_path: string | null;
  origin: 'module' | 'portal';
  late: Generated<boolean>;
  expires_at: Timestamp;
  paid_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PaymentItemsTable {
  order_id: string;
  seq: number;
  name: string;
  standard: Generated<string>;
  legal_basis: Generated<string>;
  amount_fen: number;
}

export interface PaymentRefundsTable {
  id: string;
  order_id: string;
  refund_no: string;
  amount_fen: number;
  reason: string;
  state: Generated<'pending' | 'succeeded' | 'failed'>;
  automatic: Generated<boolean>;
  origin: Generated<'platform' | 'provider'>;
  requested_by: string | null;
  provider_refund_no: string | null;
  submitted_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  failure_reason: string | null;
  created_at: Generated<Date>;
}

export interface PaymentEventsTable {
  id: Generated<number>;
  provider: string;
  event_id: string;
  order_id: string;
  kind: 'payment' | 'refund';
  state: string;
  refund_no: string | null;
  outcome: 'applied' | 'stale' | 'converged';
  order_state_after: string;
  payload: JSONColumnType<Record<string, unknown>>;
  received_at: Generated<Date>;
}

export interface SimPayOrdersTable {
  trade_no: string;
  mch_id: string;
  out_trade_no: string;
  total_fen: number;
  currency: string;
  description: string;
  return_url: string;
  notify_url: string;
  pay_token: string;
  trade_state: Generated<'NOTPAY' | 'SUCCESS' | 'PAYERROR' | 'CLOSED' | 'REVOKED'>;
  time_expire: Timestamp;
  paid_at: NullableTimestamp;
  refunded_fen: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SimPayRefundsTable {
  refund_no: string;
  mch_id: string;
  out_refund_no: string;
  out_trade_no: string;
  refund_fen: number;
  reason: string;
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL';
  source: 'api' | 'console';
  notify_url: string | null;
  success_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface SimPayNotificationsTable {
  id: string;
  mch_id: string;
  out_trade_no: string;
  event_type: string;
  notify_url: string;
  body: JSONColumnType<Record<string, unknown>>;
  held: Generated<boolean>;
  deliveries: Generated<number>;
  last_status: number | null;
  acknowledged_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface Database {
  payment_orders: PaymentOrdersTable;
  payment_items: PaymentItemsTable;
  payment_refunds: PaymentRefundsTable;
  payment_events: PaymentEventsTable;
  sim_pay_orders: SimPayOrdersTable;
  sim_pay_refunds: SimPayRefundsTable;
  sim_pay_notifications: SimPayNotificationsTable;
}

// ---- applications (modules/applications) ------------------------------------------------------

type DateColumn = ColumnType<string, string, string>;
type NullableDate = ColumnType<string | null, string | null | undefined, string | null>;

export interface ApplicationsTable {
  id: string;
  number: string | null;
  kind: 'item' | 'bundle' | 'child';
  parent_id: string | null;
  item_id: string | null;
  item_version: number | null;
  bundle_id: string | null;
  bundle_version: number | null;
  title: string;
  department_id: string | null;
  region_code: string;
  applicant_id: string;
  applicant_kind: 'person' | 'enterprise';
  applicant_name: string;
  created_by: string;
  mandate_id: string | null;
  state: string;
  version: Generated<number>;
  form_data: JSONColumnType<Record<string, unknown>>;
  context: JSONColumnType<Record<string, unknown>>;
  steps: JSONColumnType<unknown[]> | null;
  step_index: number | null;
  step_due: NullableDate;
  awaiting: string | null;
  supplement: JSONColumnType<Record<string, unknown>> | null;
  outcome: JSONColumnType<Record<string, unknown>> | null;
  result: JSONColumnType<Record<string, unknown>> | null;
  receipt: JSONColumnType<Record<string, unknown>> | null;
  legal_days: number | null;
  promised_days: number | null;
  accepted_at: NullableTimestamp;
  legal_due: NullableDate;
  promised_due: NullableDate;
  paused_at: NullableTimestamp;
  pause_reason: 'supplement' | 'special_procedure' | null;
  paused_days: Generated<number>;
  sla_state: Generated<'normal' | 'warning' | 'overdue'>;
  submitted_at: NullableTimestamp;
  decided_at: NullableTimestamp;
  concluded_at: NullableTimestamp;
  withdrawn_at: NullableTimestamp;
  draft_saved_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ApplicationTasksTable {
  id: string;
  application_id: string;
  root_id: string;
  step_index: number;
  stage_key: string;
  stage_name: string;
  action: 'accept' | 'review' | 'decide' | 'deliver';
  sign_kind: 'single' | 'countersign' | 'anysign' | 'sequential';
  seq: Generated<number>;
  role: string;
  department_id: string;
  state: 'waiting' | 'open' | 'completed' | 'cancelled';
  assignee_id: string | null;
  assignee_name: string | null;
  claimed_at: NullableTimestamp;
  outcome: string | null;
  opinion: string | null;
  reason_code: string | null;
  due_date: NullableDate;
  budget_days: Generated<number>;
  sla_state: Generated<'normal' | 'warning' | 'overdue'>;
  version: Generated<number>;
  opened_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  completed_by: string | null;
  created_at: Generated<Date>;
}

export interface ApplicationEventsTable {
  id: Generated<number>;
  root_id: string;
  application_id: string;
  at: Timestamp;
  type: string;
  from_state: string | null;
  to_state: string | null;
  visibility: 'public' | 'internal';
  actor_kind: 'applicant' | 'officer' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  department_id: string | null;
  message: JSONColumnType<{ zh: string; en: string }>;
  data: JSONColumnType<Record<string, unknown>>;
}

export interface ApplicationIdempotencyTable {
  account_id: string;
  key: string;
  request_hash: string;
  application_id: string;
  status: number;
  created_at: Generated<Date>;
}

export interface ApplicationEscalationsTable {
  id: string;
  application_id: string;
  root_id: string;
  kind: 'overdue';
  region_code: string;
  department_id: string | null;
  due_date: DateColumn;
  created_at: Timestamp;
}

export interface Database {
  applications: ApplicationsTable;
  application_tasks: ApplicationTasksTable;
  application_events: ApplicationEventsTable;
  application_idempotency: ApplicationIdempotencyTable;
  application_escalations: ApplicationEscalationsTable;
}

// ---- e-licence crypto foundation (modules/licences) ---------------------------------------------

export interface LicenceIssuerKeysTable {
  kid: string;
  department_id: string;
  alg: 'EdDSA' | 'ES256' | 'SM2SM3';
  public_jwk: JSONColumnType<Record<string, unknown>>;
  private_jwk_sealed: string;
  status: Generated<'active' | 'retired' | 'revoked'>;
  created_at: Generated<Date>;
  retired_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
}

export interface LicenceStatusListsTable {
  id: string;
  department_id: string;
  alg: 'EdDSA' | 'ES256' | 'SM2SM3';
  bits: number;
  size: number;
  /** The list, ZLIB-compressed and base64url-encoded, exactly as in the token. */
  lst: string;
  ttl_seconds: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface Database {
  licence_issuer_keys: LicenceIssuerKeysTable;
  licence_status_lists: LicenceStatusListsTable;
}
