// Reviews statistics: the monthly roll-up by item (month × department × item × region × channel),
// so statistics by item over whole months read one row per item and month; built from the daily one.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

const COUNTS = ['total', 'l1', 'l2', 'l3', 'l4', 'l5', 'first_bad', 'cases', 'rectified', 'on_time'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE review_stats_monthly_item (
  month date NOT NULL,
  department_key text NOT NULL,
  item_key text NOT NULL,
  region_code text NOT NULL,
  channel text NOT NULL,
  name text NOT NULL DEFAULT '',
  ${COUNTS.map((c) => `${c} integer NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (month, department_key, item_key, region_code, channel)
);
CREATE INDEX review_stats_monthly_item_department ON review_stats_monthly_item (department_key, month);
CREATE INDEX review_stats_monthly_item_item ON review_stats_monthly_item (item_key, month);
INSERT INTO review_stats_monthly_item (month, department_key, item_key, region_code, channel, name, ${COUNTS.join(', ')})
SELECT date_trunc('month', day::timestamp)::date, department_key, item_key, region_code, channel, max(name), ${COUNTS.map((c) => `sum(${c})`).join(', ')}
FROM review_stats_daily GROUP BY 1, 2, 3, 4, 5;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
