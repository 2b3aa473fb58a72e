/**
 * The process engine: our own, in PostgreSQL. Everything it knows is a row — applications, tasks
 * (one per officer's piece of work), the timeline, timers and outbox events (jobs) — so it
 * survives restarts and several server processes can run it against one database.
 *
 * Concurrency. Every transition happens in one transaction that first locks the rows it changes
 * with SELECT … FOR NO KEY UPDATE, in one order: a bundle's row, then the child's, then the task's.
 * A second officer (or process) acting on the same application waits for the first and then sees
 * the new state, and the guards refuse what no longer applies. No in-memory state is shared
 * between requests except caches of immutable data (catalog versions) and department names.
 *
 * The bundle's row is locked only by what can move the bundle (progressBundle: a child accepted,
 * not accepted, asked to supplement, denied, concluded, withdrawn, paid …); it then locks every
 * child (in id order) and reads their committed states — the acts and jobs that start from a
 * child lock bundle and all children in one statement (appsRepo.lockFamily), then the task. Acts that cannot move it (claims, reviews,
 * approvals, special procedures) lock their child and task only, so the parallel children of a
 * bundle do not queue on one row. This cannot deadlock: a transaction holding the bundle waits
 * only for children, and a transaction holding a child but not the bundle never waits for the
 * bundle or for another child. FOR NO KEY UPDATE (not FOR UPDATE): foreign-key checks of rows
 * that reference an application take FOR KEY SHARE on its row, which FOR UPDATE would block (the
 * deadlock of session 4's first attempt, when a child's tasks and timeline entries still checked
 * root_id → the bundle; migration 2026-12-01T0710 dropped that check) and FOR NO KEY UPDATE does not.
 *
 * Inside a transaction only `trx` is used (PGlite has one connection; the root handle would wait
 * forever), so everything the engine needs from elsewhere (department names, the catalog) is read
 * before the transaction or was stored with the application at submission.
 *
 * Timers (queue applications.timer) are jobs with a dedupe key per application and group: the
 * legal clock's (`warning`, then `overdue`) and the current step's (`stage_warning`, then
 * `stage_overdue`), each armed for its next level and arming itself again when it fired.
 * They are cancelled when what they watch ends (step completed, clock paused, decision taken) and
 * armed again when it resumes; a handler re-checks the application against the clock before it
 * acts, so a stale or early timer does nothing. Side effects for other modules (reviews,
 * licences) leave through the outbox (queue applications.outbox) after commit; the people a
 * transition concerns are told by notifications written in its own transaction (`emit`; SMS and
 * e-mail go out after commit from the notifications module's own outbox).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/database';
import { atClose, notifyAtCommit, transact } from '../../db/deferred';
import { TASKS_CHANNEL } from './applications.signals';
import { recordAudit } from '../../plugins/audit';
import type { RequestContext } from '../../shared/actor';
import { getRegion } from '../../shared/regions';
import { cancelJobs, enqueue, enqueueItem, itemsOf, type ClaimedJob } from '../jobs';
import type { OrgService } from '../org';
import { appsRepo, escalationsRepo, eventsRepo, tasksRepo, type AppPatch, type AppRow, type BundleRow, type SiblingRow, type TaskRow } from './applications.repository';
import {
  addWorkingDays,
  chinaDate,
  chinaStartOfDay,
  daysLeft,
  extend,
  overdueAt,
  pausedWorkingDays,
  slaOf,
  warningFrom,
  withCalendar,
  type Clock,
  type Sla,
} from './applications.clock';
import { CLOCK_RUNNING, FINAL_STATES, NOT_ACCEPTED_REASONS, STATES, STOP_REASONS, TRANSITIONS, bundleOutcome, bundleStateOf, canTransition, transition, type Action, type State } from './applications.machine';
import { verdict, type Step } from './applications.process';
import { evaluate } from './applications.conditions';
import { foldNotices, noticesOf, type Notice, type Notifier } from './applications.notify';
import type { NotifyInput } from '../notifications';

export const QUEUES = {
  timer: 'applications.timer',
  outbox: 'applications.outbox',
  conclude: 'applications.conclude',
  replyBy: 'applications.reply_by',
} as const;

/** An application that ends in these states without the service gets its paid fee back. */
const REFUND_ON: ReadonlySet<string> = new Set(['withdrawn', 'not_accepted', 'stopped']);

export type TimerKind = 'warning' | 'overdue' | 'stage_warning' | 'stage_overdue';
/** Timer kinds in the order they are reached, per group (one timer job per application and group). */
const CLOCK_TIMERS: TimerKind[] = ['warning', 'overdue'];
const STEP_TIMERS: TimerKind[] = ['stage_warning', 'stage_overdue'];
type TimerGroup = 'clock' | 'step';
const TIMER_GROUPS: TimerGroup[] = ['clock', 'step'];
const GROUP_OF: Record<TimerKind, TimerGroup> = { warning: 'clock', overdue: 'clock', stage_warning: 'step', stage_overdue: 'step' };
const LEVEL_OF: Record<TimerKind, 'warning' | 'overdue'> = { warning: 'warning', overdue: 'overdue', stage_warning: 'warning', stage_overdue: 'overdue' };
/** A timer that fires this much before its instant (clock skew between processes) still acts. */
const TIMER_TOLERANCE_MS = 60_000;
const RANK: Record<Sla, number> = { normal: 0, warning: 1, overdue: 2 };

/** Who caused a transition, as the timeline shows it, and the request it came with (for the audit log). */
export interface Who {
  kind: 'applicant' | 'officer' | 'system';
  id: string | null;
  name: string | null;
  departmentId: string | null;
  ctx?: RequestContext;
}

export const SYSTEM: Who = { kind: 'system', id: null, name: null, departmentId: null };

/** The context of writes that no request caused (timers, the outbox, automatic conclusion). */
export function systemContext(requestId: string): RequestContext {
  return { actor: null, ip: null, requestId, audited: false };
}

/**
 * SEAM (payments module): called inside the transaction when the process reaches its payment
 * step. 'pending': the engine waits until `ApplicationsService.paymentSettled()`; 'waived': it
 * goes on. Until the payments module is wired, `noPayments` lets processes go on and the outbox
 * still carries `application.payment_needed`.
 */
export interface PaymentPort {
  /**
   * Optional: refunds the rest of a paid order in the caller's transaction (the application ended
   * without the service: withdrawn, not accepted, stopped). Null when nothing is left to refund.
   */
  refundPaid?(trx: Db, req: { orderId: string; reason: string; ctx: RequestContext }): Promise<{ refundNo: string; amountFen: number } | null>;
  paymentNeeded(
    trx: Db,
    req: {
      applicationId: string;
      rootId: string;
      number: string;
      itemName: string;
      departmentId: string;
      payerAccountId: string;
      fees: { name: string; amount?: number; standard?: string; basis?: string }[];
      payWithinDays: number;
      step: number;
      ctx?: RequestContext;
    },
  ): Promise<'pending' | 'waived' | { answer: 'pending'; order: PaymentRef }>;
}
/** The order an application waits for (kept in its context; shown to the applicant). */
export interface PaymentRef {
  orderId: string;
  orderNo: string;
  amountFen: number;
  state: string;
  step: number;
  expiresAt?: string | null;
  paidAt?: string | null;
  refundedFen?: number;
}
export const noPayments: PaymentPort = { paymentNeeded: async () => 'waived' };

