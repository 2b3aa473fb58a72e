// Oversight, session 4: an exact incremental roll-up proportional to the rows changed, the facts
// views in a migration, and the enterprise registry's industry and registration dates.
//
// - oversight_contrib: each source row's last contribution to the roll-up (its groups and facts),
//   keyed by source + record id. A refresh reads the keys of rows changed since the watermark (from
//   indexed columns of the owning tables), subtracts their stored contributions, adds their current
//   ones, and stores those: the work follows the rows changed, not the months they fall in.
// - oversight_tombstones: record ids of deleted source rows (AFTER DELETE triggers on the source
//   tables; nothing fires on insert or update), so that deletions leave the roll-up too.
// - Indexes for the watermark scans on the owning modules' tables (applications.updated_at, …):
//   created here because only oversight reads them that way.
// - The facts views over reviews, 12345, exchange and open data were created by the service at
//   start-up while those modules were landing; every module's migration now runs before this one,
//   so all views are (re)created here. Record ids keep their key type (uuid where the row has one)
//   so that a refresh can look the changed rows up through the view by primary key.
// - accounts (enterprises): industry (GB/T 4754 门类), registration and cancellation dates, used
//   by the market-entity figures together with market_entity_events (registry feed).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

const F = Array.from({ length: 24 }, (_, i) => `f${i + 1} integer NOT NULL DEFAULT 0`).join(',\n  ');
const CHINA_DAY = (col: string) => `(${col} AT TIME ZONE 'UTC' + interval '8 hours')::date`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE accounts ADD COLUMN industry char(1) CHECK (industry BETWEEN 'A' AND 'T');
ALTER TABLE accounts ADD COLUMN registered_on date;
ALTER TABLE accounts ADD COLUMN cancelled_on date;
CREATE INDEX accounts_enterprise_updated ON accounts (updated_at) WHERE kind = 'enterprise';

CREATE INDEX applications_updated_at ON applications (updated_at);
CREATE INDEX application_escalations_created ON application_escalations (created_at);
CREATE INDEX catalog_items_updated_at ON catalog_items (updated_at);
CREATE INDEX catalog_bundles_updated_at ON catalog_bundles (updated_at);
CREATE INDEX reviews_updated_at ON reviews (updated_at);
CREATE INDEX rectification_cases_changed ON rectification_cases ((greatest(created_at, verified_at, rectified_at, fed_back_at, closed_at, appealed_at, appeal_decided_at)));
CREATE INDEX inquiries_updated_at ON inquiries (updated_at);
CREATE INDEX inquiries_respond_due ON inquiries (respond_due);
CREATE INDEX opendata_requests_modified ON opendata_requests (modified_at);
CREATE INDEX market_entity_events_created ON market_entity_events (created_at);

ALTER TABLE oversight_work_orders ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX oversight_work_orders_updated ON oversight_work_orders (updated_at);

CREATE TABLE oversight_contrib (
  source text NOT NULL,
  record_id text NOT NULL,
  region_code text NOT NULL,
  department_id text,
  item_id text,
  category text,
  period date,
  ${F},
  PRIMARY KEY (source, record_id)
);

