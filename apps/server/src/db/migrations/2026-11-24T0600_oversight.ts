// Oversight (一网统管): the monthly roll-up of measure facts (exact sums, refreshed by a job), the
// working-day index used to count working days in SQL, the versioned evaluation index, alert
// rules, alerts and the work orders they dispatch, operator-supplied maps, and the market-entity
// register events (市场主体登记/注销). The `oversight_*_facts` views are the documented, read-only
// definition of every measure's inputs (one row per record): the service aggregates them, and BI
// tools (Superset, Metabase, Grafana) may read them directly (docs/oversight.md).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

const F = Array.from({ length: 24 }, (_, i) => `f${i + 1} bigint NOT NULL DEFAULT 0`).join(',\n  ');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE oversight_rollup (
  source text NOT NULL,
  region_code text NOT NULL,
  department_id text,
  item_id text,
  category text,
  period date,
  ${F}
);
CREATE INDEX oversight_rollup_source ON oversight_rollup (source, period);
CREATE INDEX oversight_rollup_region ON oversight_rollup (source, region_code text_pattern_ops);

CREATE TABLE oversight_rollup_state (
  source text PRIMARY KEY,
  refreshed_at timestamptz NOT NULL,
  watermark timestamptz,
  rows integer NOT NULL DEFAULT 0,
  millis integer NOT NULL DEFAULT 0,
  mode text NOT NULL DEFAULT 'full'
);

CREATE TABLE oversight_workday_index (
  day date PRIMARY KEY,
  n integer NOT NULL
);

