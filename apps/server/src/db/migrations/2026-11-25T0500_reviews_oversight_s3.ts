// Session 3 of reviews / interaction / oversight: the rating link carried by the invitation SMS
// (one-time token, stored as a hash, with an expiry), the resolution of gaming flags, the
// department's acceptance (签收) of an oversight work order and its notifications, and the good
// practices (典型经验) supervisors publish from top-ranked departments with their figures' provenance.
import type { Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE review_invitations ADD COLUMN token_hash text;
ALTER TABLE review_invitations ADD COLUMN token_expires_at timestamptz;
ALTER TABLE review_invitations ADD COLUMN token_used_at timestamptz;
CREATE UNIQUE INDEX review_invitations_token ON review_invitations (token_hash) WHERE token_hash IS NOT NULL;

ALTER TABLE review_flags ADD COLUMN resolution_note text;
ALTER TABLE review_flags ADD COLUMN resolved_by uuid;
ALTER TABLE review_flags ADD COLUMN resolved_at timestamptz;

ALTER TABLE oversight_work_orders ADD COLUMN accepted_at timestamptz;
ALTER TABLE oversight_work_orders ADD COLUMN accepted_by uuid;
ALTER TABLE oversight_work_orders ADD COLUMN escalated_at timestamptz;

CREATE TABLE oversight_practices (
  id uuid PRIMARY KEY,
  title text NOT NULL,
  summary text NOT NULL,
  body text NOT NULL,
  department_id uuid NOT NULL,
  region_code text NOT NULL,
  measure text NOT NULL,
  period_from text NOT NULL,
  period_to text NOT NULL,
  figure jsonb NOT NULL,
  status text NOT NULL DEFAULT 'published' CHECK (status IN ('published','withdrawn')),
  published_by uuid NOT NULL,
  published_by_name text NOT NULL,
  published_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdraw_note text,
  views integer NOT NULL DEFAULT 0
);
CREATE INDEX oversight_practices_region ON oversight_practices (region_code text_pattern_ops, published_at DESC);
`);
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

const TEMPLATES: TemplateSeed[] = [
  {
    code: 'review.invite_link',
    description: '好差评 — invitation to review a concluded application, with a one-time rating link (SMS)',
    params: ['applicationNo', 'itemName', 'rateUrl', 'expiresOn'],
    channels: ['sms'],
    zh: ['请为本次服务评价', '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已办结，欢迎对本次服务作出评价（好差评）。评价链接 {{rateUrl}} 于 {{expiresOn}} 前有效。', '您的{{itemName}}（{{applicationNo}}）已办结，请评价：{{rateUrl}}（{{expiresOn}}前有效）'],
    en: ['Please rate our service', 'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded. Please rate the service: {{rateUrl}} (valid until {{expiresOn}}).', 'Application {{applicationNo}} is concluded; rate it: {{rateUrl}} (until {{expiresOn}})'],
  },
  {
    code: 'oversight.work_order_created',
    description: '一网统管 — an alert dispatched a work order to the department',
    params: ['number', 'title', 'dueDate'],
    channels: ['sms'],
    zh: ['收到监管工单', '预警派发工单 {{number}}：{{title}}，请于 {{dueDate}} 前签收并报送办理情况。', '监管工单{{number}}请于{{dueDate}}前办理。'],
    en: ['A work order was dispatched to you', 'Alert work order {{number}}: {{title}}. Accept it and report the handling by {{dueDate}}.', 'Work order {{number}} due {{dueDate}}.'],
  },
  {
    code: 'oversight.work_order_overdue',
    description: '一网统管 — a work order passed its deadline (escalated to the supervisors)',
    params: ['number', 'title', 'department', 'dueDate'],
    channels: ['sms'],
    zh: ['监管工单已超期', '{{department}}的工单 {{number}}（{{title}}）已超过办理期限 {{dueDate}}，已升级督办。', '工单{{number}}已超期督办。'],
    en: ['A work order is overdue', 'Work order {{number}} of {{department}} ({{title}}) passed its deadline {{dueDate}} and was escalated.', 'Work order {{number}} overdue.'],
  },
];
