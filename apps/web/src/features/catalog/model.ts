/**
 * The catalog's API as the pages use it: search, suggestions, themes, guides (public) and the
 * department admin's items, bundles and packages. Shapes follow apps/server/src/modules/catalog.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { del, get, post, put } from '../../api';

export interface Labelled {
  code: string;
  zh: string;
  en: string;
}
export interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  field: string | null;
  message: { zh: string; en: string };
}
export interface FacetValue {
  value: string;
  label: string;
  count: number;
}
export interface SearchHit {
  id: string;
  kind: 'item' | 'bundle';
  version: number;
  name: string;
  highlight: { name: string; matches: string[] };
  departmentId: string;
  departmentName: string;
  regionCode: string;
  itemType: string;
  itemTypeLabel: string;
  serviceObjects: string[];
  themes: string[];
  onlineDepth: number;
  crossProvince: boolean;
  promisedDays: number;
  materialCount: number;
  exemptCount: number;
  uses: number;
}
export type FacetName = 'department' | 'region' | 'type' | 'object' | 'theme' | 'depth' | 'crossProvince';
export interface SearchResult {
  query: { q: string; terms: string[][]; relaxed: boolean };
  total: number;
  totalExact: boolean;
  facetsExact: boolean;
  items: SearchHit[];
  facets: Record<FacetName, FacetValue[]>;
}
export interface Theme {
  code: string;
  name: string;
  nameEn: string;
  audience: string;
  keywords: string[];
  count: number;
}
export interface BundleSummary {
  id: string;
  code: string;
  name: string;
  version: number;
  themes: string[];
  serviceObjects: string[];
  items: number;
  promisedDays: number;
  sumPromisedDays: number;
  uses: number;
}
export interface GuideMaterial {
  key: string;
  name: string;
  requirement: 'required' | 'conditional';
  condition?: string;
  format: string;
  formatLabel: { zh: string; en: string };
  copies: number;
  blankForm?: string;
  sample?: string;
  acceptance: string;
  source: { kind: 'applicant' } | { kind: 'elicence'; licenceType: string } | { kind: 'shared_data'; resource: string };
  sourceLabel: { zh: string; en: string };
  licenceTypeLabel?: string | null;
  reuseGrade: string;
  reuseGradeLabel: { zh: string; en: string };
  exempt: boolean;
  note?: string;
}
export interface ItemGuide {
  kind: 'item';
  id: string;
  version: number;
  latestVersion: number;
  isLatest: boolean;
  status: 'published' | 'retired';
  retired: { retiredAt: string | null; reason: string | null } | null;
  publishedAt: string;
  implementationCode: string;
  name: string;
  aliases: string[];
  itemType: Labelled;
  serviceObjects: Labelled[];
  department: { id: string; name: string; kind: Labelled | null };
  region: { code: string; name: string };
  powerSource: Labelled;
  legalLimit: { days: number; note: string };
  promisedLimit: { days: number; note: string };
  handlingKind: Labelled;
  specialProcedures: { name: string; limitDays?: number; note?: string }[];
  visits: number;
  visitsReason: string | null;
  onlineDepth: { level: number; zh: string; en: string };
  expressDelivery: boolean;
  onlinePayment: boolean;
  free: boolean;
  fees: { name: string; standard: string; amount?: number; basis: string; reductions?: string }[];
  crossProvince: { mode: 'none' | 'national' | 'regions'; regions: string[]; regionNames: string[]; ways: string[]; wayLabels: { zh: string; en: string }[] };
  conditions: string[];
  legalBasis: { title: string; article?: string; excerpt?: string }[];
  faq: { q: string; a: string }[];
  themes: { code: string; name: string }[];
  result: { kind: string; name: string; kindLabel: { zh: string; en: string }; licenceTypeLabel: string | null };
  materials: GuideMaterial[];
  materialCount: number;
  exemptCount: number;
  process: {
    stages: { key: string; name: string; roleLabel: { zh: string; en: string }; kindLabel: { zh: string; en: string }; departmentName: string; departmentNames?: string[]; budgetDays: number }[];
    payment: { afterStage: string; budgetDays: number } | null;
    totalBudgetDays: number;
  };
  window: { address: string; hours: string; phone: string } | null;
  accuracy: { errors: number; warnings: number; findings: Finding[] };
}
export interface BundleGuide {
  kind: 'bundle';
  id: string;
  version: number;
  status: 'published' | 'retired';
  publishedAt: string;
  code: string;
  name: string;
  aliases: string[];
  description: string;
  themes: { code: string; name: string }[];
  serviceObjects: Labelled[];
  leadDepartment: { id: string; name: string };
  region: { code: string; name: string };
  denialPolicy: Labelled;
  items: {
    id: string;
    version: number | null;
    note: string | null;
    name: string;
    department: { id: string; name: string } | null;
    promisedDays: number | null;
    legalDays: number | null;
    onlineDepth: number | null;
    result: { kind: string; name: string } | null;
    startsAfterDays: number;
    onCriticalPath: boolean;
  }[];
  dependencies: { from: string; to: string; result: string }[];
  timing: { promisedDays: number; legalDays: number; sumPromisedDays: number; criticalPath: string[] };
  materials: { key: string; name: string; requirement: string; condition: string | null; source: { kind: string; licenceType?: string; resource?: string; itemId?: string }; exempt: boolean; items: { itemId: string }[] }[];
  stats: { materials: number; exempt: number; departments: number };
}
export interface AdminListRow {
  id: string;
  kind: 'item' | 'bundle';
  code: string;
  name: string;
  departmentId: string;
  regionCode: string;
  status: 'draft' | 'published' | 'retired';
  latestVersion: number | null;
  hasDraft: boolean;
  lintErrors: number;
  lintWarnings: number;
  updatedAt: string;
}
export interface AdminEntry {
  id: string;
  name: string;
  status: 'draft' | 'published' | 'retired';
  latestVersion: number | null;
  draft: Record<string, unknown> | null;
  draftFindings: Finding[];
  publishedFindings: Finding[];
  versions: { version: number; publishedAt: string; publishedBy: string | null }[];
  retiredAt: string | null;
  retiredReason: string | null;
  implementationCode?: string;
  code?: string;
}
export interface ImportResult {
  dryRun: boolean;
  [k: string]: unknown;
}

const qs = (params: Record<string, string | number | boolean | undefined>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  return u.toString();
};

export const catalogApi = {
  search: (params: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) => get<SearchResult>(`/api/catalog/search?${qs(params)}`, { signal }),
  suggest: (q: string, signal?: AbortSignal) => get<{ q: string; suggestions: { text: string; kind: string; highlight: string }[] }>(`/api/catalog/suggest?${qs({ q, limit: 8 })}`, { signal }),
  themes: () => get<Theme[]>('/api/catalog/themes'),
  bundles: () => get<BundleSummary[]>('/api/catalog/bundles'),
  item: (id: string) => get<ItemGuide>(`/api/catalog/items/${id}`),
  bundle: (id: string) => get<BundleGuide>(`/api/catalog/bundles/${id}`),
  vocabulary: () => get<Record<string, { code: string; zh: string; en: string }[]>>('/api/catalog/vocabulary'),
  admin: {
    list: (kind: 'items' | 'bundles', params: Record<string, string | number | undefined>) => get<AdminListRow[]>(`/api/admin/catalog/${kind}?${qs(params)}`),
    get: (kind: 'items' | 'bundles', id: string) => get<AdminEntry>(`/api/admin/catalog/${kind}/${id}`),
    saveDraft: (kind: 'items' | 'bundles', id: string, content: unknown) => put<AdminEntry>(`/api/admin/catalog/${kind}/${id}/draft`, content),
    discardDraft: (kind: 'items' | 'bundles', id: string) => del<AdminEntry>(`/api/admin/catalog/${kind}/${id}/draft`),
    publish: (kind: 'items' | 'bundles', id: string) => post<AdminEntry>(`/api/admin/catalog/${kind}/${id}/publish`),
    retire: (kind: 'items' | 'bundles', id: string, reason: string) => post<AdminEntry>(`/api/admin/catalog/${kind}/${id}/retire`, { reason }),
    exportPackage: (body: { items: string[]; bundles: string[] }) => post<Record<string, unknown>>('/api/admin/catalog/packages/export', body),
    preview: (body: unknown) => post<ImportResult>('/api/admin/catalog/packages/preview', body),
    importPackage: (body: unknown) => post<ImportResult>('/api/admin/catalog/packages/import', body),
  },
};

/** Loads once per change of `deps`; `reload` fetches again. Stale answers are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const seq = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await run();
      if (n === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload, setData: (data: T) => setState({ data, error: null, loading: false }) };
}
