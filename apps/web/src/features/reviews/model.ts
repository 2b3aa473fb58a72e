/** Types and calls of the reviews (好差评) and interaction (12345) APIs. */
import { get, post, put } from '../../api';

export interface LText {
  zh: string;
  en: string;
}

export const LEVELS = [5, 4, 3, 2, 1] as const;
export const INDICATORS = {
  online: ['overall', 'efficiency', 'guide_accuracy', 'convenience', 'platform_usability'],
  onsite: ['overall', 'efficiency', 'service_level', 'attitude'],
} as const;
export const isBad = (level: number) => level <= 2;

export interface MineRow {
  applicationId: string;
  number: string | null;
  title: string;
  department: string | null;
  concludedAt: string | null;
  review: { id: string; level: number; rerated: boolean; correctable: boolean; caseState: string | null; caseNumber: string | null; canRerate: boolean } | null;
}

export interface ReviewView {
  id: string;
  subject: { kind: string; id: string; number: string | null; title: string };
  level: number;
  firstLevel: number;
  bad: boolean;
  scores: Record<string, number>;
  indicatorSet: 'online' | 'onsite';
  comment: string | null;
  channel: string;
  revision: number;
  rerated: boolean;
  createdAt: string;
  correctableUntil: string;
  case: { id: string; number: string; state: string; stepDue: string | null; measures: string | null; feedback: string | null } | null;
  history: { kind: string; level: number; comment: string | null; channel: string; at: string }[];
}

export interface Rating {
  level: number;
  scores: Record<string, number>;
  comment?: string;
}

export interface CaseRow {
  id: string;
  number: string;
  state: string;
  stepDue: string | null;
  slaState: 'normal' | 'warning' | 'overdue';
  lateSteps: number;
  department: string | null;
  subject: string;
  level: number;
  firstLevel: number;
  comment: string | null;
  channel: string;
  createdAt: string;
}

export interface CaseView extends Omit<CaseRow, 'subject' | 'level' | 'firstLevel' | 'comment' | 'channel'> {
  review: { id: string; subject: string; subjectNumber: string | null; level: number; firstLevel: number; comment: string | null; channel: string; reviewer: string; createdAt: string; rerated: boolean };
  verify: { finding: string; note: string; at: string } | null;
  measures: string | null;
  feedback: string | null;
  appeal: { reason: string; decision: string | null; evidenceFileIds?: string[]; note?: string | null } | null;
  escalatedAt: string | null;
  closedAt?: string | null;
  /** Why the case ended: re-rated, corrected by the reviewer, appeal upheld, or its review annulled (confirmed gaming). */
  closedReason?: 'rerated' | 'corrected' | 'appeal_upheld' | 'review_annulled' | null;
  events: { type: string; actor: string | null; note: string | null; at: string }[];
}

export interface StatsRow {
  key: string | null;
  name: string | null;
  total: number;
  good: number;
  bad: number;
  goodRate: number | null;
  cases: number;
  rectified: number;
  rectificationRate: number | null;
  onTimeRate: number | null;
}

export interface LedgerRow {
  number: string;
  department: string | null;
  subject: string;
  reviewer: string;
  firstLevel: number;
  level: number;
  rerated: boolean;
  comment: string | null;
  state: string;
  measures: string | null;
  appealUpheld: boolean;
  onTime: boolean | null;
  openedAt: string;
}

export interface Category {
  code: string;
  zh: string;
  en: string;
  group: string;
  kinds: string[];
}

