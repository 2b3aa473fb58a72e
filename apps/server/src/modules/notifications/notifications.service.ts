/**
 * Notifications: other modules call `notify(trx, …)` inside their own transaction. The inbox row,
 * one delivery record per external channel and an outbox job for the deliveries are written in
 * that transaction (one job for all the deliveries of a deferring transaction, db/deferred.ts), so
 * a rolled-back write notifies no one and a committed one is delivered even across restarts. The
 * delivery job (at least once, idempotent on each delivery's state: only a pending one is sent)
 * picks the recipient's language, asks identity for the contact, and calls the gateway; a
 * transient failure is retried with the job runner's exponential backoff (the job's other
 * messages are not sent again), permanent ones and those past the configured attempts are
 * recorded as failed.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Selectable } from 'kysely';
import type { DatabaseHandle, Db } from '../../db/database';
import type { NotificationChannel, NotificationLocale, NotificationTemplatesTable } from '../../db/types';
import { recordAudit } from '../../plugins/audit';
import { subjectOf, type Actor, type RequestContext } from '../../shared/actor';
import { maskEmail, maskMobile, maskPersonalDataInText } from '../../shared/masking';
import type { Contact } from '../identity';
import { enqueueItem, itemsOf, type ClaimedJob } from '../jobs';
import { PermanentDeliveryError, type Gateways } from './notifications.gateways';
import { notificationErrors } from './notifications.errors';
import { deliveriesRepo, inboxRepo, preferencesRepo, templatesRepo } from './notifications.repository';
import { TEMPLATES_CHANNEL, TemplateCache, templateCacheOf, type TemplatesRead } from './notifications.cache';
import { notifyAtCommit } from '../../db/deferred';
import { paramText, render, undeclaredPlaceholders } from './notifications.templates';

export const DELIVER_QUEUE = 'notifications.deliver';
const CHANNELS: NotificationChannel[] = ['sms', 'email'];
/** The job runner's own limit is set above any configurable one, so the handler always records the outcome. */
const JOB_MAX_ATTEMPTS = 60;

export interface NotifyInput {
  recipientAccountId: string;
  /** Template code, e.g. 'application.accepted'. */
  template: string;
  /** Values for the template's declared parameters: all of them, and no others (as text; null counts as missing). */
  params: Record<string, unknown>;
  /** External channels to use besides the inbox (always); default: the template's channels. */
  channels?: NotificationChannel[];
  /** Path in the web app the notification points to, e.g. '/portal/applications/…'. */
  link?: string;
  /**
   * One message that says what several would have (`notifyAll` only): the notifications it stands
   * for. They are written instead when this one's template is unknown or does not fit, or when an
   * operator reworded one of theirs and not this one (`foldStands`).
   */
  replaces?: NotifyInput[];
}

/**
 * Whether a message that stands for others (`NotifyInput.replaces`) is written rather than them:
 * its template is known, and it was edited by an operator (version > 1) or none of theirs was — a
 * region that reworded one of the replaced messages keeps its words until it words this one too.
 */
export function foldStands(templates: TemplatesRead, input: NotifyInput): boolean {
  const t = templates.get(input.template);
  // Unknown: tried all the same, refused as a data error (logged by the caller), and the others written.
  if (!t) return true;
  return t.version > 1 || (input.replaces ?? []).every((r) => (templates.get(r.template)?.version ?? 1) <= 1);
}

/**
 * Notifies an account, inside the caller's transaction (`trx`: never the root database). Throws
 * (and so aborts the caller's transaction) for an unknown template or missing parameters. In a
 * deferring transaction (db/deferred.ts `transact`) the rows go with its closing statement and the
 * template is the one this process keeps (notifications.cache.ts): no round trip of its own.
 */
export async function notify(trx: Db, input: NotifyInput, templates?: TemplatesRead): Promise<{ id: string }> {
  const t = templates?.has(input.template) ? templates.get(input.template) : await templateOf(trx, input.template);
  if (!t) throw notificationErrors.templateUnknown(input.template);
  const content = render(t, input.params);
  if (input.link !== undefined && !/^\/(?!\/)\S*$/.test(input.link)) throw new Error(`notify: link must be a path in this site, not ${input.link}`);
  const id = randomUUID();
  const params = paramText(input.params);
  await inboxRepo.insert(trx, { id, recipient_id: input.recipientAccountId, template_code: t.code, template_version: t.version, params, content, link: input.link ?? null });
  const channels = CHANNELS.filter((c) => (input.channels ?? t.channels).includes(c));
  for (const channel of channels) {
    const deliveryId = randomUUID();
    await deliveriesRepo.insert(trx, { id: deliveryId, notification_id: id, channel });
    // One job for all the deliveries of the transaction (db/deferred.ts; one per notify call elsewhere).
    await enqueueItem(trx, DELIVER_QUEUE, deliveryId, { maxAttempts: JOB_MAX_ATTEMPTS });
  }
  return { id };
}