/** Department names and regions, cached (read outside transactions). */
export class Departments {
  private map = new Map<string, { name: string; regionCode: string }>();
  private at = 0;
  constructor(private readonly org: OrgService) {}
  async refresh(force = false): Promise<void> {
    if (!force && this.map.size && Date.now() - this.at < 60_000) return;
    this.map = new Map((await this.org.departments()).map((d) => [d.id, { name: d.name, regionCode: d.regionCode }]));
    this.at = Date.now();
  }
  name(id: string | null): string {
    return id ? (this.map.get(id)?.name ?? id) : '';
  }
  regionOf(id: string | null): string | null {
    return id ? (this.map.get(id)?.regionCode ?? null) : null;
  }
}

/** What a bundle row keeps about its bundle version (so that no catalog read happens in a transaction). */
export interface BundleContext {
  denialPolicy: 'stop_dependents' | 'stop_all' | 'continue';
  dependencies: { from: string; to: string; result: string; fields: string[] }[];
  filledByResults: { itemId: string; field: string; fromItemId: string }[];
  promisedDays: number;
  legalDays: number;
}

/** What an item (or child) row keeps in its context. */
export interface ItemContext {
  implementationCode?: string;
  resultSpec?: { kind: string; name: string; licenceType?: string };
  specialProcedures?: { name: string; limitDays?: number }[];
  fees?: { name: string; amount?: number; standard?: string; basis?: string }[];
  paymentDays?: number;
  /** The payment order of the current payment step (and its fate). */
  payment?: PaymentRef | null;
  /** Fields of dependent items that this item's result must provide (bundles). */
  feeds?: string[];
  /** Results received from prerequisites (bundles). */
  received?: { itemId: string; number: string | null; title: string; result: Record<string, unknown> | null }[];
  /** Disagreeing opinions of review steps: an approval is refused while there are any. */
  objections?: { step: number; stage: string; departmentId: string; opinion: string | null }[];
  /** Result fields collected from approving signers. */
  resultFields?: Record<string, unknown>;
  denials?: { departmentId: string; reasons: string[]; opinion: string }[];
  specialProcedure?: { name: string; limitDays: number | null; endBy?: string | null; note: string | null; startedAt: string } | null;
  paidSteps?: number[];
}

/** Form data is personal data: stored encrypted, opened only to be shown to those entitled. */
export interface FormCodec {
  seal(form: Record<string, unknown>): Record<string, unknown>;
  open(stored: unknown): Record<string, unknown>;
}

export interface EngineOptions {
  db: Db;
  forms: FormCodec;
  clock: { current: Clock };
  warningShare: number;
  publicUrl: string;
  departments: Departments;
  payment: PaymentPort;
  log: FastifyBaseLogger;
  /** Writes notifications in the caller's transaction (the notifications module's `notifyAll`); none without it. */
  notify?: Notifier;
}

type OutboxEvent = Record<string, unknown> & { type: string };
type Subscriber = (event: OutboxEvent) => Promise<void>;
/** Which events of its type a subscriber wants (decided on the payload when the event is emitted). */
export type EventFilter = (event: OutboxEvent) => boolean;

const asSteps = (app: AppRow) => (app.steps ?? []) as unknown as Step[];
export const ctxOf = (app: Pick<AppRow, 'context'>) => app.context as ItemContext & Partial<BundleContext>;
export const rootOf = (app: Pick<AppRow, 'id' | 'parent_id'>) => app.parent_id ?? app.id;
/** An instant as China time, minutes precision (for messages). */
export const chinaDateTime = (iso: string | Date) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

export class Engine {
  private readonly subscribers = new Map<string, { fn: Subscriber; when?: EventFilter }[]>();
  private payment: PaymentPort;

  constructor(private readonly o: EngineOptions) {
    this.payment = o.payment;
  }

  /** Wires the payments module (SEAM): see PaymentPort. */
  usePayments(port: PaymentPort): void {
    this.payment = port;
  }

  now(): Date {
    return this.o.clock.current.now();
  }

  get departments(): Departments {
    return this.o.departments;
  }

  /** The real instant at which a job should run for a business instant of the (possibly injected) clock. */
  private scheduleAt(instant: Date): Date {
    return new Date(Date.now() + (instant.getTime() - this.now().getTime()));
  }

  // ---- outbox --------------------------------------------------------------------------------

  /**
   * Subscribes to an outbox event type ('*' for all); handlers run after commit, at least once.
   * With `when`, only the events it accepts reach the handler (and an event no subscriber accepts
   * is not written at all).
   */
  subscribe(type: string, fn: Subscriber, when?: EventFilter): void {
    this.subscribers.set(type, [...(this.subscribers.get(type) ?? []), { fn, when }]);
  }

  private takers(event: OutboxEvent) {
    return [...(this.subscribers.get(event.type) ?? []), ...(this.subscribers.get('*') ?? [])].filter((s) => !s.when || s.when(event));
  }

  /**
   * An event of the transaction `trx`. With a notification `template` and `params`, the people it
   * concerns are told in `trx` itself (applications.notify.ts: no extra round trip, exactly once,
   * nobody told if it rolls back; as the transaction closes, one message per person and application
   * family); the event then goes to the outbox, without the template, only if a subscriber wants it.
   */
  async emit(trx: Db, type: string, payload: Record<string, unknown>): Promise<void> {
    const { template, params, ...rest } = payload;
    const event: OutboxEvent = { type, at: this.now().toISOString(), ...rest };
    if (template && params && this.o.notify) await this.tell(trx, { ...event, template: String(template), params: params as Record<string, unknown> });
    // An event nobody takes (no subscriber wants it) is not written.
    if (!this.takers(event).length) return;
    // The events of a transaction travel in one job (jobs `enqueueItem`), in the order emitted.
    await enqueueItem(trx, QUEUES.outbox, event);
  }

  /**
   * Writes the event's notifications in `trx`. A template unknown or whose params do not fit is an
   * error of data: logged, nothing sent for it, and the transition goes on (it must not undo an
   * officer's act, nor hold back the event's subscribers).
   */
  private async tell(trx: Db, e: OutboxEvent & { template: string; params: Record<string, unknown> }): Promise<void> {
    const inputs = noticesOf(e);
    if (!inputs.length) return;
    // In a deferring transaction (every transition's) its notifications are written as it closes,
    // one message per person and application family (applications.notify.ts foldNotices).
    const told = atClose(trx, this, (): Notice[] => [], (t, notices) => this.write(t as Db, foldNotices(notices)));
    if (told) told.push(...inputs.map((input) => ({ e, input })));
    else await this.write(trx, inputs);
  }

