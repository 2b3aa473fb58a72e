// Good/bad reviews (好差评): window visits (一次一评), invitations to review a concluded
// application (一事一评), reviews with their history (corrections, re-rating after rectification),
// rectification cases of bad reviews (核实 → 整改 → 反馈) with per-region deadlines, appeals,
// escalations, follow-up calls (回访) and flags of suspected gaming. Timers are rows of `jobs`.
import { sql, type Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE review_visits (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  department_id uuid NOT NULL,
  region_code text NOT NULL,
  item_id uuid,
  item_name text,
  clerk_id uuid NOT NULL,
  clerk_name text NOT NULL,
  person_name text,
  concluded_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE review_invitations (
  application_id uuid PRIMARY KEY,
  applicant_id uuid NOT NULL,
  invited_at timestamptz NOT NULL,
  reminded_at timestamptz
);

CREATE TABLE reviews (
  id uuid PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('application','visit')),
  subject_id uuid NOT NULL,
  subject_number text,
  subject_title text NOT NULL,
  department_id uuid,
  item_id uuid,
  region_code text NOT NULL,
  reviewer_id uuid,
  reviewer_name text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('web','mobile','window_device','12345','sms')),
  indicator_set text NOT NULL CHECK (indicator_set IN ('online','onsite')),
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
  first_level smallint NOT NULL CHECK (first_level BETWEEN 1 AND 5),
  scores jsonb NOT NULL,
  comment text,
  revision integer NOT NULL DEFAULT 1,
  rerated boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid','annulled')),
  device_id text,
  ip text,
  concluded_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (subject_kind, subject_id)
);
CREATE INDEX reviews_department ON reviews (department_id, created_at);
CREATE INDEX reviews_region ON reviews (region_code text_pattern_ops);
CREATE INDEX reviews_reviewer ON reviews (reviewer_id);
CREATE INDEX reviews_device ON reviews (device_id, created_at) WHERE device_id IS NOT NULL;
CREATE INDEX reviews_ip ON reviews (ip, created_at) WHERE ip IS NOT NULL;