CREATE TABLE oversight_measures (
  id text PRIMARY KEY,
  name text NOT NULL,
  name_en text NOT NULL,
  unit text NOT NULL,
  source text NOT NULL,
  formula text NOT NULL,
  formula_en text NOT NULL,
  available boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oversight_index_versions (
  version integer PRIMARY KEY,
  config jsonb NOT NULL,
  note text NOT NULL DEFAULT '',
  created_by uuid,
  created_by_name text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oversight_alert_rules (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  measure text NOT NULL,
  region_code text NOT NULL,
  breakdown text NOT NULL CHECK (breakdown IN ('none','region','department','category')),
  kind text NOT NULL CHECK (kind IN ('threshold','band')),
  op text NOT NULL CHECK (op IN ('above','below')),
  threshold double precision,
  band jsonb,
  assign_department_id uuid,
  deadline_days integer NOT NULL DEFAULT 5,
  enabled boolean NOT NULL DEFAULT true,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oversight_alerts (
  id uuid PRIMARY KEY,
  rule_id uuid NOT NULL REFERENCES oversight_alert_rules(id),
  measure text NOT NULL,
  region_code text NOT NULL,
  department_id uuid,
  group_key text NOT NULL,
  group_label text NOT NULL,
  period date NOT NULL,
  value double precision,
  expected jsonb NOT NULL,
  provenance jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
  work_order_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (rule_id, group_key, period)
);
CREATE INDEX oversight_alerts_region ON oversight_alerts (region_code text_pattern_ops, created_at DESC);

CREATE SEQUENCE oversight_work_order_seq;
CREATE TABLE oversight_work_orders (
  id uuid PRIMARY KEY,
  number text NOT NULL UNIQUE,
  alert_id uuid REFERENCES oversight_alerts(id),
  department_id uuid NOT NULL,
  region_code text NOT NULL,
  title text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}',
  due_date date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','responded','closed')),
  overdue boolean NOT NULL DEFAULT false,
  response text,
  responded_at timestamptz,
  responded_by uuid,
  closed_at timestamptz,
  closed_by uuid,
  close_note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oversight_work_orders_department ON oversight_work_orders (department_id, status);
CREATE INDEX oversight_work_orders_region ON oversight_work_orders (region_code text_pattern_ops);

CREATE TABLE oversight_geo_maps (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  approval_number text,
  demo boolean NOT NULL DEFAULT false,
  geojson jsonb NOT NULL,
  codes text[] NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE market_entity_events (
  id bigserial PRIMARY KEY,
  uscc char(18) NOT NULL,
  name text NOT NULL,
  event text NOT NULL CHECK (event IN ('registered','cancelled')),
  industry char(1) NOT NULL CHECK (industry BETWEEN 'A' AND 'T'),
  region_code char(6) NOT NULL,
  occurred_on date NOT NULL,
  source text NOT NULL DEFAULT 'registry',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (uscc, event)
);
CREATE INDEX market_entity_events_day ON market_entity_events (occurred_on);

CREATE VIEW oversight_application_facts AS
SELECT a.id::text AS record_id, a.number, a.region_code, a.department_id::text AS department_id, a.item_id::text AS item_id,
  NULL::text AS category,
  (a.submitted_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day,
  1 AS cases,
  CASE WHEN acc.kind IS DISTINCT FROM 'officer' THEN 1 ELSE 0 END AS online,
  CASE WHEN p.depth = 4 THEN 1 ELSE 0 END AS full_online,
  CASE WHEN p.handling = 'immediate' THEN 1 ELSE 0 END AS immediate,
  CASE WHEN p.visits = 0 THEN 1 ELSE 0 END AS zero_visit,
  coalesce(p.visits, 0) AS visits,
  coalesce(p.materials, 0) AS materials,
  coalesce(p.exempt, 0) AS exempt,
  coalesce(p.elicence, 0) AS elicence,
  CASE WHEN a.kind = 'child' THEN 1 ELSE 0 END AS in_bundle,
  CASE WHEN a.decided_at IS NOT NULL THEN 1 ELSE 0 END AS decided,
  CASE WHEN a.decided_at IS NOT NULL AND a.promised_due IS NOT NULL AND (a.decided_at AT TIME ZONE 'UTC' + interval '8 hours')::date <= a.promised_due THEN 1 ELSE 0 END AS on_time,
  CASE WHEN a.decided_at IS NOT NULL AND a.promised_due IS NOT NULL AND (a.decided_at AT TIME ZONE 'UTC' + interval '8 hours')::date > a.promised_due THEN 1 ELSE 0 END AS late,
  CASE WHEN a.decided_at IS NULL AND a.sla_state = 'overdue' AND a.state NOT IN ('not_accepted','concluded','withdrawn','stopped') THEN 1 ELSE 0 END AS overdue_open,
  CASE WHEN wd.n IS NOT NULL AND wa.n IS NOT NULL THEN 1 ELSE 0 END AS timed,
  CASE WHEN wd.n IS NOT NULL AND wa.n IS NOT NULL THEN greatest(0, wd.n - wa.n - a.paused_days) ELSE 0 END AS used_days,
  CASE WHEN wd.n IS NOT NULL AND wa.n IS NOT NULL THEN coalesce(a.promised_days, 0) ELSE 0 END AS promised_days,
  CASE WHEN wd.n IS NOT NULL AND wa.n IS NOT NULL THEN coalesce(a.legal_days, 0) ELSE 0 END AS legal_days,
  coalesce(a.legal_days, 0) AS limit_legal,
  coalesce(a.promised_days, 0) AS limit_promised,
  a.updated_at
FROM applications a
LEFT JOIN accounts acc ON acc.id = a.created_by
LEFT JOIN (
  SELECT item_id, version,
    (content->>'onlineDepth')::int AS depth,
    content->>'handlingKind' AS handling,
    (content->>'visits')::int AS visits,
    jsonb_array_length(coalesce(content->'materials', '[]'::jsonb)) AS materials,
    (SELECT count(*) FROM jsonb_array_elements(coalesce(content->'materials', '[]'::jsonb)) m WHERE m->'source'->>'kind' <> 'applicant')::int AS exempt,
    (SELECT count(*) FROM jsonb_array_elements(coalesce(content->'materials', '[]'::jsonb)) m WHERE m->'source'->>'kind' = 'elicence')::int AS elicence
  FROM catalog_item_versions
) p ON p.item_id = a.item_id AND p.version = a.item_version
LEFT JOIN oversight_workday_index wa ON wa.day = (a.accepted_at AT TIME ZONE 'UTC' + interval '8 hours')::date AND a.decided_at IS NOT NULL
LEFT JOIN oversight_workday_index wd ON wd.day = (a.decided_at AT TIME ZONE 'UTC' + interval '8 hours')::date
WHERE a.kind IN ('item','child') AND a.submitted_at IS NOT NULL;

CREATE VIEW oversight_catalog_facts AS
SELECT i.id::text AS record_id, i.implementation_code AS number, i.region_code, i.department_id::text AS department_id, i.id::text AS item_id,
  'item'::text AS category, NULL::date AS day,
  1 AS items,
  CASE WHEN (v.content->>'onlineDepth')::int = 4 THEN 1 ELSE 0 END AS full_online,
  CASE WHEN (v.content->>'visits')::int = 0 THEN 1 ELSE 0 END AS zero_visit,
  CASE WHEN v.content->>'handlingKind' = 'immediate' THEN 1 ELSE 0 END AS immediate,
  coalesce((v.content->'legalLimit'->>'days')::int, 0) AS legal,
  coalesce((v.content->'promisedLimit'->>'days')::int, 0) AS promised,
  1 AS entries,
  CASE WHEN i.lint_errors > 0 THEN 0 ELSE greatest(50, 100 - 10 * i.lint_warnings) END AS score,
  CASE WHEN i.lint_errors > 0 THEN 1 ELSE 0 END AS with_errors,
  i.updated_at
FROM catalog_items i JOIN catalog_item_versions v ON v.item_id = i.id AND v.version = i.latest_version
WHERE i.status = 'published'
UNION ALL
SELECT b.id::text, b.code, b.region_code, b.lead_department_id::text, NULL::text, 'bundle', NULL::date,
  0, 0, 0, 0, 0, 0, 1,
  CASE WHEN b.lint_errors > 0 THEN 0 ELSE greatest(50, 100 - 10 * b.lint_warnings) END,
  CASE WHEN b.lint_errors > 0 THEN 1 ELSE 0 END,
  b.updated_at
FROM catalog_bundles b WHERE b.status = 'published';

CREATE VIEW oversight_escalation_facts AS
SELECT e.id::text AS record_id, a.number, e.region_code, e.department_id::text AS department_id, a.item_id::text AS item_id,
  e.kind AS category, (e.created_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day,
  1 AS escalations, e.created_at AS updated_at
FROM application_escalations e JOIN applications a ON a.id = e.application_id;

CREATE VIEW oversight_work_order_facts AS
SELECT w.id::text AS record_id, w.number, w.region_code, w.department_id::text AS department_id, NULL::text AS item_id,
  r.measure AS category, (w.created_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day,
  1 AS orders,
  CASE WHEN w.status = 'closed' THEN 1 ELSE 0 END AS closed,
  CASE WHEN w.status = 'closed' AND (w.closed_at AT TIME ZONE 'UTC' + interval '8 hours')::date <= w.due_date THEN 1 ELSE 0 END AS closed_on_time,
  CASE WHEN w.status <> 'closed' AND w.overdue THEN 1 ELSE 0 END AS open_overdue,
  CASE WHEN w.responded_at IS NOT NULL THEN 1 ELSE 0 END AS responded,
  greatest(w.created_at, w.responded_at, w.closed_at) AS updated_at
FROM oversight_work_orders w
LEFT JOIN oversight_alerts al ON al.id = w.alert_id
LEFT JOIN oversight_alert_rules r ON r.id = al.rule_id;

CREATE VIEW oversight_market_facts AS
SELECT e.id::text AS record_id, e.uscc::text AS number, e.region_code::text AS region_code, NULL::text AS department_id, NULL::text AS item_id,
  e.industry::text AS category, e.occurred_on AS day,
  CASE WHEN e.event = 'registered' THEN 1 ELSE 0 END AS registered,
  CASE WHEN e.event = 'cancelled' THEN 1 ELSE 0 END AS cancelled,
  e.created_at AS updated_at
FROM market_entity_events e;

CREATE VIEW oversight_applications_monthly AS
SELECT region_code, department_id, item_id, period,
  f1 AS cases, f2 AS online, f3 AS full_online, f4 AS immediate, f5 AS zero_visit, f6 AS visits, f7 AS materials,
  f8 AS exempt, f9 AS elicence, f10 AS in_bundle, f11 AS decided, f12 AS on_time, f13 AS late, f14 AS overdue_open,
  f15 AS timed, f16 AS used_days, f17 AS promised_days, f18 AS legal_days, f19 AS limit_legal, f20 AS limit_promised
FROM oversight_rollup WHERE source = 'applications';

CREATE VIEW oversight_market_monthly AS
SELECT region_code, category AS industry, period, f1 AS registered, f2 AS cancelled, f1 - f2 AS net_growth
FROM oversight_rollup WHERE source = 'market';

CREATE VIEW oversight_freshness AS
SELECT source, refreshed_at, watermark, rows, millis, mode FROM oversight_rollup_state;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
