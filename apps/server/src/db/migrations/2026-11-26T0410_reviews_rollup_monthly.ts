// Reviews statistics: a monthly roll-up without the item (month × department × region × channel),
// so statistics over whole months read a few thousand rows; the daily roll-ups serve the days at
// the edges of a range and anything by item. Built here from the daily coarse roll-up.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

const COUNTS = ['total', 'l1', 'l2', 'l3', 'l4', 'l5', 'first_bad', 'cases', 'rectified', 'on_time'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE review_stats_monthly (
  month date NOT NULL,
  department_key text NOT NULL,
  region_code text NOT NULL,
  channel text NOT NULL,
  ${COUNTS.map((c) => `${c} integer NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (month, department_key, region_code, channel)
);
INSERT INTO review_stats_monthly (month, department_key, region_code, channel, ${COUNTS.join(', ')})
SELECT date_trunc('month', day::timestamp)::date, department_key, region_code, channel, ${COUNTS.map((c) => `sum(${c})`).join(', ')}
FROM review_stats_daily_coarse GROUP BY 1, 2, 3, 4;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
