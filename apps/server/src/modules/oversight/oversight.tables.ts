/** Row types of the oversight tables (declaration merging into the one Database interface). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Day = ColumnType<string, string, string>;

export interface OversightRollupStateTable {
  source: string;
  refreshed_at: Timestamp;
  watermark: NullableTimestamp;
  rows: number;
  millis: number;
  mode: string;
  full_at: NullableTimestamp;
}
export interface OversightWorkdayIndexTable {
  day: Day;
  n: number;
}
export interface OversightMeasuresTable {
  id: string;
  name: string;
  name_en: string;
  unit: string;
  source: string;
  formula: string;
  formula_en: string;
  available: boolean;
  updated_at: Generated<Date>;
}
export interface OversightIndexVersionsTable {
  version: number;
  config: JSONColumnType<object>;
  note: Generated<string>;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Generated<Date>;
}
export interface OversightAlertRulesTable {
  id: string;
  name: string;
  measure: string;
  region_code: string;
  breakdown: 'none' | 'region' | 'department' | 'category';
  kind: 'threshold' | 'band';
  op: 'above' | 'below';
  threshold: number | null;
  band: JSONColumnType<{ cycle: 'year' | 'month'; cycles: number; k: number }> | null;
  assign_department_id: string | null;
  deadline_days: number;
  enabled: boolean;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export interface OversightAlertsTable {
  id: string;
  rule_id: string;
  measure: string;
  region_code: string;
  department_id: string | null;
  group_key: string;
  group_label: string;
  period: Day;
  value: number | null;
  expected: JSONColumnType<object>;
  provenance: JSONColumnType<object>;
  status: Generated<'open' | 'closed'>;
  work_order_id: string | null;
  created_at: Timestamp;
}
export interface OversightWorkOrdersTable {
  id: string;
  number: string;
  alert_id: string | null;
  department_id: string;
  region_code: string;
  title: string;
  detail: JSONColumnType<object>;
  due_date: Day;
  status: Generated<'open' | 'responded' | 'closed'>;
  overdue: Generated<boolean>;
  response: string | null;
  responded_at: NullableTimestamp;
  responded_by: string | null;
  closed_at: NullableTimestamp;
  closed_by: string | null;
  close_note: string | null;
  created_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  escalated_at: NullableTimestamp;
  updated_at: Generated<Date>;
}
export interface OversightPracticesTable {
  id: string;
  title: string;
  summary: string;
  body: string;
  department_id: string;
  region_code: string;
  measure: string;
  period_from: string;
  period_to: string;
  figure: JSONColumnType<Record<string, unknown>>;
  status: Generated<'published' | 'withdrawn'>;
  published_by: string;
  published_by_name: string;
  published_at: Timestamp;
  withdrawn_at: NullableTimestamp;
  withdraw_note: string | null;
  views: Generated<number>;
}
export interface OversightGeoMapsTable {
  id: string;
  name: string;
  approval_number: string | null;
  demo: boolean;
  geojson: JSONColumnType<object>;
  codes: string[];
  active: boolean;
  created_by: string | null;
  created_at: Generated<Date>;
}
export interface MarketEntityEventsTable {
  id: Generated<string>;
  uscc: string;
  name: string;
  event: 'registered' | 'cancelled';
  industry: string;
  region_code: string;
  occurred_on: Day;
  source: string;
  created_at: Generated<Date>;
}

declare module '../../db/types' {
  interface Database {
    oversight_rollup_state: OversightRollupStateTable;
    oversight_workday_index: OversightWorkdayIndexTable;
    oversight_measures: OversightMeasuresTable;
    oversight_index_versions: OversightIndexVersionsTable;
    oversight_alert_rules: OversightAlertRulesTable;
    oversight_alerts: OversightAlertsTable;
    oversight_work_orders: OversightWorkOrdersTable;
    oversight_practices: OversightPracticesTable;
    oversight_geo_maps: OversightGeoMapsTable;
    market_entity_events: MarketEntityEventsTable;
  }
}
