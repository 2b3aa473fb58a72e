/**
 * Telling people (notifications): a transition that should tell someone carries a notification
 * `template` and its `params` (Engine.emit); the engine writes the notifications through the
 * notifications module (`notifyAll`: the in-app inbox always, SMS / e-mail as the template says
 * and the recipient allows, by its adapters after commit) in the transition's own transaction —
 * exactly once, and never for a transition that rolled back. The outbox event, written only when
 * a subscriber wants it, no longer carries the template.
 *
 * - The applicant (the subject: the person, the enterprise, or the principal of an agent) is told
 *   at acceptance, non-acceptance, supplement request, decision (approved / denied), conclusion
 *   and when a fee is due; the account that submitted (an agent, an enterprise's staff member) is
 *   told as well.
 * - The officer who claimed a task is told when its step nears or passes its time budget.
 *
 * Outbox jobs written by an older version carry events with a template whose notifications were
 * not written yet: `deliverNotifications` still writes them, once per job — `application_notified`
 * keys the job (a job of several events, jobs `enqueueItem`) or, for a job of one event written
 * before that, each recipient (`<job>:<recipient>`), in the same transaction as its inbox rows.
 */
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import { itemsOf, type ClaimedJob } from '../jobs';
import type { NotifyInput } from '../notifications';
import './applications.tables';

/** The notifications module's `notifyAll`: notifies in `trx`; data errors (template unknown, params that do not fit) come back, not thrown. */
export type Notifier = (trx: Db, inputs: NotifyInput[]) => Promise<{ told: number; refused: { input: NotifyInput; err: unknown }[] }>;

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

/** Where a notification of the event points: the task (officers) or the application (applicants). */
function linkOf(e: OutboxEvent): string | undefined {
  if (e.type.startsWith('task.')) return typeof e.taskId === 'string' ? `/workbench/tasks/${e.taskId}` : undefined;
  return typeof e.rootId === 'string' ? `/portal/applications/${e.rootId}` : undefined;
}

/** The notifications an event with a template stands for: one per recipient. */
export function noticesOf(e: OutboxEvent): NotifyInput[] {
  const to = recipientsOf(e);
  if (!to.length) return [];
  const link = linkOf(e);
  return to.map((recipient) => ({ recipientAccountId: recipient, template: e.template!, params: e.params!, ...(link ? { link } : {}) }));
}

/**
 * Writes the notifications of outbox jobs queued by an older version (their events carry a
 * template; see the module comment), once per job, in one transaction: the jobs' keys are claimed
 * in one INSERT and the inbox rows, deliveries and their job written at commit (deferred appends).
 * A job of this version has no template in its events: nothing to do, no transaction.
 */
export async function deliverNotifications(db: Db, notifyAll: Notifier, jobs: ClaimedJob | ClaimedJob[], onDataError?: (err: unknown, event: OutboxEvent) => void): Promise<number> {
  const wanted = (Array.isArray(jobs) ? jobs : [jobs]).flatMap((job) => {
    // A job of several events (enqueueItem) is keyed as a whole; one written before, per recipient.
    const whole = Array.isArray(job.payload.items);
    return itemsOf<OutboxEvent>(job).flatMap((e) => noticesOf(e).map((input) => ({ key: whole ? String(job.id) : `${job.id}:${input.recipientAccountId}`, input, e })));
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
    const { told, refused } = await notifyAll(trx, todo.map((w) => w.input));
    // A data error must not hold back the event's other subscribers (retrying cannot help).
    for (const r of refused) onDataError?.(r.err, todo.find((w) => w.input === r.input)!.e);
    return told;
  });
}
