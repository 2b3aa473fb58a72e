/**
 * Notifications module: owns notification_templates, notifications (the in-app inbox),
 * notification_deliveries and notification_preferences.
 *
 * Publishes `notify(trx, { recipientAccountId, template, params, channels?, link? })` for other
 * modules to call inside their own transaction: the inbox entry is visible when that transaction
 * commits, and SMS / e-mail go out afterwards from the durable outbox (queue
 * 'notifications.deliver'), retried with backoff, never for a write that rolled back. Templates
 * are data (seeded by the migration, edited by the platform admin); a template's parameters are
 * its contract with the calling modules.
 *
 * `NotificationService.notifyAll(trx, inputs)` does the same for several notifications and
 * returns those whose template is unknown or whose parameters do not fit instead of throwing (the
 * applications engine tells people in every transition's transaction and must not fail a
 * transition for a region's template). Templates are kept per process (notifications.cache.ts):
 * `notifyAll`, and `notify` in a deferring transaction (db/deferred.ts `transact`), read none in
 * the caller's transaction; an edit drops them in every process (NOTIFY `notification_templates`,
 * followed with `followTemplates(listen)`), and nothing is kept more than a minute. An input may
 * stand for several notifications (`replaces`: one message that says what they would have, e.g.
 * the applications engine's "approved and concluded"): it is written instead of them unless its
 * template does not fit, or an operator reworded one of theirs and not it (`foldStands`), when they
 * are written instead — which messages fold is the calling module's rule.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { Contact } from '../identity';
import type { JobRunner } from '../jobs';
import { selectGateways, type Gateways } from './notifications.gateways';
import { DELIVER_QUEUE, NotificationService } from './notifications.service';

export { notify, isDataError, NotificationService, DELIVER_QUEUE, type NotifyInput } from './notifications.service';
export { TEMPLATES_CHANNEL, TemplateCache, type TemplatesRead } from './notifications.cache';
export { notificationRoutes } from './notifications.routes';
export {
  FileEmailGateway,
  FileSmsGateway,
  PermanentDeliveryError,
  selectGateways,
  SimulatedEmailGateway,
  SimulatedSmsGateway,
  TransientDeliveryError,
  type EmailGateway,
  type Gateways,
  type OutgoingEmail,
  type OutgoingSms,
  type SendResult,
  type SmsGateway,
} from './notifications.gateways';

export interface NotificationsOptions {
  db: Db;
  config: Config;
  contacts: { contactOf(accountId: string): Promise<Contact | undefined>; contactsOf?(accountIds: string[]): Promise<Map<string, Contact>> };
  jobs: JobRunner;
  log: FastifyBaseLogger;
  /** Gateways to use instead of those the configuration names (tests, embedding). */
  gateways?: Gateways;
}

/** The service, with its delivery handler registered on the job runner. */
export function createNotifications(opts: NotificationsOptions): NotificationService {
  const svc = new NotificationService({
    db: opts.db,
    contacts: opts.contacts,
    gateways: opts.gateways ?? selectGateways(opts.config),
    maxAttempts: opts.config.NOTIFY_MAX_ATTEMPTS,
    log: opts.log,
  });
  opts.jobs.handle(DELIVER_QUEUE, (job) => svc.deliver(job), (jobs) => svc.deliverJobs(jobs));
  return svc;
}
