// Resources: the row store becomes a LIST-partitioned table, one partition per resource
// (resource_rows_<id without dashes>, created with the resource; a DEFAULT partition catches
// nothing in normal operation). Each resource's rows then have their own statistics (row count in
// pg_class, value frequencies in pg_stats and in the statistics of expression indexes), so the
// planner's estimates of a filtered count are per resource, and the indexes a published dataset's
// filter and sort fields need are built on that partition only (resource_row_indexes records
// them; ResourcesService.ensureRowIndexes builds them). The rows of existing resources are copied.
import { sql, type Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE resource_rows RENAME TO resource_rows_unpartitioned;
ALTER INDEX resource_rows_pkey RENAME TO resource_rows_unpartitioned_pkey;
ALTER INDEX resource_rows_subject RENAME TO resource_rows_unpartitioned_subject;
ALTER INDEX resource_rows_changes RENAME TO resource_rows_unpartitioned_changes;
ALTER INDEX resource_rows_region_changes RENAME TO resource_rows_unpartitioned_region_changes;
ALTER INDEX resource_rows_data RENAME TO resource_rows_unpartitioned_data;
CREATE TABLE resource_rows (
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  row_key text NOT NULL,
  subject_key text,
  region_code text,
  data jsonb NOT NULL,
  seq bigint NOT NULL DEFAULT nextval('resource_rows_seq'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_id, row_key)
) PARTITION BY LIST (resource_id);
CREATE INDEX resource_rows_subject ON resource_rows (resource_id, subject_key) WHERE subject_key IS NOT NULL;
CREATE INDEX resource_rows_changes ON resource_rows (resource_id, seq);
CREATE INDEX resource_rows_region_changes ON resource_rows (resource_id, region_code text_pattern_ops, seq) WHERE region_code IS NOT NULL;
CREATE INDEX resource_rows_data ON resource_rows USING gin (data jsonb_path_ops);
CREATE TABLE resource_rows_default PARTITION OF resource_rows DEFAULT;
CREATE TABLE resource_row_indexes (
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  field text NOT NULL,
  index_name text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','ready','failed')),
  error text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  ready_at timestamptz,
  PRIMARY KEY (resource_id, field)
)
`);
  const resources = await sql<{ id: string }>`SELECT id FROM data_resources ORDER BY id`.execute(db);
  for (const r of resources.rows) {
    await sql.raw(`CREATE TABLE resource_rows_${r.id.replace(/-/g, '')} PARTITION OF resource_rows FOR VALUES IN ('${r.id}')`).execute(db);
  }
  await ddl(db, `
INSERT INTO resource_rows (resource_id, row_key, subject_key, region_code, data, seq, updated_at)
  SELECT resource_id, row_key, subject_key, region_code, data, seq, updated_at FROM resource_rows_unpartitioned;
DROP TABLE resource_rows_unpartitioned
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