/** A template: kept by the process for a deferring transaction (notifications.cache.ts), else read in `trx`. */
async function templateOf(trx: Db, code: string) {
  const cache = templateCacheOf(trx);
  return cache ? (await cache.read(trx, [code])).get(code) : templatesRepo.byCode(trx, code);
}

/**
 * A template unknown, or whose parameters do not fit (NOTIFICATION_*): an error of data, not of
 * delivery — retrying cannot help.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('NOTIFICATION_');
}

/** The deliveries a job is for: its items (enqueueItem: delivery ids), or a job written before, `{ deliveryId }`. */
function deliveryIdsOf(job: ClaimedJob): string[] {
  return itemsOf<string | { deliveryId: unknown }>(job).map((i) => (typeof i === 'string' ? i : String(i.deliveryId)));
}

export interface TemplateTexts {
  title: string;
  body: string;
  sms: string;
}

export interface TemplateUpdate {
  version: number;
  channels: NotificationChannel[];
  zh: TemplateTexts;
  en: TemplateTexts;
}

function presentTemplate(t: Selectable<NotificationTemplatesTable>) {
  return {
    code: t.code,
    description: t.description,
    params: t.params,
    channels: t.channels,
    zh: { title: t.title_zh, body: t.body_zh, sms: t.sms_zh },
    en: { title: t.title_en, body: t.body_en, sms: t.sms_en },
    version: t.version,
    updatedAt: t.updated_at.toISOString(),
    updatedBy: t.updated_by,
  };
}

export interface NotificationServiceOptions {
  db: Db;
  /** Identity's contact lookup (the module's public service). */
  contacts: { contactOf(accountId: string): Promise<Contact | undefined>; contactsOf?(accountIds: string[]): Promise<Map<string, Contact>> };
  gateways: Gateways;
  maxAttempts: number;
  log: FastifyBaseLogger;
}

export class NotificationService {
  private readonly db: Db;
  /** Templates kept per process (notifications.cache.ts): `notifyAll` reads none in the caller's transaction. */
  readonly templateCache = new TemplateCache();
  constructor(private readonly opts: NotificationServiceOptions) {
    this.db = opts.db;
    // `notify` in other modules' deferring transactions on this database uses them too.
    this.templateCache.serve(opts.db);
  }

  /**
   * Notifies in the caller's transaction (as `notify`), with the templates this process keeps:
   * no round trip for them unless one is not kept yet. Each input is told or refused on its own:
   * a template unknown or whose parameters do not fit is a data error, returned (nothing written
   * for it, nothing thrown, so the caller's transaction goes on); any other error is thrown. An
   * input that stands for others (`replaces`) is written instead of them, or they instead of it
   * (`foldStands`; it refused).
   */
  async notifyAll(trx: Db, inputs: NotifyInput[]): Promise<{ told: number; refused: { input: NotifyInput; err: unknown }[] }> {
    const refused: { input: NotifyInput; err: unknown }[] = [];
    if (!inputs.length) return { told: 0, refused };
    const templates = await this.templateCache.read(trx, inputs.flatMap((i) => [i.template, ...(i.replaces ?? []).map((r) => r.template)]));
    let told = 0;
    const tell = async (input: NotifyInput): Promise<boolean> => {
      try {
        await notify(trx, input, templates);
        told++;
        return true;
      } catch (err) {
        if (!isDataError(err)) throw err;
        refused.push({ input, err });
        return false;
      }
    };
    for (const input of inputs) {
      if ((!input.replaces?.length || foldStands(templates, input)) && (await tell(input))) continue;
      // A message standing for others that does not stand, or was refused: those instead.
      for (const r of input.replaces ?? []) await tell(r);
    }
    return { told, refused };
  }

  /** Follows template edits made by other processes (see notifications.cache.ts). */
  followTemplates(listen: DatabaseHandle['listen']): Promise<void> {
    return this.templateCache.follow(listen);
  }

  get gateways(): Gateways {
    return this.opts.gateways;
  }

  // ---- the inbox: a person sees only the notifications of whom they act as -----------------

  async inbox(actor: Actor, q: { unread?: boolean; limit: number; offset: number }) {
    const me = subjectOf(actor);
    const rows = await inboxRepo.list(this.db, me, { unreadOnly: !!q.unread, limit: q.limit, offset: q.offset });
    const deliveries = await deliveriesRepo.ofNotifications(this.db, rows.map((r) => r.id));
    const items = rows.map((n) => ({
      id: n.id,
      template: n.template_code,
      title: { zh: n.content.zh.title, en: n.content.en.title },
      body: { zh: n.content.zh.body, en: n.content.en.body },
      link: n.link,
      createdAt: n.created_at.toISOString(),
      readAt: n.read_at?.toISOString() ?? null,
      deliveries: deliveries.filter((d) => d.notification_id === n.id).map((d) => ({ channel: d.channel, status: d.status, sentAt: d.sent_at?.toISOString() ?? null })),
    }));
    return { items, total: await inboxRepo.count(this.db, me, !!q.unread), unread: await inboxRepo.count(this.db, me, true) };
  }

