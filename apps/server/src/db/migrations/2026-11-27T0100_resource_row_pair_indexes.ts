// Pair indexes on a resource's partition of resource_rows: `(<field a expr>, <field b expr>, row_key)`
// for two equality filters on broad fields (each of their frequent values matches many rows). The
// single-field indexes `(<field expr>, row_key)` cannot bound such a query: when the two values
// rarely or never occur together, either index's range (or their BitmapAnd) is read to the end to
// find few or none; the pair index finds them, in row-key order, with one range scan. The index job
// chooses the pairs after analysing the partition and records them here as kind 'pair' (field
// "a+b", the two names in order).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE resource_row_indexes DROP CONSTRAINT resource_row_indexes_kind_check;
ALTER TABLE resource_row_indexes ADD CONSTRAINT resource_row_indexes_kind_check CHECK (kind IN ('btree', 'text', 'pair'))
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
