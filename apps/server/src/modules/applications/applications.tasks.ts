/**
 * The officer's side: the task list of one's own department and role with SLA colours and
 * working days left; claiming; and the acts of each step — accept / not accept (with a reason
 * code), request a supplement, review with an opinion (审批意见), decide, deliver — plus special
 * procedures (特别程序) that pause the clock.
 *
 * Every act runs in one transaction that locks the bundle's row (if any, and only for acts that
 * can move the bundle: ActRules.movesBundle), the application's and the task's, in that order, and
 * then checks: the task is of the officer's department and role, open, not claimed by someone
 * else, of the right kind of step, and the application is in a state that allows it. A refusal
 * changes nothing. (Why leaving the bundle alone cannot deadlock: see "Concurrency" in
 * applications.engine.ts.)
 */
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import { hasRole, type Actor, type RequestContext } from '../../shared/actor';
import { errors } from '../../shared/errors';
import { subtreePattern } from '../../shared/regions';
import type { CatalogReader } from './applications.catalog';
import { chinaDate, withCalendar, addWorkingDays } from './applications.clock';
import { appealOf, ctxOf, SYSTEM, type Engine, type ItemContext, type Who } from './applications.engine';
import { appErrors } from './applications.errors';
import { NOT_ACCEPTED_REASONS, type NotAcceptedReason } from './applications.machine';
import { presentTask, type TaskClockMemo } from './applications.presenter';
import type { TaskSignals } from './applications.signals';
import type { MaterialRecord } from './applications.materials';
import type { StepAction } from './applications.process';
import { appsRepo, escalationsRepo, tasksRepo, type AppRow, type BundleRow, type SiblingRow, type TaskRow } from './applications.repository';
import { whoOf, type ApplicantService } from './applications.service';

const OFFICER_ROLES = ['window_clerk', 'reviewer', 'decider'];

interface ActRules {
  /** Kinds of step the act belongs to (null: any). */
  actions: StepAction[] | null;
  /** Allowed while the applicant is asked for a supplement / during a special procedure / awaiting payment. */
  duringSupplement?: boolean;
  duringSpecial?: boolean;
  /** Does not claim the task (claim and release manage that themselves). */
  noClaim?: boolean;
  /**
   * The act can move the child's bundle: the bundle's state (a function of its children's, see
   * bundleStateOf) may change, or the bundle's rules may start or stop children. Then the bundle's
   * row is locked first and the act ends with progressBundle. Acts that cannot (claims, reviews,
   * approvals, special procedures: the child stays "under review" as the bundle sees it) leave the
   * bundle alone, so officers acting on parallel children of one bundle do not queue on it.
   * 'whileSubmitted' (acceptance): only while the bundle is still 'submitted' (its first child
   * accepted moves it to 'under_review'; later ones cannot move it). Otherwise the act holds a
   * shared lock on the bundle's row (FOR SHARE) so that the bundle cannot move back meanwhile, and
   * is run again with the bundle locked if it finds it 'submitted' after all.
   */
  movesBundle?: boolean | 'whileSubmitted';
}

/** Thrown inside an act's transaction when it must run again with the bundle's row locked. */
const LOCK_BUNDLE = Symbol('lock the bundle');

interface ActScope {
  trx: Db;
  app: AppRow;
  task: TaskRow;
  /** The bundle's row as appsRepo.lockFamily returns it (what progressBundle reads). */
  parent: BundleRow | undefined;
  /** With `parent`: the bundle's other children, locked (appsRepo.lockFamily) and unchanged. */
  siblings: SiblingRow[] | undefined;
  who: Who;
  actor: Actor;
}

export interface SupplementRequest {
  items: { kind: 'field' | 'material'; key: string; reason: string }[];
  note?: string;
  replyWithinDays?: number;
}

/** What an act needs to know of its task before its transaction (see TasksService.hints). */
interface TaskHint {
  application_id: string;
  department_id: string;
  role: string;
  app_parent_id: string | null;
  parent_state: string | null;
}
/** Hints kept per process at most (the list refills them). */
const MAX_HINTS = 20_000;

