/**
 * Every measure of 一网统管, defined once: its source (a read-only `oversight_*_facts` view with one
 * row per record), the facts it sums, the formula in words, its unit and direction. A figure is
 * always Σ(numerator facts) / Σ(denominator facts) × scale over the rows that match the filters,
 * so the counts behind a figure are those sums, and anyone can recompute it from the rows
 * (GET /api/oversight/measures/:id/rows).
 *
 * Sources of modules that are not installed (their tables absent) are declared too: their
 * measures are listed as not available, with the reason, and never shown as a number.
 */
export interface Text {
  zh: string;
  en: string;
}

export interface SourceDef {
  id: string;
  /** The facts view (created by a migration); absent view = source not available. */
  view: string;
  name: Text;
  /** Facts in roll-up column order (f1, f2, …). */
  facts: string[];
  /** False for snapshots (the catalog): no period dimension. */
  periodic: boolean;
  /** Which module owns the underlying tables (for the "not available" reason). */
  module: string;
  /** Dimension labels: what `category` means for this source. */
  category?: Text;
}

export type Unit = 'count' | 'percent' | 'days' | 'per_case' | 'score';

export interface MeasureDef {
  id: string;
  name: Text;
  source: string;
  /** Facts summed for the numerator; a leading '-' subtracts. */
  num: string[];
  /** Facts summed for the denominator; absent = a count (the numerator itself). */
  den?: string[];
  scale?: number;
  unit: Unit;
  formula: Text;
  /** Whether a higher value is better (rankings, colours, alerts). */
  higherIsBetter: boolean;
  /** Cumulative (stock): sums every period up to the end of the chosen one. */
  cumulative?: boolean;
}

export const SOURCES: SourceDef[] = [
  {
    id: 'applications',
    view: 'oversight_application_facts',
    module: 'applications',
    name: { zh: '办件（事项及一件事子件，按提交时间计）', en: 'Applications (items and bundle children, by submission date)' },
    facts: ['cases', 'online', 'full_online', 'immediate', 'zero_visit', 'visits', 'materials', 'exempt', 'elicence', 'in_bundle', 'decided', 'on_time', 'late', 'overdue_open', 'timed', 'used_days', 'promised_days', 'legal_days', 'limit_legal', 'limit_promised'],
    periodic: true,
  },
  {
    id: 'catalog',
    view: 'oversight_catalog_facts',
    module: 'catalog',
    name: { zh: '已发布事项与一件事（当前快照）', en: 'Published items and bundles (current snapshot)' },
    facts: ['items', 'full_online', 'zero_visit', 'immediate', 'legal', 'promised', 'entries', 'score', 'with_errors'],
    periodic: false,
    category: { zh: '类别（事项/一件事）', en: 'kind (item/bundle)' },
  },
  {
    id: 'escalations',
    view: 'oversight_escalation_facts',
    module: 'applications',
    name: { zh: '超期督办记录', en: 'Overdue escalations (督办)' },
    facts: ['escalations'],
    periodic: true,
  },
  {
    id: 'work_orders',
    view: 'oversight_work_order_facts',
    module: 'oversight',
    name: { zh: '预警工单', en: 'Alert work orders' },
    facts: ['orders', 'closed', 'closed_on_time', 'open_overdue', 'responded'],
    periodic: true,
    category: { zh: '触发指标', en: 'measure that raised it' },
  },
  {
    id: 'market',
    view: 'oversight_market_facts',
    module: 'oversight',
    name: { zh: '市场主体登记与注销', en: 'Market entity registrations and cancellations' },
    facts: ['registered', 'cancelled'],
    periodic: true,
    category: { zh: '行业门类（GB/T 4754）', en: 'industry section (GB/T 4754)' },
  },
  {
    id: 'reviews',
    view: 'oversight_review_facts',
    module: 'reviews',
    name: { zh: '好差评', en: 'Service reviews (好差评)' },
    facts: ['reviews', 'good', 'bad', 'cases', 'rectified', 'rectified_on_time'],
    periodic: true,
    category: { zh: '渠道', en: 'channel' },
  },
  {
    id: 'inquiries',
    view: 'oversight_inquiry_facts',
    module: 'interaction',
    name: { zh: '12345 诉求', en: '12345 inquiries and complaints' },
    facts: ['inquiries', 'due', 'responded_in_time', 'confirmed', 'resolved', 'rated', 'satisfied', 'complaints'],
    periodic: true,
    category: { zh: '诉求类别', en: 'category' },
  },
  {
    id: 'exchange',
    view: 'oversight_exchange_facts',
    module: 'exchange',
    name: { zh: '数据共享调用', en: 'Data-exchange calls' },
    facts: ['calls', 'succeeded'],
    periodic: true,
    category: { zh: '数据资源', en: 'data resource' },
  },
  {
    id: 'opendata',
    view: 'oversight_opendata_facts',
    module: 'opendata',
    name: { zh: '公共数据开放', en: 'Open data' },
    facts: ['downloads', 'requests', 'requests_answered'],
    periodic: true,
    category: { zh: '数据集', en: 'dataset' },
  },
];

