/**
 * The computed quality score of a dataset (0–100), from six dimensions, each 0..1, published in
 * DCAT as W3C DQV measurements (one dqv:Metric per dimension, see opendata.dcat.ts).
 */
export const QUALITY_DIMENSIONS = ['licence', 'description', 'timeliness', 'openFormats', 'documentation', 'availability'] as const;
export type QualityDimension = (typeof QUALITY_DIMENSIONS)[number];
export const QUALITY_WEIGHTS: Record<QualityDimension, number> = { licence: 15, description: 15, timeliness: 20, openFormats: 15, documentation: 15, availability: 20 };

/** Licences the portal offers; all are open licences in the Open Definition's sense except 'other-closed'. */
export const LICENCES: Record<string, { title: string; titleZh: string; url: string; open: boolean }> = {
  'cc-by-4.0': { title: 'Creative Commons Attribution 4.0', titleZh: '知识共享署名 4.0', url: 'https://creativecommons.org/licenses/by/4.0/', open: true },
  'cc0-1.0': { title: 'Creative Commons Zero 1.0', titleZh: '知识共享零 1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', open: true },
  'odc-by': { title: 'Open Data Commons Attribution License', titleZh: '开放数据共享署名许可', url: 'https://opendatacommons.org/licenses/by/1-0/', open: true },
  'gov-open-cn': { title: 'Public data open licence (政府数据开放许可)', titleZh: '公共数据开放许可协议', url: 'https://yiwang.example/licences/gov-open-cn', open: true },
  'other-closed': { title: 'Conditional use agreement', titleZh: '有条件开放使用协议', url: 'https://yiwang.example/licences/conditional', open: false },
};

/** Update frequencies: our code → the EU frequency authority code and the period in days. */
export const FREQUENCIES: Record<string, { eu: string; days: number | null; zh: string; en: string }> = {
  realtime: { eu: 'UPDATE_CONT', days: 1, zh: '实时', en: 'continuous' },
  daily: { eu: 'DAILY', days: 1, zh: '每日', en: 'daily' },
  weekly: { eu: 'WEEKLY', days: 7, zh: '每周', en: 'weekly' },
  monthly: { eu: 'MONTHLY', days: 31, zh: '每月', en: 'monthly' },
  quarterly: { eu: 'QUARTERLY', days: 92, zh: '每季度', en: 'quarterly' },
  annual: { eu: 'ANNUAL', days: 366, zh: '每年', en: 'annual' },
  irregular: { eu: 'IRREG', days: null, zh: '不定期', en: 'irregular' },
  never: { eu: 'NEVER', days: null, zh: '不更新', en: 'never' },
};

export interface QualityInput {
  licence: string;
  description: string;
  frequency: string;
  dataUpdatedAt: Date | null;
  formats: string[];
  columns: { name: string; label?: string | null; description?: string | null }[];
  documentation: string;
  /** Whether the rows could be read the last time they were probed (null: not probed). */
  available: boolean | null;
}

export interface Quality {
  score: number;
  dimensions: Record<QualityDimension, number>;
  computedAt: string;
}

export function computeQuality(d: QualityInput, now = new Date()): Quality {
  const dims = {} as Record<QualityDimension, number>;
  dims.licence = LICENCES[d.licence]?.open ? 1 : LICENCES[d.licence] ? 0.5 : 0;
  const len = [...d.description.trim()].length;
  dims.description = len < 20 ? len / 40 : Math.min(1, 0.5 + (len - 20) / 120);
  const f = FREQUENCIES[d.frequency];
  if (!d.dataUpdatedAt) dims.timeliness = 0;
  else if (!f || f.days === null) dims.timeliness = 1;
  else {
    const ageDays = (now.getTime() - d.dataUpdatedAt.getTime()) / 86_400_000;
    // On time within one period plus half a period of grace; then falling to 0 at three periods.
    dims.timeliness = ageDays <= f.days * 1.5 ? 1 : Math.max(0, 1 - (ageDays - f.days * 1.5) / (f.days * 1.5));
  }
  const open = d.formats.filter((x) => ['CSV', 'JSON', 'API'].includes(x)).length;
  dims.openFormats = d.formats.length ? Math.min(1, open / 2) : 0;
  const described = d.columns.length ? d.columns.filter((c) => (c.description ?? '').trim() || (c.label ?? '').trim()).length / d.columns.length : 0;
  dims.documentation = 0.6 * described + 0.4 * (d.documentation.trim().length >= 20 ? 1 : 0);
  dims.availability = d.available === null ? 0.5 : d.available ? 1 : 0;
  for (const k of QUALITY_DIMENSIONS) dims[k] = Math.round(dims[k] * 100) / 100;
  const score = Math.round(QUALITY_DIMENSIONS.reduce((s, k) => s + dims[k] * QUALITY_WEIGHTS[k], 0));
  return { score, dimensions: dims, computedAt: now.toISOString() };
}
