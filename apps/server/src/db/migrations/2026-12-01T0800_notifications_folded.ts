// One message per person and moment (issue 4, session 13): the applications engine folds the
// notifications one transaction gives one person about one application family into one message
// (applications.notify.ts foldNotices) — a decision and its conclusion in the same transaction, a
// fee due at acceptance, the last child's conclusion and its bundle's. The folded messages are
// templates of their own, data like the others (an operator edits them under 通知模板); the
// templates they replace are kept, with their codes, and still sent at other moments. Channels are
// those of the templates each replaces (the union), so recipients' preferences apply as before.
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
    code: 'application.approved_concluded',
    description: '准予并办结 — approved and concluded at once (the result delivered); replaces application.approved + application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'delivery'],
    channels: ['sms', 'email'],
    zh: [
      '您的申请已准予并办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已作出准予决定并办结，办理结果：{{delivery}}。您可以在“我的办件”中查看办理结果。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已准予并办结，办理结果：{{delivery}}。',
    ],
    en: [
      'Your application is approved and concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) has been approved and is concluded. Result: {{delivery}}. See the result under "My applications".',
      'Application {{applicationNo}} ({{itemName}}) approved and concluded. Result: {{delivery}}',
    ],
  },
  {
    code: 'application.denied_concluded',
    description: '不予并办结 — denied and concluded at once (the decision letter delivered), with reasons and how to appeal; replaces application.denied + application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'reason', 'appeal', 'delivery'],
    channels: ['sms', 'email'],
    zh: [
      '您的申请不予许可',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）不予许可，理由：{{reason}}。不予决定书已送达（{{delivery}}），本件已办结。{{appeal}}',
      '您申请的{{itemName}}（编号{{applicationNo}}）不予许可，决定书已送达（{{delivery}}），详情请登录查看。',
    ],
    en: [
      'Your application was denied',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) was denied. Reasons: {{reason}}. The decision was delivered ({{delivery}}) and the application is concluded. {{appeal}}',
      'Application {{applicationNo}} ({{itemName}}) was denied; the decision was delivered ({{delivery}}). Sign in for details.',
    ],
  },
  {
    code: 'application.accepted_payment_due',
    description: '受理并缴费 — accepted, and a fee is due at once; replaces application.accepted + payment.due told at one moment',
    params: ['applicationNo', 'itemName', 'dueDate', 'amount', 'payBefore'],
    channels: ['sms'],
    zh: [
      '您的办件已受理，请缴纳费用',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已受理，承诺于 {{dueDate}} 前办结。本事项需缴纳费用 {{amount}} 元，请于 {{payBefore}} 前在“我的办件”中完成缴费，缴费后继续办理。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已受理，需缴费{{amount}}元，请于{{payBefore}}前缴纳；承诺{{dueDate}}前办结。',
    ],
    en: [
      'Your application has been accepted; a fee is due',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) has been accepted and will be concluded by {{dueDate}}. It requires a fee of CNY {{amount}}: please pay under "My applications" by {{payBefore}}; handling continues once paid.',
      'Application {{applicationNo}} ({{itemName}}) accepted, due by {{dueDate}}. Please pay CNY {{amount}} by {{payBefore}}.',
    ],
  },
  {
    code: 'application.bundle_concluded',
    description: '一件事办结 — the last item concluded (its result delivered) and with it the bundle; replaces the item’s and the bundle’s application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'outcome', 'lastItem', 'delivery'],
    channels: ['sms', 'email'],
    zh: [
      '您的一件事已全部办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已全部办结（{{outcome}}）。最后办结的「{{lastItem}}」办理结果：{{delivery}}；其余事项此前已分别告知。您可以在“我的办件”中查看各事项的结果。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已全部办结（{{outcome}}），{{lastItem}}办理结果：{{delivery}}。',
    ],
    en: [
      'Your bundle is concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded ({{outcome}}). The last item, "{{lastItem}}": result {{delivery}}; you were told of the other items before. See each item\'s result under "My applications".',
      'Application {{applicationNo}} ({{itemName}}) concluded ({{outcome}}); {{lastItem}}: {{delivery}}',
    ],
  },
  {
    code: 'application.bundle_approved_concluded',
    description: '一件事办结 — the last item approved and concluded at once, and with it the bundle; replaces the item’s application.approved and application.concluded and the bundle’s application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'outcome', 'lastItem', 'delivery'],
    channels: ['sms', 'email'],
    zh: [
      '您的一件事已全部办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已全部办结（{{outcome}}）。最后办结的「{{lastItem}}」已作出准予决定，办理结果：{{delivery}}；其余事项此前已分别告知。您可以在“我的办件”中查看各事项的结果。',
      '您申请的{{itemName}}（编号{{applicationNo}}）已全部办结（{{outcome}}），{{lastItem}}已准予，办理结果：{{delivery}}。',
    ],
    en: [
      'Your bundle is concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded ({{outcome}}). Its last item, "{{lastItem}}", has been approved; result: {{delivery}}. You were told of the other items before. See each item\'s result under "My applications".',
      'Application {{applicationNo}} ({{itemName}}) concluded ({{outcome}}); {{lastItem}} approved, result: {{delivery}}',
    ],
  },
  {
    code: 'application.bundle_denied_concluded',
    description: '一件事办结 — an item denied and concluded at once, and with it the bundle, with reasons and how to appeal; replaces the item’s application.denied and application.concluded and the bundle’s application.concluded told at one moment',
    params: ['applicationNo', 'itemName', 'outcome', 'lastItem', 'delivery', 'reason', 'appeal'],
    channels: ['sms', 'email'],
    zh: [
      '您的一件事已办结',
      '您申请的「{{itemName}}」（办件编号 {{applicationNo}}）已全部办结（{{outcome}}）。其中「{{lastItem}}」不予许可，理由：{{reason}}，不予决定书已送达（{{delivery}}）。其余事项的办理情况请在“我的办件”中查看。{{appeal}}',
      '您申请的{{itemName}}（编号{{applicationNo}}）已全部办结（{{outcome}}），其中{{lastItem}}不予许可，详情请登录查看。',
    ],
    en: [
      'Your bundle is concluded',
      'Your application for "{{itemName}}" (no. {{applicationNo}}) is concluded ({{outcome}}). "{{lastItem}}" was denied. Reasons: {{reason}}. The decision was delivered ({{delivery}}). See the other items under "My applications". {{appeal}}',
      'Application {{applicationNo}} ({{itemName}}) concluded ({{outcome}}); {{lastItem}} was denied. Sign in for details.',
    ],
  },
];
