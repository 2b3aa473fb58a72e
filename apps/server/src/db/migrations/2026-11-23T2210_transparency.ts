// Transparency log: the append queue, the integrated leaves, the tree as tiles (see
// modules/transparency/tiles.ts), the sequencer's state row (also its lock), and signed tree heads.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE TABLE tlog_queue (
  id bigserial PRIMARY KEY,
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  entry bytea NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tlog_leaves (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  entry bytea NOT NULL
);
CREATE INDEX tlog_leaves_leaf_hash ON tlog_leaves USING hash (leaf_hash);

CREATE TABLE tlog_tiles (
  level smallint NOT NULL CHECK (level >= 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
);
ALTER TABLE tlog_tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;

CREATE TABLE tlog_state (
  id smallint PRIMARY KEY CHECK (id = 1),
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tlog_state (id, tree_size, root_hash) VALUES (1, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

CREATE TABLE tlog_sths (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  timestamp_ms bigint NOT NULL,
  signature bytea NOT NULL,
  key_id text NOT NULL
)
`);
}