export interface RegionBox {
  regionCode: string;
  name: string;
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

export interface InquiryView {
  id: string;
  number: string;
  kind: string;
  category: string;
  categoryLabel: LText | null;
  urgency: string;
  title: string;
  content?: string;
  regionCode: string;
  regionName: string | null;
  channel: string;
  state: string;
  department: string | null;
  respondDue: string | null;
  resolveDue: string | null;
  overdue: boolean;
  responseOverdue: boolean;
  escalated: boolean;
  returns: number;
  anonymous: boolean;
  createdAt: string;
  resolved: boolean | null;
  satisfaction: number | null;
  canConfirm: boolean;
  reply?: string | null;
  location?: { lat: number; lng: number } | null;
  attachmentIds?: string[];
  itemId?: string | null;
  informant?: { visible: boolean; name?: string | null; mobile?: string | null } | null;
  timeline?: { type: string; actor: string | null; note: string | null; at: string }[];
}

export interface KnowledgeEntry {
  id: string;
  question: string;
  answer: string;
  itemId: string | null;
  itemName: string | null;
  department: string | null;
  score?: number;
}

export const reviewsApi = {
  mine: () => get<MineRow[]>('/api/reviews/mine'),
  one: (id: string) => get<ReviewView>(`/api/reviews/${id}`),
  create: (applicationId: string, r: Rating) => post<ReviewView>('/api/reviews', { applicationId, channel: 'web', ...r }),
  correct: (id: string, r: Rating) => put<ReviewView>(`/api/reviews/${id}`, r),
  rerate: (id: string, r: Rating) => post<ReviewView>(`/api/reviews/${id}/rerate`, r),
  visit: (token: string) => get<{ department: string; itemName: string | null; clerk: string; indicators: string[]; review: ReviewView | null }>(`/api/reviews/visits/${token}`),
  rateVisit: (token: string, r: Rating, channel: string) => post<ReviewView>(`/api/reviews/visits/${token}`, { channel, ...r }),
  rerateVisit: (token: string, r: Rating, channel: string) => post<ReviewView>(`/api/reviews/visits/${token}/rerate`, { channel, ...r }),
  invitation: (token: string) => get<{ number: string | null; title: string; department: string | null; concludedAt: string | null; expiresAt: string; used: boolean; review: ReviewView | null }>(`/api/reviews/invitations/${token}`),
  rateInvitation: (token: string, r: Rating) => post<ReviewView>(`/api/reviews/invitations/${token}`, r),
  createVisit: (personName?: string) => post<{ id: string; token: string; link: string; expiresAt: string }>('/api/reviews/visits', personName ? { personName } : {}),
  cases: () => get<CaseRow[]>('/api/rectification/cases'),
  case: (id: string) => get<CaseView>(`/api/rectification/cases/${id}`),
  step: (id: string, action: 'verify' | 'rectify' | 'feedback', body: Record<string, string>) => post<CaseView>(`/api/rectification/cases/${id}/${action}`, body),
  stats: (groupBy: string) => get<{ rows: StatsRow[] }>(`/api/public/reviews/stats?groupBy=${groupBy}`),
  ledger: () => get<{ total: number; items: LedgerRow[] }>('/api/public/reviews/ledger?limit=50'),
};

export const inquiriesApi = {
  categories: () => get<Category[]>('/api/inquiries/categories'),
  regions: () => get<RegionBox[]>('/api/inquiries/regions'),
  create: (body: Record<string, unknown>) => post<{ id: string; number: string; trackingCode: string | null; inquiry: InquiryView }>('/api/inquiries', body),
  mine: () => get<InquiryView[]>('/api/inquiries/mine'),
  list: () => get<InquiryView[]>('/api/inquiries?limit=100'),
  one: (id: string) => get<InquiryView>(`/api/inquiries/${id}`),
  track: (number: string, code: string) => get<InquiryView>(`/api/inquiries/track/${encodeURIComponent(number)}?code=${encodeURIComponent(code)}`),
  confirm: (id: string, body: { resolved: boolean; satisfaction: number; comment?: string; trackingCode?: string }) => post<InquiryView>(`/api/inquiries/${id}/confirm`, body),
  act: (id: string, action: 'respond' | 'reply' | 'return', body: Record<string, string>) => post<InquiryView>(`/api/inquiries/${id}/${action}`, body),
  curate: (body: { inquiryId: string; question: string; answer: string; itemId?: string }) => post<KnowledgeEntry>('/api/knowledge', body),
  knowledge: (q: string) => get<KnowledgeEntry[]>(`/api/knowledge?q=${encodeURIComponent(q)}&limit=8`),
  rates: (groupBy: string) => get<{ rows: { key: string | null; name: string | null; total: number; responseRate: number | null; resolutionRate: number | null; satisfactionRate: number | null }[] }>(`/api/public/inquiries/rates?groupBy=${groupBy}`),
};

export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
export const fmtTime = (iso: string | null | undefined, lang: string) => (iso ? new Date(iso).toLocaleString(lang.startsWith('zh') ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' }) : '—');
export const pick = (t: LText | null | undefined, lang: string) => (t ? (lang.startsWith('zh') ? t.zh : t.en) : '');