  async unreadCount(actor: Actor) {
    return { count: await inboxRepo.count(this.db, subjectOf(actor), true) };
  }

  async markRead(ctx: RequestContext, id: string) {
    const me = subjectOf(ctx.actor!);
    return this.db.transaction().execute(async (trx) => {
      const r = await inboxRepo.markRead(trx, me, id);
      // Another person's notification is "not found": its existence is not theirs to learn.
      if (!r) throw notificationErrors.notificationNotFound();
      await recordAudit(trx, ctx, { action: 'notifications.read', entityType: 'notification', entityId: id });
      return { id: r.id, readAt: r.read_at!.toISOString() };
    });
  }

  async markAllRead(ctx: RequestContext) {
    const me = subjectOf(ctx.actor!);
    return this.db.transaction().execute(async (trx) => {
      const updated = await inboxRepo.markAllRead(trx, me);
      await recordAudit(trx, ctx, { action: 'notifications.read_all', entityType: 'account', entityId: me, detail: { updated } });
      return { updated };
    });
  }

  // ---- preferences: language of SMS and e-mail, and whether to receive them -----------------

  async preferences(actor: Actor) {
    const p = await preferencesRepo.get(this.db, subjectOf(actor));
    return { locale: p?.locale ?? ('zh' as NotificationLocale), sms: p?.sms ?? true, email: p?.email ?? true };
  }

  async setPreferences(ctx: RequestContext, input: { locale: NotificationLocale; sms: boolean; email: boolean }) {
    const me = subjectOf(ctx.actor!);
    await this.db.transaction().execute(async (trx) => {
      await preferencesRepo.upsert(trx, { account_id: me, ...input });
      await recordAudit(trx, ctx, { action: 'notifications.preferences.update', entityType: 'account', entityId: me, detail: input });
    });
    return this.preferences(ctx.actor!);
  }

  // ---- templates: texts are data, edited by the platform administrator ---------------------

  async templates() {
    return (await templatesRepo.list(this.db)).map(presentTemplate);
  }

