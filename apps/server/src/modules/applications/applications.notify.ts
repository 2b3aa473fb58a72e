/**
 * Telling people (notifications): the engine's outbox events that carry a `template` and its
 * `params` are delivered through the notifications module's `notify(trx, …)` — the in-app inbox
 * always, SMS / e-mail as the template says (and the recipient allows) by its adapters.
 *
 * - The applicant (the subject: the person, the enterprise, or the principal of an agent) is told
 *   at acceptance, non-acceptance, supplement request, decision (approved / denied), conclusion
 *   and when a fee is due; the account that submitted (an agent, an enterprise's staff member) is
 *   told as well.
 * - The officer who claimed a task is told when its step nears or passes its time budget.
 *
 * Outbox delivery is at least once; `application_notified` (key: outbox job + recipient) makes
 * each notification happen once, in the same transaction as the inbox entry.
 */
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import type { ClaimedJob } from '../jobs';
import './applications.tables';

export interface Notifier {
  (trx: Db, input: { recipientAccountId: string; template: string; params: Record<string, unknown>; link?: string }): Promise<{ id: string }>;
}

type OutboxEvent = Record<string, unknown> & { type: string; template?: string; params?: Record<string, unknown> };

/** Who is told of an outbox event, or nobody. */
export function recipientsOf(e: OutboxEvent): string[] {
  if (!e.template || !e.params) return [];
  if (e.type === 'application.state_changed' || e.type === 'application.payment_needed') {
    const ids = [e.applicantId, e.createdBy].filter((x): x is string => typeof x === 'string' && x.length > 0);
    return [...new Set(ids)];
  }
  if (e.type === 'task.deadline_warning' || e.type === 'task.overdue') return typeof e.assigneeId === 'string' ? [e.assigneeId] : [];
  return [];
}

/** Delivers one outbox job's notifications, once per recipient (its own transaction). */
export async function deliverNotifications(db: Db, notify: Notifier, job: ClaimedJob, onDataError?: (err: unknown, event: OutboxEvent) => void): Promise<number> {
  const e = job.payload as OutboxEvent;
  const to = recipientsOf(e);
  if (!to.length) return 0;
  const link = e.type.startsWith('task.') ? (typeof e.taskId === 'string' ? `/workbench/tasks/${e.taskId}` : undefined) : typeof e.rootId === 'string' ? `/portal/applications/${e.rootId}` : undefined;
  return transact(db, async (trx) => {
    let n = 0;
    for (const recipient of to) {
      const key = `${job.id}:${recipient}`;
      const fresh = await trx
        .insertInto('application_notified')
        .values({ key, application_id: typeof e.applicationId === 'string' ? e.applicationId : null })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .executeTakeFirst();
      if (!fresh) continue;
      try {
        await notify(trx, { recipientAccountId: recipient, template: e.template!, params: e.params!, ...(link ? { link } : {}) });
      } catch (err) {
        // A template that does not fit its parameters (or was removed) is an error of data, not of
        // delivery: retrying cannot help, and it must not hold back the event's other subscribers.
        if (typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('NOTIFICATION_')) {
          onDataError?.(err, e);
          continue;
        }
        throw err;
      }
      n++;
    }
    return n;
  });
}