  private async write(trx: Db, inputs: NotifyInput[]): Promise<void> {
    const { refused } = await this.o.notify!(trx, inputs);
    for (const r of refused) this.o.log.error({ err: r.err, template: r.input.template, link: r.input.link }, 'application notification not sent: template and params do not fit');
  }

  /** Hands each event of an outbox job to its subscribers, in order (a retried job hands them all again: at least once). */
  async dispatch(job: ClaimedJob): Promise<void> {
    for (const event of itemsOf<OutboxEvent>(job)) for (const s of this.takers(event)) await s.fn(event);
  }

  // ---- timeline and transitions --------------------------------------------------------------

  async event(
    trx: Db,
    app: Pick<AppRow, 'id' | 'parent_id'>,
    e: { type: string; from?: string | null; to?: string | null; visibility: 'public' | 'internal'; who: Who; message: { zh: string; en: string }; data?: Record<string, unknown> },
  ): Promise<void> {
    await eventsRepo.insert(trx, {
      root_id: rootOf(app),
      application_id: app.id,
      at: this.now(),
      type: e.type,
      from_state: e.from ?? null,
      to_state: e.to ?? null,
      visibility: e.visibility,
      actor_kind: e.who.kind,
      actor_id: e.who.id,
      actor_name: e.who.name,
      department_id: e.who.departmentId,
      message: e.message,
      data: e.data ?? {},
    });
  }

  /**
   * Applies a transition of the machine to a locked row: the new state and the patch in one
   * UPDATE, a timeline entry, and an `application.state_changed` outbox event carrying what the
   * notification templates need.
   */
  async move(
    trx: Db,
    app: AppRow,
    action: Action,
    who: Who,
    opts: { target?: State; patch?: AppPatch; message?: { zh: string; en: string }; data?: Record<string, unknown>; visibility?: 'public' | 'internal'; notify?: { template: string; params: Record<string, unknown> } } = {},
  ): Promise<State> {
    const from = app.state;
    const to = transition(from, action, opts.target);
    const patch: AppPatch = { ...opts.patch, state: to };
    await appsRepo.update(trx, app.id, patch);
    Object.assign(app, patch, { version: app.version + 1 });
    const t = TRANSITIONS[action];
    await this.event(trx, app, { type: action, from, to, visibility: opts.visibility ?? 'public', who, message: opts.message ?? { zh: t.zh, en: t.en }, data: opts.data });
    // Every transition is in the audit log, attributed to the request (or job) that caused it.
    await recordAudit(trx, who.ctx ?? systemContext('applications.engine'), { action: 'application.transition', entityType: 'application', entityId: app.id, detail: { transition: action, from, to, number: app.number } });
    if (REFUND_ON.has(to)) await this.refundFee(trx, app, who, to);
    await this.emit(trx, 'application.state_changed', {
      applicationId: app.id,
      rootId: rootOf(app),
      kind: app.kind,
      number: app.number,
      title: app.title,
      applicantId: app.applicant_id,
      createdBy: app.created_by,
      departmentId: app.department_id,
      // What subscribers decide on without reading the row again (licences: is the result an e-licence?).
      resultKind: (app.result as { kind?: string } | null)?.kind ?? null,
      action,
      from,
      to,
      ...(opts.notify ? { template: opts.notify.template, params: { applicationNo: app.number, itemName: app.title, ...opts.notify.params } } : {}),
    });
    return to;
  }

  // ---- steps and tasks -----------------------------------------------------------------------

  /** Opens a step: its tasks (all signers at once, or the first of a sequence), its due date and timers. */
  async openStep(trx: Db, app: AppRow, index: number, who: Who): Promise<void> {
    const step = asSteps(app)[index];
    const now = this.now();
    const due = withCalendar(() => addWorkingDays(chinaDate(now), step.budgetDays));
    const rows = step.departments.map((dep, i) => {
      const open = !(step.signKind === 'sequential' && i > 0);
      return {
        id: randomUUID(),
        application_id: app.id,
        root_id: rootOf(app),
        step_index: index,
        stage_key: step.stageKey,
        stage_name: step.stageName,
        action: step.action,
        sign_kind: step.signKind,
        seq: i,
        role: step.role,
        department_id: dep,
        state: (open ? 'open' : 'waiting') as TaskRow['state'],
        assignee_id: null,
        assignee_name: null,
        claimed_at: null,
        outcome: null,
        opinion: null,
        reason_code: null,
        due_date: due,
        budget_days: step.budgetDays,
        opened_at: open ? now : null,
        completed_at: null,
        completed_by: null,
      };
    });
    await tasksRepo.insert(trx, rows);
    await appsRepo.update(trx, app.id, { step_index: index, step_due: due });
    Object.assign(app, { step_index: index, step_due: due, version: app.version + 1 });
    await this.armStepTimers(trx, app);
    const names = step.departments.map((d) => this.departments.name(d)).join('、');
    if (index > 0)
      await this.event(trx, app, {
        type: 'step',
        visibility: 'public',
        who,
        message: { zh: `进入「${step.stageName}」环节（${names}）`, en: `Now at the "${step.stageName}" step (${names})` },
        data: { step: index, stage: step.stageKey, departments: step.departments, signKind: step.signKind, dueDate: due },
      });
    for (const r of rows.filter((x) => x.state === 'open')) await this.taskOpened(trx, app, { id: r.id, department_id: r.department_id, role: r.role, stage_name: step.stageName, due_date: due });
  }

  /** A task opened: waiting task lists of its department are woken at commit, and the outbox tells the others. */
  private async taskOpened(trx: Db, app: AppRow, t: Pick<TaskRow, 'id' | 'department_id' | 'role' | 'stage_name' | 'due_date'>): Promise<void> {
    await notifyAtCommit(trx, TASKS_CHANNEL, t.department_id);
    await this.emit(trx, 'task.opened', { taskId: t.id, applicationId: app.id, number: app.number, title: app.title, departmentId: t.department_id, role: t.role, stage: t.stage_name, dueDate: t.due_date });
  }

