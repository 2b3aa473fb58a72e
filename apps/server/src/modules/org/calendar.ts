/**
 * The working-day calendar's data beyond the package: a year the State Council has announced but
 * `chinese-days` does not cover yet is entered by a platform administrator (with the notice as its
 * source), stored, and loaded into the calendar of every process of the node: at start, and at
 * once when entered (NOTIFY, with a periodic check behind it: calendar.sync.ts). Years the package
 * covers are refused: its data is authoritative and reviewed.
 *
 * Until then the year is provisional (shared/workdays). Entering it enqueues, in the same
 * transaction, a durable job on CALENDAR_YEAR_ENTERED_QUEUE (payload: the year, and the earlier
 * status of the notice's days in December of the year before): the applications module recounts
 * the due dates computed on the provisional calendar (applications.recalendar).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { AppError } from '../../shared/errors';
import { calendarCoverage, checkArrangement, extendCalendar, isWorkingDay, provisionalArrangement, provisionalCoverage } from '../../shared/workdays';
import { notifyCalendarYear, type CalendarSync } from './calendar.sync';
import { enqueue } from '../jobs';
import { parseIsoDate } from '../../shared/dates';

/** Jobs telling the modules that keep deadlines that an official year replaced a provisional one. */
export const CALENDAR_YEAR_ENTERED_QUEUE = 'calendar.year_entered';

export { loadCalendarYears } from './calendar.sync';

const PROVISIONAL_RULE = {
  zh: '按《全国年节及纪念日放假办法》（2024年修订）推算：元旦1天、春节4天（除夕至初三）、清明1天、劳动节2天、端午1天、中秋1天、国庆3天；法定假日适逢周六、周日的，在其后的工作日补假；不推测调休补班。国务院办公厅公布正式安排并录入后，按正式安排重新计算。',
  en: "Computed from the statutory rules (Measures on National Holidays, as amended 2024): New Year 1 day, Spring Festival 4 (New Year's Eve to the 3rd day), Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3; a statutory day falling on a Saturday or Sunday gives the next weekday off; no make-up working days are guessed. Recomputed once the State Council's arrangement is entered.",
};

const DateList = Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 120, uniqueItems: true });

export function calendarRoutes(db: Db, sync?: Pick<CalendarSync, 'refresh'>) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get('/calendar', {
      schema: { tags: ['org'], summary: 'Working-day calendar coverage (years with official holiday data)',
        response: {
          200: Type.Object({
            from: Type.Integer(),
            to: Type.Integer(),
            enteredYears: Type.Array(Type.Object({ year: Type.Integer(), source: Type.String() })),
            provisional: Type.Object(
              {
                from: Type.Integer(),
                to: Type.Integer(),
                rule: Type.Object({ zh: Type.String(), en: Type.String() }),
                years: Type.Array(Type.Object({ year: Type.Integer(), holidays: Type.Array(Type.Object({ name: Type.Object({ zh: Type.String(), en: Type.String() }), statutory: Type.Array(Type.String()), substitute: Type.Array(Type.String()) })) })),
              },
              { description: 'years after the official ones, computed from the statutory holiday rules; deadlines in them are marked provisional (暂定)' },
            ),
          }),
        } },
      config: { access: 'public' },
    }, async () => {
      const entered = await db.selectFrom('calendar_years').select(['year', 'source']).orderBy('year').execute();
      const p = provisionalCoverage();
      const provisionalYears = [];
      for (let year = p.from; year <= p.to; year++) provisionalYears.push({ year, holidays: provisionalArrangement(year) });
      return { ...calendarCoverage(), enteredYears: entered, provisional: { ...p, rule: PROVISIONAL_RULE, years: provisionalYears } };
    });

    r.put('/admin/calendar/:year', {
      schema: {
        tags: ['org'],
        summary: "Enter a year's official holiday arrangement (国务院办公厅节假日安排通知) not yet in the calendar data",
        params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }),
        body: Type.Object({ holidays: DateList, workdays: DateList, source: Type.String({ minLength: 4, maxLength: 200 }) }, { additionalProperties: false }),
      },
      config: { access: ['platform_admin'] },
    }, async (req, reply) => {
      const { year } = req.params;
      // Another process may have entered a year this one has not heard of yet.
      await sync?.refresh();
      if (year <= calendarCoverage().to) {
        const entered = await db.selectFrom('calendar_years').select('year').where('year', '=', year).executeTakeFirst();
        throw entered
          ? new AppError(409, 'CALENDAR_YEAR_IN_USE', `${year} 年的安排已录入并生效`, `The arrangement for ${year} is already entered and in effect`, 'params/year')
          : new AppError(409, 'CALENDAR_YEAR_COVERED', `${year} 年的节假日数据已由日历数据包提供`, `The calendar data already covers ${year}`, 'params/year');
      }
      try {
        checkArrangement(year, req.body);
      } catch (e) {
        throw new AppError(400, 'CALENDAR_ARRANGEMENT_INVALID', `节假日安排无效：${(e as Error).message}`, `Invalid arrangement: ${(e as Error).message}`, 'body');
      }
      await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('calendar_years')
          .values({ year, holidays: JSON.stringify(req.body.holidays), workdays: JSON.stringify(req.body.workdays), source: req.body.source, updated_by: req.ctx.actor!.accountId })
          .onConflict((oc) => oc.column('year').doNothing())
          .executeTakeFirst();
        // Entered by another process a moment ago.
        if (!Number(inserted.numInsertedOrUpdatedRows)) throw new AppError(409, 'CALENDAR_YEAR_IN_USE', `${year} 年的安排已录入并生效`, `The arrangement for ${year} is already entered and in effect`, 'params/year');
        await recordAudit(trx, req.ctx, { action: 'org.calendar.enter', entityType: 'calendar_year', entityId: String(year), detail: { source: req.body.source } });
        // Days of the notice in December of the year before, as they were (they change now).
        const before: Record<string, boolean> = {};
        for (const d of [...req.body.holidays, ...req.body.workdays]) if (d < `${year}-01-01` && d >= `${year - 1}-01-01` && parseIsoDate(d) !== undefined) before[d] = isWorkingDay(d);
        await enqueue(trx, { queue: CALENDAR_YEAR_ENTERED_QUEUE, payload: { year, before }, dedupeKey: `calendar-year-${year}` });
        // The other processes of the node load it when this commits.
        await notifyCalendarYear(trx, year);
      });
      // This process at once, once stored (its own notification arrives too, and finds it applied).
      extendCalendar(year, req.body);
      return reply.code(204).send();
    });
  };
}