CREATE TABLE oversight_tombstones (
  id bigserial PRIMARY KEY,
  tbl text NOT NULL,
  record_id text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oversight_tombstones_at ON oversight_tombstones (tbl, at);

CREATE FUNCTION oversight_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO oversight_tombstones (tbl, record_id) VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0]); RETURN OLD; END $$;
CREATE TRIGGER oversight_tombstone AFTER DELETE ON applications FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON application_escalations FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON catalog_items FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON catalog_bundles FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON reviews FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON rectification_cases FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('review_id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON inquiries FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON exchange_calls FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON opendata_requests FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON oversight_work_orders FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('id');
CREATE TRIGGER oversight_tombstone AFTER DELETE ON market_entity_events FOR EACH ROW EXECUTE FUNCTION oversight_tombstone('uscc');

CREATE UNIQUE INDEX oversight_rollup_group ON oversight_rollup (source, region_code, department_id, item_id, category, period) NULLS NOT DISTINCT;
CREATE UNIQUE INDEX oversight_rollup_coarse_group ON oversight_rollup_coarse (source, region_code, department_id, period) NULLS NOT DISTINCT;
ALTER TABLE oversight_rollup ADD COLUMN records bigint NOT NULL DEFAULT 0;
ALTER TABLE oversight_rollup_coarse ADD COLUMN records bigint NOT NULL DEFAULT 0;
ALTER TABLE oversight_rollup_state ADD COLUMN full_at timestamptz;
DELETE FROM oversight_rollup_state;

DROP VIEW IF EXISTS oversight_application_facts;
DROP VIEW IF EXISTS oversight_catalog_facts;
DROP VIEW IF EXISTS oversight_escalation_facts;
DROP VIEW IF EXISTS oversight_work_order_facts;
DROP VIEW IF EXISTS oversight_market_facts;
DROP VIEW IF EXISTS oversight_review_facts;
DROP VIEW IF EXISTS oversight_inquiry_facts;
DROP VIEW IF EXISTS oversight_exchange_facts;
DROP VIEW IF EXISTS oversight_opendata_facts;

CREATE VIEW oversight_application_facts AS
SELECT a.id AS record_id, a.number, a.region_code, a.department_id::text AS department_id, a.item_id::text AS item_id,
  NULL::text AS category,
  ${CHINA_DAY('a.submitted_at')} AS day,
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
  CASE WHEN a.decided_at IS NOT NULL AND a.promised_due IS NOT NULL AND ${CHINA_DAY('a.decided_at')} <= a.promised_due THEN 1 ELSE 0 END AS on_time,
  CASE WHEN a.decided_at IS NOT NULL AND a.promised_due IS NOT NULL AND ${CHINA_DAY('a.decided_at')} > a.promised_due THEN 1 ELSE 0 END AS late,
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
LEFT JOIN oversight_workday_index wa ON wa.day = ${CHINA_DAY('a.accepted_at')} AND a.decided_at IS NOT NULL
LEFT JOIN oversight_workday_index wd ON wd.day = ${CHINA_DAY('a.decided_at')}
WHERE a.kind IN ('item','child') AND a.submitted_at IS NOT NULL;

CREATE VIEW oversight_catalog_facts AS
SELECT i.id AS record_id, i.implementation_code AS number, i.region_code, i.department_id::text AS department_id, i.id::text AS item_id,
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
SELECT b.id, b.code, b.region_code, b.lead_department_id::text, NULL::text, 'bundle', NULL::date,
  0, 0, 0, 0, 0, 0, 1,
  CASE WHEN b.lint_errors > 0 THEN 0 ELSE greatest(50, 100 - 10 * b.lint_warnings) END,
  CASE WHEN b.lint_errors > 0 THEN 1 ELSE 0 END,
  b.updated_at
FROM catalog_bundles b WHERE b.status = 'published';

CREATE VIEW oversight_escalation_facts AS
SELECT e.id AS record_id, a.number, e.region_code, e.department_id::text AS department_id, a.item_id::text AS item_id,
  e.kind AS category, ${CHINA_DAY('e.created_at')} AS day,
  1 AS escalations, e.created_at AS updated_at
FROM application_escalations e JOIN applications a ON a.id = e.application_id;

CREATE VIEW oversight_work_order_facts AS
SELECT w.id AS record_id, w.number, w.region_code, w.department_id::text AS department_id, NULL::text AS item_id,
  r.measure AS category, ${CHINA_DAY('w.created_at')} AS day,
  1 AS orders,
  CASE WHEN w.status = 'closed' THEN 1 ELSE 0 END AS closed,
  CASE WHEN w.status = 'closed' AND ${CHINA_DAY('w.closed_at')} <= w.due_date THEN 1 ELSE 0 END AS closed_on_time,
  CASE WHEN w.status <> 'closed' AND w.overdue THEN 1 ELSE 0 END AS open_overdue,
  CASE WHEN w.responded_at IS NOT NULL THEN 1 ELSE 0 END AS responded,
  w.updated_at
FROM oversight_work_orders w
LEFT JOIN oversight_alerts al ON al.id = w.alert_id
LEFT JOIN oversight_alert_rules r ON r.id = al.rule_id;

CREATE VIEW oversight_market_facts AS
SELECT a.uscc || ':registered' AS record_id, a.uscc AS number, a.region_code::text AS region_code, NULL::text AS department_id, NULL::text AS item_id,
  a.industry::text AS category, a.registered_on AS day,
  1 AS registered, 0 AS cancelled, a.updated_at
FROM accounts a WHERE a.kind = 'enterprise' AND a.uscc IS NOT NULL AND a.registered_on IS NOT NULL
UNION ALL
SELECT a.uscc || ':cancelled', a.uscc, a.region_code::text, NULL::text, NULL::text,
  a.industry::text, a.cancelled_on,
  0, 1, a.updated_at
FROM accounts a WHERE a.kind = 'enterprise' AND a.uscc IS NOT NULL AND a.registered_on IS NOT NULL AND a.cancelled_on IS NOT NULL
UNION ALL
SELECT e.uscc || ':' || e.event, e.uscc, e.region_code::text, NULL::text, NULL::text,
  e.industry::text, e.occurred_on,
  CASE WHEN e.event = 'registered' THEN 1 ELSE 0 END, CASE WHEN e.event = 'cancelled' THEN 1 ELSE 0 END, e.created_at
FROM market_entity_events e
WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.uscc = e.uscc AND a.kind = 'enterprise' AND a.registered_on IS NOT NULL);

