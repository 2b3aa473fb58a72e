// Data resource catalog (政务信息资源目录) and the providers' rows. A resource describes a data set a
// department holds (fields, sharing and open classes, update frequency, whose data it is); its
// rows live in resource_rows, one generic store keyed by (resource, row key). See
// modules/resources/README.md for the access paths and why one table.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE data_resources (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  provider_department_id uuid NOT NULL REFERENCES departments(id),
  region_code text NOT NULL,
  subject_kind text NOT NULL CHECK (subject_kind IN ('person','enterprise','none')),
  key_field text NOT NULL,
  fields jsonb NOT NULL,
  sharing_class text NOT NULL CHECK (sharing_class IN ('unconditional','conditional','none')),
  open_class text NOT NULL CHECK (open_class IN ('unconditional','conditional','none')),
  update_frequency text NOT NULL CHECK (update_frequency IN ('realtime','daily','weekly','monthly','quarterly','yearly','irregular')),
  legal_basis text NOT NULL DEFAULT '',
  tags jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','retired')),
  version integer NOT NULL DEFAULT 1,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_resources_provider ON data_resources (provider_department_id);
CREATE SEQUENCE resource_rows_seq;
CREATE TABLE resource_rows (
  resource_id uuid NOT NULL REFERENCES data_resources(id),
  row_key text NOT NULL,
  subject_key text,
  region_code text,
  data jsonb NOT NULL,
  seq bigint NOT NULL DEFAULT nextval('resource_rows_seq'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_id, row_key)
);
CREATE INDEX resource_rows_subject ON resource_rows (resource_id, subject_key) WHERE subject_key IS NOT NULL;
CREATE INDEX resource_rows_changes ON resource_rows (resource_id, seq);
CREATE INDEX resource_rows_region_changes ON resource_rows (resource_id, region_code text_pattern_ops, seq) WHERE region_code IS NOT NULL;
CREATE INDEX resource_rows_data ON resource_rows USING gin (data jsonb_path_ops)
`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await ddl(db, `
DROP TABLE resource_rows;
DROP SEQUENCE resource_rows_seq;
DROP TABLE data_resources
`);
}
