// Public interaction (互动交流, 12345 接诉即办): inquiries of five kinds (consultation, complaint,
// suggestion, help, report) from the portal, the 12345 line and Open311 clients; their timeline;
// dispatch rules (category + region → department); per-region deadlines by urgency; bounding
// boxes of regions for map points; the knowledge base (curated answered consultations); Open311
// API keys (stored as hashes). Timers are rows of `jobs`.
import { sql, type Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE SEQUENCE inquiry_number_seq;

CREATE TABLE inquiries (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('consultation','complaint','suggestion','help','report')),
  category text NOT NULL,
  urgency text NOT NULL CHECK (urgency IN ('normal','urgent')),
  title text NOT NULL,
  content text NOT NULL,
  region_code text NOT NULL,
  lat double precision,
  lng double precision,
  address text,
  attachments jsonb NOT NULL DEFAULT '[]',
  item_id uuid,
  channel text NOT NULL CHECK (channel IN ('web','mobile','12345','open311')),
  service_code text,
  person_id uuid,
  anonymous boolean NOT NULL DEFAULT false,
  informant_enc text,
  tracking_hash text UNIQUE,
  state text NOT NULL CHECK (state IN ('pending_dispatch','dispatched','responded','replied','closed')),
  department_id uuid,
  returns integer NOT NULL DEFAULT 0,
  dispatched_at timestamptz,
  respond_due timestamptz,
  resolve_due timestamptz,
  responded_at timestamptz,
  responded_late boolean,
  replied_at timestamptz,
  replied_late boolean,
  reply text,
  resolved boolean,
  satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
  rating_comment text,
  confirmed_at timestamptz,
  escalated_at timestamptz,
  closed_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX inquiries_person ON inquiries (person_id, created_at DESC) WHERE person_id IS NOT NULL;
CREATE INDEX inquiries_department ON inquiries (department_id, state);
CREATE INDEX inquiries_region ON inquiries (region_code text_pattern_ops);

CREATE TABLE inquiry_events (
  id bigserial PRIMARY KEY,
  inquiry_id uuid NOT NULL REFERENCES inquiries(id),
  type text NOT NULL,
  visibility text NOT NULL CHECK (visibility IN ('public','internal')),
  actor_name text,
  department_id uuid,
  note text,
  at timestamptz NOT NULL
);
CREATE INDEX inquiry_events_inquiry ON inquiry_events (inquiry_id, id);

CREATE TABLE inquiry_dispatch_rules (
  id uuid PRIMARY KEY,
  category text NOT NULL,
  region_prefix text NOT NULL,
  department_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (category, region_prefix)
);

CREATE TABLE inquiry_deadlines (
  region_code text NOT NULL,
  urgency text NOT NULL CHECK (urgency IN ('normal','urgent')),
  respond_hours integer NOT NULL CHECK (respond_hours BETWEEN 1 AND 240),
  resolve_days integer NOT NULL CHECK (resolve_days BETWEEN 1 AND 90),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (region_code, urgency)
);

CREATE TABLE region_bounds (
  region_code text PRIMARY KEY,
  min_lat double precision NOT NULL,
  max_lat double precision NOT NULL,
  min_lng double precision NOT NULL,
  max_lng double precision NOT NULL,
  CHECK (min_lat < max_lat AND min_lng < max_lng)
);

CREATE TABLE knowledge_entries (
  id uuid PRIMARY KEY,
  inquiry_id uuid REFERENCES inquiries(id),
  question text NOT NULL,
  answer text NOT NULL,
  item_id uuid,
  item_name text,
  department_id uuid NOT NULL,
  region_code text NOT NULL,
  published boolean NOT NULL DEFAULT true,
  curated_by uuid NOT NULL,
  views integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX knowledge_entries_item ON knowledge_entries (item_id) WHERE item_id IS NOT NULL;

CREATE TABLE open311_keys (
  key_hash text PRIMARY KEY,
  name text NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
`);
  // Defaults for every region (000000 = the fallback): respond within 24 working hours and resolve
  // within 15 working days; urgent: 2 working hours and 7 working days.
  await sql`INSERT INTO inquiry_deadlines (region_code, urgency, respond_hours, resolve_days) VALUES ('000000','normal',24,15), ('000000','urgent',2,7)`.execute(db);
  // Bounding boxes (approximate, WGS-84) of Fujian and the regions the demo node serves.
  const boxes: [string, number, number, number, number][] = [
    ['350000', 23.5, 28.4, 115.8, 120.7],
    ['350100', 25.25, 26.65, 118.13, 120.52],
    ['350102', 26.05, 26.17, 119.22, 119.33],
    ['350103', 26.02, 26.1, 119.28, 119.37],
    ['350104', 25.95, 26.06, 119.22, 119.38],
    ['350105', 25.95, 26.2, 119.38, 119.75],
    ['350111', 26.05, 26.3, 119.05, 119.35],
    ['350200', 24.4, 24.93, 117.87, 118.45],
  ];
  for (const [code, a, b, c, d] of boxes) {
    await sql`INSERT INTO region_bounds (region_code, min_lat, max_lat, min_lng, max_lng) VALUES (${code}, ${a}, ${b}, ${c}, ${d})`.execute(db);
  }
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

const TEMPLATES: TemplateSeed[] = [
  {
    code: 'inquiry.dispatched',
    description: '12345 — an inquiry was dispatched to the department (派单)',
    params: ['number', 'title', 'respondBy'],
    channels: [],
    zh: ['新工单待办理', '工单 {{number}}「{{title}}」已派至本部门，请于 {{respondBy}} 前响应。', '工单{{number}}请于{{respondBy}}前响应。'],
    en: ['A new inquiry for your department', 'Inquiry {{number}} "{{title}}" was dispatched to your department; respond by {{respondBy}}.', 'Inquiry {{number}}: respond by {{respondBy}}.'],
  },
  {
    code: 'inquiry.replied',
    description: '12345 — the department replied; the person may confirm and rate',
    params: ['number', 'title'],
    channels: ['sms'],
    zh: ['您的诉求已答复', '您的诉求 {{number}}「{{title}}」已答复，请确认是否解决并评价。', '您的诉求{{number}}已答复，请确认并评价。'],
    en: ['Your inquiry was answered', 'Your inquiry {{number}} "{{title}}" was answered; please confirm and rate it.', 'Inquiry {{number}} answered; please confirm and rate.'],
  },
  {
    code: 'inquiry.escalated',
    description: '12345 — an inquiry is overdue or was escalated (督办)',
    params: ['number', 'title', 'reason'],
    channels: [],
    zh: ['工单督办', '工单 {{number}}「{{title}}」被督办：{{reason}}。', '工单{{number}}被督办。'],
    en: ['Inquiry escalated', 'Inquiry {{number}} "{{title}}" was escalated: {{reason}}.', 'Inquiry {{number}} escalated.'],
  },
];
