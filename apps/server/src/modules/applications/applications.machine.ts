/**
 * The state machine of an application (办件): every state, every transition, and the guards —
 * in this one file. Services never assign a state directly; they call `transition()`, which
 * refuses a move the machine does not allow with a clear 409 and returns the target state.
 *
 *   draft ──submit──▶ submitted ──accept──▶ accepted ──beginReview──▶ under_review ──approve──▶ approved ──conclude──▶ concluded
 *     │                 │  ▲                                            │  ▲   │  ▲       └──deny──▶ denied ──conclude──┘
 *     │                 │  └──supplement──┐                             │  │   │  └─endSpecialProcedure─┐
 *     │                 ├──notAccept──▶ not_accepted                   │  │   └─startSpecialProcedure──▶ special_procedure (clock paused)
 *     │                 └──requestSupplement──▶ supplement_requested ◀─┘  │
 *     │                                          (clock paused)  └──supplement──┘
 *     └── (discard: the draft is deleted)
 *   withdraw: from any state before a decision ──▶ withdrawn
 *   Bundle children only: waiting ──start──▶ submitted (a prerequisite concluded);
 *                         stop (the bundle's denial policy) ──▶ stopped
 *
 * A bundle (一件事) has its own row whose state is aggregated from its children's
 * (`bundleStateOf`); the applicant sees that one application and one timeline.
 */
import { AppError } from '../../shared/errors';

