/**
 * Dashboards are data: each widget names a measure, a chart type, a breakdown and a comparison,
 * and one generic function computes every widget. Adding a board is adding a declaration.
 */
import type { Breakdown } from './oversight.engine';
import type { Text } from './oversight.measures';

export type Chart = 'kpi' | 'line' | 'bar' | 'ranking' | 'map' | 'band' | 'table';
export type Comparison = 'none' | 'previous_period';

export interface Widget {
  id: string;
  title: Text;
  measure: string;
  chart: Chart;
  breakdown: Breakdown;
  comparison: Comparison;
  /** Trend widgets: how many months up to the end of the period. */
  months?: number;
  /** Rankings: how many at the top and bottom to highlight. */
  top?: number;
  /** Band widgets: the warning band (mean ± k·sd of the same month in earlier cycles). */
  band?: { cycle: 'year' | 'month'; cycles: number; k: number };
}

export interface Dashboard {
  id: string;
  title: Text;
  description: Text;
  widgets: Widget[];
}

const kpi = (measure: string, title: Text): Widget => ({ id: `kpi-${measure}`, title, measure, chart: 'kpi', breakdown: 'none', comparison: 'previous_period' });

export const DASHBOARDS: Dashboard[] = [
  {
    id: 'overview',
    title: { zh: '总览', en: 'Overview' },
    description: { zh: '办件量、网办、时效与评价的总体情况，部门和区域排名，较上期变化', en: 'Volume, online service, timeliness and reviews; department and region rankings; change versus the last period' },
    widgets: [
      kpi('application_volume', { zh: '办件量', en: 'Applications' }),
      kpi('online_share', { zh: '网上申请占比', en: 'Online share' }),
      kpi('full_online_share', { zh: '全程网办占比', en: 'Fully online' }),
      kpi('on_time_rate', { zh: '按时办结率', en: 'On-time rate' }),
      kpi('overdue_open', { zh: '超期未办结', en: 'Open overdue' }),
      kpi('avg_days_used', { zh: '平均实际用时', en: 'Average days used' }),
      kpi('review_good_rate', { zh: '好评率', en: 'Good review rate' }),
      kpi('inquiry_satisfaction_rate', { zh: '12345 满意率', en: '12345 satisfaction' }),
      { id: 'trend-volume', title: { zh: '办件量趋势', en: 'Applications by month' }, measure: 'application_volume', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
      { id: 'trend-on-time', title: { zh: '按时办结率趋势', en: 'On-time rate by month' }, measure: 'on_time_rate', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
      { id: 'rank-departments', title: { zh: '部门按时办结率排名', en: 'Departments by on-time rate' }, measure: 'on_time_rate', chart: 'ranking', breakdown: 'department', comparison: 'previous_period', top: 3 },
      { id: 'rank-regions', title: { zh: '区域办件量排名', en: 'Regions by applications' }, measure: 'application_volume', chart: 'ranking', breakdown: 'region', comparison: 'previous_period', top: 3 },
      { id: 'rank-regions-online', title: { zh: '区域全程网办占比排名', en: 'Regions by fully-online share' }, measure: 'full_online_share', chart: 'ranking', breakdown: 'region', comparison: 'previous_period', top: 3 },
      { id: 'map', title: { zh: '区域地图', en: 'Map of regions' }, measure: 'application_volume', chart: 'map', breakdown: 'region', comparison: 'none' },
    ],
  },
  {
    id: 'overdue',
    title: { zh: '超期与督办', en: 'Overdue and escalation' },
    description: { zh: '超期未办结、超期办结、督办与预警工单的办理', en: 'Open overdue cases, late decisions, escalations and the handling of alert work orders' },
    widgets: [
      kpi('overdue_open', { zh: '超期未办结', en: 'Open overdue' }),
      kpi('late_decided', { zh: '超期办结', en: 'Decided late' }),
      kpi('escalations', { zh: '督办', en: 'Escalations' }),
      kpi('work_orders', { zh: '预警工单', en: 'Work orders' }),
      kpi('work_order_on_time_rate', { zh: '工单按时办结率', en: 'Work orders on time' }),
      kpi('work_orders_overdue', { zh: '超期未办结工单', en: 'Overdue work orders' }),
      { id: 'rank-overdue-departments', title: { zh: '部门超期未办结', en: 'Open overdue by department' }, measure: 'overdue_open', chart: 'ranking', breakdown: 'department', comparison: 'previous_period', top: 3 },
      { id: 'rank-late-regions', title: { zh: '区域超期办结', en: 'Decided late by region' }, measure: 'late_decided', chart: 'bar', breakdown: 'region', comparison: 'previous_period' },
      { id: 'trend-escalations', title: { zh: '督办趋势', en: 'Escalations by month' }, measure: 'escalations', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
      { id: 'days-departments', title: { zh: '部门平均实际用时', en: 'Average days used by department' }, measure: 'avg_days_used', chart: 'bar', breakdown: 'department', comparison: 'previous_period' },
      { id: 'work-orders-departments', title: { zh: '部门工单按时办结率', en: 'Work orders closed on time by department' }, measure: 'work_order_on_time_rate', chart: 'table', breakdown: 'department', comparison: 'none' },
    ],
  },
  {
    id: 'service',
    title: { zh: '好差评与 12345', en: 'Reviews and 12345' },
    description: { zh: '好评率、差评整改，12345 诉求的响应率、解决率、满意率', en: 'Good-review rate, rectification of bad reviews; the response, resolution and satisfaction rates of 12345' },
    widgets: [
      kpi('review_good_rate', { zh: '好评率', en: 'Good review rate' }),
      kpi('bad_review_rectified_rate', { zh: '差评整改率', en: 'Bad reviews rectified' }),
      kpi('bad_review_rectified_on_time_rate', { zh: '差评按时整改率', en: 'Rectified on time' }),
      kpi('inquiry_response_rate', { zh: '响应率', en: 'Response rate' }),
      kpi('inquiry_resolution_rate', { zh: '解决率', en: 'Resolution rate' }),
      kpi('inquiry_satisfaction_rate', { zh: '满意率', en: 'Satisfaction rate' }),
      { id: 'trend-good', title: { zh: '好评率趋势', en: 'Good rate by month' }, measure: 'review_good_rate', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
      { id: 'rank-good-departments', title: { zh: '部门好评率', en: 'Good rate by department' }, measure: 'review_good_rate', chart: 'ranking', breakdown: 'department', comparison: 'previous_period', top: 3 },
      { id: 'complaints-category', title: { zh: '投诉类别', en: 'Complaints by category' }, measure: 'complaints', chart: 'bar', breakdown: 'category', comparison: 'previous_period' },
      { id: 'rank-resolution-departments', title: { zh: '部门诉求解决率', en: 'Resolution by department' }, measure: 'inquiry_resolution_rate', chart: 'ranking', breakdown: 'department', comparison: 'previous_period', top: 3 },
    ],
  },
  {
    id: 'exchange',
    title: { zh: '数据共享与开放', en: 'Data exchange and open data' },
    description: { zh: '共享调用（按资源、按使用部门）、成功率，开放数据下载与申请答复', en: 'Exchange calls by resource and consumer, success rate; open-data downloads and requests answered' },
    widgets: [
      kpi('exchange_calls', { zh: '共享调用次数', en: 'Exchange calls' }),
      kpi('exchange_success_rate', { zh: '调用成功率', en: 'Success rate' }),
      kpi('opendata_downloads', { zh: '开放数据下载', en: 'Open-data downloads' }),
      kpi('opendata_requests_answered_rate', { zh: '开放申请答复率', en: 'Requests answered' }),
      { id: 'calls-resource', title: { zh: '按数据资源', en: 'By resource' }, measure: 'exchange_calls', chart: 'bar', breakdown: 'category', comparison: 'previous_period' },
      { id: 'calls-consumer', title: { zh: '按使用部门', en: 'By consuming department' }, measure: 'exchange_calls', chart: 'bar', breakdown: 'department', comparison: 'previous_period' },
      { id: 'trend-calls', title: { zh: '调用趋势', en: 'Calls by month' }, measure: 'exchange_calls', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
    ],
  },
  {
    id: 'market',
    title: { zh: '市场主体', en: 'Market entities' },
    description: { zh: '新设、注销、实有与净增，按行业门类（GB/T 4754）和区域，较上期与预警区间', en: 'Registrations, cancellations, stock and net growth by industry section (GB/T 4754) and region, versus last period, with warning bands' },
    widgets: [
      kpi('market_registrations', { zh: '新设', en: 'Registrations' }),
      kpi('market_cancellations', { zh: '注销', en: 'Cancellations' }),
      kpi('market_net_growth', { zh: '净增', en: 'Net growth' }),
      kpi('market_stock', { zh: '实有', en: 'Stock' }),
      { id: 'band-registrations', title: { zh: '新设登记与预警区间（同月历史均值 ± 1.5 倍标准差）', en: 'Registrations with warning band (same month in earlier years, mean ± 1.5 sd)' }, measure: 'market_registrations', chart: 'band', breakdown: 'period', comparison: 'none', months: 12, band: { cycle: 'year', cycles: 2, k: 1.5 } },
      { id: 'industry-registrations', title: { zh: '按行业门类新设', en: 'Registrations by industry' }, measure: 'market_registrations', chart: 'bar', breakdown: 'category', comparison: 'previous_period' },
      { id: 'industry-net', title: { zh: '按行业门类净增', en: 'Net growth by industry' }, measure: 'market_net_growth', chart: 'bar', breakdown: 'category', comparison: 'previous_period' },
      { id: 'region-stock', title: { zh: '区域实有市场主体', en: 'Stock by region' }, measure: 'market_stock', chart: 'ranking', breakdown: 'region', comparison: 'previous_period', top: 3 },
      { id: 'trend-stock', title: { zh: '实有市场主体趋势', en: 'Stock by month' }, measure: 'market_stock', chart: 'line', breakdown: 'period', comparison: 'none', months: 12 },
    ],
  },
];

export const DASHBOARD_BY_ID = new Map(DASHBOARDS.map((d) => [d.id, d]));

/** GB/T 4754-2017 sections (门类). */
export const INDUSTRY_SECTIONS: Record<string, Text> = {
  A: { zh: '农、林、牧、渔业', en: 'Agriculture, forestry, animal husbandry and fishery' },
  B: { zh: '采矿业', en: 'Mining' },
  C: { zh: '制造业', en: 'Manufacturing' },
  D: { zh: '电力、热力、燃气及水生产和供应业', en: 'Electricity, heat, gas and water' },
  E: { zh: '建筑业', en: 'Construction' },
  F: { zh: '批发和零售业', en: 'Wholesale and retail' },
  G: { zh: '交通运输、仓储和邮政业', en: 'Transport, storage and post' },
  H: { zh: '住宿和餐饮业', en: 'Accommodation and catering' },
  I: { zh: '信息传输、软件和信息技术服务业', en: 'Information and software services' },
  J: { zh: '金融业', en: 'Finance' },
  K: { zh: '房地产业', en: 'Real estate' },
  L: { zh: '租赁和商务服务业', en: 'Leasing and business services' },
  M: { zh: '科学研究和技术服务业', en: 'Scientific research and technical services' },
  N: { zh: '水利、环境和公共设施管理业', en: 'Water, environment and public facilities' },
  O: { zh: '居民服务、修理和其他服务业', en: 'Household, repair and other services' },
  P: { zh: '教育', en: 'Education' },
  Q: { zh: '卫生和社会工作', en: 'Health and social work' },
  R: { zh: '文化、体育和娱乐业', en: 'Culture, sports and entertainment' },
  S: { zh: '公共管理、社会保障和社会组织', en: 'Public administration and social organisations' },
  T: { zh: '国际组织', en: 'International organisations' },
};
