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
 * - One message per person, application family and moment (`foldNotices`): the notifications of
 *   one transaction are written as it closes, those to one person about one application and its
 *   bundle folded into one message by explicit rules — a decision and its conclusion, a fee due at
 *   acceptance, the last child's conclusion (or non-acceptance) and its bundle's. The timeline and audit log keep
 *   every state change.
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

/** A notification one event of a transaction stands for, before the transaction's are folded. */
export interface Notice {
  e: OutboxEvent;
  input: NotifyInput;
}

/**
 * Messages of one application told at one moment that one message says in full (same recipient,
 * same application): the first and then the second become `as`, whose parameters are both of theirs.
 */
const SAME_APPLICATION: { first: string; then: string; as: string }[] = [
  // A decision with no step left is concluded in its transaction (the result or letter delivered online).
  { first: 'application.approved', then: 'application.concluded', as: 'application.approved_concluded' },
  { first: 'application.denied', then: 'application.concluded', as: 'application.denied_concluded' },
  // A fee due right after acceptance (a payment step after 受理).
  { first: 'application.accepted', then: 'payment.due', as: 'application.accepted_payment_due' },
];

/**
 * A child's end (its conclusion as folded above, or its non-acceptance) that concludes its bundle in
 * the same transaction: one bundle message naming the bundle's outcome, the last item and what
 * became of it (how its result was delivered; the others were told before). Parameters: the
 * bundle's number and name, `outcome`, `lastItem`, and the child's others (delivery; a denial's
 * reason and appeal; a non-acceptance's reason).
 */
const INTO_BUNDLE: Record<string, string> = {
  'application.concluded': 'application.bundle_concluded',
  'application.approved_concluded': 'application.bundle_approved_concluded',
  'application.denied_concluded': 'application.bundle_denied_concluded',
  'application.not_accepted': 'application.bundle_not_accepted_concluded',
};

/** A message of a family being folded: the notifications it stands for so far. */
interface Message {
  app: string;
  bundle: boolean;
  outcome?: string;
  template: string;
  params: Record<string, unknown>;
  replaces: NotifyInput[];
}

/**
 * One message per person, application family (root) and moment: the notifications of one
 * transaction, grouped by (recipient, root application) and folded by the rules above
 * (SAME_APPLICATION, then INTO_BUNDLE); anything no rule covers is left as it is. A folded message
 * carries the notifications it stands for (`replaces`): the notifications module writes those
 * instead when the folded template does not fit, or an operator reworded theirs and not it.
 * Every state change stays on the timeline and in the audit log; only the messages fold.
 */
export function foldNotices(notices: Notice[]): NotifyInput[] {
  const out: (NotifyInput | { group: Message[]; base: NotifyInput })[] = [];
  const groups = new Map<string, Message[]>();
  for (const { e, input } of notices) {
    const root = e.rootId;
    if ((e.type !== 'application.state_changed' && e.type !== 'application.payment_needed') || typeof root !== 'string' || typeof e.applicationId !== 'string' || input.replaces) {
      out.push(input);
      continue;
    }
    const key = `${input.recipientAccountId}\n${root}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = [])), out.push({ group, base: input });
    group.push({ app: e.applicationId, bundle: e.kind === 'bundle', outcome: typeof e.outcomeLabel === 'string' ? e.outcomeLabel : undefined, template: input.template, params: input.params, replaces: [input] });
  }
  return out.flatMap((x) => ('group' in x ? foldFamily(x.group).map((m) => inputOf(m, x.base)) : [x]));
}

function foldFamily(msgs: Message[]): Message[] {
  for (const rule of SAME_APPLICATION)
    for (let i = 0; i < msgs.length; i++) {
      const a = msgs[i];
      const j = a.template === rule.first ? msgs.findIndex((b) => b.template === rule.then && b.app === a.app) : -1;
      if (j < 0) continue;
      const b = msgs[j];
      msgs[Math.min(i, j)] = { ...a, template: rule.as, params: { ...a.params, ...b.params }, replaces: [...a.replaces, ...b.replaces] };
      msgs.splice(Math.max(i, j), 1);
      i = -1;
    }
  const b = msgs.findIndex((m) => m.bundle && m.template === 'application.concluded');
  const last = msgs.filter((m) => !m.bundle && INTO_BUNDLE[m.template]);
  if (b < 0 || last.length !== 1 || !msgs[b].outcome) return msgs;
  const bundle = msgs[b];
  const child = { ...last[0].params };
  const lastItem = child.itemName;
  delete child.applicationNo;
  delete child.itemName;
  msgs[b] = {
    ...bundle,
    template: INTO_BUNDLE[last[0].template],
    params: { applicationNo: bundle.params.applicationNo, itemName: bundle.params.itemName, outcome: bundle.outcome, lastItem, ...child },
    replaces: [...last[0].replaces, ...bundle.replaces],
  };
  return msgs.filter((m) => m !== last[0]);
}

/** A message as the notifications module takes it: a notification as it was, or one standing for several. */
function inputOf(m: Message, base: NotifyInput): NotifyInput {
  if (m.replaces.length === 1) return m.replaces[0];
  return { recipientAccountId: base.recipientAccountId, template: m.template, params: m.params, ...(base.link ? { link: base.link } : {}), replaces: m.replaces };
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
