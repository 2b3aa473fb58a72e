// Notifications: templates (data a region edits without a release, seeded below in Chinese and
// English), the in-app inbox, per-channel delivery records (SMS, e-mail) and each recipient's
// language and channel preferences. Delivery itself runs from the jobs outbox after commit.
import type { Kysely } from 'kysely';
import { ddl, insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE notification_templates (
  code text PRIMARY KEY,
  description text NOT NULL,
  params jsonb NOT NULL DEFAULT '[]',
  channels jsonb NOT NULL DEFAULT '[]',
  title_zh text NOT NULL,
  body_zh text NOT NULL,
  sms_zh text NOT NULL,
  title_en text NOT NULL,
  body_en text NOT NULL,
  sms_en text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  recipient_id uuid NOT NULL REFERENCES accounts(id),
  template_code text NOT NULL REFERENCES notification_templates(code),
  template_version integer NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  content jsonb NOT NULL,
  link text,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;

CREATE TABLE notification_deliveries (
  id uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notifications(id),
  channel text NOT NULL CHECK (channel IN ('sms','email')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed','skipped')),
  attempts integer NOT NULL DEFAULT 0,
  destination_masked text,
  provider_message_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);
CREATE INDEX notification_deliveries_open ON notification_deliveries (status) WHERE status IN ('pending','failed');

CREATE TABLE notification_preferences (
  account_id uuid PRIMARY KEY REFERENCES accounts(id),
  locale text NOT NULL DEFAULT 'zh' CHECK (locale IN ('zh','en')),
  sms boolean NOT NULL DEFAULT true,
  email boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`);
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

// The texts the applications module sends. [title, inbox/e-mail body, SMS text]; placeholders are
// {{name}} and must be among `params` (checked again whenever a region edits a text).
const TEMPLATES: TemplateSeed[] = [
  {
    code: 'application.accepted',
    description: '受理 — the application was accepted',
    params: ['applicationNo', 'itemName', 'dueDate'],
    channels: ['sms'],
    zh: [
      '您的办件已受理',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已受理，承诺于 {{dueDate}} 前办结。您可以在“我的办件”中查看办理进度。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已受理，承诺{{dueDate}}前办结。',
    ],
    en: [
      'Your application has been accepted',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) has been accepted and will be concluded by {{dueDate}}. Follow its progress under "My applications".',
      'Your application {{applicationNo}} ({{itemName}}) was accepted; due by {{dueDate}}.',
    ],
  },
  {
    code: 'application.not_accepted',
    description: '不予受理 — the application was not accepted, with the reason',
    params: ['applicationNo', 'itemName', 'reason'],
    channels: ['sms', 'email'],
    zh: [
      '您的申请不予受理',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）不予受理，原因：{{reason}}。如有疑问，请咨询受理部门。',
      '您申请的{{itemName}}（编号{{applicationNo}}）不予受理，原因：{{reason}}。',
    ],
    en: [
      'Your application was not accepted',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) was not accepted. Reason: {{reason}}. For questions, contact the accepting department.',
      'Your application {{applicationNo}} ({{itemName}}) was not accepted: {{reason}}.',
    ],
  },
  {
    code: 'application.supplement_requested',
    description: '补正 — materials must be supplemented; the clock pauses',
    params: ['applicationNo', 'itemName', 'missing', 'dueDate'],
    channels: ['sms', 'email'],
    zh: [
      '请补正申请材料',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）需要补正：{{missing}}。请于 {{dueDate}} 前在“我的办件”中补正，补正期间办理时限暂停计算。',
      '您申请的{{itemName}}（编号{{applicationNo}}）需补正：{{missing}}，请于{{dueDate}}前办理。',
    ],
    en: [
      'Please supplement your application',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) needs: {{missing}}. Please supplement it under "My applications" by {{dueDate}}; the time limit is paused meanwhile.',
      'Application {{applicationNo}} ({{itemName}}) needs: {{missing}}. Please supplement by {{dueDate}}.',
    ],
  },
  {
    code: 'application.approved',
    description: '准予 — the application was approved',
    params: ['applicationNo', 'itemName'],
    channels: ['sms', 'email'],
    zh: [
      '您的申请已准予',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已作出准予决定，办理结果送达时将另行通知。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已准予。',
    ],
    en: [
      'Your application has been approved',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) has been approved. You will be told when the result is delivered.',
      'Your application {{applicationNo}} ({{itemName}}) was approved.',
    ],
  },
  {
    code: 'application.denied',
    description: '不予 — the application was denied, with reasons and how to appeal',
    params: ['applicationNo', 'itemName', 'reason', 'appeal'],
    channels: ['sms', 'email'],
    zh: [
      '您的申请不予许可',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）不予许可，理由：{{reason}}。如不服本决定，{{appeal}}',
      '您申请的{{itemName}}（编号{{applicationNo}}）不予许可，详情请登录查看。',
    ],
    en: [
      'Your application was denied',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) was denied. Reasons: {{reason}}. If you disagree: {{appeal}}',
      'Your application {{applicationNo}} ({{itemName}}) was denied; sign in for details.',
    ],
  },
  {
    code: 'application.concluded',
    description: '办结 — concluded, the result is ready',
    params: ['applicationNo', 'itemName', 'delivery'],
    channels: ['sms', 'email'],
    zh: [
      '您的办件已办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已办结。办理结果：{{delivery}}',
      '您申请的{{itemName}}（编号{{applicationNo}}）已办结：{{delivery}}',
    ],
    en: [
      'Your application is concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded. Result: {{delivery}}',
      'Application {{applicationNo}} ({{itemName}}) concluded: {{delivery}}',
    ],
  },
  {
    code: 'payment.due',
    description: '缴费 — a fee is due',
    params: ['applicationNo', 'itemName', 'amount', 'payBefore'],
    channels: ['sms'],
    zh: [
      '请缴纳办件费用',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）需缴纳费用 {{amount}} 元，请于 {{payBefore}} 前在“我的办件”中完成缴费。',
      '您申请的{{itemName}}（编号{{applicationNo}}）需缴费{{amount}}元，请于{{payBefore}}前缴纳。',
    ],
    en: [
      'A fee is due',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) requires a fee of CNY {{amount}}. Please pay under "My applications" by {{payBefore}}.',
      'Application {{applicationNo}} ({{itemName}}): please pay CNY {{amount}} by {{payBefore}}.',
    ],
  },
  {
    code: 'task.deadline_warning',
    description: '预警 — an officer’s task is close to its deadline',
    params: ['applicationNo', 'itemName', 'stage', 'daysLeft', 'dueDate'],
    channels: ['sms'],
    zh: [
      '办件即将超期',
      '办件 {{applicationNo}}「{{itemName}}」的“{{stage}}”环节剩余 {{daysLeft}} 个工作日（截止 {{dueDate}}），请及时办理。',
      '办件{{applicationNo}}（{{itemName}}）{{stage}}环节剩余{{daysLeft}}个工作日，请及时办理。',
    ],
    en: [
      'A task is close to its deadline',
      'Application {{applicationNo}} ("{{itemName}}"), stage "{{stage}}": {{daysLeft}} working day(s) left (due {{dueDate}}). Please act in time.',
      'Application {{applicationNo}} ({{itemName}}), {{stage}}: {{daysLeft}} working day(s) left.',
    ],
  },
  {
    code: 'review.invitation',
    description: '评价邀请 — invites the applicant to rate the service (好差评)',
    params: ['applicationNo', 'itemName', 'link'],
    channels: ['sms'],
    zh: [
      '邀请您评价本次服务',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已办结，欢迎对本次服务作出评价：{{link}}',
      '您申请的{{itemName}}已办结，欢迎评价：{{link}}',
    ],
    en: [
      'Please rate our service',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded. Please rate the service: {{link}}',
      'Application {{applicationNo}} concluded. Please rate the service: {{link}}',
    ],
  },
];