  /**
   * Records a signer's vote on a locked open task and decides the step when the signatures allow:
   * the remaining tasks are cancelled (a decided any-sign or a refused countersign), or the next
   * signer of a sequence is opened. Returns the step's result once decided.
   */
  async sign(trx: Db, app: AppRow, task: TaskRow, vote: 'yes' | 'no', outcome: string, who: Who, extra: { opinion?: string | null; reasonCode?: string | null } = {}): Promise<'yes' | 'no' | null> {
    const now = this.now();
    const done = {
      state: 'completed' as const,
      outcome,
      opinion: extra.opinion ?? null,
      reason_code: extra.reasonCode ?? null,
      completed_at: now,
      completed_by: who.id,
      assignee_id: task.assignee_id ?? who.id,
      assignee_name: task.assignee_name ?? who.name,
      claimed_at: task.claimed_at ?? now,
    };
    await tasksRepo.update(trx, task.id, done);
    Object.assign(task, done, { version: task.version + 1 });
    // A step of one signer in one department is decided by this vote: no other task to read or cancel.
    if (task.sign_kind === 'single' && asSteps(app)[task.step_index]?.departments.length === 1) {
      await this.cancelTimers(trx, app.id, STEP_TIMERS);
      return vote;
    }
    const tasks = await tasksRepo.ofStep(trx, app.id, task.step_index);
    const votes = tasks.map((t) => ({ seq: t.seq, state: t.state, vote: t.state === 'completed' ? (VOTE[t.outcome ?? ''] ?? null) : null }));
    const v = verdict(task.sign_kind, votes);
    if (!v.done) {
      if (v.openSeq !== undefined) {
        const next = tasks.find((t) => t.seq === v.openSeq)!;
        await tasksRepo.update(trx, next.id, { state: 'open', opened_at: now });
        await this.taskOpened(trx, app, next);
      }
      return null;
    }
    const cancelled = await tasksRepo.cancelLive(trx, app.id, task.step_index);
    if (cancelled)
      await this.event(trx, app, {
        type: 'tasks_cancelled',
        visibility: 'internal',
        who: SYSTEM,
        message: { zh: `本环节已有结论，其余 ${cancelled} 个任务取消`, en: `The step is decided; ${cancelled} other task(s) cancelled` },
        data: { step: task.step_index },
      });
    await this.cancelTimers(trx, app.id, STEP_TIMERS);
    return v.result;
  }

  /**
   * After a completed acceptance or review step (and after payment): the next step, or the
   * conclusion. `conclusion` 'now' (the caller holds the locks a conclusion needs: the application's,
   * and for a bundle child the family's): concluded in this transaction rather than by a job;
   * returns whether it was.
   */
  async afterStep(trx: Db, app: AppRow, index: number, who: Who, conclusion: 'job' | 'now' = 'job'): Promise<boolean> {
    const steps = asSteps(app);
    const step = steps[index];
    const c = ctxOf(app);
    if (step.paymentAfter && !(c.paidSteps ?? []).includes(index)) {
      const raw = await this.payment.paymentNeeded(trx, {
        applicationId: app.id,
        rootId: rootOf(app),
        number: app.number ?? '',
        itemName: app.title,
        departmentId: app.department_id ?? '',
        payerAccountId: app.applicant_id,
        fees: c.fees ?? [],
        payWithinDays: c.paymentDays ?? 0,
        step: index,
        ctx: who.ctx,
      });
      const answer = typeof raw === 'string' ? raw : raw.answer;
      const order = typeof raw === 'string' ? null : raw.order;
      await this.emit(trx, 'application.payment_needed', {
        applicationId: app.id,
        rootId: rootOf(app),
        number: app.number,
        title: app.title,
        applicantId: app.applicant_id,
        createdBy: app.created_by,
        fees: c.fees ?? [],
        step: index,
        answer,
        ...(order
          ? {
              orderId: order.orderId,
              template: 'payment.due',
              params: { applicationNo: app.number, itemName: app.title, amount: (order.amountFen / 100).toFixed(2), payBefore: order.expiresAt ? chinaDateTime(order.expiresAt) : '—' },
            }
          : {}),
      });
      if (answer === 'pending') {
        const context = { ...c, ...(order ? { payment: order } : {}) };
        await appsRepo.update(trx, app.id, { awaiting: 'payment', context: context as Record<string, unknown> });
        Object.assign(app, { awaiting: 'payment', context });
        await this.event(trx, app, {
          type: 'payment_needed',
          visibility: 'public',
          who: SYSTEM,
          message: order
            ? { zh: `请缴纳费用 ¥${(order.amountFen / 100).toFixed(2)}（订单 ${order.orderNo}），缴费后继续办理`, en: `Please pay the fee of ¥${(order.amountFen / 100).toFixed(2)} (order ${order.orderNo}); handling continues once paid` }
            : { zh: '请缴纳费用，缴费后继续办理', en: 'Please pay the fee; handling continues once paid' },
          data: { fees: c.fees ?? [], ...(order ? { orderId: order.orderId, orderNo: order.orderNo, amountFen: order.amountFen } : {}) },
        });
        return false;
      }
      await this.event(trx, app, { type: 'payment_waived', visibility: 'internal', who: SYSTEM, message: { zh: '缴费环节：无需缴费（费用为零或统一支付未接入），继续办理', en: 'Payment step: nothing to pay (no fee, or unified payment not connected); continuing' } });
    }
    return this.nextStep(trx, app, index + 1, who, conclusion);
  }

  /**
   * The application ended without the service (withdrawn, not accepted, stopped): a fee it paid is
   * refunded in full (what is left of it) through the payments module, in this transaction; the
   * provider's signed notification later records the refund (payment.refunded → paymentRefunded).
   */
  async refundFee(trx: Db, app: AppRow, who: Who, to: string): Promise<void> {
    const c = ctxOf(app);
    const p = c.payment;
    if (!p || !['paid', 'partially_refunded'].includes(p.state) || !this.payment.refundPaid) return;
    const reason = { withdrawn: '申请人撤回申请', not_accepted: '申请不予受理', stopped: '办件终止' }[to] ?? to;
    const refund = await this.payment.refundPaid(trx, { orderId: p.orderId, reason: `${reason}（${app.number}），退还已缴费用`, ctx: who.ctx ?? systemContext('applications.refund') });
    if (!refund) return;
    const context = { ...c, payment: { ...p, state: 'refunding' } };
    await appsRepo.update(trx, app.id, { context: context as Record<string, unknown> });
    Object.assign(app, { context, version: app.version + 1 });
    await this.event(trx, app, {
      type: 'refund_requested',
      visibility: 'public',
      who: SYSTEM,
      message: {
        zh: `已缴费用 ¥${(refund.amountFen / 100).toFixed(2)} 将原路退还（退款单 ${refund.refundNo}）`,
        en: `The fee paid, ¥${(refund.amountFen / 100).toFixed(2)}, is being refunded to where it came from (refund ${refund.refundNo})`,
      },
      data: { orderId: p.orderId, refundNo: refund.refundNo, amountFen: refund.amountFen },
    });
  }

  async nextStep(trx: Db, app: AppRow, index: number, who: Who, conclusion: 'job' | 'now' = 'job'): Promise<boolean> {
    const steps = asSteps(app);
    // Conditional steps (processes imported from BPMN) whose condition the form data do not meet are skipped.
    let form: Record<string, unknown> | null = null;
    while (index < steps.length && steps[index].condition) {
      form ??= this.o.forms.open(app.form_data);
      if (evaluate(steps[index].condition!, form)) break;
      await this.event(trx, app, {
        type: 'step_skipped',
        visibility: 'internal',
        who: SYSTEM,
        message: { zh: `「${steps[index].stageName}」环节的条件不满足，跳过`, en: `The "${steps[index].stageName}" step's condition is not met; skipped` },
        data: { step: index, stage: steps[index].stageKey },
      });
      index++;
    }
    if (index < steps.length) {
      await this.openStep(trx, app, index, who);
      return false;
    }
    if (conclusion === 'now') return this.concludeNow(trx, app, who);
    await this.scheduleConclusion(trx, app);
    return false;
  }