CREATE VIEW oversight_review_facts AS
SELECT r.id AS record_id, r.subject_number AS number, r.region_code::text AS region_code, r.department_id::text AS department_id, r.item_id::text AS item_id,
  r.channel AS category, ${CHINA_DAY('r.created_at')} AS day,
  1 AS reviews,
  CASE WHEN r.level >= 3 THEN 1 ELSE 0 END AS good,
  CASE WHEN r.level <= 2 THEN 1 ELSE 0 END AS bad,
  CASE WHEN c.id IS NOT NULL AND c.state <> 'annulled' THEN 1 ELSE 0 END AS cases,
  CASE WHEN c.state IN ('awaiting_rerate','closed') THEN 1 ELSE 0 END AS rectified,
  CASE WHEN c.state IN ('awaiting_rerate','closed') AND c.late_steps = 0 THEN 1 ELSE 0 END AS rectified_on_time,
  greatest(r.updated_at, c.created_at, c.verified_at, c.rectified_at, c.fed_back_at, c.closed_at, c.appealed_at, c.appeal_decided_at) AS updated_at
FROM reviews r LEFT JOIN rectification_cases c ON c.review_id = r.id
WHERE r.status = 'valid';

CREATE VIEW oversight_inquiry_facts AS
SELECT i.id AS record_id, i.number, i.region_code::text AS region_code, i.department_id::text AS department_id, i.item_id::text AS item_id,
  i.category, ${CHINA_DAY('i.created_at')} AS day,
  1 AS inquiries,
  CASE WHEN i.responded_at IS NOT NULL OR i.respond_due < now() THEN 1 ELSE 0 END AS due,
  CASE WHEN i.responded_at IS NOT NULL AND i.responded_late = false THEN 1 ELSE 0 END AS responded_in_time,
  CASE WHEN i.resolved IS NOT NULL THEN 1 ELSE 0 END AS confirmed,
  CASE WHEN i.resolved THEN 1 ELSE 0 END AS resolved,
  CASE WHEN i.satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
  CASE WHEN i.satisfaction >= 3 THEN 1 ELSE 0 END AS satisfied,
  CASE WHEN i.kind = 'complaint' THEN 1 ELSE 0 END AS complaints,
  i.updated_at
FROM inquiries i;

CREATE VIEW oversight_exchange_facts AS
SELECT c.id AS record_id, c.reference AS number, coalesce(d.region_code::text, '') AS region_code, c.consumer_department_id::text AS department_id, c.resource_id::text AS item_id,
  c.resource_code AS category, ${CHINA_DAY('c.at')} AS day,
  1 AS calls,
  CASE WHEN c.outcome <> 'refused' THEN 1 ELSE 0 END AS succeeded,
  c.at AS updated_at
FROM exchange_calls c LEFT JOIN departments d ON d.id = c.consumer_department_id;

CREATE VIEW oversight_opendata_facts AS
SELECT s.dataset_id::text || ':' || s.day::text AS record_id, ds.name AS number, ds.region_code::text AS region_code, s.department_id::text AS department_id, s.dataset_id::text AS item_id,
  ds.name AS category, s.day AS day,
  s.downloads::int AS downloads, 0 AS requests, 0 AS requests_answered,
  s.day::timestamp AT TIME ZONE 'UTC' AS updated_at
FROM opendata_stats s JOIN opendata_datasets ds ON ds.id = s.dataset_id
UNION ALL
SELECT r.id::text, r.title, coalesce(d.region_code::text, ''), r.department_id::text, NULL::text,
  'request', ${CHINA_DAY('r.created_at')},
  0, 1, CASE WHEN r.answered_at IS NOT NULL OR r.status = 'closed' THEN 1 ELSE 0 END,
  r.modified_at
FROM opendata_requests r LEFT JOIN departments d ON d.id = r.department_id;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
