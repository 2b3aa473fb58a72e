/**
 * Due dates computed on the provisional calendar, recounted when the official year arrives.
 *
 * Years after the last official one (State Council notice) use the provisional calendar of
 * shared/workdays. Every write of a due date records on the application the last official year at
 * the time (`calendar_basis`, set by appsRepo.update). When a platform administrator enters the
 * official arrangement of year Y (org/calendar.ts), a durable job (queue
 * CALENDAR_YEAR_ENTERED_QUEUE) recounts, for every open application with calendar_basis < Y, each
 * due date on or after 1 December of Y−1 (legal, promised, current step, live tasks, the
 * supplement reply-by date): the working days it lay after 30 November of Y−1 on the calendar it
 * was computed on are counted again on today's calendar. Each change is written with a public
 * timeline entry (the applicant sees old and new dates), an audit entry, and re-armed timers.
 *
 * Idempotent: an application is recounted once per year (its calendar_basis moves to Y in the
 * same transaction), so a retried job skips what it already did.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { ClaimedJob } from '../jobs';
import { recordAudit } from '../../plugins/audit';
import { chinaDate, fromDayNumber, toDayNumber } from '../../shared/dates';
import { CalendarCoverageError, calendarCoverage, recountDeadline } from '../../shared/workdays';
import { CLOCK_RUNNING, FINAL_STATES, type State } from './applications.machine';
import { SYSTEM, systemContext, type Engine } from './applications.engine';
import { appsRepo } from './applications.repository';

import { loadCalendarYears } from '../org/calendar';

export { CALENDAR_YEAR_ENTERED_QUEUE } from '../org/calendar';

type Before = Record<string, boolean>;

/**
 * Recounts one due date; unchanged when it is before the changed days or cannot be recounted.
 * `start` is the day its period started (acceptance, the step's opening): the working days after
 * it are kept; days before it that changed (a December working day of the notice) do not count.
 */
function recount(date: string | null | undefined, year: number, basis: number, before: Before, start?: Date | null): string | null {
  if (!date) return null;
  const firstChanged = `${basis}-12-01`;
  if (date < firstChanged) return date;
  let ref = fromDayNumber(toDayNumber(firstChanged) - 1);
  if (start && chinaDate(start) > ref) ref = chinaDate(start);
  try {
    return recountDeadline(date, ref, basis + 1, basis + 1 === year ? before : {});
  } catch (e) {
    if (e instanceof CalendarCoverageError) return date;
    throw e;
  }
}

export async function recalendarApplications(db: Db, engine: Engine, job: ClaimedJob): Promise<number> {
  const { year, before = {} } = job.payload as { year: number; before?: Before };
  // The in-memory calendar of this process must know the year: any process may claim this job,
  // maybe before it heard of the year, so load what is stored first; if it is still not there,
  // retry later rather than recount on the wrong calendar.
  if (calendarCoverage().to < year) await loadCalendarYears(db);
  if (calendarCoverage().to < year) throw new Error(`calendar of this process does not cover ${year} yet`);
  const ids = await db
    .selectFrom('applications')
    .select('id')
    .where('calendar_basis', '<', year)
    .where('state', 'not in', [...FINAL_STATES])
    .orderBy('id')
    .execute();
  let changed = 0;
  for (const { id } of ids) {
    await db.transaction().execute(async (trx) => {
      const app = await appsRepo.lock(trx, id);
      if (!app || app.calendar_basis === null || app.calendar_basis >= year || FINAL_STATES.has(app.state as State)) return;
      const basis = app.calendar_basis;
      const supplement = (app.supplement ?? null) as { replyBy?: string } | null;
      const old = { legal_due: app.legal_due, promised_due: app.promised_due, step_due: app.step_due, reply_by: supplement?.replyBy ?? null };
      const tasks = await trx.selectFrom('application_tasks').select(['id', 'due_date', 'opened_at']).where('application_id', '=', id).where('state', 'in', ['waiting', 'open']).execute();
      const stepOpened = tasks.reduce<Date | null>((m, t) => (t.opened_at && (!m || t.opened_at < m) ? t.opened_at : m), null);
      const now = {
        legal_due: recount(old.legal_due, year, basis, before, app.accepted_at),
        promised_due: recount(old.promised_due, year, basis, before, app.accepted_at),
        step_due: recount(old.step_due, year, basis, before, stepOpened),
        reply_by: recount(old.reply_by, year, basis, before, (supplement as { requestedAt?: string } | null)?.requestedAt ? new Date((supplement as { requestedAt: string }).requestedAt) : null),
      };
      const taskChanges = tasks.map((t) => ({ id: t.id, from: t.due_date, to: recount(t.due_date, year, basis, before, t.opened_at) })).filter((t) => t.to !== t.from);
      const diff = (Object.keys(old) as (keyof typeof old)[]).filter((k) => old[k] !== now[k]);
      await appsRepo.update(trx, id, {
        calendar_basis: year,
        ...(diff.length ? { legal_due: now.legal_due, promised_due: now.promised_due, step_due: now.step_due } : {}),
        ...(diff.includes('reply_by') ? { supplement: { ...(app.supplement as Record<string, unknown>), replyBy: now.reply_by } } : {}),
      });
      for (const t of taskChanges) await trx.updateTable('application_tasks').set({ due_date: t.to!, version: sql`version + 1` } as never).where('id', '=', t.id).execute();
      if (!diff.length && !taskChanges.length) return;
      changed++;
      Object.assign(app, { legal_due: now.legal_due, promised_due: now.promised_due, step_due: now.step_due, calendar_basis: year, version: app.version + 1 });
      const list = (zh: boolean) =>
        diff
          .map((k) => `${(zh ? LABELS[k].zh : LABELS[k].en)} ${old[k]} → ${now[k]}`)
          .join(zh ? '；' : '; ');
      await engine.event(trx, app, {
        type: 'deadline_recalendared',
        visibility: diff.length ? 'public' : 'internal',
        who: SYSTEM,
        message: {
          zh: `国务院办公厅公布了 ${year} 年节假日安排，按正式日历重新计算办理时限${diff.length ? `：${list(true)}` : '（环节时限）'}`,
          en: `The State Council published the ${year} holiday arrangement; time limits recomputed on the official calendar${diff.length ? `: ${list(false)}` : ' (step due dates)'}`,
        },
        data: { year, from: old, to: now, tasks: taskChanges },
      });
      await recordAudit(trx, systemContext('applications.recalendar'), {
        action: 'application.deadline.recalendar',
        entityType: 'application',
        entityId: id,
        detail: { year, from: old, to: now, tasks: taskChanges.length },
      });
      if (!app.paused_at && CLOCK_RUNNING.has(app.state as State)) await engine.armClockTimers(trx, app);
      if (!app.paused_at && app.step_due) await engine.armStepTimers(trx, app);
      if (diff.includes('reply_by') && now.reply_by && app.state === 'supplement_requested') await engine.armReplyBy(trx, app, now.reply_by);
    });
  }
  return changed;
}

const LABELS = {
  legal_due: { zh: '法定办结日期', en: 'legal due date' },
  promised_due: { zh: '承诺办结日期', en: 'promised due date' },
  step_due: { zh: '当前环节时限', en: 'current step due date' },
  reply_by: { zh: '补正答复期限', en: 'supplement reply-by date' },
} as const;
