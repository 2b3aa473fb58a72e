// One-stop applications (办件) and the approval engine: applications (items, bundles and their
// children), tasks (one row per officer's piece of work), the timeline the applicant sees, the
// idempotency records of submissions, supervision records of overdue work (督办), and the
// sequence that numbers applications. Timers and outbox events are rows of `jobs`.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE SEQUENCE application_number_seq;

CREATE TABLE applications (
  id uuid PRIMARY KEY,
  number text UNIQUE,
  kind text NOT NULL CHECK (kind IN ('item','bundle','child')),
  parent_id uuid REFERENCES applications(id),
  item_id uuid,
  item_version integer,
  bundle_id uuid,
  bundle_version integer,
  title text NOT NULL,
  department_id uuid,
  region_code text NOT NULL,
  applicant_id uuid NOT NULL,
  applicant_kind text NOT NULL CHECK (applicant_kind IN ('person','enterprise')),
  applicant_name text NOT NULL,
  created_by uuid NOT NULL,
  mandate_id uuid,
  state text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  form_data jsonb NOT NULL DEFAULT '{}',
  context jsonb NOT NULL DEFAULT '{}',
  steps jsonb,
  step_index integer,
  step_due date,
  awaiting text,
  supplement jsonb,
  outcome jsonb,
  result jsonb,
  receipt jsonb,
  legal_days integer,
  promised_days integer,
  accepted_at timestamptz,
  legal_due date,
  promised_due date,
  paused_at timestamptz,
  pause_reason text CHECK (pause_reason IN ('supplement','special_procedure')),
  paused_days integer NOT NULL DEFAULT 0,
  sla_state text NOT NULL DEFAULT 'normal' CHECK (sla_state IN ('normal','warning','overdue')),
  submitted_at timestamptz,
  decided_at timestamptz,
  concluded_at timestamptz,
  withdrawn_at timestamptz,
  draft_saved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applications_applicant ON applications (applicant_id, created_at DESC) WHERE parent_id IS NULL;
CREATE INDEX applications_parent ON applications (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE application_tasks (
  id uuid PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES applications(id),
  root_id uuid NOT NULL REFERENCES applications(id),
  step_index integer NOT NULL,
  stage_key text NOT NULL,
  stage_name text NOT NULL,
  action text NOT NULL CHECK (action IN ('accept','review','decide','deliver')),
  sign_kind text NOT NULL CHECK (sign_kind IN ('single','countersign','anysign','sequential')),
  seq integer NOT NULL DEFAULT 0,
  role text NOT NULL,
  department_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting','open','completed','cancelled')),
  assignee_id uuid,
  assignee_name text,
  claimed_at timestamptz,
  outcome text,
  opinion text,
  reason_code text,
  due_date date,
  budget_days integer NOT NULL DEFAULT 0,
  sla_state text NOT NULL DEFAULT 'normal' CHECK (sla_state IN ('normal','warning','overdue')),
  version integer NOT NULL DEFAULT 1,
  opened_at timestamptz,
  completed_at timestamptz,
  completed_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_tasks_queue ON application_tasks (department_id, role, state);
CREATE INDEX application_tasks_application ON application_tasks (application_id);

CREATE TABLE application_events (
  id bigserial PRIMARY KEY,
  root_id uuid NOT NULL REFERENCES applications(id),
  application_id uuid NOT NULL REFERENCES applications(id),
  at timestamptz NOT NULL,
  type text NOT NULL,
  from_state text,
  to_state text,
  visibility text NOT NULL CHECK (visibility IN ('public','internal')),
  actor_kind text NOT NULL CHECK (actor_kind IN ('applicant','officer','system')),
  actor_id uuid,
  actor_name text,
  department_id uuid,
  message jsonb NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX application_events_root ON application_events (root_id, id);

CREATE TABLE application_idempotency (
  account_id uuid NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  application_id uuid NOT NULL,
  status integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

CREATE TABLE application_escalations (
  id uuid PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES applications(id),
  root_id uuid NOT NULL REFERENCES applications(id),
  kind text NOT NULL CHECK (kind IN ('overdue')),
  region_code text NOT NULL,
  department_id uuid,
  due_date date NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (application_id, kind, due_date)
);
CREATE INDEX application_escalations_region ON application_escalations (region_code text_pattern_ops);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
