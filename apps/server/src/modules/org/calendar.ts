/**
 * The working-day calendar's data beyond the package: a year the State Council has announced but
 * `chinese-days` does not cover yet is entered by a platform administrator (with the notice as its
 * source), stored, and loaded into the calendar at every start. Years the package covers are
 * refused: its data is authoritative and reviewed.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { AppError } from '../../shared/errors';
import { calendarCoverage, extendCalendar } from '../../shared/workdays';

/** Applies the stored years in order; returns the years applied. */
export async function loadCalendarYears(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('calendar_years').selectAll().orderBy('year').execute();
  const applied: number[] = [];
  for (const r of rows) if (extendCalendar(r.year, { holidays: r.holidays, workdays: r.workdays })) applied.push(r.year);
  return applied;
}

const DateList = Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 120, uniqueItems: true });

export function calendarRoutes(db: Db) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get('/calendar', {
      schema: { tags: ['org'], summary: 'Working-day calendar coverage (years with official holiday data)',
        response: { 200: Type.Object({ from: Type.Integer(), to: Type.Integer(), enteredYears: Type.Array(Type.Object({ year: Type.Integer(), source: Type.String() })) }) } },
      config: { access: 'public' },
    }, async () => {
      const entered = await db.selectFrom('calendar_years').select(['year', 'source']).orderBy('year').execute();
      return { ...calendarCoverage(), enteredYears: entered };
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
      if (year <= calendarCoverage().to) {
        const entered = await db.selectFrom('calendar_years').select('year').where('year', '=', year).executeTakeFirst();
        throw entered
          ? new AppError(409, 'CALENDAR_YEAR_IN_USE', `${year} 年的安排已录入并生效`, `The arrangement for ${year} is already entered and in effect`, 'params/year')
          : new AppError(409, 'CALENDAR_YEAR_COVERED', `${year} 年的节假日数据已由日历数据包提供`, `The calendar data already covers ${year}`, 'params/year');
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('calendar_years')
          .values({ year, holidays: JSON.stringify(req.body.holidays), workdays: JSON.stringify(req.body.workdays), source: req.body.source, updated_by: req.ctx.actor!.accountId })
          .execute();
        await recordAudit(trx, req.ctx, { action: 'org.calendar.enter', entityType: 'calendar_year', entityId: String(year), detail: { source: req.body.source } });
        // Applied last, inside the transaction: an arrangement the calendar refuses is not stored.
        try {
          extendCalendar(year, req.body);
        } catch (e) {
          throw new AppError(400, 'CALENDAR_ARRANGEMENT_INVALID', `节假日安排无效：${(e as Error).message}`, `Invalid arrangement: ${(e as Error).message}`, 'body');
        }
      });
      return reply.code(204).send();
    });
  };
}