  /**
   * The automatic conclusion in the caller's transaction (what onConclude does, without a job: a
   * transaction, a job row and its claim less per application). The caller holds the application's
   * row and, for a bundle child, the bundle's and its siblings' (and calls progressBundle after).
   */
  async concludeNow(trx: Db, app: AppRow, cause: Who): Promise<boolean> {
    if ((app.state !== 'approved' && app.state !== 'denied') || app.awaiting) return false;
    await this.conclude(trx, app, { ...SYSTEM, ctx: cause.ctx }, { method: 'online' });
    return true;
  }

  /** No further step: the result (or the decision letter) is delivered online after commit. */
  async scheduleConclusion(trx: Db, app: AppRow): Promise<void> {
    // The bundle's id rides along: the job locks bundle and child without reading the child first.
    await enqueue(trx, { queue: QUEUES.conclude, payload: { applicationId: app.id, parentId: app.parent_id }, dedupeKey: app.id });
  }

  // ---- the legal clock -----------------------------------------------------------------------

  /** Starts the legal clock at acceptance: both due dates, the receipt, the timers. */
  clockAtAcceptance(app: AppRow): { accepted_at: Date; legal_due: string; promised_due: string } {
    const now = this.now();
    const today = chinaDate(now);
    return withCalendar(() => ({
      accepted_at: now,
      legal_due: addWorkingDays(today, app.legal_days ?? 0),
      promised_due: addWorkingDays(today, app.promised_days ?? 0),
    }));
  }

  /** Pauses the clock (补正, 特别程序): the due dates stop moving closer; timers are cancelled. */
  async pause(trx: Db, app: AppRow, reason: 'supplement' | 'special_procedure'): Promise<void> {
    if (app.paused_at) return;
    const patch = { paused_at: this.now(), pause_reason: reason };
    await appsRepo.update(trx, app.id, patch);
    Object.assign(app, patch, { version: app.version + 1 });
    await this.cancelTimers(trx, app.id, [...CLOCK_TIMERS, ...STEP_TIMERS]);
  }

  /**
   * Resumes the clock: every due date moves later by the working days of the pause; timers are
   * armed again for the new dates. Returns the working days added.
   */
  async resume(trx: Db, app: AppRow, who: Who, capDays?: number | null): Promise<number> {
    if (!app.paused_at) return 0;
    const now = this.now();
    const paused = withCalendar(() => pausedWorkingDays(app.paused_at!, now));
    // A special procedure's time is not counted only up to its legal limit; beyond it, it is.
    const days = capDays !== undefined && capDays !== null ? Math.min(paused, capDays) : paused;
    if (days < paused)
      await this.event(trx, app, {
        type: 'special_procedure_overrun',
        visibility: 'public',
        who: SYSTEM,
        message: { zh: `特别程序用时 ${paused} 个工作日，超出时限 ${capDays} 个工作日，超出部分计入办理时限`, en: `The special procedure took ${paused} working days, beyond its limit of ${capDays}; the excess counts against the time limit` },
        data: { pausedDays: paused, limitDays: capDays },
      });
    const patch: AppPatch = {
      paused_at: null,
      pause_reason: null,
      paused_days: app.paused_days + (app.accepted_at ? days : 0),
      legal_due: app.legal_due ? withCalendar(() => extend(app.legal_due!, days)) : null,
      promised_due: app.promised_due ? withCalendar(() => extend(app.promised_due!, days)) : null,
      step_due: app.step_due ? withCalendar(() => extend(app.step_due!, days)) : null,
    };
    await appsRepo.update(trx, app.id, patch);
    Object.assign(app, patch, { version: app.version + 1 });
    if (app.step_due) await tasksRepo.setDueOfLive(trx, app.id, app.step_due);
    await this.armStepTimers(trx, app);
    if (app.accepted_at) await this.armClockTimers(trx, app);
    if (app.accepted_at && days > 0)
      await this.event(trx, app, {
        type: 'clock_resumed',
        visibility: 'public',
        who,
        message: {
          zh: `恢复计时：暂停 ${days} 个工作日，承诺办结日期顺延至 ${app.promised_due}，法定办结日期顺延至 ${app.legal_due}`,
          en: `Clock resumed: paused ${days} working day(s); promised due date now ${app.promised_due}, legal due date ${app.legal_due}`,
        },
        data: { pausedDays: days, promisedDue: app.promised_due, legalDue: app.legal_due },
      });
    return days;
  }

  // ---- timers --------------------------------------------------------------------------------

  /**
   * One timer job per application and group (before: one per kind, four per application): the
   * clock's (`warning`, then `overdue`) and the step's (`stage_warning`, then `stage_overdue`),
   * armed for the group's first level not reached yet; when it fires it acts for every level whose
   * instant has come and arms itself again for the next (the job rows an application writes fell
   * by half). `slot` alternates the key when a running timer arms its successor (its own pending
   * row still holds the key). Jobs armed by kind before this change still run (their kind's group).
   */
  private timerKey(id: string, group: TimerGroup, slot: number): string {
    return slot ? `${id}:${group}~` : `${id}:${group}`;
  }

  async cancelTimers(trx: Db, appId: string, kinds: TimerKind[]): Promise<void> {
    for (const g of TIMER_GROUPS) {
      if (!kinds.some((k) => GROUP_OF[k] === g)) continue;
      await cancelJobs(trx, QUEUES.timer, this.timerKey(appId, g, 0));
      await cancelJobs(trx, QUEUES.timer, this.timerKey(appId, g, 1));
    }
  }

  private async arm(trx: Db, appId: string, group: TimerGroup, at: Date, slot = 0): Promise<void> {
    await enqueue(trx, { queue: QUEUES.timer, payload: { applicationId: appId, group, slot }, runAt: this.scheduleAt(at), dedupeKey: this.timerKey(appId, group, slot), maxAttempts: 20 });
  }

  /** The instant a timer of `kind` is due for the application as it is now, or null. */
  private timerInstant(app: AppRow, kind: TimerKind): Date | null {
    if (kind === 'warning' || kind === 'overdue') {
      if (!app.promised_due) return null;
      return withCalendar(() => (kind === 'warning' ? chinaStartOfDay(warningFrom(app.promised_due!, app.promised_days ?? 0, this.o.warningShare)) : overdueAt(app.promised_due!)));
    }
    if (!app.step_due || app.step_index === null) return null;
    const step = asSteps(app)[app.step_index];
    return withCalendar(() => (kind === 'stage_warning' ? chinaStartOfDay(warningFrom(app.step_due!, step.budgetDays, this.o.warningShare)) : overdueAt(app.step_due!)));
  }

