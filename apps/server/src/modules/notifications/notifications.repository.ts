/** All SQL of the notifications module's tables: templates, the inbox, deliveries, preferences. */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { NotificationChannel, NotificationLocale, RenderedNotification } from '../../db/types';
import { deferInsert } from '../../db/deferred';

type Q = Db; // a Kysely instance or a transaction

export const templatesRepo = {
  list: (db: Q) => db.selectFrom('notification_templates').selectAll().orderBy('code').execute(),
  byCode: (db: Q, code: string) => db.selectFrom('notification_templates').selectAll().where('code', '=', code).executeTakeFirst(),
  byCodes: (db: Q, codes: string[]) => db.selectFrom('notification_templates').selectAll().where('code', 'in', codes).execute(),
  /** Compare-and-set on the version: a concurrent edit makes this update nothing. */
  update: (
    db: Q,
    code: string,
    expectedVersion: number,
    patch: { title_zh: string; body_zh: string; sms_zh: string; title_en: string; body_en: string; sms_en: string; channels: NotificationChannel[]; updated_by: string | null },
  ) =>
    db
      .updateTable('notification_templates')
      .set({ ...patch, channels: JSON.stringify(patch.channels), version: sql`version + 1`, updated_at: sql`now()` })
      .where('code', '=', code)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst(),
};

export const inboxRepo = {
  insert: (
    db: Q,
    row: { id: string; recipient_id: string; template_code: string; template_version: number; params: Record<string, string>; content: Record<NotificationLocale, RenderedNotification>; link: string | null },
  ) => {
    const r = { ...row, params: JSON.stringify(row.params), content: JSON.stringify(row.content) };
    return deferInsert(db, 'notifications', r) ? Promise.resolve() : db.insertInto('notifications').values(r).execute().then(() => undefined);
  },
  list: (db: Q, recipientId: string, opts: { unreadOnly: boolean; limit: number; offset: number }) => {
    let q = db.selectFrom('notifications').selectAll().where('recipient_id', '=', recipientId);
    if (opts.unreadOnly) q = q.where('read_at', 'is', null);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
  },
  count: async (db: Q, recipientId: string, unreadOnly: boolean) => {
    let q = db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('recipient_id', '=', recipientId);
    if (unreadOnly) q = q.where('read_at', 'is', null);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },
  /** Marks read only the recipient's own notification; returns whether it was theirs. */
  markRead: async (db: Q, recipientId: string, id: string) => {
    const r = await db
      .updateTable('notifications')
      .set({ read_at: sql`coalesce(read_at, now())` })
      .where('id', '=', id)
      .where('recipient_id', '=', recipientId)
      .returning(['id', 'read_at'])
      .executeTakeFirst();
    return r;
  },
  markAllRead: async (db: Q, recipientId: string) => {
    const r = await db.updateTable('notifications').set({ read_at: sql`now()` }).where('recipient_id', '=', recipientId).where('read_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};

export const deliveriesRepo = {
  /**
   * Deliveries with their notification and the recipient's preferences (null when none), in one
   * round trip. The ids as one array parameter: one statement text whatever their number (an IN
   * list made a text per count, each planned afresh and filling the connection's prepared statements).
   */
  forSendingMany: (db: Q, ids: string[]) =>
    db
      .selectFrom('notification_deliveries as d')
      .innerJoin('notifications as n', 'n.id', 'd.notification_id')
      .leftJoin('notification_preferences as p', 'p.account_id', 'n.recipient_id')
      .select(['d.id', 'd.channel', 'd.status', 'd.attempts', 'n.recipient_id', 'n.template_code', 'n.params', 'n.content', 'p.locale as pref_locale', 'p.sms as pref_sms', 'p.email as pref_email'])
      .where(sql<boolean>`d.id = any(${ids}::uuid[])`)
      .execute(),
  /**
   * Records the outcomes of a batch in one statement: sent ones (as `record` with status 'sent': an
   * attempt, the masked destination, the provider's id) and skipped ones (with why). Only pending
   * deliveries change (a repeated job cannot undo a result).
   */
  recordOutcomes: (db: Q, sent: { id: string; destination_masked: string; provider_message_id: string }[], skipped: { id: string; why: string }[]) =>
    sql`UPDATE notification_deliveries d SET status = CASE WHEN s.sent THEN 'sent' ELSE 'skipped' END,
          attempts = d.attempts + CASE WHEN s.sent THEN 1 ELSE 0 END,
          destination_masked = CASE WHEN s.sent THEN s.masked ELSE d.destination_masked END,
          provider_message_id = CASE WHEN s.sent THEN s.message_id ELSE d.provider_message_id END,
          last_error = s.why, sent_at = CASE WHEN s.sent THEN now() ELSE d.sent_at END, updated_at = now()
        FROM unnest(${[...sent.map((x) => x.id), ...skipped.map((x) => x.id)]}::uuid[], ${[...sent.map(() => true), ...skipped.map(() => false)]}::boolean[],
          ${[...sent.map((x) => x.destination_masked), ...skipped.map(() => null)]}::text[], ${[...sent.map((x) => x.provider_message_id), ...skipped.map(() => null)]}::text[],
          ${[...sent.map(() => null), ...skipped.map((x) => x.why)]}::text[]) AS s(id, sent, masked, message_id, why)
        WHERE d.id = s.id AND d.status = 'pending'`.execute(db),
  insert: (db: Q, row: { id: string; notification_id: string; channel: NotificationChannel }) =>
    deferInsert(db, 'notification_deliveries', row) ? Promise.resolve() : db.insertInto('notification_deliveries').values(row).execute().then(() => undefined),
  ofNotifications: (db: Q, ids: string[]) =>
    ids.length
      ? db.selectFrom('notification_deliveries').select(['notification_id', 'channel', 'status', 'sent_at']).where('notification_id', 'in', ids).orderBy('channel').execute()
      : Promise.resolve([]),
  /** Records an attempt's outcome; only a pending delivery changes (a repeated job cannot undo a result). */
  record: (
    db: Q,
    id: string,
    patch: { status: 'pending' | 'sent' | 'failed' | 'skipped'; attempted?: boolean; destination_masked?: string | null; provider_message_id?: string | null; last_error?: string | null },
  ) =>
    db
      .updateTable('notification_deliveries')
      .set({
        status: patch.status,
        ...(patch.attempted ? { attempts: sql`attempts + 1` } : {}),
        ...(patch.destination_masked !== undefined ? { destination_masked: patch.destination_masked } : {}),
        ...(patch.provider_message_id !== undefined ? { provider_message_id: patch.provider_message_id } : {}),
        ...(patch.last_error !== undefined ? { last_error: patch.last_error } : {}),
        ...(patch.status === 'sent' ? { sent_at: sql`now()` } : {}),
        // Failed deliveries are found by this column's index (the status is in no index, so that
        // recording an outcome is a HOT update).
        ...(patch.status === 'failed' ? { failed_at: sql`now()` } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute(),
};

export const preferencesRepo = {
  get: (db: Q, accountId: string) => db.selectFrom('notification_preferences').selectAll().where('account_id', '=', accountId).executeTakeFirst(),
  upsert: (db: Q, row: { account_id: string; locale: NotificationLocale; sms: boolean; email: boolean }) =>
    db
      .insertInto('notification_preferences')
      .values(row)
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ locale: row.locale, sms: row.sms, email: row.email, updated_at: sql`now()` }))
      .execute(),
};
