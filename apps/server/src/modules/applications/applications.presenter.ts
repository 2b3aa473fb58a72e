/**
 * What leaves the module: applications as the applicant sees them (public timeline, department
 * names, never an officer's name) and as an officer sees them (internal notes, opinions, every
 * task). Columns never leak: every field is chosen here. Days left are computed against the
 * clock on read; where the working-day calendar cannot answer they are null, never a guess.
 */
import { chinaDate, isProvisionalDate } from '../../shared/workdays';
import { daysLeft, orNull, slaOf, type Sla } from './applications.clock';
import { STATES, type State } from './applications.machine';
import { STEP_ACTIONS, type Step } from './applications.process';
import { actionLabel, roleLabel, taskStateLabel } from './applications.errors';
import type { AppRow, EventRow, TaskRow } from './applications.repository';
import type { MaterialRecord } from './applications.materials';
import { ctxOf, type Departments } from './applications.engine';

export interface PresentOptions {
  now: Date;
  share: number;
  departments: Departments;
  audience: 'applicant' | 'officer';
  openForm: (v: unknown) => Record<string, unknown>;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const stateLabel = (s: string) => STATES[s as State] ?? { zh: s, en: s };

/** The clock as both sides see it: due dates, working days left, paused or not, SLA colour. */
export function presentClock(app: AppRow, o: Pick<PresentOptions, 'now' | 'share'>) {
  const stopped = !!app.decided_at || ['not_accepted', 'withdrawn', 'stopped', 'concluded'].includes(app.state);
  // A paused clock stands still at the day it paused.
  const today = chinaDate(app.paused_at ?? app.decided_at ?? o.now);
  const running = !!app.promised_due && !stopped;
  return {
    legalDays: app.legal_days,
    promisedDays: app.promised_days,
    acceptedAt: iso(app.accepted_at),
    legalDue: app.legal_due,
    promisedDue: app.promised_due,
    daysLeft: running ? orNull(() => daysLeft(today, app.promised_due!)) : null,
    legalDaysLeft: running ? orNull(() => daysLeft(today, app.legal_due!)) : null,
    paused: !!app.paused_at,
    pauseReason: app.pause_reason,
    pausedSince: iso(app.paused_at),
    pausedDays: app.paused_days,
    sla: (running ? orNull(() => slaOf(today, app.promised_due!, app.promised_days ?? 0, o.share)) : null) as Sla | null,
    stopped,
    ...provisionalOf(running ? [app.legal_due, app.promised_due] : []),
    legalDueProvisional: running && !!app.legal_due && isProvisionalDate(app.legal_due),
    promisedDueProvisional: running && !!app.promised_due && isProvisionalDate(app.promised_due),
  };
}

/**
 * Due dates in a year the State Council has not published yet are computed on the provisional
 * calendar (shared/workdays): both sides see them marked 暂定 until the official year is entered,
 * when they are recomputed (applications.recalendar).
 */
export function provisionalOf(dues: (string | null | undefined)[]) {
  const provisional = dues.some((d) => !!d && isProvisionalDate(d));
  return {
    provisional,
    provisionalNote: provisional ? PROVISIONAL_NOTE : null,
  };
}

export const PROVISIONAL_NOTE = {
  zh: '暂定：该日期所在年份的国务院节假日安排尚未公布，按法定节假日规则推算；公布后将自动重新计算',
  en: 'Provisional: the State Council has not yet published the holiday arrangement for that year, so the date follows the statutory holiday rules; it is recomputed automatically once published',
};

function presentStep(app: AppRow, o: PresentOptions) {
  if (app.step_index === null || !app.steps) return null;
  const step = (app.steps as unknown as Step[])[app.step_index];
  if (!step) return null;
  const today = chinaDate(app.paused_at ?? o.now);
  const live = !['not_accepted', 'withdrawn', 'stopped', 'concluded', 'denied'].includes(app.state);
  return {
    index: step.index,
    key: step.stageKey,
    name: step.stageName,
    action: step.action,
    actionLabel: STEP_ACTIONS[step.action],
    signKind: step.signKind,
    departments: step.departments.map((d) => ({ id: d, name: o.departments.name(d) })),
    dueDate: live ? app.step_due : null,
    daysLeft: live && app.step_due ? orNull(() => daysLeft(today, app.step_due!)) : null,
    dueProvisional: live && !!app.step_due && isProvisionalDate(app.step_due),
  };
}

export function presentEvent(e: EventRow, o: Pick<PresentOptions, 'audience' | 'departments'>) {
  const officer = o.audience === 'officer';
  return {
    id: e.id,
    applicationId: e.application_id,
    at: iso(e.at)!,
    type: e.type,
    fromState: e.from_state,
    toState: e.to_state,
    visibility: e.visibility,
    message: e.message,
    // The applicant sees which department acted, never which officer.
    actor: {
      kind: e.actor_kind,
      name: e.actor_kind === 'officer' ? (officer ? e.actor_name : null) : e.actor_kind === 'applicant' ? e.actor_name : null,
      department: e.department_id ? o.departments.name(e.department_id) : null,
    },
    data: e.data,
  };
}

/** A task's working days left and SLA colour, by day, due date and budget (kept per list: its tasks share a few due dates). */
export type TaskClockMemo = Map<string, { daysLeft: number | null; sla: Sla | null; provisional: boolean }>;

export function presentTask(t: TaskRow, o: Pick<PresentOptions, 'now' | 'share' | 'departments'> & { paused?: Date | null; memo?: TaskClockMemo }) {
  const live = t.state === 'open' || t.state === 'waiting';
  const today = chinaDate(o.paused ?? o.now);
  const key = live && t.due_date ? `${today}|${t.due_date}|${t.budget_days}` : null;
  let clock = key === null ? undefined : o.memo?.get(key);
  if (!clock) {
    clock = {
      daysLeft: live && t.due_date ? orNull(() => daysLeft(today, t.due_date!)) : null,
      sla: (live && t.due_date ? orNull(() => slaOf(today, t.due_date!, t.budget_days, o.share)) : null) as Sla | null,
      provisional: live && !!t.due_date && isProvisionalDate(t.due_date),
    };
    if (key !== null) o.memo?.set(key, clock);
  }
  return {
    id: t.id,
    applicationId: t.application_id,
    rootId: t.root_id,
    step: t.step_index,
    stage: { key: t.stage_key, name: t.stage_name },
    action: t.action,
    actionLabel: actionLabel(t.action),
    signKind: t.sign_kind,
    seq: t.seq,
    role: t.role,
    roleLabel: roleLabel(t.role),
    department: { id: t.department_id, name: o.departments.name(t.department_id) },
    state: t.state,
    stateLabel: taskStateLabel(t.state),
    assignee: t.assignee_id ? { id: t.assignee_id, name: t.assignee_name } : null,
    claimedAt: iso(t.claimed_at),
    outcome: t.outcome,
    opinion: t.opinion,
    reasonCode: t.reason_code,
    dueDate: t.due_date,
    budgetDays: t.budget_days,
    daysLeft: clock.daysLeft,
    sla: clock.sla,
    dueProvisional: clock.provisional,
    openedAt: iso(t.opened_at),
    completedAt: iso(t.completed_at),
  };
}

/**
 * The materials of an application: the applicant sees what was handed in and what was taken from
 * government data (with where from); the officer also sees the evidence's data and reference.
 */
export function presentMaterials(app: AppRow, officer: boolean) {
  if (app.state === 'draft') return ((app.context as { materialInput?: unknown[] }).materialInput ?? []) as unknown[];
  const list = (app.materials ?? []) as unknown as MaterialRecord[];
  return list.map((m) => ({
    key: m.key,
    name: m.name,
    requirement: m.requirement,
    source: m.source,
    exempt: m.exempt,
    status: m.status,
    files: m.files,
    ...(m.evidence
      ? {
          evidence: officer
            ? m.evidence
            : { status: m.evidence.status, kind: m.evidence.kind, verified: m.evidence.verified, from: m.evidence.from, checkedAt: m.evidence.checkedAt, ...(m.evidence.reason ? { reason: m.evidence.reason } : {}) },
        }
      : {}),
    ...(m.licenceId ? { licenceId: m.licenceId } : {}),
  }));
}

export function presentApplication(app: AppRow, o: PresentOptions, extra: { children?: AppRow[]; timeline?: EventRow[]; tasks?: TaskRow[] } = {}) {
  const c = ctxOf(app);
  const officer = o.audience === 'officer';
  return {
    id: app.id,
    number: app.number,
    kind: app.kind,
    parentId: app.parent_id,
    title: app.title,
    state: app.state,
    stateLabel: stateLabel(app.state),
    version: app.version,
    item: app.item_id ? { id: app.item_id, version: app.item_version } : null,
    bundle: app.bundle_id ? { id: app.bundle_id, version: app.bundle_version } : null,
    department: app.department_id ? { id: app.department_id, name: o.departments.name(app.department_id) } : null,
    regionCode: app.region_code,
    applicant: { kind: app.applicant_kind, name: app.applicant_name, onBehalf: !!app.mandate_id },
    channel: app.channel ?? 'online',
    formData: o.openForm(app.form_data),
    createdAt: iso(app.created_at)!,
    draftSavedAt: iso(app.draft_saved_at),
    submittedAt: iso(app.submitted_at),
    decidedAt: iso(app.decided_at),
    concludedAt: iso(app.concluded_at),
    withdrawnAt: iso(app.withdrawn_at),
    clock: presentClock(app, o),
    currentStep: presentStep(app, o),
    awaiting: app.awaiting,
    payment: c.payment ?? null,
    materials: presentMaterials(app, officer),
    materialCounts: { total: app.materials_total, exempt: app.materials_exempt, elicence: app.materials_elicence },
    supplement: app.state === 'supplement_requested' ? app.supplement : null,
    specialProcedure: app.state === 'special_procedure' ? (c.specialProcedure ?? null) : null,
    outcome: app.outcome,
    result: app.result,
    receipt: app.receipt,
    received: c.received ?? [],
    ...(officer ? { objections: c.objections ?? [], bundleTiming: app.kind === 'bundle' ? { promisedDays: c.promisedDays ?? null, legalDays: c.legalDays ?? null } : undefined } : {}),
    ...(app.kind === 'bundle'
      ? {
          denialPolicy: c.denialPolicy ?? null,
          promisedDays: c.promisedDays ?? null,
          children: (extra.children ?? []).map((ch) => ({
            id: ch.id,
            number: ch.number,
            title: ch.title,
            item: { id: ch.item_id, version: ch.item_version },
            department: ch.department_id ? { id: ch.department_id, name: o.departments.name(ch.department_id) } : null,
            state: ch.state,
            stateLabel: stateLabel(ch.state),
            waitingFor: ch.state === 'waiting' ? (c.dependencies ?? []).filter((d) => d.to === ch.item_id).map((d) => d.from) : [],
            clock: presentClock(ch, o),
            currentStep: presentStep(ch, o),
            supplement: ch.state === 'supplement_requested' ? ch.supplement : null,
            awaiting: ch.awaiting,
            payment: ctxOf(ch).payment ?? null,
            materials: presentMaterials(ch, officer),
            materialCounts: { total: ch.materials_total, exempt: ch.materials_exempt, elicence: ch.materials_elicence },
            outcome: ch.outcome,
            result: ch.result,
            receipt: ch.receipt,
            received: ctxOf(ch).received ?? [],
          })),
        }
      : {}),
    ...(extra.timeline ? { timeline: extra.timeline.map((e) => presentEvent(e, o)) } : {}),
    ...(extra.tasks ? { tasks: extra.tasks.map((t) => presentTask(t, { ...o, paused: app.paused_at })) } : {}),
  };
}

export type PresentedApplication = ReturnType<typeof presentApplication>;
