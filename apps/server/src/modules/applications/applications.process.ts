/**
 * From an item's process (the catalog's stages) to the steps the engine executes, and how a step
 * with several signers is decided. Pure functions; the engine stores the steps with the
 * application at submission, so a later catalog version never changes a running application.
 *
 * What a stage means comes from its position and role:
 * - the first stage is acceptance (受理: accept / not accept / request a supplement);
 * - the decision stage (决定: approve / deny) is the last stage whose role is `decider`, or, when
 *   there is none, the last stage; in a one-stage process (即办件) acceptance is followed by a
 *   decision in the same stage;
 * - stages between acceptance and decision are reviews (审查: an opinion, agree or disagree);
 * - stages after the decision deliver the result (办结/送达); without one, the result is delivered
 *   online by the engine after the decision.
 *
 * Signing: `single` one officer; `countersign` (会签) every listed department must agree, the first
 * disagreement decides; `anysign` (或签) the first agreement decides and the other tasks are
 * cancelled; `sequential` (依次审批) the departments in order, a disagreement stops the chain.
 */
import type { ItemContent } from './applications.catalog';
import type { Condition } from './applications.conditions';

export type StepAction = 'accept' | 'review' | 'decide' | 'deliver';
export type SignKind = 'single' | 'countersign' | 'anysign' | 'sequential';
export type StageRole = 'window_clerk' | 'reviewer' | 'decider';

export interface Step {
  index: number;
  stageKey: string;
  stageName: string;
  action: StepAction;
  role: StageRole;
  signKind: SignKind;
  /** One department for `single`; the signers, in order, otherwise. */
  departments: string[];
  budgetDays: number;
  /** Materials this step checks (keys of the item's materials). */
  materials: string[];
  /** The item's payment step (缴费) follows this step. */
  paymentAfter: boolean;
  /** The step runs only when the form data meet it (processes imported from BPMN); skipped otherwise. */
  condition?: Condition;
}

export const STEP_ACTIONS: Record<StepAction, { zh: string; en: string }> = {
  accept: { zh: '受理', en: 'Acceptance' },
  review: { zh: '审查', en: 'Review' },
  decide: { zh: '决定', en: 'Decision' },
  deliver: { zh: '办结送达', en: 'Delivery' },
};

export function buildSteps(item: Pick<ItemContent, 'departmentId' | 'process'>): Step[] {
  const stages = item.process.stages;
  let decision = -1;
  stages.forEach((s, i) => {
    if (s.role === 'decider') decision = i;
  });
  if (decision < 0) decision = stages.length - 1;
  const payAfter = item.process.payment?.afterStage ?? null;
  const steps: Step[] = [];
  stages.forEach((s, i) => {
    const multi = s.kind !== 'single' && (s.departments?.length ?? 0) >= 2;
    const departments = multi ? [...s.departments!] : [s.department ?? item.departmentId];
    const base = {
      stageKey: s.key,
      stageName: s.name,
      role: s.role as StageRole,
      budgetDays: s.budgetDays,
      materials: s.materials ?? [],
      ...(s.condition ? { condition: s.condition } : {}),
    };
    if (i === 0) {
      // Acceptance is one department's act, whatever the stage lists.
      steps.push({ ...base, index: steps.length, action: 'accept', signKind: 'single', departments: [departments[0]], paymentAfter: false });
      if (decision === 0)
        steps.push({ ...base, index: steps.length, action: 'decide', signKind: multi ? (s.kind as SignKind) : 'single', departments, paymentAfter: s.key === payAfter });
      else steps[0].paymentAfter = s.key === payAfter;
      return;
    }
    const action: StepAction = i < decision ? 'review' : i === decision ? 'decide' : 'deliver';
    steps.push({
      ...base,
      index: steps.length,
      action,
      // Delivering a result is one department's act.
      signKind: action === 'deliver' || !multi ? 'single' : (s.kind as SignKind),
      departments: action === 'deliver' ? [departments[0]] : departments,
      paymentAfter: s.key === payAfter,
    });
  });
  return steps;
}

export interface Signature {
  seq: number;
  state: 'waiting' | 'open' | 'completed' | 'cancelled';
  /** yes: accept / agree / approve / deliver; no: not accept / disagree / deny. */
  vote: 'yes' | 'no' | null;
}

export type StepVerdict = { done: false; openSeq?: number } | { done: true; result: 'yes' | 'no' };

/** Whether a step is decided by its signatures so far, and which signer is next (sequential). */
export function verdict(kind: SignKind, sigs: readonly Signature[]): StepVerdict {
  const votes = sigs.filter((s) => s.state === 'completed').map((s) => s.vote);
  const live = sigs.filter((s) => s.state !== 'cancelled');
  switch (kind) {
    case 'single':
      return votes.length ? { done: true, result: votes[0]! } : { done: false };
    case 'countersign':
      if (votes.includes('no')) return { done: true, result: 'no' };
      return votes.length === live.length ? { done: true, result: 'yes' } : { done: false };
    case 'anysign':
      if (votes.includes('yes')) return { done: true, result: 'yes' };
      return votes.length === live.length ? { done: true, result: 'no' } : { done: false };
    case 'sequential': {
      if (votes.includes('no')) return { done: true, result: 'no' };
      if (votes.length === live.length) return { done: true, result: 'yes' };
      const open = live.some((s) => s.state === 'open');
      if (open) return { done: false };
      const next = live.filter((s) => s.state === 'waiting').sort((a, b) => a.seq - b.seq)[0];
      return { done: false, openSeq: next?.seq };
    }
  }
}
