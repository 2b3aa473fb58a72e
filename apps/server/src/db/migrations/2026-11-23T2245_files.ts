// Materials storage: one metadata row per upload; the bytes live content-addressed (SHA-256) in a
// blob store outside the database, so two uploads of the same document share one blob.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE files (
  id uuid PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size > 0),
  media_type text NOT NULL CHECK (media_type IN ('application/pdf','image/jpeg','image/png','application/ofd')),
  original_name text NOT NULL,
  owner_id uuid NOT NULL REFERENCES accounts(id),
  uploaded_by uuid NOT NULL REFERENCES accounts(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_owner ON files (owner_id, created_at DESC);
CREATE INDEX files_sha256 ON files (sha256);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
