// Applications wired to the rest of the platform: notifications delivered once per outbox event
// and recipient (application_notified), the materials of an application with their evidence
// (uploaded file, or 免提交 resolved from an e-licence or shared data) and the counts oversight
// reads (materials_total / materials_exempt / materials_elicence), and a process kept per item
// as imported from BPMN (application_processes).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE application_notified (
  key text PRIMARY KEY,
  application_id uuid,
  notified_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE applications ADD COLUMN materials jsonb;
ALTER TABLE applications ADD COLUMN materials_total integer NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN materials_exempt integer NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN materials_elicence integer NOT NULL DEFAULT 0;

CREATE TABLE application_file_grants (
  file_id uuid NOT NULL,
  application_id uuid NOT NULL REFERENCES applications(id),
  department_id uuid NOT NULL,
  PRIMARY KEY (file_id, application_id, department_id)
);
CREATE INDEX application_file_grants_dept ON application_file_grants (department_id, file_id);

CREATE TABLE application_processes (
  item_id uuid PRIMARY KEY,
  process jsonb NOT NULL,
  bpmn text,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await ddl(db, `
DROP TABLE application_processes;
DROP TABLE application_file_grants;
ALTER TABLE applications DROP COLUMN materials_elicence;
ALTER TABLE applications DROP COLUMN materials_exempt;
ALTER TABLE applications DROP COLUMN materials_total;
ALTER TABLE applications DROP COLUMN materials;
DROP TABLE application_notified;
`);
}
