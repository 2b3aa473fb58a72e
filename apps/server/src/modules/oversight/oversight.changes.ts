/**
 * How each source finds the rows that changed since a time, for the incremental roll-up refresh.
 *
 * `changed(w)` returns keys (`k`) of every source row whose facts or groups may have changed in
 * (since, now]: from indexed columns of the owning tables (migration 2026-11-26T0300) or a change
 * feed their triggers write (applications: application_changes, migration 2026-12-01T0900), plus the
 * ids the delete triggers left in oversight_tombstones, plus — for facts that depend on the clock
 * (a 12345 inquiry becomes "due" when its response deadline passes) — the rows whose deadline fell
 * in (previous refresh, now]. A superset is harmless: an unchanged row's delta is zero.
 *
 * `by` is the view column the keys match and its type: the refresh reads the current rows with
 * `view.<by> = ANY(keys)`, which the primary or unique key of the owning table serves through
 * the view. `records` maps a key to the record ids it stands for (market: one enterprise's
 * registration and cancellation rows); by default the key is the record id.
 */
import { sql, type RawBuilder } from 'kysely';

export interface Window {
  /** Rows written after this time (the previous refresh's watermark). */
  since: string;
  /** The previous refresh's start, and this one's (clock-dependent facts flip in between). */
  previousNow: string;
  now: string;
}

export interface ChangeSpec {
  changed: (w: Window) => RawBuilder<{ k: string }>;
  by: { column: 'record_id' | 'number'; type: 'uuid' | 'text' | 'bpchar' };
  records?: (key: string) => string[];
  /**
   * A change feed of the source's own (a table the owning table's triggers write): its entries up
   * to a watermark that no refresh will read again are deleted (MeasureEngine.refresh).
   */
  prune?: (upTo: RawBuilder<unknown>) => RawBuilder<unknown>;
}

const ts = (x: string) => sql`${x}::timestamptz`;
const tomb = (table: string, w: Window) => sql`SELECT record_id AS k FROM oversight_tombstones WHERE tbl = ${table} AND at > ${ts(w.since)}`;

export const CHANGES: Record<string, ChangeSpec> = {
  applications: {
    // application_changes: written by triggers on applications for each inserted or updated row of
    // the facts view whose view columns changed, at now() of the writing transaction (migration
    // 2026-12-01T0900): updated_at is not indexed, so that the engine's updates are HOT.
    changed: (w) => sql`SELECT application_id::text AS k FROM application_changes WHERE at > ${ts(w.since)} UNION ${tomb('applications', w)}`,
    by: { column: 'record_id', type: 'uuid' },
    prune: (upTo) => sql`DELETE FROM application_changes WHERE at <= ${upTo}`,
  },
  catalog: {
    changed: (w) => sql`SELECT id::text AS k FROM catalog_items WHERE updated_at > ${ts(w.since)}
      UNION SELECT id::text FROM catalog_bundles WHERE updated_at > ${ts(w.since)}
      UNION ${tomb('catalog_items', w)} UNION ${tomb('catalog_bundles', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  escalations: {
    changed: (w) => sql`SELECT id::text AS k FROM application_escalations WHERE created_at > ${ts(w.since)} UNION ${tomb('application_escalations', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  work_orders: {
    changed: (w) => sql`SELECT id::text AS k FROM oversight_work_orders WHERE updated_at > ${ts(w.since)} UNION ${tomb('oversight_work_orders', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  market: {
    // Keyed by the credit code: an enterprise's registry dates supersede the feed's events for it.
    changed: (w) => sql`SELECT uscc::text AS k FROM accounts WHERE kind = 'enterprise' AND uscc IS NOT NULL AND updated_at > ${ts(w.since)}
      UNION SELECT uscc::text FROM market_entity_events WHERE created_at > ${ts(w.since)}
      UNION ${tomb('market_entity_events', w)}`,
    by: { column: 'number', type: 'bpchar' },
    records: (uscc) => [`${uscc}:registered`, `${uscc}:cancelled`],
  },
  reviews: {
    changed: (w) => sql`SELECT id::text AS k FROM reviews WHERE updated_at > ${ts(w.since)}
      UNION SELECT review_id::text FROM rectification_cases WHERE greatest(created_at, verified_at, rectified_at, fed_back_at, closed_at, appealed_at, appeal_decided_at) > ${ts(w.since)}
      UNION ${tomb('reviews', w)} UNION ${tomb('rectification_cases', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  inquiries: {
    changed: (w) => sql`SELECT id::text AS k FROM inquiries WHERE updated_at > ${ts(w.since)}
      UNION SELECT id::text FROM inquiries WHERE respond_due > ${ts(w.previousNow)} AND respond_due <= ${ts(w.now)}
      UNION ${tomb('inquiries', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  exchange: {
    changed: (w) => sql`SELECT id::text AS k FROM exchange_calls WHERE at > ${ts(w.since)} UNION ${tomb('exchange_calls', w)}`,
    by: { column: 'record_id', type: 'uuid' },
  },
  opendata: {
    // Daily counters carry no time of change: the rows of the days since the watermark (China
    // dates, one day of margin) are re-read; a renamed dataset moves all its rows' category.
    changed: (w) => sql`SELECT dataset_id::text || ':' || day::text AS k FROM opendata_stats WHERE day >= (${ts(w.since)} AT TIME ZONE 'UTC' + interval '8 hours')::date - 1
      UNION SELECT s.dataset_id::text || ':' || s.day::text FROM opendata_stats s JOIN opendata_datasets d ON d.id = s.dataset_id WHERE d.modified_at > ${ts(w.since)}
      UNION SELECT id::text FROM opendata_requests WHERE modified_at > ${ts(w.since)}
      UNION ${tomb('opendata_requests', w)}`,
    by: { column: 'record_id', type: 'text' },
  },
};