const pct = (id: string, source: string, name: Text, num: string[], den: string[], formula: Text, higherIsBetter = true): MeasureDef => ({ id, source, name, num, den, scale: 100, unit: 'percent', formula, higherIsBetter });
const count = (id: string, source: string, name: Text, num: string[], formula: Text, higherIsBetter: boolean, extra: Partial<MeasureDef> = {}): MeasureDef => ({ id, source, name, num, unit: 'count', formula, higherIsBetter, ...extra });

export const MEASURES: MeasureDef[] = [
  // ---- applications ---------------------------------------------------------------------------
  count('application_volume', 'applications', { zh: '办件量', en: 'Applications' }, ['cases'], { zh: '办件量 = 期内提交的事项办件数（一件事按子件计）', en: 'Applications = item cases submitted in the period (bundles counted by their children)' }, true),
  pct('online_share', 'applications', { zh: '网上申请占比', en: 'Online share' }, ['online'], ['cases'], { zh: '网上申请占比 = 申请人自行在线提交的办件数 ÷ 办件量 × 100%', en: 'Online share = cases submitted online by the applicant ÷ cases × 100%' }),
  pct('full_online_share', 'applications', { zh: '全程网办占比', en: 'Fully-online share (全程网办)' }, ['full_online'], ['cases'], { zh: '全程网办占比 = 网办深度为Ⅳ级的事项办件数 ÷ 办件量 × 100%', en: 'Fully-online share = cases of items with online depth IV ÷ cases × 100%' }),
  pct('on_time_rate', 'applications', { zh: '按时办结率', en: 'On-time rate' }, ['on_time'], ['decided'], { zh: '按时办结率 = 在承诺办结日期（含暂停顺延）前作出决定的办件数 ÷ 已作出决定的办件数 × 100%', en: 'On-time rate = cases decided by their promised due date (extended by pauses) ÷ cases decided × 100%' }),
  count('overdue_open', 'applications', { zh: '超期未办结件数', en: 'Open overdue cases' }, ['overdue_open'], { zh: '超期未办结件数 = 已超过承诺办结日期且尚未作出决定的办件数（当前状态）', en: 'Open overdue = cases past their promised due date with no decision yet (current state)' }, false),
  count('late_decided', 'applications', { zh: '超期办结件数', en: 'Cases decided late' }, ['late'], { zh: '超期办结件数 = 在承诺办结日期之后作出决定的办件数', en: 'Decided late = cases decided after their promised due date' }, false),
  { id: 'avg_days_used', source: 'applications', name: { zh: '平均实际用时（工作日）', en: 'Average working days used' }, num: ['used_days'], den: ['timed'], unit: 'days', higherIsBetter: false, formula: { zh: '平均实际用时 = Σ(受理至决定的工作日数 − 暂停工作日数) ÷ 已作出决定的办件数', en: 'Average days used = Σ(working days from acceptance to decision − paused days) ÷ cases decided' } },
  { id: 'avg_days_promised', source: 'applications', name: { zh: '平均承诺时限（工作日）', en: 'Average promised limit (working days)' }, num: ['promised_days'], den: ['timed'], unit: 'days', higherIsBetter: false, formula: { zh: '平均承诺时限 = Σ承诺办结时限 ÷ 已作出决定的办件数', en: 'Average promised limit = Σ promised limit ÷ cases decided' } },
  { id: 'avg_days_legal', source: 'applications', name: { zh: '平均法定时限（工作日）', en: 'Average legal limit (working days)' }, num: ['legal_days'], den: ['timed'], unit: 'days', higherIsBetter: false, formula: { zh: '平均法定时限 = Σ法定办结时限 ÷ 已作出决定的办件数', en: 'Average legal limit = Σ legal limit ÷ cases decided' } },
  pct('deadline_compression', 'applications', { zh: '时限压缩比（按办件）', en: 'Deadline compression (by case)' }, ['limit_legal', '-limit_promised'], ['limit_legal'], { zh: '时限压缩比 = (Σ法定时限 − Σ承诺时限) ÷ Σ法定时限 × 100%', en: 'Deadline compression = (Σ legal − Σ promised) ÷ Σ legal × 100%' }),
  pct('immediate_share', 'applications', { zh: '即办件占比', en: 'Done-on-the-spot share (即办件)' }, ['immediate'], ['cases'], { zh: '即办件占比 = 即办件事项的办件数 ÷ 办件量 × 100%', en: 'Immediate share = cases of immediate items ÷ cases × 100%' }),
  pct('zero_visit_share', 'applications', { zh: '零跑动占比', en: 'Zero-visit share' }, ['zero_visit'], ['cases'], { zh: '零跑动占比 = 到现场次数为 0 的事项办件数 ÷ 办件量 × 100%', en: 'Zero-visit share = cases of items needing no visit ÷ cases × 100%' }),
  { id: 'visits_per_case', source: 'applications', name: { zh: '件均跑动次数', en: 'Visits per case' }, num: ['visits'], den: ['cases'], unit: 'per_case', higherIsBetter: false, formula: { zh: '件均跑动次数 = Σ事项到现场次数 ÷ 办件量', en: 'Visits per case = Σ visits required by the item ÷ cases' } },
  pct('exempt_share', 'applications', { zh: '免提交材料占比', en: 'Exempt-material share (免提交)' }, ['exempt'], ['materials'], { zh: '免提交占比 = Σ由电子证照或共享数据提供的材料数 ÷ Σ材料数 × 100%', en: 'Exempt share = Σ materials supplied from e-licences or shared data ÷ Σ materials × 100%' }),
  count('elicence_reuse', 'applications', { zh: '电子证照复用次数', en: 'E-licence reuse' }, ['elicence'], { zh: '电子证照复用次数 = Σ办件中以电子证照代替提交的材料数', en: 'E-licence reuse = Σ materials supplied from e-licences instead of by the applicant' }, true),
  pct('bundle_share', 'applications', { zh: '一件事办件占比', en: 'Bundle share (一件事)' }, ['in_bundle'], ['cases'], { zh: '一件事占比 = 一件事子件数 ÷ 办件量 × 100%', en: 'Bundle share = bundle child cases ÷ cases × 100%' }),
  // ---- catalog (snapshot) -----------------------------------------------------------------------
  count('item_count', 'catalog', { zh: '已发布事项数', en: 'Published items' }, ['items'], { zh: '已发布事项数 = 当前已发布的政务服务事项数', en: 'Published items = service items currently published' }, true),
  pct('item_full_online_share', 'catalog', { zh: '全程网办事项占比', en: 'Fully-online items' }, ['full_online'], ['items'], { zh: '全程网办事项占比 = 网办深度Ⅳ级的已发布事项数 ÷ 已发布事项数 × 100%', en: 'Fully-online items = published items with online depth IV ÷ published items × 100%' }),
  pct('item_zero_visit_share', 'catalog', { zh: '零跑动事项占比', en: 'Zero-visit items' }, ['zero_visit'], ['items'], { zh: '零跑动事项占比 = 到现场次数为 0 的已发布事项数 ÷ 已发布事项数 × 100%', en: 'Zero-visit items = published items needing no visit ÷ published items × 100%' }),
  pct('item_deadline_compression', 'catalog', { zh: '时限压缩比（按事项）', en: 'Deadline compression (by item)' }, ['legal', '-promised'], ['legal'], { zh: '时限压缩比 = (Σ法定时限 − Σ承诺时限) ÷ Σ法定时限 × 100%（已发布事项）', en: 'Deadline compression = (Σ legal − Σ promised) ÷ Σ legal × 100% (published items)' }),
  { id: 'guide_accuracy', source: 'catalog', name: { zh: '指南准确度', en: 'Guide accuracy' }, num: ['score'], den: ['entries'], unit: 'score', higherIsBetter: true, formula: { zh: '指南准确度 = Σ各条目得分 ÷ 条目数；条目得分：有错误 0 分，否则 max(50, 100 − 10 × 警告数)（与目录检查器 GET /api/catalog/accuracy 同一公式）', en: 'Guide accuracy = Σ entry score ÷ entries; entry score: 0 with errors, else max(50, 100 − 10 × warnings) (the catalog linter’s formula, GET /api/catalog/accuracy)' } },
  // ---- escalations, work orders ----------------------------------------------------------------
  count('escalations', 'escalations', { zh: '超期督办数', en: 'Escalations' }, ['escalations'], { zh: '超期督办数 = 期内因超期生成的督办记录数', en: 'Escalations = overdue escalation records created in the period' }, false),
  count('work_orders', 'work_orders', { zh: '预警工单数', en: 'Alert work orders' }, ['orders'], { zh: '预警工单数 = 期内由预警派发的工单数', en: 'Work orders = work orders dispatched by alerts in the period' }, false),
  pct('work_order_on_time_rate', 'work_orders', { zh: '工单按时办结率', en: 'Work orders closed on time' }, ['closed_on_time'], ['orders'], { zh: '工单按时办结率 = 在期限内办结的工单数 ÷ 工单数 × 100%', en: 'On-time closure = work orders closed by their due date ÷ work orders × 100%' }),
  count('work_orders_overdue', 'work_orders', { zh: '超期未办结工单', en: 'Overdue open work orders' }, ['open_overdue'], { zh: '超期未办结工单 = 已过期限仍未办结的工单数', en: 'Overdue open = work orders past their due date and not closed' }, false),
  // ---- market entities --------------------------------------------------------------------------
  count('market_registrations', 'market', { zh: '新设市场主体', en: 'New registrations' }, ['registered'], { zh: '新设登记数 = 期内登记成立的市场主体数', en: 'Registrations = market entities registered in the period' }, true),
  count('market_cancellations', 'market', { zh: '注销市场主体', en: 'Cancellations' }, ['cancelled'], { zh: '注销数 = 期内注销的市场主体数', en: 'Cancellations = market entities cancelled in the period' }, false),
  count('market_net_growth', 'market', { zh: '净增市场主体', en: 'Net growth' }, ['registered', '-cancelled'], { zh: '净增 = 新设登记数 − 注销数', en: 'Net growth = registrations − cancellations' }, true),
  count('market_stock', 'market', { zh: '实有市场主体', en: 'Stock of market entities' }, ['registered', '-cancelled'], { zh: '实有数 = 截至期末累计登记数 − 累计注销数', en: 'Stock = registrations up to the period end − cancellations up to the period end' }, true, { cumulative: true }),
  // ---- reviews, inquiries, exchange, open data (their modules provide the facts views) ----------
  pct('review_good_rate', 'reviews', { zh: '好评率', en: 'Good review rate' }, ['good'], ['reviews'], { zh: '好评率 = 当前等级为基本满意及以上（3–5 级）的有效评价数 ÷ 有效评价数 × 100%', en: 'Good rate = valid reviews at level 3–5 ÷ valid reviews × 100%' }),
  count('bad_reviews', 'reviews', { zh: '差评数', en: 'Bad reviews' }, ['bad'], { zh: '差评数 = 当前等级为 1–2 级的有效评价数', en: 'Bad reviews = valid reviews at level 1–2' }, false),
  pct('bad_review_rectified_rate', 'reviews', { zh: '差评整改率', en: 'Bad reviews rectified' }, ['rectified'], ['cases'], { zh: '差评整改率 = 已整改（待复评或已办结）的整改件数 ÷ 整改件数（不含已撤销）× 100%', en: 'Rectified = rectification cases rectified (awaiting re-rating or closed) ÷ cases (annulled excluded) × 100%' }),
  pct('bad_review_rectified_on_time_rate', 'reviews', { zh: '差评按时整改率', en: 'Bad reviews rectified on time' }, ['rectified_on_time'], ['rectified'], { zh: '差评按时整改率 = 各环节均未超期的已整改件数 ÷ 已整改件数 × 100%', en: 'Rectified on time = cases rectified with no late step ÷ cases rectified × 100%' }),
  pct('inquiry_response_rate', 'inquiries', { zh: '诉求响应率', en: 'Inquiry response rate' }, ['responded_in_time'], ['due'], { zh: '响应率 = 按时响应的诉求数 ÷ 应响应的诉求数（已响应或响应时限已过）× 100%', en: 'Response rate = inquiries responded in time ÷ inquiries whose response was due × 100%' }),
  pct('inquiry_resolution_rate', 'inquiries', { zh: '诉求解决率', en: 'Inquiry resolution rate' }, ['resolved'], ['confirmed'], { zh: '解决率 = 诉求人确认已解决数 ÷ 诉求人已确认数 × 100%', en: 'Resolution rate = confirmed resolved ÷ confirmed by the person × 100%' }),
  pct('inquiry_satisfaction_rate', 'inquiries', { zh: '诉求满意率', en: 'Inquiry satisfaction rate' }, ['satisfied'], ['rated'], { zh: '满意率 = 评价为满意及以上（3–5 级）的诉求数 ÷ 有评价的诉求数 × 100%', en: 'Satisfaction = inquiries rated 3–5 ÷ inquiries rated × 100%' }),
  count('complaints', 'inquiries', { zh: '投诉量', en: 'Complaints' }, ['complaints'], { zh: '投诉量 = 期内受理的投诉类诉求数', en: 'Complaints = complaint inquiries received in the period' }, false),
  count('exchange_calls', 'exchange', { zh: '数据共享调用次数', en: 'Data-exchange calls' }, ['calls'], { zh: '调用次数 = 期内数据共享接口被调用的次数（按资源、按使用方）', en: 'Calls = data-exchange calls in the period (by resource, by consumer)' }, true),
  pct('exchange_success_rate', 'exchange', { zh: '共享调用成功率', en: 'Exchange success rate' }, ['succeeded'], ['calls'], { zh: '成功率 = 成功的调用次数 ÷ 调用次数 × 100%', en: 'Success rate = successful calls ÷ calls × 100%' }),
  count('opendata_downloads', 'opendata', { zh: '开放数据下载量', en: 'Open-data downloads' }, ['downloads'], { zh: '下载量 = 期内开放数据集下载次数', en: 'Downloads = open dataset downloads in the period' }, true),
  pct('opendata_requests_answered_rate', 'opendata', { zh: '数据开放申请答复率', en: 'Open-data requests answered' }, ['requests_answered'], ['requests'], { zh: '答复率 = 已答复的开放申请数 ÷ 开放申请数 × 100%', en: 'Answered = open-data requests answered ÷ requests × 100%' }),
];