  async armClockTimers(trx: Db, app: AppRow): Promise<void> {
    await this.cancelTimers(trx, app.id, CLOCK_TIMERS);
    if (!app.promised_due) return;
    // After an extension the application may be back within its time.
    const level = withCalendar(() => slaOf(chinaDate(this.now()), app.promised_due!, app.promised_days ?? 0, this.o.warningShare));
    if (level !== app.sla_state && RANK[level] < RANK[app.sla_state]) {
      await appsRepo.update(trx, app.id, { sla_state: level });
      Object.assign(app, { sla_state: level, version: app.version + 1 });
    }
    const next = CLOCK_TIMERS.find((k) => RANK[LEVEL_OF[k]] > RANK[app.sla_state]);
    if (next) await this.arm(trx, app.id, 'clock', this.timerInstant(app, next)!);
  }

  async armStepTimers(trx: Db, app: AppRow): Promise<void> {
    await this.cancelTimers(trx, app.id, STEP_TIMERS);
    if (!app.step_due) return;
    // The step's tasks may be in warning already (a resumed step): the timer then finds it so and waits for overdue.
    await this.arm(trx, app.id, 'step', this.timerInstant(app, 'stage_warning')!);
  }

  /**
   * A timer fired: acts only if what it watches still runs, for each level whose instant has come
   * by the clock and that is not reached yet, and arms itself again for the next level.
   */
  async onTimer(job: ClaimedJob): Promise<void> {
    const p = job.payload as { applicationId: string; group?: TimerGroup; kind?: TimerKind; slot: number };
    const { applicationId, slot } = p;
    const group: TimerGroup = p.group ?? GROUP_OF[p.kind!];
    await this.departments.refresh();
    await transact(this.o.db, async (trx) => {
      const app = await appsRepo.lock(trx, applicationId);
      if (!app || app.paused_at) return;
      const clockTimer = group === 'clock';
      if (clockTimer && !CLOCK_RUNNING.has(app.state as State)) return;
      if (!clockTimer && (app.step_index === null || FINAL_STATES.has(app.state as State))) return;
      const live = clockTimer ? [] : (await tasksRepo.ofStep(trx, app.id, app.step_index!)).filter((t) => t.state === 'open' || t.state === 'waiting');
      if (!clockTimer && !live.length) return;
      let current: Sla = clockTimer ? app.sla_state : live.reduce<Sla>((m, t) => (RANK[t.sla_state] > RANK[m] ? t.sla_state : m), 'normal');
      const ctx = systemContext(`job:${job.id}`);
      for (const kind of clockTimer ? CLOCK_TIMERS : STEP_TIMERS) {
        const level = LEVEL_OF[kind];
        if (RANK[current] >= RANK[level]) continue;
        const at = this.timerInstant(app, kind);
        if (!at) return;
        if (this.now().getTime() < at.getTime() - TIMER_TOLERANCE_MS) {
          // Not yet by this clock (the next level, or early: skew, an injected clock): wait until the instant.
          await this.arm(trx, app.id, group, at, slot ? 0 : 1);
          return;
        }
        await this.reachLevel(trx, app, live, kind, ctx);
        current = level;
      }
    });
  }

  /** An application (clock timers) or its step's live tasks (step timers) reach the level of `kind`. */
  private async reachLevel(trx: Db, app: AppRow, live: TaskRow[], kind: TimerKind, ctx: RequestContext): Promise<void> {
    const level = LEVEL_OF[kind];
    if (GROUP_OF[kind] === 'clock') {
      await appsRepo.update(trx, app.id, { sla_state: level });
      app.sla_state = level;
      const due = app.promised_due!;
      await this.event(trx, app, {
        type: `sla_${level}`,
        visibility: 'internal',
        who: SYSTEM,
        message: level === 'warning' ? { zh: `办件进入预警：承诺办结日期 ${due}`, en: `Warning: promised due date ${due}` } : { zh: `办件已超期（承诺办结日期 ${due}），已提请督办`, en: `Overdue (promised due date ${due}); escalated to supervision` },
        data: { dueDate: due },
      });
      await this.emit(trx, level === 'warning' ? 'application.sla_warning' : 'application.overdue', { applicationId: app.id, rootId: rootOf(app), number: app.number, title: app.title, departmentId: app.department_id, regionCode: app.region_code, dueDate: due });
      if (level === 'overdue') {
        const created = await escalationsRepo.insert(trx, { id: randomUUID(), application_id: app.id, root_id: rootOf(app), kind: 'overdue', region_code: app.region_code, department_id: app.department_id, due_date: due, created_at: this.now() });
        if (created) await this.emit(trx, 'application.escalated', { applicationId: app.id, number: app.number, title: app.title, regionCode: app.region_code, departmentId: app.department_id, dueDate: due });
      }
    } else {
      await tasksRepo.setSlaOfLive(trx, app.id, app.step_index!, level);
      const step = asSteps(app)[app.step_index!];
      const left = withCalendar(() => Math.max(0, daysLeft(chinaDate(this.now()), app.step_due!)));
      await this.event(trx, app, {
        type: `stage_${level}`,
        visibility: 'internal',
        who: SYSTEM,
        message: level === 'warning' ? { zh: `「${step.stageName}」环节进入预警，时限至 ${app.step_due}`, en: `"${step.stageName}" step: warning, due ${app.step_due}` } : { zh: `「${step.stageName}」环节已超时（时限 ${app.step_due}）`, en: `"${step.stageName}" step is overdue (due ${app.step_due})` },
        data: { step: app.step_index, dueDate: app.step_due },
      });
      for (const t of live)
        await this.emit(trx, level === 'warning' ? 'task.deadline_warning' : 'task.overdue', {
          taskId: t.id,
          applicationId: app.id,
          departmentId: t.department_id,
          role: t.role,
          assigneeId: t.assignee_id,
          template: 'task.deadline_warning',
          params: { applicationNo: app.number, itemName: app.title, stage: step.stageName, daysLeft: left, dueDate: app.step_due },
        });
    }
    await recordAudit(trx, ctx, { action: `application.sla.${kind}`, entityType: 'application', entityId: app.id, detail: { level } });
  }

  // ---- conclusion and bundles ----------------------------------------------------------------

  /** 办结: the result (or the decision letter) is delivered; a bundle child moves its bundle on. */
  async conclude(trx: Db, app: AppRow, who: Who, delivery: { method: string; note?: string | null }): Promise<void> {
    const approved = app.state === 'approved';
    await this.move(trx, app, 'conclude', who, {
      patch: { concluded_at: this.now(), ...(approved && app.result ? { result: { ...app.result, delivery, deliveredAt: this.now().toISOString() } } : {}) },
      message: approved
        ? { zh: `办结：办理结果（${app.result?.name ?? '结果'}）已送达（${deliveryLabel(delivery.method).zh}）`, en: `Concluded: the result (${app.result?.name ?? 'result'}) was delivered (${deliveryLabel(delivery.method).en})` }
        : { zh: '办结：不予决定书已送达', en: 'Concluded: the decision was delivered' },
      data: { delivery },
      notify: { template: 'application.concluded', params: { delivery: deliveryLabel(delivery.method).zh } },
    });
    await this.cancelTimers(trx, app.id, [...CLOCK_TIMERS, ...STEP_TIMERS]);
  }

