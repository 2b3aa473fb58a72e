/** Row types of the module's tables (declaration merging into the one Database type). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Ts = ColumnType<Date, Date | string, Date | string>;
type NTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface ReviewVisitsTable {
  id: string;
  token_hash: string;
  department_id: string;
  region_code: string;
  item_id: string | null;
  item_name: string | null;
  clerk_id: string;
  clerk_name: string;
  person_name: string | null;
  concluded_at: Ts;
  expires_at: Ts;
  created_at: Generated<Date>;
}

export interface ReviewInvitationsTable {
  application_id: string;
  applicant_id: string;
  invited_at: Ts;
  reminded_at: NTs;
  /** The one-time rating link of the invitation SMS: SHA-256 of the token, its expiry, when it was used. */
  token_hash: string | null;
  token_expires_at: NTs;
  token_used_at: NTs;
}

export interface ReviewsTable {
  id: string;
  subject_kind: 'application' | 'visit';
  subject_id: string;
  subject_number: string | null;
  subject_title: string;
  department_id: string | null;
  item_id: string | null;
  region_code: string;
  reviewer_id: string | null;
  reviewer_name: string;
  channel: string;
  indicator_set: 'online' | 'onsite';
  level: number;
  first_level: number;
  scores: JSONColumnType<Record<string, number>, string, string>;
  comment: string | null;
  revision: Generated<number>;
  rerated: Generated<boolean>;
  status: Generated<'valid' | 'annulled'>;
  device_id: string | null;
  ip: string | null;
  concluded_at: Ts;
  created_at: Ts;
  updated_at: Ts;
}

export interface ReviewHistoryTable {
  id: Generated<string>;
  review_id: string;
  kind: 'initial' | 'correction' | 'rerate';
  level: number;
  scores: JSONColumnType<Record<string, number>, string, string>;
  comment: string | null;
  channel: string;
  at: Ts;
}

export type CaseState = 'verifying' | 'rectifying' | 'feedback' | 'awaiting_rerate' | 'closed' | 'appealed' | 'annulled';

export interface RectificationCasesTable {
  id: string;
  number: string;
  review_id: string;
  department_id: string | null;
  region_code: string;
  state: CaseState;
  step_due: string;
  sla_state: Generated<'normal' | 'warning' | 'overdue'>;
  late_steps: Generated<number>;
  verify_finding: string | null;
  verify_note: string | null;
  verified_at: NTs;
  measures: string | null;
  rectified_at: NTs;
  feedback: string | null;
  fed_back_at: NTs;
  closed_at: NTs;
  /** Why the case ended (null while open). */
  closed_reason: 'rerated' | 'corrected' | 'appeal_upheld' | 'review_annulled' | null;
  escalated_at: NTs;
  appeal_reason: string | null;
  appeal_files: ColumnType<string[], string | undefined, string>;
  appeal_state_before: string | null;
  appealed_at: NTs;
  appeal_decision: 'upheld' | 'rejected' | null;
  appeal_note: string | null;
  appeal_decided_by: string | null;
  appeal_decided_at: NTs;
  version: Generated<number>;
  created_at: Ts;
}

export interface RectificationEventsTable {
  id: Generated<string>;
  case_id: string;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  note: string | null;
  at: Ts;
}

export interface RectificationDeadlinesTable {
  region_code: string;
  verify_days: number;
  rectify_days: number;
  feedback_days: number;
  updated_at: Generated<Date>;
}

export interface FollowUpCallsTable {
  id: string;
  source_kind: 'rectification' | 'inquiry';
  source_id: string;
  region_code: string;
  department_id: string | null;
  state: Generated<'pending' | 'done'>;
  reached: boolean | null;
  satisfied: boolean | null;
  note: string | null;
  called_by: string | null;
  called_at: NTs;
  sampled_by: string;
  created_at: Ts;
}

export interface ReviewFlagsTable {
  id: string;
  kind: 'burst_device' | 'burst_address' | 'fast_after_conclusion';
  key: string;
  bucket: string;
  region_code: string;
  department_id: string | null;
  review_ids: ColumnType<string[], string, string>;
  detail: ColumnType<Record<string, unknown>, string, string>;
  state: Generated<'open' | 'dismissed' | 'confirmed'>;
  created_at: Ts;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: NTs;
}

declare module '../../db/types' {
  interface Database {
    review_visits: ReviewVisitsTable;
    review_invitations: ReviewInvitationsTable;
    reviews: ReviewsTable;
    review_history: ReviewHistoryTable;
    rectification_cases: RectificationCasesTable;
    rectification_events: RectificationEventsTable;
    rectification_deadlines: RectificationDeadlinesTable;
    follow_up_calls: FollowUpCallsTable;
    review_flags: ReviewFlagsTable;
  }
}
