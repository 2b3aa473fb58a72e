// One message per person and moment (issue 4, session 13), one more fold: a bundle's last live child
// not accepted (by an officer, or its supplement's reply-by date passed) concludes the bundle in the
// same transaction; the child's application.not_accepted and the bundle's application.concluded are
// told as one message (applications.notify.ts INTO_BUNDLE). Channels of the two it replaces.
import type { Kysely } from 'kysely';
import { insertNotificationTemplates, type TemplateSeed } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await insertNotificationTemplates(db, TEMPLATES);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}

// [title, inbox/e-mail body, SMS text]; placeholders must be among `params`.
const TEMPLATES: TemplateSeed[] = [
  {
    code: 'application.bundle_not_accepted_concluded',
    description: '一件事办结 — an item not accepted, and with it the bundle concluded, with the reason; replaces the item’s application.not_accepted and the bundle’s application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'outcome', 'lastItem', 'reason'],
    channels: ['sms', 'email'],
    zh: [
      '您的一件事已办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已全部办结（{{outcome}}）。其中「{{lastItem}}」不予受理，原因：{{reason}}。其余事项的办理情况请在“我的办件”中查看。如有疑问，请咨询受理部门。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已全部办结（{{outcome}}），其中{{lastItem}}不予受理：{{reason}}。',
    ],
    en: [
      'Your bundle is concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded ({{outcome}}). "{{lastItem}}" was not accepted. Reason: {{reason}}. See the other items under "My applications". For questions, contact the accepting department.',
      'Application {{applicationNo}} ({{itemName}}) concluded ({{outcome}}); {{lastItem}} was not accepted: {{reason}}.',
    ],
  },
];