  /**
   * After a child changed: start the children whose prerequisites are all concluded (handing them
   * the results they need), apply the bundle's denial policy, and move the bundle's own state.
   * The caller holds the bundle's row lock, and `changed` (the child that changed, if the caller
   * holds it locked and current in memory) is taken as it is rather than read again; so are
   * `siblings`, the other children when the caller locked them all (appsRepo.lockFamily, whose
   * rows lack what is not read here: a sibling to stop is read whole first) and changed none since.
   */
  async progressBundle(trx: Db, bundle: BundleRow, cause: Who, changed?: AppRow, siblings?: SiblingRow[]): Promise<void> {
    // What the bundle's rules do is the system's act, caused by (and audited with) the request.
    const who: Who = { ...SYSTEM, ctx: cause.ctx };
    const bc = ctxOf(bundle) as BundleContext & ItemContext;
    const others: SiblingRow[] = changed && siblings ? siblings : await appsRepo.lockChildren(trx, bundle.id, changed?.id);
    const children = changed ? [...others, changed].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : others;
    const byItem = new Map(children.map((c) => [c.item_id!, c]));
    const decision = (c: SiblingRow) => ((c.outcome as { kind?: string } | null)?.kind ?? null);
    const succeeded = (c: SiblingRow) => c.state === 'concluded' && decision(c) === 'approved';
    const failed = (c: SiblingRow) => ['not_accepted', 'stopped', 'withdrawn'].includes(c.state) || (c.state === 'concluded' && decision(c) === 'denied') || c.state === 'denied';
    /** A child as a whole row (a sibling of lockFamily may lack columns), in its place among the children. */
    const whole = async (c: SiblingRow): Promise<AppRow> => {
      const row = await appsRepo.full(trx, c);
      if (row !== c) {
        children[children.indexOf(c)] = row;
        byItem.set(row.item_id!, row);
      }
      return row;
    };
    for (let changed = true; changed; ) {
      changed = false;
      if (bc.denialPolicy === 'stop_all' && children.some(failed)) {
        for (const c of children) {
          if (!canTransition(c.state, 'stop') || failed(c)) continue;
          await this.stop(trx, await whole(c), who, 'bundle_denied');
          changed = true;
        }
      }
      for (const c of children) {
        if (c.state !== 'waiting') continue;
        const prereqs = bc.dependencies.filter((d) => d.to === c.item_id).map((d) => byItem.get(d.from)!).filter(Boolean);
        if (prereqs.some((p) => failed(p)) && bc.denialPolicy !== 'continue') {
          await this.stop(trx, await whole(c), who, 'prerequisite_denied');
          changed = true;
          continue;
        }
        if (prereqs.every((p) => succeeded(p) || (bc.denialPolicy === 'continue' && failed(p)))) {
          await this.startChild(trx, bundle, await whole(c), prereqs.filter(succeeded), who);
          changed = true;
        }
      }
    }
    const next = bundleStateOf(children.map((c) => c.state));
    if (next === bundle.state) return;
    const from = bundle.state;
    const outcome = next === 'concluded' ? bundleOutcome(children.map((c) => ({ state: c.state, decision: decision(c) as 'approved' | 'denied' | null }))) : null;
    const patch: AppPatch = { state: next, ...(next === 'concluded' ? { concluded_at: this.now(), outcome: { kind: outcome } } : {}) };
    await appsRepo.update(trx, bundle.id, patch);
    Object.assign(bundle, patch, { version: bundle.version + 1 });
    await recordAudit(trx, who.ctx ?? systemContext('applications.engine'), { action: 'application.transition', entityType: 'application', entityId: bundle.id, detail: { transition: 'bundleProgress', from, to: next, number: bundle.number } });
    const label = STATES[next];
    await this.event(trx, bundle, {
      type: 'bundle_state',
      from,
      to: next,
      visibility: 'public',
      who: SYSTEM,
      message: next === 'concluded' ? { zh: `一件事已全部办结（${OUTCOME_LABELS[outcome!].zh}）`, en: `The bundle is concluded (${OUTCOME_LABELS[outcome!].en})` } : { zh: `一件事状态：${label.zh}`, en: `Bundle: ${label.en}` },
      data: outcome ? { outcome } : {},
    });
    await this.emit(trx, 'application.state_changed', {
      applicationId: bundle.id,
      rootId: bundle.id,
      kind: 'bundle',
      number: bundle.number,
      title: bundle.title,
      applicantId: bundle.applicant_id,
      createdBy: bundle.created_by,
      departmentId: bundle.department_id,
      resultKind: null,
      action: 'bundle_progress',
      from,
      to: next,
      // What the bundle's message says when the last child's conclusion is told with it (foldNotices).
      ...(outcome ? { outcome, outcomeLabel: OUTCOME_LABELS[outcome].zh } : {}),
      ...(next === 'concluded' ? { template: 'application.concluded', params: { applicationNo: bundle.number, itemName: bundle.title, delivery: '各事项办理结果已分别送达' } } : {}),
    });
  }

  private async startChild(trx: Db, bundle: BundleRow, child: AppRow, prereqs: SiblingRow[], who: Who): Promise<void> {
    const bc = ctxOf(bundle) as BundleContext;
    const results = new Map(prereqs.map((p) => [p.item_id!, (p.result as { fields?: Record<string, unknown> } | null)?.fields ?? {}]));
    const form = this.o.forms.open(child.form_data);
    const filled: string[] = [];
    for (const f of bc.filledByResults.filter((x) => x.itemId === child.item_id)) {
      const v = results.get(f.fromItemId)?.[f.field];
      if (v !== undefined) {
        form[f.field] = v;
        filled.push(f.field);
      }
    }
    const received = prereqs.map((p) => ({ itemId: p.item_id!, number: p.number, title: p.title, result: p.result }));
    await this.move(trx, child, 'start', who, {
      patch: { form_data: this.o.forms.seal(form), context: { ...ctxOf(child), received } },
      message: {
        zh: `前置事项（${prereqs.map((p) => p.title).join('、') || '无'}）已办结，开始办理${filled.length ? `，已取得：${filled.join('、')}` : ''}`,
        en: `Prerequisites (${prereqs.map((p) => p.title).join(', ') || 'none'}) concluded; handling starts${filled.length ? `, received: ${filled.join(', ')}` : ''}`,
      },
      data: { received: received.map((r) => ({ itemId: r.itemId, number: r.number })), filled },
    });
    await this.openStep(trx, child, 0, who);
  }

  // ---- supplement reply-by date --------------------------------------------------------------

  /** Arms the timer that ends an application whose supplement does not come by `replyBy`. */
  async armReplyBy(trx: Db, app: AppRow, replyBy: string): Promise<void> {
    await cancelJobs(trx, QUEUES.replyBy, app.id);
    await enqueue(trx, { queue: QUEUES.replyBy, payload: { applicationId: app.id, replyBy }, runAt: this.scheduleAt(overdueAt(replyBy)), dedupeKey: app.id, maxAttempts: 20 });
  }