CREATE TABLE review_history (
  id bigserial PRIMARY KEY,
  review_id uuid NOT NULL REFERENCES reviews(id),
  kind text NOT NULL CHECK (kind IN ('initial','correction','rerate')),
  level smallint NOT NULL,
  scores jsonb NOT NULL,
  comment text,
  channel text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX review_history_review ON review_history (review_id, id);

CREATE SEQUENCE rectification_number_seq;

CREATE TABLE rectification_cases (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  review_id uuid NOT NULL UNIQUE REFERENCES reviews(id),
  department_id uuid,
  region_code text NOT NULL,
  state text NOT NULL CHECK (state IN ('verifying','rectifying','feedback','awaiting_rerate','closed','appealed','annulled')),
  step_due date NOT NULL,
  sla_state text NOT NULL DEFAULT 'normal' CHECK (sla_state IN ('normal','warning','overdue')),
  late_steps integer NOT NULL DEFAULT 0,
  verify_finding text,
  verify_note text,
  verified_at timestamptz,
  measures text,
  rectified_at timestamptz,
  feedback text,
  fed_back_at timestamptz,
  closed_at timestamptz,
  escalated_at timestamptz,
  appeal_reason text,
  appeal_files jsonb NOT NULL DEFAULT '[]',
  appeal_state_before text,
  appealed_at timestamptz,
  appeal_decision text CHECK (appeal_decision IN ('upheld','rejected')),
  appeal_note text,
  appeal_decided_by uuid,
  appeal_decided_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL
);
CREATE INDEX rectification_cases_department ON rectification_cases (department_id, state);
CREATE INDEX rectification_cases_region ON rectification_cases (region_code text_pattern_ops);
CREATE INDEX rectification_cases_created ON rectification_cases (created_at DESC);

CREATE TABLE rectification_events (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES rectification_cases(id),
  type text NOT NULL,
  actor_id uuid,
  actor_name text,
  note text,
  at timestamptz NOT NULL
);
CREATE INDEX rectification_events_case ON rectification_events (case_id, id);

CREATE TABLE rectification_deadlines (
  region_code text PRIMARY KEY,
  verify_days integer NOT NULL CHECK (verify_days BETWEEN 0 AND 30),
  rectify_days integer NOT NULL CHECK (rectify_days BETWEEN 0 AND 60),
  feedback_days integer NOT NULL CHECK (feedback_days BETWEEN 0 AND 30),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE follow_up_calls (
  id uuid PRIMARY KEY,
  source_kind text NOT NULL CHECK (source_kind IN ('rectification','inquiry')),
  source_id uuid NOT NULL,
  region_code text NOT NULL,
  department_id uuid,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done')),
  reached boolean,
  satisfied boolean,
  note text,
  called_by uuid,
  called_at timestamptz,
  sampled_by uuid NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (source_kind, source_id)
);

CREATE TABLE review_flags (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('burst_device','burst_address','fast_after_conclusion')),
  key text NOT NULL,
  bucket text NOT NULL,
  region_code text NOT NULL,
  department_id uuid,
  review_ids jsonb NOT NULL DEFAULT '[]',
  detail jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open','dismissed','confirmed')),
  created_at timestamptz NOT NULL,
  UNIQUE (kind, key, bucket)
);
`);
  await sql`INSERT INTO rectification_deadlines (region_code, verify_days, rectify_days, feedback_days) VALUES ('000000', 1, 5, 1)`.execute(db);
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

const TEMPLATES: TemplateSeed[] = [
  {
    code: 'review.invite',
    description: '好差评 — invitation to review a concluded application',
    params: ['applicationNo', 'itemName'],
    channels: ['sms'],
    zh: ['请为本次服务评价', '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已办结，欢迎对本次服务作出评价（好差评）。', '您的{{itemName}}（编号{{applicationNo}}）已办结，请登录评价本次服务。'],
    en: ['Please rate our service', 'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded. Please rate the service.', 'Application {{applicationNo}} ({{itemName}}) is concluded; please rate the service.'],
  },
  {
    code: 'review.reminder',
    description: '好差评 — reminder to review (sent once, if not yet reviewed)',
    params: ['applicationNo', 'itemName'],
    channels: [],
    zh: ['您还未评价本次服务', '「{{itemName}}」（办件编号 {{applicationNo}}）尚未评价。您的评价将帮助我们改进服务。', '{{itemName}}（编号{{applicationNo}}）尚未评价。'],
    en: ['You have not rated the service yet', '"{{itemName}}" (no. {{applicationNo}}) is not rated yet. Your rating helps us improve.', '{{itemName}} ({{applicationNo}}) is not rated yet.'],
  },
  {
    code: 'review.case_opened',
    description: '差评整改 — a bad review opened a rectification case for the department',
    params: ['caseNo', 'subject', 'dueDate'],
    channels: [],
    zh: ['收到差评，请核实整改', '「{{subject}}」收到差评，整改工单 {{caseNo}} 请于 {{dueDate}} 前完成核实。', '差评工单{{caseNo}}请于{{dueDate}}前核实。'],
    en: ['A bad review needs verification', 'A bad review of "{{subject}}" opened rectification case {{caseNo}}; verify it by {{dueDate}}.', 'Case {{caseNo}}: verify by {{dueDate}}.'],
  },
  {
    code: 'review.feedback',
    description: '差评整改 — the department fed back the rectification to the reviewer',
    params: ['caseNo', 'subject', 'feedback'],
    channels: ['sms'],
    zh: ['您的差评已整改', '您对「{{subject}}」的差评已整改（工单 {{caseNo}}）：{{feedback}}。欢迎您重新评价。', '您对{{subject}}的差评已整改，欢迎重新评价。'],
    en: ['Your bad review was acted upon', 'Your bad review of "{{subject}}" was acted upon (case {{caseNo}}): {{feedback}}. You may rate again.', 'Your review of {{subject}} was acted upon; you may rate again.'],
  },
  {
    code: 'review.case_warning',
    description: '差评整改 — a step of a case is due soon (预警)',
    params: ['caseNo', 'step', 'dueDate'],
    channels: [],
    zh: ['差评整改即将超期', '整改工单 {{caseNo}} 的“{{step}}”将于 {{dueDate}} 到期，请尽快办理。', '工单{{caseNo}}将于{{dueDate}}到期。'],
    en: ['A rectification step is due soon', 'Step "{{step}}" of case {{caseNo}} is due on {{dueDate}}.', 'Case {{caseNo}} due {{dueDate}}.'],
  },
  {
    code: 'review.case_escalated',
    description: '差评整改 — a step is overdue; escalated to supervisors (督办)',
    params: ['caseNo', 'step', 'department'],
    channels: [],
    zh: ['差评整改超期督办', '{{department}}的整改工单 {{caseNo}}“{{step}}”已超期，请督办。', '工单{{caseNo}}已超期。'],
    en: ['Overdue rectification escalated', 'Step "{{step}}" of case {{caseNo}} ({{department}}) is overdue.', 'Case {{caseNo}} overdue.'],
  },
  {
    code: 'review.appeal',
    description: '差评申诉 — a department appealed a review; a supervisor decides',
    params: ['caseNo', 'department'],
    channels: [],
    zh: ['差评申诉待审核', '{{department}}对整改工单 {{caseNo}} 提出申诉，请审核。', '工单{{caseNo}}申诉待审核。'],
    en: ['An appeal awaits your decision', '{{department}} appealed case {{caseNo}}.', 'Case {{caseNo}} appealed.'],
  },
  {
    code: 'review.gaming_flag',
    description: '好差评 — a pattern suggesting gaming was flagged',
    params: ['kind', 'key', 'count'],
    channels: [],
    zh: ['疑似刷评预警', '发现疑似刷评：{{kind}}（{{key}}），涉及 {{count}} 条评价。', '疑似刷评：{{kind}}'],
    en: ['Possible review gaming', 'Possible gaming: {{kind}} ({{key}}), {{count}} reviews.', 'Possible gaming: {{kind}}'],
  },
];
