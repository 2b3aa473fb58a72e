/**
 * Categories of inquiries (诉求分类). Each is also an Open311 service (service_code = code), so
 * city-reporting clients file into the same queue. `kinds` are the kinds of inquiry a category
 * takes; dispatch rules route (category, region prefix) to a department.
 */
import type { InquiryKind } from './interaction.tables';

export interface Category {
  code: string;
  zh: string;
  en: string;
  group: string;
  kinds: InquiryKind[];
  /** Keywords (Open311 `keywords`). */
  keywords: string[];
  /** Extra questions (Open311 service definition attributes). */
  attributes?: { code: string; datatype: 'string' | 'number' | 'singlevaluelist'; required: boolean; description: string; values?: { key: string; name: string }[] }[];
}

const ALL: InquiryKind[] = ['consultation', 'complaint', 'suggestion', 'help', 'report'];

export const CATEGORIES: Category[] = [
  {
    code: 'road-damage',
    zh: '道路设施损坏',
    en: 'Damaged road or pavement',
    group: '城市管理',
    kinds: ['complaint', 'report', 'help'],
    keywords: ['道路', '坑洼', 'pothole', 'road'],
    attributes: [{ code: 'severity', datatype: 'singlevaluelist', required: true, description: '严重程度 / Severity', values: [{ key: 'minor', name: '轻微 / minor' }, { key: 'major', name: '严重 / major' }, { key: 'danger', name: '危及安全 / dangerous' }] }],
  },
  { code: 'streetlight', zh: '路灯故障', en: 'Streetlight out', group: '城市管理', kinds: ['complaint', 'report', 'help'], keywords: ['路灯', 'streetlight'] },
  { code: 'sanitation', zh: '环境卫生', en: 'Sanitation and litter', group: '城市管理', kinds: ['complaint', 'report', 'suggestion'], keywords: ['垃圾', '卫生', 'litter'] },
  { code: 'noise', zh: '噪声扰民', en: 'Noise nuisance', group: '社会治安', kinds: ['complaint', 'report'], keywords: ['噪音', '扰民', 'noise'] },
  { code: 'food-safety', zh: '食品安全', en: 'Food safety', group: '市场监管', kinds: ['complaint', 'report', 'consultation'], keywords: ['食品', '餐饮', 'food'] },
  { code: 'consumer', zh: '消费维权', en: 'Consumer rights', group: '市场监管', kinds: ['complaint', 'consultation', 'help'], keywords: ['消费', '退款', 'consumer'] },
  { code: 'business-registration', zh: '企业登记', en: 'Business registration', group: '市场监管', kinds: ['consultation', 'complaint', 'suggestion'], keywords: ['营业执照', '登记', 'licence'] },
  { code: 'social-security', zh: '社会保障', en: 'Social security', group: '人社医保', kinds: ALL, keywords: ['社保', '养老', '就业'] },
  { code: 'medical-insurance', zh: '医疗保障', en: 'Medical insurance', group: '人社医保', kinds: ALL, keywords: ['医保', '报销'] },
  { code: 'government-service', zh: '政务服务', en: 'Government services', group: '政务服务', kinds: ALL, keywords: ['办事', '窗口', '审批'] },
  { code: 'other', zh: '其他', en: 'Other', group: '其他', kinds: ALL, keywords: [] },
];

export const categoryByCode = (code: string) => CATEGORIES.find((c) => c.code === code);

export const KINDS: Record<InquiryKind, { zh: string; en: string }> = {
  consultation: { zh: '咨询', en: 'Consultation' },
  complaint: { zh: '投诉', en: 'Complaint' },
  suggestion: { zh: '建议', en: 'Suggestion' },
  help: { zh: '求助', en: 'Request for help' },
  report: { zh: '举报', en: 'Report' },
};