export const STATES = {
  draft: { zh: '草稿', en: 'Draft' },
  waiting: { zh: '等待前置事项', en: 'Waiting for a prerequisite' },
  submitted: { zh: '已提交（待受理）', en: 'Submitted (awaiting acceptance)' },
  supplement_requested: { zh: '待补正', en: 'Supplement requested' },
  accepted: { zh: '已受理', en: 'Accepted' },
  not_accepted: { zh: '不予受理', en: 'Not accepted' },
  under_review: { zh: '审查中', en: 'Under review' },
  special_procedure: { zh: '特别程序中', en: 'In a special procedure' },
  approved: { zh: '准予', en: 'Approved' },
  denied: { zh: '不予', en: 'Denied' },
  concluded: { zh: '已办结', en: 'Concluded' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn' },
  stopped: { zh: '已终止', en: 'Stopped' },
} as const;
export type State = keyof typeof STATES;

/** States in which nothing more happens. */
export const FINAL_STATES: ReadonlySet<State> = new Set(['not_accepted', 'concluded', 'withdrawn', 'stopped']);
/** States in which the legal clock runs (it starts at acceptance and stops at the decision). */
export const CLOCK_RUNNING: ReadonlySet<State> = new Set(['accepted', 'under_review']);
/** States in which the legal clock is paused (补正 after acceptance, 特别程序). */
export const CLOCK_PAUSED: ReadonlySet<State> = new Set(['supplement_requested', 'special_procedure']);

const BEFORE_DECISION: State[] = ['submitted', 'supplement_requested', 'accepted', 'under_review', 'special_procedure'];

export const TRANSITIONS = {
  submit: { from: ['draft'], to: 'submitted', zh: '提交申请', en: 'Submitted' },
  start: { from: ['waiting'], to: 'submitted', zh: '前置事项已办结，开始办理', en: 'Prerequisites concluded; handling starts' },
  accept: { from: ['submitted'], to: 'accepted', zh: '受理', en: 'Accepted' },
  notAccept: { from: ['submitted'], to: 'not_accepted', zh: '不予受理', en: 'Not accepted' },
  requestSupplement: { from: ['submitted', 'under_review'], to: 'supplement_requested', zh: '一次性告知补正', en: 'Supplement requested' },
  // Back to where the request came from: before acceptance to `submitted`, after it to `under_review`.
  supplement: { from: ['supplement_requested'], to: ['submitted', 'under_review'], zh: '申请人已补正', en: 'Supplement received' },
  beginReview: { from: ['accepted'], to: 'under_review', zh: '进入审查', en: 'Review begins' },
  startSpecialProcedure: { from: ['under_review'], to: 'special_procedure', zh: '进入特别程序（暂停计时）', en: 'Special procedure started (clock paused)' },
  endSpecialProcedure: { from: ['special_procedure'], to: 'under_review', zh: '特别程序结束（恢复计时）', en: 'Special procedure ended (clock resumed)' },
  approve: { from: ['under_review'], to: 'approved', zh: '准予', en: 'Approved' },
  deny: { from: ['under_review'], to: 'denied', zh: '不予', en: 'Denied' },
  conclude: { from: ['approved', 'denied'], to: 'concluded', zh: '办结', en: 'Concluded' },
  // A bundle's waiting children are withdrawn with their bundle.
  withdraw: { from: ['waiting', ...BEFORE_DECISION], to: 'withdrawn', zh: '申请人撤回', en: 'Withdrawn by the applicant' },
  stop: { from: ['waiting', ...BEFORE_DECISION], to: 'stopped', zh: '终止办理', en: 'Stopped' },
  // No answer to a supplement request by its reply-by date: before acceptance 不予受理, after it 终止.
  supplementOverdue: { from: ['supplement_requested'], to: ['not_accepted', 'stopped'], zh: '逾期未补正', en: 'No supplement by the reply-by date' },
} as const satisfies Record<string, { from: readonly State[]; to: State | readonly State[]; zh: string; en: string }>;
export type Action = keyof typeof TRANSITIONS;

/**
 * The target of `action` from `from`, or a 409 APPLICATION_STATE_CONFLICT. `target` picks one
 * of several possible targets (only `supplement` has two).
 */
export function transition(from: string, action: Action, target?: State): State {
  const t = TRANSITIONS[action];
  if (!(t.from as readonly string[]).includes(from)) throw stateConflict(from, action);
  if (typeof t.to === 'string') return t.to;
  if (!target || !(t.to as readonly State[]).includes(target)) throw new Error(`transition ${action}: target ${target} not among ${t.to.join(', ')}`);
  return target;
}

export function canTransition(from: string, action: Action): boolean {
  return (TRANSITIONS[action].from as readonly string[]).includes(from);
}

export function stateConflict(from: string, action: Action): AppError {
  const label = STATES[from as State] ?? { zh: from, en: from };
  const t = TRANSITIONS[action];
  return new AppError(409, 'APPLICATION_STATE_CONFLICT', `办件当前状态为「${label.zh}」，不能执行「${t.zh}」`, `The application is ${label.en.toLowerCase()}; "${t.en}" is not possible now`, undefined, {
    state: from,
    action,
  });
}

// ---- bundles ---------------------------------------------------------------------------------

/**
 * The state of a bundle from its children's. The applicant sees this one state, with each
 * child's beside it. A child awaiting a supplement makes the bundle await it (the applicant has
 * something to do); otherwise the bundle is under review as soon as one child was accepted, and
 * concluded when every child is final.
 */
export function bundleStateOf(children: readonly string[]): State {
  if (children.length === 0) return 'submitted';
  if (children.every((s) => s === 'withdrawn')) return 'withdrawn';
  if (children.every((s) => FINAL_STATES.has(s as State))) return 'concluded';
  if (children.some((s) => s === 'supplement_requested')) return 'supplement_requested';
  if (children.some((s) => !['waiting', 'submitted', 'not_accepted', 'stopped', 'withdrawn'].includes(s))) return 'under_review';
  return 'submitted';
}

/** What a bundle's outcome is when every child is final. */
export function bundleOutcome(children: readonly { state: string; decision: 'approved' | 'denied' | null }[]): 'approved' | 'partially_approved' | 'denied' | 'withdrawn' {
  const approved = children.filter((c) => c.state === 'concluded' && c.decision === 'approved').length;
  if (children.every((c) => c.state === 'withdrawn')) return 'withdrawn';
  if (approved === children.length) return 'approved';
  return approved > 0 ? 'partially_approved' : 'denied';
}

// ---- reason codes (不予受理) -------------------------------------------------------------------

/** 行政许可法 art. 32: why an application may be refused at acceptance. */
export const NOT_ACCEPTED_REASONS = {
  not_required: { zh: '申请事项依法不需要取得行政许可', en: 'The matter needs no licence by law' },
  not_in_scope: { zh: '申请事项依法不属于本机关职权范围', en: 'The matter is outside the powers of this authority' },
  applicant_ineligible: { zh: '申请人不具备申请资格', en: 'The applicant is not eligible' },
  already_handled: { zh: '同一事项已在办理或已办结', en: 'The same matter is being or has been handled' },
  materials_false: { zh: '申请材料存在虚假内容', en: 'The materials contain false statements' },
  supplement_overdue: { zh: '申请人逾期未按一次性告知的要求补正', en: 'The applicant did not supplement as asked by the reply-by date' },
  other: { zh: '其他原因（见说明）', en: 'Other (see the explanation)' },
} as const;
export type NotAcceptedReason = keyof typeof NOT_ACCEPTED_REASONS;

/** Why a child of a bundle was stopped (终止). */
export const STOP_REASONS = {
  prerequisite_denied: { zh: '前置事项未获准予，本事项终止办理', en: 'A prerequisite was not granted; this item stops' },
  bundle_denied: { zh: '一件事中有事项未获准予，按规则整件终止', en: 'An item of the bundle was not granted; by its rule the bundle stops' },
  supplement_overdue: { zh: '申请人逾期未按要求补正，本事项终止办理', en: 'The applicant did not supplement by the reply-by date; this item stops' },
} as const;