  async updateTemplate(ctx: RequestContext, code: string, input: TemplateUpdate) {
    const out = await this.db.transaction().execute(async (trx) => {
      const t = await templatesRepo.byCode(trx, code);
      if (!t) throw notificationErrors.templateNotFound();
      const declared = t.params;
      for (const locale of ['zh', 'en'] as const) {
        for (const part of ['title', 'body', 'sms'] as const) {
          const bad = undeclaredPlaceholders([input[locale][part]], declared);
          if (bad.length) throw notificationErrors.placeholderUndeclared(`body/${locale}/${part}`, bad, declared);
        }
      }
      if (t.version !== input.version) throw notificationErrors.versionConflict(t.version);
      const next = {
        title_zh: input.zh.title,
        body_zh: input.zh.body,
        sms_zh: input.zh.sms,
        title_en: input.en.title,
        body_en: input.en.body,
        sms_en: input.en.sms,
        channels: CHANNELS.filter((c) => input.channels.includes(c)),
      };
      const updated = await templatesRepo.update(trx, code, input.version, { ...next, updated_by: ctx.actor!.accountId });
      if (!updated) throw notificationErrors.versionConflict((await templatesRepo.byCode(trx, code))!.version);
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(next)) {
        const old = (t as unknown as Record<string, unknown>)[k];
        if (JSON.stringify(old) !== JSON.stringify(v)) {
          before[k] = old;
          after[k] = v;
        }
      }
      await recordAudit(trx, ctx, { action: 'notifications.template.update', entityType: 'notification_template', entityId: code, detail: { version: updated.version, before, after } });
      // Every process drops the templates it keeps when this commits (this one below, at once).
      await notifyAtCommit(trx, TEMPLATES_CHANNEL, code);
      return presentTemplate(updated);
    });
    this.templateCache.drop();
    return out;
  }

  // ---- delivery: the outbox job -------------------------------------------------------------

  /**
   * Delivers the SMS and e-mails of claimed jobs (one, or a batch): the deliveries are read in one
   * round trip, each recipient's contact once, the messages handed to the gateways together (the
   * file gateways write them in one append), and the outcomes recorded — sent, and skipped (opted
   * out, no gateway or address), in one statement; a failure on the delivery itself (attempts,
   * the masked address, the error; failed for good when permanent or after the configured number
   * of attempts). Only a pending delivery is sent, so a job run again never sends a message twice.
   * Returns the jobs with a delivery that failed transiently (id → error): the job runner retries
   * those with backoff, and the retry sends only what is still pending.
   */
  async deliverJobs(jobs: ClaimedJob[]): Promise<Map<number, unknown>> {
    const failed = new Map<number, unknown>();
    const idsOf = new Map(jobs.map((j) => [j.id, deliveryIdsOf(j)]));
    const rows = await deliveriesRepo.forSendingMany(this.db, [...new Set([...idsOf.values()].flat())]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const contacts = new Map<string, Promise<Contact | undefined>>();
    // The recipients' contacts in one read when the identity service offers it.
    const recipients = [...new Set(rows.filter((d) => d.status === 'pending').map((d) => d.recipient_id))];
    if (recipients.length > 1 && this.opts.contacts.contactsOf) {
      const found = await this.opts.contacts.contactsOf(recipients);
      for (const id of recipients) contacts.set(id, Promise.resolve(found.get(id)));
    }
    const sent: { id: string; destination_masked: string; provider_message_id: string }[] = [];
    const skipped: { id: string; why: string }[] = [];
    // Each send's outcome is taken as it settles (a failure is recorded, not left unhandled while the loop reads contacts).
    const sends: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const job of jobs) {
      for (const id of idsOf.get(job.id)!) {
        const d = byId.get(id);
        if (!d || d.status !== 'pending' || seen.has(id)) continue;
        seen.add(id);
        const gateway = d.channel === 'sms' ? this.opts.gateways.sms : this.opts.gateways.email;
        const pref = d.pref_locale === null ? undefined : { locale: d.pref_locale, sms: d.pref_sms!, email: d.pref_email! };
        if (!contacts.has(d.recipient_id)) contacts.set(d.recipient_id, this.opts.contacts.contactOf(d.recipient_id));
        const contact = await contacts.get(d.recipient_id)!;
        const to = d.channel === 'sms' ? contact?.mobile : contact?.email;
        // Not sent: no gateway, opted out, no address.
        const why = !gateway ? `no ${d.channel} gateway configured` : pref && !pref[d.channel] ? `the recipient opted out of ${d.channel}` : !to ? (d.channel === 'sms' ? 'no mobile number on record' : 'no e-mail address on record') : null;
        if (why || !to) {
          skipped.push({ id: d.id, why: why! });
          continue;
        }
        const locale: NotificationLocale = pref?.locale ?? 'zh';
        const text = d.content[locale];
        const base = { accountId: d.recipient_id, templateCode: d.template_code, params: d.params, locale, reference: d.id };
        const masked = d.channel === 'sms' ? maskMobile(to) : maskEmail(to);
        const attempt = d.attempts + 1;
        const log = { deliveryId: d.id, channel: d.channel, to: masked, template: d.template_code, attempt };
        sends.push(
          (d.channel === 'sms' ? this.opts.gateways.sms!.send({ ...base, to, text: text.sms }) : this.opts.gateways.email!.send({ ...base, to, subject: text.title, text: text.body })).then(
            (r) => {
              sent.push({ id: d.id, destination_masked: masked, provider_message_id: r.messageId });
              this.opts.log.info({ ...log, messageId: r.messageId }, 'notification delivered');
            },
            async (err: unknown) => {
              const message = maskPersonalDataInText(String((err as Error)?.message ?? err)).slice(0, 500);
              const permanent = err instanceof PermanentDeliveryError;
              if (permanent || attempt >= this.opts.maxAttempts) {
                const why = permanent ? message : `gave up after ${attempt} attempts: ${message}`;
                await deliveriesRepo.record(this.db, d.id, { status: 'failed', attempted: true, destination_masked: masked, last_error: why });
                this.opts.log.warn({ ...log, err: why }, 'notification delivery failed');
                return;
              }
              await deliveriesRepo.record(this.db, d.id, { status: 'pending', attempted: true, destination_masked: masked, last_error: message });
              // The job is retried with the runner's backoff (only what is still pending is sent again).
              if (!failed.has(job.id)) failed.set(job.id, new Error(`transient ${d.channel} failure: ${message}`));
            },
          ),
        );
      }
    }
    await Promise.all(sends);
    // The sent and the skipped in one statement.
    if (sent.length || skipped.length) await deliveriesRepo.recordOutcomes(this.db, sent, skipped);
    return failed;
  }

  /** Delivers the SMS and e-mails of one job (see deliverJobs); throws when one failed transiently, so that the job is retried. */
  async deliver(job: ClaimedJob): Promise<void> {
    const failed = await this.deliverJobs([job]);
    if (failed.size) throw failed.get(job.id);
  }
}
