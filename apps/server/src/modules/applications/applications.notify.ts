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
 * Outbox delivery is at least once; `application_notified` makes each notification happen once:
 * its key (the outbox job) is written in the same transaction as the job's inbox entries (a job
 * carries the events of one engine transaction, jobs `enqueueItem`; a job written before that
 * carried one event and was keyed per recipient, `<job>:<recipient>`, as it still is).
 */
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import { itemsOf, type ClaimedJob } from '../jobs';
import type { TemplatesRead } from '../notifications';
import './applications.tables';

export interface Notifier {
  (trx: Db, input: { recipientAccountId: string; template: string; params: Record<string, unknown>; link?: string }, templates?: TemplatesRead): Promise<{ id: string }>;
}

/** Reads the templates of several notifications in one round trip (the notifications module's `readTemplates`). */
export type TemplateReader = (trx: Db, codes: string[]) => Promise<TemplatesRead>;

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

/**
 * Delivers the notifications of outbox jobs (one job, or a claimed batch of them), once per job,
 * in one transaction: the jobs' keys are claimed in one INSERT, the templates read in one query,
 * and the inbox rows, deliveries and their job written at commit (deferred appends).
 */
export async function deliverNotifications(
  db: Db,
  notify: Notifier,
  jobs: ClaimedJob | ClaimedJob[],
  onDataError?: (err: unknown, event: OutboxEvent) => void,
  readTemplates?: TemplateReader,
): Promise<number> {
  const wanted = (Array.isArray(jobs) ? jobs : [jobs]).flatMap((job) => {
    // A job of several events (enqueueItem) is keyed as a whole; one written before, per recipient.
    const whole = Array.isArray(job.payload.items);
    return itemsOf<OutboxEvent>(job).flatMap((e) => {
      const link = e.type.startsWith('task.') ? (typeof e.taskId === 'string' ? `/workbench/tasks/${e.taskId}` : undefined) : typeof e.rootId === 'string' ? `/portal/applications/${e.rootId}` : undefined;
      return recipientsOf(e).map((recipient) => ({ key: whole ? String(job.id) : `${job.id}:${recipient}`, recipient, e, link }));
    });
  });
  if (!wanted.length) return 0;
  const keys = new Map<string, string | null>();
  for (const w of wanted) if (!keys.has(w.key)) keys.set(w.key, typeof w.e.applicationId === 'string' ? w.e.applicationId : null);
  return transact(db, async (trx) => {
    const fresh = new Set(
      (
        await trx
          .insertInto('application_notified')
          .values([...keys].map(([key, applicationId]) => ({ key, application_id: applicationId })))
          .onConflict((oc) => oc.column('key').doNothing())
          .returning('key')
          .execute()
      ).map((r) => r.key),
    );
    const todo = wanted.filter((w) => fresh.has(w.key));
    const templates = readTemplates && todo.length ? await readTemplates(trx, todo.map((w) => w.e.template!)) : undefined;
    let n = 0;
    for (const { recipient, e, link } of todo) {
      try {
        await notify(trx, { recipientAccountId: recipient, template: e.template!, params: e.params!, ...(link ? { link } : {}) }, templates);
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
