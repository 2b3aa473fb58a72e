// Full text over a resource's rows (the row API's and datastore_search's `q`) from an index that
// serves one- and two-character Chinese queries (pg_trgm does not: a trigram needs three):
// - yiwang_text_grams(text): the lower-cased text's characters (unigrams) and adjacent pairs
//   (bigrams), as code points packed into bigint (a bigram is first << 21 | second);
// - yiwang_query_grams(text): what a query needs: its bigrams, or its one character.
// A GIN index on yiwang_text_grams(<field>) on a resource's partition finds the candidates
// (`grams @> query grams`); the query keeps `strpos(lower(field), lower(q)) > 0`, which every
// candidate is checked with. If lower(q) is in lower(field), each of q's bigrams is one of the
// field's, so the index never loses a match: the answers are those of the plain scan, which is
// what runs (on either database) while a resource has no such index. Both functions are plain
// SQL, so PostgreSQL and PGlite compute the same grams. resource_row_indexes gets a `kind`
// (btree: the typed expression index; text: this GIN index).
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE FUNCTION yiwang_text_grams(t text) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(
    SELECT ascii(c[i])::bigint FROM generate_subscripts(c, 1) AS i
    UNION ALL
    SELECT (ascii(c[i])::bigint << 21) | ascii(c[i + 1]) FROM generate_subscripts(c, 1) AS i WHERE i < cardinality(c)
  ) FROM (SELECT string_to_array(lower(t), NULL) AS c) AS x
$$;
CREATE FUNCTION yiwang_query_grams(t text) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(c) = 1 THEN ARRAY[ascii(c[1])::bigint] ELSE ARRAY(
    SELECT DISTINCT (ascii(c[i])::bigint << 21) | ascii(c[i + 1]) FROM generate_subscripts(c, 1) AS i WHERE i < cardinality(c)
  ) END FROM (SELECT string_to_array(lower(t), NULL) AS c) AS x
$$;
ALTER TABLE resource_row_indexes ADD COLUMN kind text NOT NULL DEFAULT 'btree' CHECK (kind IN ('btree', 'text'));
ALTER TABLE resource_row_indexes DROP CONSTRAINT resource_row_indexes_pkey;
ALTER TABLE resource_row_indexes ADD PRIMARY KEY (resource_id, field, kind)
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
