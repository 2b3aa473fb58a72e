/**
 * Facts views over other modules' tables (reviews, 12345 inquiries, data exchange, open data).
 * They are created by the service, not by a migration, as soon as the owning module's tables
 * exist: modules land independently, and a view must never make a migration fail. If a module's
 * tables change so that its view cannot be created, its measures say "not available" with the
 * database's reason instead of showing a wrong number. Each view follows the owning module's own
 * published definitions (reviews.stats.ts, interaction.rates.ts, opendata `openDataUsage`).
 */
export const CHINA_DAY = (col: string) => `(${col} AT TIME ZONE 'UTC' + interval '8 hours')::date`;

export const MODULE_VIEWS: Record<string, { requires: string[]; sql: string }> = {
  reviews: {
    requires: ['reviews', 'rectification_cases'],
    sql: `CREATE OR REPLACE VIEW oversight_review_facts AS
SELECT r.id::text AS record_id, r.subject_number AS number, r.region_code::text AS region_code, r.department_id::text AS department_id, r.item_id::text AS item_id,
  r.channel AS category, ${CHINA_DAY('r.created_at')} AS day,
  1 AS reviews,
  CASE WHEN r.level >= 3 THEN 1 ELSE 0 END AS good,
  CASE WHEN r.level <= 2 THEN 1 ELSE 0 END AS bad,
  CASE WHEN c.id IS NOT NULL AND c.state <> 'annulled' THEN 1 ELSE 0 END AS cases,
  CASE WHEN c.state IN ('awaiting_rerate','closed') THEN 1 ELSE 0 END AS rectified,
  CASE WHEN c.state IN ('awaiting_rerate','closed') AND c.late_steps = 0 THEN 1 ELSE 0 END AS rectified_on_time,
  greatest(r.updated_at, c.created_at, c.rectified_at, c.fed_back_at, c.closed_at) AS updated_at
FROM reviews r LEFT JOIN rectification_cases c ON c.review_id = r.id
WHERE r.status = 'valid'`,
  },
  inquiries: {
    requires: ['inquiries'],
    sql: `CREATE OR REPLACE VIEW oversight_inquiry_facts AS
SELECT i.id::text AS record_id, i.number, i.region_code::text AS region_code, i.department_id::text AS department_id, i.item_id::text AS item_id,
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
FROM inquiries i`,
  },
  exchange: {
    requires: ['exchange_calls'],
    sql: `CREATE OR REPLACE VIEW oversight_exchange_facts AS
SELECT c.id::text AS record_id, c.reference AS number, coalesce(d.region_code::text, '') AS region_code, c.consumer_department_id::text AS department_id, c.resource_id::text AS item_id,
  c.resource_code AS category, ${CHINA_DAY('c.at')} AS day,
  1 AS calls,
  CASE WHEN c.outcome <> 'refused' THEN 1 ELSE 0 END AS succeeded,
  c.at AS updated_at
FROM exchange_calls c LEFT JOIN departments d ON d.id = c.consumer_department_id`,
  },
  opendata: {
    requires: ['opendata_stats', 'opendata_datasets', 'opendata_requests'],
    sql: `CREATE OR REPLACE VIEW oversight_opendata_facts AS
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
FROM opendata_requests r LEFT JOIN departments d ON d.id = r.department_id`,
  },
};