export const MEASURE_BY_ID = new Map(MEASURES.map((m) => [m.id, m]));
export const SOURCE_BY_ID = new Map(SOURCES.map((s) => [s.id, s]));

/** Checks the definitions themselves (run by a unit test): every fact named exists in its source. */
export function checkDefinitions(): string[] {
  const problems: string[] = [];
  for (const m of MEASURES) {
    const s = SOURCE_BY_ID.get(m.source);
    if (!s) {
      problems.push(`${m.id}: unknown source ${m.source}`);
      continue;
    }
    for (const f of [...m.num, ...(m.den ?? [])]) if (!s.facts.includes(f.replace(/^-/, ''))) problems.push(`${m.id}: ${f} not a fact of ${s.id}`);
  }
  for (const s of SOURCES) if (s.facts.length > 24) problems.push(`${s.id}: more than 24 facts`);
  return problems;
}

/** The roll-up column of a fact. */
export function column(source: SourceDef, fact: string): string {
  const i = source.facts.indexOf(fact.replace(/^-/, ''));
  if (i < 0) throw new Error(`fact ${fact} not in ${source.id}`);
  return `f${i + 1}`;
}

/** Σ of the named facts (with signs) from a row of sums keyed by fact name. */
export function combine(terms: string[], sums: Record<string, number>): number {
  return terms.reduce((acc, t) => (t.startsWith('-') ? acc - (sums[t.slice(1)] ?? 0) : acc + (sums[t] ?? 0)), 0);
}

/** The value of a measure from the sums of its facts; null when the denominator is zero. */
export function valueOf(m: MeasureDef, sums: Record<string, number>): number | null {
  const num = combine(m.num, sums);
  if (!m.den) return num;
  const den = combine(m.den, sums);
  if (den === 0) return null;
  return Math.round((num / den) * (m.scale ?? 1) * 100) / 100;
}