export class TasksService {
  /**
   * Tasks of the last task lists this process answered: their application and bundle (which never
   * change) and the bundle's state then (a guess, as the read it replaces: it only chooses how the
   * act locks, and the act checks under the lock). An act on a listed task needs no read before its
   * transaction; one on a task not listed here reads it (tasksRepo.byIdWithParent).
   */
  private readonly hints = new Map<string, TaskHint>();
  /**
   * Bundles this process saw past 'submitted' (a bundle never returns to it): an acceptance of a
   * listed task whose hint still says 'submitted' (listed before a sibling's acceptance moved the
   * bundle) takes the bundle's row shared instead of locking the whole family. A guess, like the
   * hints: the act checks under the lock and locks the family after all if it finds 'submitted'.
   */
  private readonly pastSubmitted = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly engine: Engine,
    private readonly applicant: ApplicantService,
    private readonly catalog: CatalogReader,
    private readonly warningShare: number,
    private readonly publicUrl: string,
    readonly signals?: TaskSignals,
  ) {}

  // ---- reading -------------------------------------------------------------------------------

  /**
   * The task list. With `waitSeconds` (to-do list only) an empty answer waits until a task opens in
   * the department or the time is up, then reads again (long polling: a workbench or a department's
   * system learns of new work at once without asking every few seconds).
   */
  async list(ctx: RequestContext, q: { scope: 'todo' | 'mine' | 'done'; limit: number; offset: number; waitSeconds?: number }) {
    const actor = requireActor(ctx);
    if (!actor.departmentId) return [];
    await this.engine.departments.refresh();
    const roles = hasRole(actor, 'dept_admin') ? null : actor.roles.filter((r) => OFFICER_ROLES.includes(r));
    const read = () => tasksRepo.queue(this.db, { departmentId: actor.departmentId!, roles, scope: q.scope, accountId: actor.accountId, limit: q.limit, offset: q.offset });
    const until = Date.now() + (q.scope === 'todo' ? (q.waitSeconds ?? 0) * 1000 : 0);
    let rows: Awaited<ReturnType<typeof read>>;
    for (;;) {
      const left = until - Date.now();
      const wait = left > 0 && this.signals ? await this.signals.arm(actor.departmentId, left) : null;
      rows = await read();
      if (rows.length || !wait) {
        wait?.cancel();
        break;
      }
      await wait.done;
    }
    if (this.hints.size + rows.length > MAX_HINTS) this.hints.clear();
    for (const r of rows) if (r.state === 'open') this.hints.set(r.id, { application_id: r.application_id, department_id: r.department_id, role: r.role, app_parent_id: r.app_parent_id, parent_state: r.parent_state });
    const now = this.engine.now();
    const memo: TaskClockMemo = new Map();
    return rows.map((r) => ({
      ...presentTask(r, { now, share: this.warningShare, departments: this.engine.departments, paused: r.app_paused_at, memo }),
      application: {
        id: r.application_id,
        number: r.app_number,
        title: r.app_title,
        state: r.app_state,
        kind: r.app_kind,
        bundleId: r.app_parent_id,
        applicant: { kind: r.app_applicant_kind, name: r.app_applicant_name },
        submittedAt: r.app_submitted_at ? new Date(r.app_submitted_at).toISOString() : null,
        promisedDue: r.app_promised_due,
        legalDue: r.app_legal_due,
        paused: !!r.app_paused_at,
        pauseReason: r.app_pause_reason,
      },
      blocked: r.app_state === 'supplement_requested' ? 'supplement' : r.app_state === 'special_procedure' ? 'special_procedure' : null,
    }));
  }

  /** A task of one's department with its application as the officer sees it (internal notes, opinions). */
  async get(ctx: RequestContext, taskId: string) {
    const actor = requireActor(ctx);
    const t = await tasksRepo.byId(this.db, taskId);
    if (!t) throw appErrors.taskNotFound();
    if (t.department_id !== actor.departmentId) throw appErrors.otherDepartment();
    await this.engine.departments.refresh();
    const app = (await appsRepo.byId(this.db, t.application_id))!;
    const iv = app.item_id ? await this.catalog.itemVersion(app.item_id, app.item_version!) : undefined;
    return {
      task: presentTask(t, { now: this.engine.now(), share: this.warningShare, departments: this.engine.departments, paused: app.paused_at }),
      // The result fields the items that depend on this one need (一件事): asked for at the decision.
      application: { ...(await this.applicant.view(app.id, 'officer')), resultFieldsNeeded: ctxOf(app).feeds ?? [] },
      materials: (iv?.content.materials ?? []).map((m) => {
        const rec = ((app.materials ?? []) as unknown as MaterialRecord[]).find((x) => x.key === m.key);
        return {
          key: m.key,
          name: m.name,
          requirement: m.requirement,
          source: m.source.kind,
          exempt: m.source.kind !== 'applicant',
          status: rec?.status ?? null,
          files: (rec?.files ?? []).map((f) => ({ ...f, url: `/api/files/${f.id}` })),
          evidence: rec?.evidence ?? null,
          licenceId: rec?.licenceId ?? null,
        };
      }),
      materialCounts: { total: app.materials_total, exempt: app.materials_exempt, elicence: app.materials_elicence },
      specialProcedures: ctxOf(app).specialProcedures ?? [],
      notAcceptedReasons: Object.entries(NOT_ACCEPTED_REASONS).map(([code, l]) => ({ code, ...l })),
    };
  }

  /** Overdue applications escalated to supervision (督办), in the supervisor's region. */
  async escalations(ctx: RequestContext, q: { limit: number; offset: number }) {
    const actor = requireActor(ctx);
    await this.engine.departments.refresh();
    const pattern = hasRole(actor, 'platform_admin') ? null : actor.regionCode ? subtreePattern(actor.regionCode) : null;
    if (!pattern && !hasRole(actor, 'platform_admin')) return [];
    const rows = await escalationsRepo.list(this.db, { regionPattern: pattern, limit: q.limit, offset: q.offset });
    return rows.map((r) => ({
      id: r.id,
      applicationId: r.application_id,
      rootId: r.root_id,
      number: r.app_number,
      title: r.app_title,
      state: r.app_state,
      department: r.department_id ? { id: r.department_id, name: this.engine.departments.name(r.department_id) } : null,
      regionCode: r.region_code,
      kind: r.kind,
      dueDate: r.due_date,
      promisedDue: r.app_promised_due,
      legalDue: r.app_legal_due,
      escalatedAt: new Date(r.created_at).toISOString(),
    }));
  }

  // ---- acts ----------------------------------------------------------------------------------

  /** The frame of every act: checks, locks in order, claim, the act, the audit entry. */
  private async act<T>(ctx: RequestContext, taskId: string, name: string, rules: ActRules, fn: (s: ActScope) => Promise<T>, detail: Record<string, unknown> = {}): Promise<T> {
    const actor = requireActor(ctx);
    const check = (t: { department_id: string; role: string }) => {
      if (t.department_id !== actor.departmentId) throw appErrors.otherDepartment();
      if (!actor.roles.includes(t.role as never)) throw appErrors.roleMismatch(t.role);
    };
    await this.engine.departments.refresh();
    const who = whoOf(actor, ctx);
    // An act that cannot move a bundle locks only its application and task: the transaction's first
    // statement finds them by the task (no read before it); the checks then refuse, rolling back.
    if (!rules.movesBundle) return this.actOnce(ctx, taskId, name, rules, fn, detail, { actor, who, applicationId: null, parentId: null, exclusive: false, shared: false, check });
    const t0 = this.hints.get(taskId) ?? (await tasksRepo.byIdWithParent(this.db, taskId));
    this.hints.delete(taskId);
    if (!t0) throw appErrors.taskNotFound();
    check(t0);
    const parentId = t0.app_parent_id;
    const submitted = t0.parent_state === 'submitted' && !(parentId && this.pastSubmitted.has(parentId));
    let exclusive = !!parentId && (rules.movesBundle === true || (rules.movesBundle === 'whileSubmitted' && submitted));
    const shared = !!parentId && rules.movesBundle === 'whileSubmitted';
    for (;;) {
      try {
        return await this.actOnce(ctx, taskId, name, rules, fn, detail, { actor, who, applicationId: t0.application_id, parentId, exclusive, shared, check });
      } catch (err) {
        if (err !== LOCK_BUNDLE || exclusive) throw err;
        exclusive = true;
      }
    }
  }

  private actOnce<T>(
    ctx: RequestContext,
    taskId: string,
    name: string,
    rules: ActRules,
    fn: (s: ActScope) => Promise<T>,
    detail: Record<string, unknown>,
    o: { actor: Actor; who: Who; applicationId: string | null; parentId: string | null; exclusive: boolean; shared: boolean; check: (t: TaskRow) => void },
  ): Promise<T> {
    const { actor, who } = o;
    return transact(this.db, async (trx) => {
      let parent: BundleRow | undefined;
      let siblings: SiblingRow[] | undefined;
      let app: AppRow | undefined;
      let task: TaskRow | undefined;
      // Bundle (exclusive: and all its children), then the application, then the task; each case in one round trip.
      if (o.parentId && o.exclusive && o.applicationId) {
        ({ parent, app, siblings, task } = await appsRepo.lockFamilyAndTask(trx, o.parentId, o.applicationId, taskId));
      } else if (o.parentId && o.shared) {
        const locked = await appsRepo.lockSharedWithTask(trx, o.parentId, o.applicationId, taskId);
        if (locked.parentState === 'submitted') throw LOCK_BUNDLE;
        ({ app, task } = locked);
      } else {
        ({ app, task } = await appsRepo.lockWithTask(trx, o.applicationId, taskId));
      }
      if (!app || !task) throw appErrors.taskNotFound();
      o.check(task);
      if (task.state !== 'open') throw appErrors.taskState(task.state);
      if (task.assignee_id && task.assignee_id !== actor.accountId) throw appErrors.claimedByOther(task.assignee_name);
      if (rules.actions && !rules.actions.includes(task.action)) throw appErrors.wrongAction(task.action);
      if (app.state === 'supplement_requested' && !rules.duringSupplement) throw appErrors.awaitingApplicant();
      if (app.state === 'special_procedure' && !rules.duringSpecial) throw appErrors.paused();
      if (app.awaiting === 'payment' && !rules.noClaim) throw appErrors.awaitingPayment();
      // The act claims the task; the claim is written with the signature (sign writes the assignee)
      // or, when the act leaves the task open, after it.
      const claiming = !rules.noClaim && !task.assignee_id;
      if (claiming) Object.assign(task, { assignee_id: actor.accountId, assignee_name: actor.displayName, claimed_at: this.engine.now() });
      const out = await fn({ trx, app, task, parent, siblings, who, actor });
      if (parent && parent.state !== 'submitted') {
        if (this.pastSubmitted.size >= MAX_HINTS) this.pastSubmitted.clear();
        this.pastSubmitted.add(parent.id);
      }
      if (claiming && task.state === 'open') await tasksRepo.update(trx, task.id, { assignee_id: task.assignee_id, assignee_name: task.assignee_name, claimed_at: task.claimed_at });
      await recordAudit(trx, ctx, { action: `task.${name}`, entityType: 'application_task', entityId: task.id, detail: { applicationId: app.id, number: app.number, stage: task.stage_key, ...detail } });
      return out;
    });
  }

  /** The task as the officer sees it after an act, unless the client asked for nothing back (`Prefer: return=minimal`). */
  private async view(taskId: string, ctx: RequestContext) {
    return ctx.returnMinimal ? null : this.get(ctx, taskId);
  }

  async claim(ctx: RequestContext, taskId: string) {
    await this.act(ctx, taskId, 'claim', { actions: null, duringSupplement: true, duringSpecial: true, noClaim: true }, async ({ trx, task, app, who, actor }) => {
      if (task.assignee_id === actor.accountId) return;
      const now = this.engine.now();
      await tasksRepo.update(trx, task.id, { assignee_id: actor.accountId, assignee_name: actor.displayName, claimed_at: now });
      await this.engine.event(trx, app, { type: 'claim', visibility: 'internal', who, message: { zh: `${actor.displayName} 签收「${task.stage_name}」任务`, en: `${actor.displayName} claimed the "${task.stage_name}" task` }, data: { taskId: task.id } });
    });
    return this.view(taskId, ctx);
  }

  async release(ctx: RequestContext, taskId: string) {
    await this.act(ctx, taskId, 'release', { actions: null, duringSupplement: true, duringSpecial: true, noClaim: true }, async ({ trx, task, app, who, actor }) => {
      if (task.assignee_id !== actor.accountId) throw appErrors.notClaimedByYou();
      await tasksRepo.update(trx, task.id, { assignee_id: null, assignee_name: null, claimed_at: null });
      await this.engine.event(trx, app, { type: 'release', visibility: 'internal', who, message: { zh: `${actor.displayName} 退回任务至待办`, en: `${actor.displayName} released the task` }, data: { taskId: task.id } });
    });
    return this.view(taskId, ctx);
  }

  /** 受理: starts the legal clock (due dates, receipt) and moves to the next step. */
  async accept(ctx: RequestContext, taskId: string, input: { note?: string }) {
    await this.act(ctx, taskId, 'accept', { actions: ['accept'], movesBundle: 'whileSubmitted' }, async ({ trx, app, task, parent, siblings, who }) => {
      const result = await this.engine.sign(trx, app, task, 'yes', 'accepted', who, { opinion: input.note ?? null });
      if (result !== 'yes') return;
      const clock = this.engine.clockAtAcceptance(app);
      const dept = this.engine.departments.name(task.department_id);
      const receipt = {
        kind: 'acceptance_receipt',
        title: '受理回执',
        number: app.number,
        itemName: app.title,
        itemCode: ctxOf(app).implementationCode ?? null,
        applicant: app.applicant_name,
        department: dept,
        submittedAt: app.submitted_at ? new Date(app.submitted_at).toISOString() : null,
        acceptedAt: clock.accepted_at.toISOString(),
        legalDays: app.legal_days,
        promisedDays: app.promised_days,
        legalDue: clock.legal_due,
        promisedDue: clock.promised_due,
        trackUrl: `${this.publicUrl}/portal/applications/${app.parent_id ?? app.id}`,
        note: '办理时限以工作日计算，不含法定节假日；补正、特别程序期间不计入办理时限。',
      };
      await this.engine.move(trx, app, 'accept', who, {
        patch: { ...clock, receipt },
        message: { zh: `${dept}已受理，承诺于 ${clock.promised_due} 前办结（法定时限至 ${clock.legal_due}）`, en: `Accepted by ${dept}; promised by ${clock.promised_due} (legal limit ${clock.legal_due})` },
        data: { promisedDue: clock.promised_due, legalDue: clock.legal_due },
        notify: { template: 'application.accepted', params: { dueDate: clock.promised_due } },
      });
      await this.engine.armClockTimers(trx, app);
      await this.engine.move(trx, app, 'beginReview', { ...SYSTEM, ctx }, { visibility: 'internal' });
      await this.engine.afterStep(trx, app, task.step_index, who);
      if (parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
    });
    return this.view(taskId, ctx);
  }

  /** 不予受理, with a reason code and an explanation. */
  async notAccept(ctx: RequestContext, taskId: string, input: { reasonCode: NotAcceptedReason; reason: string }) {
    const label = NOT_ACCEPTED_REASONS[input.reasonCode];
    await this.act(ctx, taskId, 'not_accept', { actions: ['accept'], movesBundle: true }, async ({ trx, app, task, parent, siblings, who }) => {
      await this.engine.sign(trx, app, task, 'no', 'not_accepted', who, { opinion: input.reason, reasonCode: input.reasonCode });
      await this.engine.move(trx, app, 'notAccept', who, {
        patch: { outcome: { kind: 'not_accepted', reasonCode: input.reasonCode, reasonLabel: label, reason: input.reason, department: this.engine.departments.name(task.department_id) }, decided_at: this.engine.now() },
        message: { zh: `不予受理：${label.zh}。${input.reason}`, en: `Not accepted: ${label.en}. ${input.reason}` },
        data: { reasonCode: input.reasonCode },
        notify: { template: 'application.not_accepted', params: { reason: `${label.zh}：${input.reason}` } },
      });
      if (parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
    }, { reasonCode: input.reasonCode });
    return this.view(taskId, ctx);
  }

  /** 一次性告知补正: lists exactly what is missing; the clock (if running) pauses. */
  async requestSupplement(ctx: RequestContext, taskId: string, input: SupplementRequest) {
    const t0 = await tasksRepo.byId(this.db, taskId);
    if (!t0) throw appErrors.taskNotFound();
    const a0 = await appsRepo.byId(this.db, t0.application_id);
    const iv = a0?.item_id ? await this.catalog.itemVersion(a0.item_id, a0.item_version!) : undefined;
    // Only after the department check (inside act) do we tell the officer about the list.
    const check = () => {
      if (!iv) return;
      const fields = new Set(Object.keys((iv.content.form.properties as Record<string, unknown>) ?? {}));
      const materials = new Map(iv.content.materials.map((m) => [m.key, m.name]));
      input.items.forEach((it, i) => {
        if (it.kind === 'field' ? !fields.has(it.key) : !materials.has(it.key)) throw appErrors.supplementField(`body/items/${i}/key`, it.key);
      });
    };
    const label = (it: SupplementRequest['items'][number]) => {
      const name = it.kind === 'material' ? (iv?.content.materials.find((m) => m.key === it.key)?.name ?? it.key) : ((iv?.content.form.properties as Record<string, { title?: string }>)?.[it.key]?.title ?? it.key);
      return `${name}（${it.reason}）`;
    };
    await this.act(ctx, taskId, 'request_supplement', { actions: ['accept', 'review', 'decide'], movesBundle: true }, async ({ trx, app, task, parent, siblings, who }) => {
      check();
      const returnTo = app.state;
      const dueDate = withCalendar(() => addWorkingDays(chinaDate(this.engine.now()), input.replyWithinDays ?? 10));
      const supplement = {
        items: input.items.map((it) => ({ ...it, label: label(it) })),
        note: input.note ?? null,
        requestedAt: this.engine.now().toISOString(),
        department: this.engine.departments.name(task.department_id),
        returnTo,
        taskId: task.id,
        replyBy: dueDate,
      };
      await this.engine.pause(trx, app, 'supplement');
      const missing = input.items.map(label).join('；');
      await this.engine.move(trx, app, 'requestSupplement', who, {
        patch: { supplement },
        message: { zh: `请补正：${missing}${app.accepted_at ? '（补正期间暂停计时）' : ''}`, en: `Please supplement: ${missing}${app.accepted_at ? ' (the clock is paused meanwhile)' : ''}` },
        data: { items: supplement.items, replyBy: dueDate },
        notify: { template: 'application.supplement_requested', params: { missing, dueDate } },
      });
      await this.engine.armReplyBy(trx, app, dueDate);
      if (parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
    }, { items: input.items.map((i) => i.key) });
    return this.view(taskId, ctx);
  }

  /** 审查意见: agree or disagree with an opinion; the step is decided by its signing rule. */
  async review(ctx: RequestContext, taskId: string, input: { agree: boolean; opinion: string }) {
    await this.act(ctx, taskId, 'review', { actions: ['review'] }, async ({ trx, app, task, who }) => {
      const result = await this.engine.sign(trx, app, task, input.agree ? 'yes' : 'no', input.agree ? 'agreed' : 'disagreed', who, { opinion: input.opinion });
      await this.engine.event(trx, app, {
        type: 'opinion',
        visibility: 'internal',
        who,
        message: { zh: `${this.engine.departments.name(task.department_id)}审查意见（${input.agree ? '同意' : '不同意'}）：${input.opinion}`, en: `${this.engine.departments.name(task.department_id)} review opinion (${input.agree ? 'agree' : 'disagree'}): ${input.opinion}` },
        data: { taskId: task.id, agree: input.agree },
      });
      if (!result) return;
      if (result === 'no') {
        const tasks = await tasksRepo.ofStep(trx, app.id, task.step_index);
        const c = ctxOf(app);
        const objections = [...(c.objections ?? []), ...tasks.filter((t) => t.outcome === 'disagreed').map((t) => ({ step: t.step_index, stage: t.stage_name, departmentId: t.department_id, opinion: t.opinion }))];
        await appsRepo.update(trx, app.id, { context: { ...c, objections } as Record<string, unknown> });
        app.context = { ...c, objections } as Record<string, unknown>;
      }
      await this.engine.event(trx, app, { type: 'step_done', visibility: 'public', who: SYSTEM, message: { zh: `「${task.stage_name}」环节办理完毕`, en: `The "${task.stage_name}" step is done` }, data: { step: task.step_index } });
      await this.engine.afterStep(trx, app, task.step_index, who);
    }, { agree: input.agree });
    return this.view(taskId, ctx);
  }

  /**
   * 决定: approve (准予, with the result fields dependent items of a bundle need) or deny (不予,
   * with reasons; how to appeal is added). Several signers decide by the step's signing rule.
   */
  async decide(ctx: RequestContext, taskId: string, input: { approve: boolean; opinion: string; reasons?: string[]; result?: Record<string, string | number | boolean> }) {
    if (!input.approve && !input.reasons?.length) throw errors.invalid('REASONS_REQUIRED', 'body/reasons', '不予决定须写明理由', 'A denial must give its reasons');
    // Both move the bundle through the child's conclusion, which follows in the same transaction (a
    // denial's always, an approval's when no step is left), so the family is locked first.
    await this.act(ctx, taskId, 'decide', { actions: ['decide'], movesBundle: true }, async ({ trx, app, task, parent, siblings, who }) => {
      const c = ctxOf(app);
      const now = this.engine.now();
      const dept = this.engine.departments.name(task.department_id);
      if (input.approve) {
        if (c.objections?.length) throw appErrors.objections();
        const resultFields = { ...(c.resultFields ?? {}), ...(input.result ?? {}) };
        const result = await this.engine.sign(trx, app, task, 'yes', 'approved', who, { opinion: input.opinion });
        const ctxNext: ItemContext = { ...c, resultFields };
        if (result !== 'yes') {
          await appsRepo.update(trx, app.id, { context: ctxNext as Record<string, unknown> });
          app.context = ctxNext as Record<string, unknown>;
          return;
        }
        const missing = (c.feeds ?? []).filter((f) => resultFields[f] === undefined || resultFields[f] === '');
        if (missing.length) throw appErrors.resultFieldsMissing(missing);
        const spec = c.resultSpec ?? { kind: 'decision', name: '准予决定' };
        await this.engine.cancelTimers(trx, app.id, ['warning', 'overdue']);
        // The collected result fields go with the decision (one UPDATE).
        await this.engine.move(trx, app, 'approve', who, {
          patch: {
            context: ctxNext as Record<string, unknown>,
            decided_at: now,
            outcome: { kind: 'approved', opinion: input.opinion, department: dept },
            result: { kind: spec.kind, name: spec.name, ...(spec.licenceType ? { licenceType: spec.licenceType } : {}), number: `${app.number}-R`, issuedBy: dept, decidedAt: now.toISOString(), fields: resultFields },
          },
          message: { zh: `${dept}作出准予决定：${spec.name}`, en: `Approved by ${dept}: ${spec.name}` },
          notify: { template: 'application.approved', params: {} },
        });
        // No step left: concluded now (the family is locked when there is one); the conclusion moves the bundle.
        const concluded = await this.engine.afterStep(trx, app, task.step_index, who, !app.parent_id || parent ? 'now' : 'job');
        if (concluded && parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
        return;
      }
      const denials = [...(c.denials ?? []), { departmentId: task.department_id, reasons: input.reasons!, opinion: input.opinion }];
      await appsRepo.update(trx, app.id, { context: { ...c, denials } as Record<string, unknown> });
      app.context = { ...c, denials } as Record<string, unknown>;
      const result = await this.engine.sign(trx, app, task, 'no', 'denied', who, { opinion: input.opinion });
      if (result !== 'no') return;
      const appeal = appealOf(dept, this.engine.departments.regionOf(task.department_id));
      const reasons = denials.flatMap((d) => d.reasons);
      await this.engine.cancelTimers(trx, app.id, ['warning', 'overdue']);
      await this.engine.move(trx, app, 'deny', who, {
        patch: { decided_at: now, outcome: { kind: 'denied', reasons, opinion: input.opinion, department: dept, appeal } },
        message: { zh: `${dept}作出不予决定。理由：${reasons.join('；')}。${appeal.text.zh}`, en: `Denied by ${dept}. Reasons: ${reasons.join('; ')}. ${appeal.text.en}` },
        data: { reasons },
        notify: { template: 'application.denied', params: { reason: reasons.join('；'), appeal: appeal.text.zh } },
      });
      // The decision letter is delivered online; steps after the decision deliver approvals only.
      // Concluded in the decision's transaction, as an approval with no step left is (the family is
      // locked: a decision moves the bundle), so the bundle's rule applies to the siblings at once.
      await tasksRepo.cancelLive(trx, app.id);
      if (!(await this.engine.concludeNow(trx, app, who))) await this.engine.scheduleConclusion(trx, app);
      if (parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
    }, { approve: input.approve });
    return this.view(taskId, ctx);
  }

  /** 办结送达: the officer hands over the result (window, post or online). */
  async deliver(ctx: RequestContext, taskId: string, input: { method: 'online' | 'window' | 'mail'; note?: string }) {
    await this.act(ctx, taskId, 'deliver', { actions: ['deliver'], movesBundle: true }, async ({ trx, app, task, parent, siblings, who }) => {
      if (app.state !== 'approved') throw appErrors.taskState(task.state);
      const result = await this.engine.sign(trx, app, task, 'yes', 'delivered', who, { opinion: input.note ?? null });
      if (result !== 'yes') return;
      const steps = (app.steps ?? []) as unknown[];
      if (task.step_index + 1 < steps.length) return this.engine.openStep(trx, app, task.step_index + 1, who);
      await this.engine.conclude(trx, app, who, { method: input.method, note: input.note ?? null });
      if (parent) await this.engine.progressBundle(trx, parent, who, app, siblings);
    }, { method: input.method });
    return this.view(taskId, ctx);
  }

  /** 特别程序 (hearing, testing, expert review … as the guide names them): the clock pauses. */
  async startSpecialProcedure(ctx: RequestContext, taskId: string, input: { name: string; note?: string }) {
    await this.act(ctx, taskId, 'special_procedure.start', { actions: ['review', 'decide'] }, async ({ trx, app, who }) => {
      const c = ctxOf(app);
      const sp = (c.specialProcedures ?? []).find((s) => s.name === input.name);
      if (!sp) throw appErrors.unknownSpecialProcedure();
      const endBy = sp.limitDays ? withCalendar(() => addWorkingDays(chinaDate(this.engine.now()), sp.limitDays!)) : null;
      const specialProcedure = { name: sp.name, limitDays: sp.limitDays ?? null, endBy, note: input.note ?? null, startedAt: this.engine.now().toISOString() };
      await this.engine.pause(trx, app, 'special_procedure');
      await this.engine.move(trx, app, 'startSpecialProcedure', who, {
        patch: { context: { ...c, specialProcedure } as Record<string, unknown> },
        message: { zh: `进入特别程序「${sp.name}」，期间暂停计时${sp.limitDays ? `（时限 ${sp.limitDays} 个工作日）` : ''}`, en: `Special procedure "${sp.name}" started; the clock is paused${sp.limitDays ? ` (limit ${sp.limitDays} working days)` : ''}` },
        data: { name: sp.name },
      });
    }, { name: input.name });
    return this.view(taskId, ctx);
  }

  async endSpecialProcedure(ctx: RequestContext, taskId: string, input: { note?: string }) {
    await this.act(ctx, taskId, 'special_procedure.end', { actions: ['review', 'decide'], duringSpecial: true }, async ({ trx, app, who }) => {
      const c = ctxOf(app);
      await this.engine.move(trx, app, 'endSpecialProcedure', who, {
        patch: { context: { ...c, specialProcedure: null } as Record<string, unknown> },
        message: { zh: `特别程序「${c.specialProcedure?.name ?? ''}」结束${input.note ? `：${input.note}` : ''}`, en: `Special procedure "${c.specialProcedure?.name ?? ''}" ended${input.note ? `: ${input.note}` : ''}` },
      });
      await this.engine.resume(trx, app, who, c.specialProcedure?.limitDays ?? null);
    });
    return this.view(taskId, ctx);
  }
}
