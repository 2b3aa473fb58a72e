/** The pure parts: the state machine, steps from a process, signing rules and the legal clock. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { CalendarCoverageError } from '../../shared/workdays';
import { STATES, TRANSITIONS, FINAL_STATES, bundleOutcome, bundleStateOf, canTransition, transition } from './applications.machine';
import { buildSteps, verdict, type Signature } from './applications.process';
import { chinaStartOfDay, daysLeft, extend, orNull, overdueAt, pausedWorkingDays, slaOf, warningFrom, withCalendar } from './applications.clock';
import { appealOf } from './applications.engine';

describe('the state machine', () => {
  it('allows the documented path and refuses everything else with a 409', () => {
    let s = transition('draft', 'submit');
    s = transition(s, 'accept');
    s = transition(s, 'beginReview');
    s = transition(s, 'requestSupplement');
    s = transition(s, 'supplement', 'under_review');
    s = transition(s, 'startSpecialProcedure');
    s = transition(s, 'endSpecialProcedure');
    s = transition(s, 'approve');
    expect(transition(s, 'conclude')).toBe('concluded');
    expect(transition('under_review', 'deny')).toBe('denied');
    expect(transition('submitted', 'notAccept')).toBe('not_accepted');
    expect(transition('waiting', 'start')).toBe('submitted');
    try {
      transition('concluded', 'withdraw');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(409);
      expect((e as AppError).code).toBe('APPLICATION_STATE_CONFLICT');
      expect((e as AppError).zh).toContain('已办结');
    }
    expect(() => transition('supplement_requested', 'supplement', 'approved')).toThrow();
  });

  it('every state is reachable, and nothing leaves a final state', () => {
    const reached = new Set<string>(['draft']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of Object.values(TRANSITIONS)) {
        if (!t.from.some((f) => reached.has(f))) continue;
        for (const to of [t.to].flat()) if (!reached.has(to)) (reached.add(to), (changed = true));
      }
    }
    // `waiting` is where bundle children start; everything else is reached from a draft.
    expect([...reached, 'waiting'].sort()).toEqual(Object.keys(STATES).sort());
    for (const f of FINAL_STATES) for (const a of Object.keys(TRANSITIONS)) expect(canTransition(f, a as keyof typeof TRANSITIONS)).toBe(false);
  });

  it('aggregates a bundle from its children', () => {
    expect(bundleStateOf(['submitted', 'waiting'])).toBe('submitted');
    expect(bundleStateOf(['under_review', 'waiting'])).toBe('under_review');
    expect(bundleStateOf(['approved', 'supplement_requested'])).toBe('supplement_requested');
    expect(bundleStateOf(['concluded', 'stopped', 'not_accepted'])).toBe('concluded');
    expect(bundleStateOf(['withdrawn', 'withdrawn'])).toBe('withdrawn');
    expect(bundleOutcome([{ state: 'concluded', decision: 'approved' }, { state: 'stopped', decision: null }])).toBe('partially_approved');
    expect(bundleOutcome([{ state: 'concluded', decision: 'denied' }, { state: 'stopped', decision: null }])).toBe('denied');
  });
});

describe('steps from a process', () => {
  const D = ['d0000000-0000-4000-8000-000000000000', 'd1111111-1111-4111-8111-111111111111', 'd2222222-2222-4222-8222-222222222222'];
  it('acceptance first, the last decider stage decides, stages after it deliver', () => {
    const steps = buildSteps({
      departmentId: D[0],
      process: {
        stages: [
          { key: 'a', name: '受理', role: 'window_clerk', budgetDays: 1, kind: 'single' },
          { key: 'r', name: '会签', role: 'reviewer', departments: [D[1], D[2]], budgetDays: 3, kind: 'countersign' },
          { key: 'd', name: '决定', role: 'decider', budgetDays: 1, kind: 'single' },
          { key: 'x', name: '送达', role: 'window_clerk', budgetDays: 1, kind: 'single' },
        ],
        payment: { afterStage: 'd', budgetDays: 0 },
      },
    });
    expect(steps.map((s) => [s.action, s.signKind, s.departments.length, s.paymentAfter])).toEqual([
      ['accept', 'single', 1, false],
      ['review', 'countersign', 2, false],
      ['decide', 'single', 1, true],
      ['deliver', 'single', 1, false],
    ]);
    expect(steps[0].departments).toEqual([D[0]]);
  });

  it('a one-stage process (即办件) accepts and decides in the same stage; without a decider the last stage decides', () => {
    const one = buildSteps({ departmentId: D[0], process: { stages: [{ key: 'a', name: '即办', role: 'window_clerk', budgetDays: 0, kind: 'single' }], payment: null } });
    expect(one.map((s) => s.action)).toEqual(['accept', 'decide']);
    const noDecider = buildSteps({
      departmentId: D[0],
      process: { stages: [{ key: 'a', name: '受理', role: 'window_clerk', budgetDays: 0, kind: 'single' }, { key: 'r', name: '审核', role: 'reviewer', budgetDays: 1, kind: 'single' }], payment: null },
    });
    expect(noDecider.map((s) => [s.action, s.role])).toEqual([['accept', 'window_clerk'], ['decide', 'reviewer']]);
  });

  it('signing rules', () => {
    const sig = (seq: number, state: Signature['state'], vote: Signature['vote'] = null): Signature => ({ seq, state, vote });
    expect(verdict('countersign', [sig(0, 'completed', 'yes'), sig(1, 'open')])).toEqual({ done: false });
    expect(verdict('countersign', [sig(0, 'completed', 'yes'), sig(1, 'completed', 'yes')])).toEqual({ done: true, result: 'yes' });
    expect(verdict('countersign', [sig(0, 'open'), sig(1, 'completed', 'no')])).toEqual({ done: true, result: 'no' });
    expect(verdict('anysign', [sig(0, 'open'), sig(1, 'completed', 'yes')])).toEqual({ done: true, result: 'yes' });
    expect(verdict('anysign', [sig(0, 'completed', 'no'), sig(1, 'open')])).toEqual({ done: false });
    expect(verdict('anysign', [sig(0, 'completed', 'no'), sig(1, 'completed', 'no')])).toEqual({ done: true, result: 'no' });
    expect(verdict('sequential', [sig(0, 'completed', 'yes'), sig(1, 'waiting'), sig(2, 'waiting')])).toEqual({ done: false, openSeq: 1 });
    expect(verdict('sequential', [sig(0, 'completed', 'yes'), sig(1, 'completed', 'no'), sig(2, 'waiting')])).toEqual({ done: true, result: 'no' });
    expect(verdict('single', [sig(0, 'completed', 'yes')])).toEqual({ done: true, result: 'yes' });
  });
});

describe('the legal clock on the 2025 calendar', () => {
  it('warning starts when at most (1 − share) of the days are left, holidays skipped', () => {
    // Due Thursday 9 Oct 2025 (after National Day), 5 days, share 0.8: one day left from 30 Sep.
    expect(warningFrom('2025-10-09', 5, 0.8)).toBe('2025-09-30');
    expect(slaOf('2025-09-29', '2025-10-09', 5, 0.8)).toBe('normal');
    expect(slaOf('2025-10-05', '2025-10-09', 5, 0.8)).toBe('warning');
    expect(slaOf('2025-10-10', '2025-10-09', 5, 0.8)).toBe('overdue');
    // 20 days, share 0.8: 4 days left.
    expect(warningFrom('2025-10-29', 20, 0.8)).toBe('2025-10-23');
    expect(chinaStartOfDay('2025-09-30').toISOString()).toBe('2025-09-29T16:00:00.000Z');
    expect(overdueAt('2025-10-09').toISOString()).toBe('2025-10-09T16:00:00.000Z');
  });

  it('pauses count the working days after the pause up to the resumption', () => {
    expect(pausedWorkingDays(new Date('2025-09-26T03:00:00Z'), new Date('2025-10-09T02:00:00Z'))).toBe(4);
    expect(pausedWorkingDays(new Date('2025-09-26T03:00:00Z'), new Date('2025-09-26T09:00:00Z'))).toBe(0);
    expect(extend('2025-10-09', 4)).toBe('2025-10-14');
    expect(daysLeft('2025-10-10', '2025-10-09')).toBe(-1);
  });

  it('a date outside the calendar is a 503 problem for writes and null for reads', () => {
    expect(() => withCalendar(() => extend('2099-01-05', 3))).toThrow(AppError);
    try {
      withCalendar(() => {
        throw new CalendarCoverageError(2099, { from: 2004, to: 2026 });
      });
    } catch (e) {
      expect((e as AppError).status).toBe(503);
      expect((e as AppError).code).toBe('WORKING_CALENDAR_NOT_COVERED');
    }
    expect(orNull(() => daysLeft('2025-10-10', '2099-01-05'))).toBeNull();
  });

  it('names where to appeal a denial', () => {
    expect(appealOf('福州市公安局', '350100').reconsideration.body).toBe('福州市人民政府');
    expect(appealOf('福州市鼓楼区行政审批服务局', '350102').reconsideration.body).toBe('福州市鼓楼区人民政府');
    expect(appealOf('国家税务总局福州市税务局', '350100').reconsideration.body).toBe('国家税务总局福州市税务局的上一级主管部门');
    expect(appealOf('福州市公安局', '350100').text.zh).toMatch(/六十日内.*行政复议.*六个月内.*行政诉讼/);
  });
});
