// Open data package_search at 100,000 datasets:
// - `sample_bucket` (0–255, random per dataset) with a btree index: the totals and facets of a
//   large match set are estimated from the matches in a few buckets (a uniform random sample that
//   the planner reads through a BitmapAnd of the search index and this one), instead of reading
//   every match;
// - the default relevance order (quality, then newest) as an index over published datasets, so a
//   broad query's page is an index walk that stops after `start + rows` matches;
// - finer statistics on the search terms (the planner's choice between walking that index and
//   reading the term's matches depends on how frequent it thinks the query's bigrams are).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
ALTER TABLE opendata_datasets ADD COLUMN sample_bucket smallint NOT NULL DEFAULT (floor(random() * 256))::smallint;
CREATE INDEX opendata_datasets_sample ON opendata_datasets (sample_bucket);
CREATE INDEX opendata_datasets_rank ON opendata_datasets (quality_score DESC, modified_at DESC, id) WHERE status = 'published';
ALTER TABLE opendata_datasets ALTER COLUMN search_bigrams SET STATISTICS 1000;
ALTER TABLE opendata_datasets ALTER COLUMN tags SET STATISTICS 1000;
ALTER TABLE opendata_datasets ALTER COLUMN themes SET STATISTICS 1000
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
