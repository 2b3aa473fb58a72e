/** Types and calls of the oversight API. */
import { get, post, put } from '../../api';

export interface L10n {
  zh: string;
  en: string;
}
export interface Figure {
  key: string;
  label: string;
  value: number | null;
  counts: Record<string, number>;
  previous?: number | null;
}
export interface Provenance {
  measure: string;
  formula: L10n;
  source: string;
  snapshotAt: string;
  live: boolean;
  rows: string;
  filters: Filters;
}
export interface WidgetData {
  id: string;
  title: L10n;
  chart: 'kpi' | 'line' | 'bar' | 'ranking' | 'map' | 'band' | 'table';
  measure: string;
  name: L10n;
  unit: string;
  higherIsBetter: boolean;
  breakdown: string;
  formula: L10n;
  available: boolean;
  reason?: L10n;
  value?: number | null;
  previous?: number | null;
  change?: number | null;
  counts?: Record<string, number>;
  groups?: Figure[];
  top?: string[];
  bottom?: string[];
  band?: { key: string; mean: number; low: number; high: number; points: number; outside: 'above' | 'below' | null }[];
  provenance?: Provenance;
}
export interface Filters {
  region: string;
  from: string;
  to: string;
  department?: string;
}
export interface DashboardData {
  id: string;
  title: L10n;
  description: L10n;
  filters: Filters;
  previous: Filters;
  generatedAt: string;
  millis: number;
  freshness: { intervalSeconds: number; sources: { source: string; refreshedAt: string }[] };
  widgets: WidgetData[];
}
export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  measure: string;
  measureName: L10n | null;
  regionCode: string;
  departmentId: string | null;
  groupKey: string;
  groupLabel: string;
  period: string;
  value: number;
  expected: Record<string, unknown>;
  provenance: Provenance & { counts: Record<string, number> };
  status: 'open' | 'closed';
  workOrderId: string | null;
  createdAt: string;
}
export interface WorkOrder {
  id: string;
  number: string;
  alertId: string | null;
  departmentId: string;
  departmentName: string | null;
  regionCode: string;
  regionName: string | null;
  title: string;
  detail: Record<string, unknown>;
  dueDate: string;
  status: 'open' | 'responded' | 'closed';
  overdue: boolean;
  response: string | null;
  respondedAt: string | null;
  closedAt: string | null;
  closeNote: string | null;
  createdAt: string;
}
export interface Indicator {
  id: string;
  dimension: string;
  name: L10n;
  measure: string;
  floor: number;
  target: number;
  weight: number;
  available: boolean;
  value: number | null;
  normalised: number | null;
  points: number | null;
}
export interface EvalRow {
  rank?: number;
  code: string;
  name: string;
  score: number | null;
  grade: L10n | null;
  coverage: number;
  previousScore: number | null;
  change: number | null;
  dimensions: { id: string; name: L10n; weight: number; score: number | null }[];
  indicators: Indicator[];
  weakest: string[];
}
export interface Evaluation {
  selfAssessment: true;
  label: L10n;
  region: string;
  regionName: string;
  period: { from: string; to: string };
  previousPeriod: { from: string; to: string };
  version: number;
  overall: EvalRow | null;
  ownLevel: EvalRow | null;
  ranking: EvalRow[];
  unavailable: { id: string; name: L10n; measure: string; weight: number }[];
  rank?: { rank: number; of: number } | null;
  freshness: { sources: { source: string; refreshedAt: string }[] };
}

const qs = (o: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

export const oversightApi = {
  dashboard: (id: string, f: Partial<Filters> & { mapMeasure?: string }) => get<DashboardData>(`/api/oversight/dashboards/${id}${qs(f as Record<string, string>)}`),
  dashboardUrl: (id: string, f: Partial<Filters>, format: 'csv' | 'json') => `/api/oversight/dashboards/${id}${qs({ ...(f as Record<string, string>), format })}`,
  geo: (region: string) => get<{ meta: { name: string; approvalNumber: string | null; demo: boolean; notice: L10n }; geojson: { type: 'FeatureCollection'; features: { properties: { code: string; name: string } }[] } }>(`/api/oversight/geo/${region}`),
  children: (code: string) => get<{ code: string; name: string }[]>(`/api/org/regions/${code}/children`),
  departments: () => get<{ id: string; name: string; regionCode: string }[]>(`/api/departments`),
  alerts: () => get<Alert[]>(`/api/oversight/alerts`),
  alert: (id: string) => get<Alert>(`/api/oversight/alerts/${id}`),
  workOrders: () => get<WorkOrder[]>(`/api/oversight/work-orders`),
  workOrder: (id: string) => get<WorkOrder>(`/api/oversight/work-orders/${id}`),
  close: (id: string, note: string) => post<WorkOrder>(`/api/oversight/work-orders/${id}/close`, { note }),
  respond: (id: string, response: string) => post<WorkOrder>(`/api/oversight/work-orders/${id}/respond`, { response }),
  rules: () => get<{ id: string; name: string; measure: string; measureName: L10n | null; kind: string; op: string; threshold: number | null; band: { cycle: string; cycles: number; k: number } | null; breakdown: string; enabled: boolean; deadlineDays: number }[]>(`/api/oversight/alert-rules`),
  setRule: (id: string, enabled: boolean) => put(`/api/oversight/alert-rules/${id}/enabled`, { enabled }),
  refresh: () => post(`/api/oversight/refresh`, {}),
  evaluation: (region: string | undefined, pub: boolean) => get<Evaluation>(`/api/${pub ? 'public' : 'oversight'}/evaluation${qs({ region })}`),
  regionEvaluation: (code: string, pub: boolean) => get<Evaluation>(`/api/${pub ? 'public/evaluation' : 'oversight/evaluation'}/regions/${code}`),
  methodology: () => get<Record<string, any>>(`/api/public/evaluation/methodology`),
  serviceStats: () => get<DashboardData>(`/api/public/service-statistics`),
};
