// Session 4 of reviews: why a rectification case ended (closed_reason, including 'review_annulled'
// when a confirmed gaming flag annuls its review), the department's notice of it, and the daily
// roll-ups of the review statistics (maintained in the transaction of every review or case write;
// built here from the rows already present).
import type { Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

/** The counts of a roll-up row (both tables). */
const COUNTS = ['total', 'l1', 'l2', 'l3', 'l4', 'l5', 'first_bad', 'cases', 'rectified', 'on_time'].map((c) => `${c} integer NOT NULL DEFAULT 0`).join(',\n  ');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE rectification_cases ADD COLUMN closed_reason text CHECK (closed_reason IN ('rerated','corrected','appeal_upheld','review_annulled'));
UPDATE rectification_cases SET closed_reason = CASE
  WHEN state = 'closed' THEN 'rerated'
  WHEN state = 'annulled' AND appeal_decision = 'upheld' THEN 'appeal_upheld'
  ELSE 'corrected' END
WHERE state IN ('closed','annulled');

CREATE TABLE review_stats_daily (
  day date NOT NULL,
  department_key text NOT NULL,
  item_key text NOT NULL,
  region_code text NOT NULL,
  channel text NOT NULL,
  name text NOT NULL DEFAULT '',
  ${COUNTS},
  PRIMARY KEY (day, department_key, item_key, region_code, channel)
);
CREATE INDEX review_stats_daily_department ON review_stats_daily (department_key, day);
CREATE INDEX review_stats_daily_item ON review_stats_daily (item_key, day);

CREATE TABLE review_stats_daily_coarse (
  day date NOT NULL,
  department_key text NOT NULL,
  region_code text NOT NULL,
  channel text NOT NULL,
  ${COUNTS},
  PRIMARY KEY (day, department_key, region_code, channel)
);
CREATE INDEX review_stats_daily_coarse_region ON review_stats_daily_coarse (region_code text_pattern_ops);

INSERT INTO review_stats_daily (day, department_key, item_key, region_code, channel, name, total, l1, l2, l3, l4, l5, first_bad, cases, rectified, on_time)
SELECT ((r.created_at AT TIME ZONE 'UTC') + interval '8 hours')::date, COALESCE(r.department_id::text, ''), COALESCE(r.item_id::text, ''), r.region_code, r.channel,
  max(r.subject_title), count(*),
  count(*) FILTER (WHERE r.level = 1), count(*) FILTER (WHERE r.level = 2), count(*) FILTER (WHERE r.level = 3),
  count(*) FILTER (WHERE r.level = 4), count(*) FILTER (WHERE r.level = 5), count(*) FILTER (WHERE r.first_level <= 2),
  count(c.id) FILTER (WHERE c.state <> 'annulled'),
  count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed')),
  count(c.id) FILTER (WHERE c.state IN ('awaiting_rerate','closed') AND c.late_steps = 0)
FROM reviews r LEFT JOIN rectification_cases c ON c.review_id = r.id
WHERE r.status = 'valid'
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO review_stats_daily_coarse (day, department_key, region_code, channel, total, l1, l2, l3, l4, l5, first_bad, cases, rectified, on_time)
SELECT day, department_key, region_code, channel, sum(total), sum(l1), sum(l2), sum(l3), sum(l4), sum(l5), sum(first_bad), sum(cases), sum(rectified), sum(on_time)
FROM review_stats_daily GROUP BY 1, 2, 3, 4;
`);
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

const TEMPLATES: TemplateSeed[] = [
  {
    code: 'review.case_annulled',
    description: '差评整改 — the review behind a case was annulled (a confirmed gaming flag); the case is closed',
    params: ['caseNo', 'subject', 'reason'],
    channels: [],
    zh: ['整改工单已撤销', '「{{subject}}」的整改工单 {{caseNo}} 已撤销：{{reason}}。该工单无需继续办理。', '工单{{caseNo}}已撤销，无需继续办理。'],
    en: ['Rectification case withdrawn', 'Rectification case {{caseNo}} ("{{subject}}") is withdrawn: {{reason}}. No further steps are needed.', 'Case {{caseNo}} withdrawn; no further steps.'],
  },
];
