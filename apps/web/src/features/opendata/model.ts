/** Open data API calls and shapes (the server's CKAN package dictionary plus this portal's fields). */
import { get, post, put } from '../../api';

export interface Pkg {
  id: string;
  name: string;
  title: string;
  notes: string;
  license_id: string;
  license_title: string;
  license_url: string;
  metadata_modified: string;
  organization: { id: string; name: string; title: string };
  groups: { name: string; display_name: string }[];
  tags: { name: string }[];
  resources: { id: string; format: string; url: string; name: string }[];
  access_level: 'open' | 'account' | 'conditional';
  frequency: string;
  frequency_label: { zh: string; en: string };
  temporal: { start: string | null; end: string | null };
  spatial: string | null;
  columns: { name: string; type: string; label?: string | null; description?: string | null }[];
  documentation: string;
  terms: string;
  row_count: number | null;
  data_updated: string | null;
  quality: { score: number; dimensions: Record<string, number> };
  rating: { average: number | null; count: number };
  state: string;
  access?: { allowed: boolean; reason?: string };
}

export interface SearchResult {
  count: number;
  /** Large match sets: count and facet counts estimated from a sample. */
  count_was_estimated?: boolean;
  facets_were_estimated?: boolean;
  results: Pkg[];
  search_facets: Record<string, { items: { name: string; display_name: string; count: number }[] }>;
}

export interface Rows {
  fields: { id: string; type: string; info?: { label?: string } }[];
  records: Record<string, unknown>[];
  total: number | null;
  total_was_estimated: boolean;
  cursor: string | null;
}

export interface DataRequest {
  id: string;
  title: string;
  description: string;
  status: 'open' | 'answered' | 'closed';
  department: { id: string; name: string } | null;
  matches: { kind: string; id: string; title: string; open: boolean }[];
  dueAt: string;
  overdue: boolean;
  answer: string | null;
  answerKind: string | null;
  createdAt: string;
  mine: boolean;
}

export const odApi = {
  search: (q: URLSearchParams) => get<SearchResult>(`/api/opendata/datasets?${q.toString()}`),
  dataset: (name: string) => get<Pkg>(`/api/opendata/datasets/${encodeURIComponent(name)}`),
  rows: (name: string, limit = 20) => get<Rows>(`/api/opendata/datasets/${encodeURIComponent(name)}/rows?limit=${limit}`),
  ratings: (name: string) => get<{ average: number | null; count: number; items: { stars: number; comment: string; by: string; at: string }[] }>(`/api/opendata/datasets/${encodeURIComponent(name)}/ratings`),
  rate: (name: string, stars: number, comment: string) => put<{ average: number; count: number }>(`/api/opendata/datasets/${encodeURIComponent(name)}/rating`, { stars, comment }),
  apply: (name: string, purpose: string) => post<{ id: string }>(`/api/opendata/datasets/${encodeURIComponent(name)}/access-requests`, { purpose, acceptTerms: true }),
  requests: () => get<{ total: number; items: DataRequest[] }>('/api/opendata/requests?limit=50'),
  createRequest: (b: { title: string; description: string; purpose?: string }) => post<DataRequest>('/api/opendata/requests', b),
  stats: () =>
    get<{
      totals: { views: number; downloads: number; apiCalls: number };
      datasets: { datasetId: string; name: string | null; title: string | null; views: number; downloads: number; apiCalls: number }[];
      departments: { departmentId: string; department: string; datasets: number; views: number; downloads: number; apiCalls: number }[];
    }>('/api/opendata/statistics'),
};

export const fmtDate = (iso: string | null | undefined, lang: string) => (iso ? new Date(iso).toLocaleDateString(lang.startsWith('zh') ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' }) : '—');