  async cancelReplyBy(trx: Db, appId: string): Promise<void> {
    await cancelJobs(trx, QUEUES.replyBy, appId);
  }

  /**
   * The reply-by date of a supplement request passed without an answer: before acceptance the
   * application is not accepted (不予受理, reason supplement_overdue), after it it stops (终止);
   * a paid fee is refunded (move). Re-checked when it fires: answered, superseded or early → nothing.
   */
  async onReplyBy(job: ClaimedJob): Promise<void> {
    const { applicationId, replyBy } = job.payload as { applicationId: string; replyBy: string };
    await this.departments.refresh();
    const first = await appsRepo.byId(this.o.db, applicationId);
    if (!first) return;
    await transact(this.o.db, async (trx) => {
      const { parent, app, siblings } = first.parent_id ? await appsRepo.lockFamily(trx, first.parent_id, applicationId) : { parent: undefined, app: await appsRepo.lock(trx, applicationId), siblings: undefined };
      if (!app || app.state !== 'supplement_requested') return;
      const s = (app.supplement ?? {}) as { replyBy?: string; returnTo?: string; requestedAt?: string };
      if (s.replyBy !== replyBy) return;
      const at = overdueAt(replyBy);
      if (this.now().getTime() < at.getTime() - TIMER_TOLERANCE_MS) {
        await this.armReplyBy(trx, app, replyBy);
        return;
      }
      const who: Who = { ...SYSTEM, ctx: systemContext(`job:${job.id}`) };
      await tasksRepo.cancelLive(trx, app.id);
      await this.cancelTimers(trx, app.id, [...CLOCK_TIMERS, ...STEP_TIMERS]);
      const before = s.returnTo !== 'under_review';
      const label = before ? NOT_ACCEPTED_REASONS.supplement_overdue : STOP_REASONS.supplement_overdue;
      const reason = { zh: `补正期限 ${replyBy} 已过，未收到补正`, en: `The reply-by date ${replyBy} passed without a supplement` };
      await this.move(trx, app, 'supplementOverdue', who, {
        target: before ? 'not_accepted' : 'stopped',
        patch: {
          outcome: before
            ? { kind: 'not_accepted', reasonCode: 'supplement_overdue', reasonLabel: label, reason: reason.zh, department: app.department_id ? this.departments.name(app.department_id) : null }
            : { kind: 'stopped', reason: 'supplement_overdue', reasonLabel: label },
          decided_at: this.now(),
          paused_at: null,
          pause_reason: null,
        },
        message: { zh: `${label.zh}（${reason.zh}）`, en: `${label.en} (${reason.en})` },
        data: { reasonCode: 'supplement_overdue', replyBy },
        notify: before ? { template: 'application.not_accepted', params: { reason: `${label.zh}：${reason.zh}` } } : undefined,
      });
      if (parent) await this.progressBundle(trx, parent, who, app, siblings);
    });
  }

  /** Stops a child (the bundle's denial policy): its tasks and timers are cancelled. */
  async stop(trx: Db, child: AppRow, who: Who, reason: keyof typeof STOP_REASONS): Promise<void> {
    await tasksRepo.cancelLive(trx, child.id);
    await this.cancelTimers(trx, child.id, [...CLOCK_TIMERS, ...STEP_TIMERS]);
    const r = STOP_REASONS[reason];
    await this.move(trx, child, 'stop', who, { patch: { outcome: { kind: 'stopped', reason }, paused_at: null, pause_reason: null }, message: { zh: r.zh, en: r.en }, data: { reason } });
  }

  /** The automatic conclusion after a decision (queue applications.conclude). */
  async onConclude(job: ClaimedJob): Promise<void> {
    const { applicationId, parentId } = job.payload as { applicationId: string; parentId?: string | null };
    await this.departments.refresh();
    // Jobs queued before the payload carried parentId read the row to find it.
    const parentOf = parentId !== undefined ? parentId : (await appsRepo.byId(this.o.db, applicationId))?.parent_id;
    if (parentOf === undefined) return;
    await transact(this.o.db, async (trx) => {
      const { parent, app, siblings } = parentOf ? await appsRepo.lockFamily(trx, parentOf, applicationId) : { parent: undefined, app: await appsRepo.lock(trx, applicationId), siblings: undefined };
      if (!app || (app.state !== 'approved' && app.state !== 'denied') || app.awaiting) return;
      const who: Who = { ...SYSTEM, ctx: systemContext(`job:${job.id}`) };
      await this.conclude(trx, app, who, { method: 'online' });
      if (parent) await this.progressBundle(trx, parent, who, app, siblings);
    });
  }
}

export const VOTE: Record<string, 'yes' | 'no'> = {
  accepted: 'yes',
  not_accepted: 'no',
  agreed: 'yes',
  disagreed: 'no',
  approved: 'yes',
  denied: 'no',
  delivered: 'yes',
};

export const OUTCOME_LABELS = {
  approved: { zh: '全部准予', en: 'all approved' },
  partially_approved: { zh: '部分准予', en: 'partly approved' },
  denied: { zh: '未获准予', en: 'not approved' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
} as const;

const DELIVERY = {
  online: { zh: '网上送达', en: 'online' },
  window: { zh: '窗口领取', en: 'collected at the window' },
  mail: { zh: '邮寄送达', en: 'by post' },
} as const;
export const deliveryLabel = (m: string) => DELIVERY[m as keyof typeof DELIVERY] ?? { zh: m, en: m };

/**
 * How to appeal a denial (行政复议法 2023 art. 20, 24; 行政诉讼法 art. 18, 46): administrative
 * reconsideration within 60 days at the people's government of the department's level (for a
 * vertically managed department, its superior), or a lawsuit within 6 months at the people's court
 * where the department is.
 */
export function appealOf(departmentName: string, regionCode: string | null) {
  const region = regionCode ? getRegion(regionCode) : undefined;
  const parent = region?.parentCode ? getRegion(region.parentCode) : undefined;
  const place = region ? (region.level === 'county' && parent ? `${parent.name}${region.name}` : region.name) : '本级';
  const vertical = /^(国家税务总局|海关|国家金融监督管理总局|中国人民银行|国家外汇管理局)/.test(departmentName);
  const body = vertical ? `${departmentName}的上一级主管部门` : `${place}人民政府`;
  const court = `${place}有管辖权的人民法院`;
  return {
    reconsideration: { body, days: 60, basis: '《中华人民共和国行政复议法》第二十条' },
    litigation: { court, months: 6, basis: '《中华人民共和国行政诉讼法》第四十六条' },
    text: {
      zh: `如不服本决定，可以自收到本决定之日起六十日内向${body}申请行政复议，或者自收到本决定之日起六个月内向${court}提起行政诉讼。`,
      en: `If you disagree with this decision, you may apply for administrative reconsideration to ${body} within 60 days of receiving it, or bring an administrative lawsuit before ${court} within six months of receiving it.`,
    },
  };
}

