/**
 * The catalog linter (指南准确度): rules a service-guide reviewer applies so that a guide never
 * lies. Pure functions over item and bundle content. Each finding names its rule, severity and
 * field; errors block publishing; a few contradictions (marked `refuseOnSave`) are refused even
 * in a draft, because no editing sequence needs them. The score of a catalog is computed from
 * the findings of its published versions.
 */
import { maskPersonalDataInText } from '../../shared/masking';
import type { BundleContent, Finding, ItemContent } from './catalog.schemas';
import { ITEM_TYPES, PAPER_ORIGINAL_FORMATS } from './catalog.vocabulary';
import { formFields } from './catalog.form';

interface Rule {
  severity: Finding['severity'];
  zh: string;
  en: string;
  /** Refused when a draft is saved (400), not only when it is published. */
  refuseOnSave?: boolean;
}

/** Every rule, with its message: the catalog of what the linter checks (also served to pages). */
export const RULES = {
  DEPTH4_REQUIRES_ZERO_VISITS: { severity: 'error', zh: '网办深度为Ⅳ级（全程网办）的事项，到现场次数必须为 0', en: 'Online depth IV (fully online) requires zero on-site visits' },
  DEPTH3_AT_MOST_ONE_VISIT: { severity: 'error', zh: '网办深度为Ⅲ级的事项，到现场次数不得超过 1 次', en: 'Online depth III allows at most one on-site visit' },
  ZERO_VISITS_NEEDS_ONLINE: { severity: 'error', zh: '到现场次数为 0 的事项，网办深度必须达到Ⅲ级以上', en: 'Zero visits needs online depth III or IV' },
  ZERO_VISITS_PAPER_ORIGINAL: { severity: 'error', zh: '零跑动事项不得要求提交或查验纸质原件', en: 'A zero-visit item cannot ask for a paper original' },
  VISITS_REASON_MISSING: { severity: 'error', zh: '到现场次数大于 0 时须说明到现场的理由', en: 'On-site visits above zero need a reason' },
  IMMEDIATE_PROMISED_OVER_ONE_DAY: { severity: 'error', zh: '即办件的承诺办结时限不得超过 1 个工作日', en: 'An item done on the spot cannot promise more than one working day' },
  PROMISED_EXCEEDS_LEGAL: { severity: 'error', zh: '承诺办结时限不得超过法定办结时限', en: 'The promised time limit exceeds the legal time limit', refuseOnSave: true },
  PROMISED_NOTE_MISSING: { severity: 'warning', zh: '承诺时限短于法定时限时宜说明压缩情况', en: 'Explain the promised time limit when it is shorter than the legal one' },
  IMMEDIATE_WITH_SPECIAL_PROCEDURE: { severity: 'warning', zh: '即办件不应设置中止计时的特别程序', en: 'An item done on the spot should have no special procedure pausing the clock' },
  SPECIAL_PROCEDURE_LIMIT_MISSING: { severity: 'warning', zh: '特别程序应载明时限', en: 'A special procedure should state its time limit' },
  FEE_WITHOUT_PAYMENT_STEP: { severity: 'error', zh: '收费事项的办理流程必须包含缴费环节', en: 'An item with a fee needs a payment step in its process' },
  PAYMENT_STEP_WITHOUT_FEE: { severity: 'error', zh: '不收费事项的办理流程不得包含缴费环节', en: 'An item without a fee cannot have a payment step' },
  ONLINE_PAYMENT_WITHOUT_FEE: { severity: 'warning', zh: '不收费事项不应标注支持网上支付', en: 'A free item should not be marked as paid online' },
  DEPTH4_FEE_NEEDS_ONLINE_PAYMENT: { severity: 'error', zh: '全程网办的收费事项必须支持网上支付', en: 'A fully online item with a fee must be payable online' },
  DEPTH4_RESULT_DELIVERY: { severity: 'error', zh: '全程网办事项的纸质证书须支持快递送达', en: 'A fully online item must send a paper certificate by express delivery' },
  PAYMENT_STAGE_UNKNOWN: { severity: 'error', zh: '缴费环节所在的流程节点不存在', en: 'The payment step follows an unknown stage' },
  STAGE_KEY_DUPLICATE: { severity: 'error', zh: '流程节点标识重复', en: 'Duplicate process stage key', refuseOnSave: true },
  STAGE_BUDGET_EXCEEDS_PROMISED: { severity: 'error', zh: '各流程节点时限之和超过承诺办结时限', en: 'The stage budgets add up to more than the promised time limit' },
  STAGE_SIGNERS_MISSING: { severity: 'error', zh: '会签、或签、依次审批节点须列出两个以上部门', en: 'A countersign, any-sign or sequential stage needs two or more departments' },
  STAGE_SIGNERS_UNEXPECTED: { severity: 'warning', zh: '单人办理节点不应列出多个部门', en: 'A single-officer stage should not list several departments' },
  DECISION_STAGE_MISSING: { severity: 'warning', zh: '行政许可事项的流程应包含决定环节', en: 'A licensing process should have a decision stage' },
  MATERIAL_KEY_DUPLICATE: { severity: 'error', zh: '材料标识重复', en: 'Duplicate material key', refuseOnSave: true },
  MATERIAL_NAME_DUPLICATE: { severity: 'warning', zh: '材料名称重复', en: 'Duplicate material name' },
  MATERIAL_REFERENCE_UNKNOWN: { severity: 'error', zh: '表单或流程引用了不存在的材料', en: 'The form or the process refers to a material that does not exist' },
  MATERIAL_CONDITION_MISSING: { severity: 'error', zh: '容缺或条件性材料须写明适用情形', en: 'A conditional material must state its condition' },
  MATERIAL_GRADE_INCONSISTENT: { severity: 'warning', zh: '材料复用等级与来源不符（电子证照、共享数据应为 A/B 级，申请人自备不应为 A 级）', en: 'The reuse grade does not fit the source (e-licence / shared data: A or B; applicant: not A)' },
  LEGAL_BASIS_MISSING: { severity: 'error', zh: '行政权力事项须载明设定依据', en: 'An administrative power needs its legal basis' },
  CONDITIONS_MISSING: { severity: 'warning', zh: '未载明受理条件', en: 'No application conditions are given' },
  BASIC_CODE_TYPE_MISMATCH: { severity: 'error', zh: '基本编码的权力类型代码与事项类型不符', en: 'The power-type code of the basic code does not match the item type' },
  RESULT_LICENCE_TYPE_MISSING: { severity: 'error', zh: '办理结果为电子证照时须载明证照类型', en: 'An e-licence result must name the licence type' },
  CROSS_PROVINCE_REGIONS_MISSING: { severity: 'error', zh: '跨省通办范围为指定地区时须列出地区', en: 'Cross-province handling limited to regions must list them' },
  CROSS_PROVINCE_WAY_MISSING: { severity: 'error', zh: '跨省通办事项须载明通办方式', en: 'A cross-province item must state how it is handled across provinces' },
  CROSS_PROVINCE_LOW_DEPTH: { severity: 'warning', zh: '全程网办方式的跨省通办事项，网办深度应达到Ⅳ级', en: 'Cross-province handling fully online needs online depth IV' },
  FORM_NOT_OBJECT: { severity: 'error', zh: '申请表单须为含字段的对象', en: 'The application form must be an object with fields' },
  PERSONAL_DATA_IN_GUIDE: { severity: 'error', zh: '办事指南中不得出现个人信息（身份证号、手机号、电子邮箱）', en: 'A service guide must not contain personal data (ID numbers, mobile numbers, e-mail addresses)' },
  WINDOW_INFO_MISSING: { severity: 'warning', zh: '需到现场办理的事项应载明办理地点和时间', en: 'An item needing visits should state where and when to go' },
  FAQ_MISSING: { severity: 'info', zh: '未提供常见问题', en: 'No frequently asked questions' },
  // bundles
  BUNDLE_CYCLE: { severity: 'error', zh: '一件事的事项依赖关系存在循环', en: 'The dependencies of the bundle form a cycle', refuseOnSave: true },
  BUNDLE_ITEM_DUPLICATE: { severity: 'error', zh: '一件事中事项重复', en: 'An item appears twice in the bundle', refuseOnSave: true },
  BUNDLE_DEPENDENCY_OUTSIDE: { severity: 'error', zh: '依赖关系引用了一件事之外的事项', en: 'A dependency refers to an item outside the bundle', refuseOnSave: true },
  BUNDLE_DEPENDENCY_SELF: { severity: 'error', zh: '事项不能依赖自身', en: 'An item cannot depend on itself', refuseOnSave: true },
  BUNDLE_ITEM_NOT_PUBLISHED: { severity: 'error', zh: '一件事包含未发布或已废止的事项', en: 'The bundle contains an item that is not published or is retired' },
  BUNDLE_ITEM_HAS_ERRORS: { severity: 'error', zh: '一件事包含存在错误的事项', en: 'The bundle contains an item with errors' },
  BUNDLE_FIELD_CONFLICT: { severity: 'error', zh: '合并表单中同一问题在不同事项中的定义相互冲突', en: 'A merged question is defined differently by two items' },
  BUNDLE_FIELD_UNKNOWN: { severity: 'error', zh: '字段映射或依赖引用了事项表单中不存在的字段', en: 'A field map or dependency names a field the item form does not have' },
  BUNDLE_OBJECT_MISMATCH: { severity: 'warning', zh: '一件事的服务对象与所含事项不一致', en: "The bundle's service object does not fit its items" },
} as const satisfies Record<string, Rule>;
export type RuleCode = keyof typeof RULES;

export function finding(rule: RuleCode, field: string | null, detail?: { zh: string; en: string }): Finding {
  const r: Rule = RULES[rule];
  return {
    rule,
    severity: r.severity,
    field,
    message: detail ? { zh: `${r.zh}：${detail.zh}`, en: `${r.en}: ${detail.en}` } : { zh: r.zh, en: r.en },
  };
}

export const isRefusedOnSave = (f: Finding) => (RULES[f.rule as RuleCode] as Rule | undefined)?.refuseOnSave === true;
export const hasErrors = (fs: Finding[]) => fs.some((f) => f.severity === 'error');

/** Text of a guide that a reader sees (for the personal-data rule). */
function guideTexts(c: ItemContent): [string, string][] {
  const out: [string, string][] = [
    ['name', c.name],
    ['legalLimit/note', c.legalLimit.note],
    ['promisedLimit/note', c.promisedLimit.note],
    ['visitsReason', c.visitsReason ?? ''],
  ];
  c.aliases.forEach((a, i) => out.push([`aliases/${i}`, a]));
  c.conditions.forEach((t, i) => out.push([`conditions/${i}`, t]));
  c.faq.forEach((f, i) => out.push([`faq/${i}`, `${f.q} ${f.a}`]));
  c.legalBasis.forEach((b, i) => out.push([`legalBasis/${i}`, `${b.title} ${b.article ?? ''} ${b.excerpt ?? ''}`]));
  c.materials.forEach((m, i) => out.push([`materials/${i}`, `${m.name} ${m.condition ?? ''} ${m.acceptance} ${m.note ?? ''}`]));
  c.fees.forEach((f, i) => out.push([`fees/${i}`, `${f.name} ${f.standard} ${f.basis} ${f.reductions ?? ''}`]));
  if (c.window) out.push(['window/address', c.window.address]);
  return out;
}

export function lintItem(c: ItemContent): Finding[] {
  const out: Finding[] = [];
  const hasFee = c.fees.length > 0;
  const paperOriginals = c.materials.filter((m) => PAPER_ORIGINAL_FORMATS.has(m.format) && m.source.kind === 'applicant');

  // Visits and online depth (网办深度 / 跑动次数).
  if (c.onlineDepth === 4 && c.visits > 0) out.push(finding('DEPTH4_REQUIRES_ZERO_VISITS', 'visits'));
  if (c.onlineDepth === 3 && c.visits > 1) out.push(finding('DEPTH3_AT_MOST_ONE_VISIT', 'visits'));
  if (c.visits === 0 && c.onlineDepth < 3) out.push(finding('ZERO_VISITS_NEEDS_ONLINE', 'onlineDepth'));
  if (c.visits === 0)
    for (const m of paperOriginals) out.push(finding('ZERO_VISITS_PAPER_ORIGINAL', `materials/${c.materials.indexOf(m)}/format`, { zh: m.name, en: m.key }));
  if (c.visits > 0 && !c.visitsReason?.trim()) out.push(finding('VISITS_REASON_MISSING', 'visitsReason'));
  if (c.visits > 0 && !c.window) out.push(finding('WINDOW_INFO_MISSING', 'window'));

  // Time limits.
  if (c.promisedLimit.days > c.legalLimit.days)
    out.push(finding('PROMISED_EXCEEDS_LEGAL', 'promisedLimit/days', { zh: `${c.promisedLimit.days} > ${c.legalLimit.days}`, en: `${c.promisedLimit.days} > ${c.legalLimit.days}` }));
  if (c.handlingKind === 'immediate' && c.promisedLimit.days > 1) out.push(finding('IMMEDIATE_PROMISED_OVER_ONE_DAY', 'promisedLimit/days'));
  if (c.promisedLimit.days < c.legalLimit.days && !c.promisedLimit.note.trim()) out.push(finding('PROMISED_NOTE_MISSING', 'promisedLimit/note'));
  if (c.handlingKind === 'immediate' && c.specialProcedures.length > 0) out.push(finding('IMMEDIATE_WITH_SPECIAL_PROCEDURE', 'specialProcedures'));
  c.specialProcedures.forEach((p, i) => {
    if (p.limitDays === undefined) out.push(finding('SPECIAL_PROCEDURE_LIMIT_MISSING', `specialProcedures/${i}/limitDays`, { zh: p.name, en: p.name }));
  });

  // Fees and payment.
  if (hasFee && !c.process.payment) out.push(finding('FEE_WITHOUT_PAYMENT_STEP', 'process/payment'));
  if (!hasFee && c.process.payment) out.push(finding('PAYMENT_STEP_WITHOUT_FEE', 'process/payment'));
  if (!hasFee && c.onlinePayment) out.push(finding('ONLINE_PAYMENT_WITHOUT_FEE', 'onlinePayment'));
  if (hasFee && c.onlineDepth === 4 && !c.onlinePayment) out.push(finding('DEPTH4_FEE_NEEDS_ONLINE_PAYMENT', 'onlinePayment'));
  // A paper certificate must travel by post to be "fully online"; e-licences, electronic
  // decisions and receipts are delivered online.
  if (c.onlineDepth === 4 && c.result.kind === 'certificate' && !c.expressDelivery)
    out.push(finding('DEPTH4_RESULT_DELIVERY', 'expressDelivery'));

  // Process.
  const stageKeys = new Set<string>();
  c.process.stages.forEach((s, i) => {
    if (stageKeys.has(s.key)) out.push(finding('STAGE_KEY_DUPLICATE', `process/stages/${i}/key`, { zh: s.key, en: s.key }));
    stageKeys.add(s.key);
    const multi = s.kind !== 'single';
    if (multi && (s.departments?.length ?? 0) < 2) out.push(finding('STAGE_SIGNERS_MISSING', `process/stages/${i}/departments`, { zh: s.name, en: s.key }));
    if (!multi && s.departments?.length) out.push(finding('STAGE_SIGNERS_UNEXPECTED', `process/stages/${i}/departments`, { zh: s.name, en: s.key }));
  });
  if (c.process.payment && !stageKeys.has(c.process.payment.afterStage)) out.push(finding('PAYMENT_STAGE_UNKNOWN', 'process/payment/afterStage'));
  const budget = c.process.stages.reduce((n, s) => n + s.budgetDays, 0) + (c.process.payment?.budgetDays ?? 0);
  if (budget > c.promisedLimit.days)
    out.push(finding('STAGE_BUDGET_EXCEEDS_PROMISED', 'process/stages', { zh: `${budget} > ${c.promisedLimit.days}`, en: `${budget} > ${c.promisedLimit.days}` }));
  if (c.itemType === 'administrative_licensing' && !c.process.stages.some((s) => s.role === 'decider')) out.push(finding('DECISION_STAGE_MISSING', 'process/stages'));

  // Materials.
  const keys = new Set<string>();
  const names = new Set<string>();
  c.materials.forEach((m, i) => {
    if (keys.has(m.key)) out.push(finding('MATERIAL_KEY_DUPLICATE', `materials/${i}/key`, { zh: m.key, en: m.key }));
    keys.add(m.key);
    if (names.has(m.name)) out.push(finding('MATERIAL_NAME_DUPLICATE', `materials/${i}/name`, { zh: m.name, en: m.name }));
    names.add(m.name);
    if (m.requirement === 'conditional' && !m.condition?.trim()) out.push(finding('MATERIAL_CONDITION_MISSING', `materials/${i}/condition`, { zh: m.name, en: m.key }));
    const authoritative = m.source.kind !== 'applicant';
    if ((authoritative && (m.reuseGrade === 'C' || m.reuseGrade === 'D')) || (!authoritative && m.reuseGrade === 'A'))
      out.push(finding('MATERIAL_GRADE_INCONSISTENT', `materials/${i}/reuseGrade`, { zh: m.name, en: m.key }));
  });
  c.process.stages.forEach((s, i) =>
    (s.materials ?? []).forEach((k, j) => {
      if (!keys.has(k)) out.push(finding('MATERIAL_REFERENCE_UNKNOWN', `process/stages/${i}/materials/${j}`, { zh: k, en: k }));
    }),
  );
  const fields = formFields(c.form);
  if (!fields) out.push(finding('FORM_NOT_OBJECT', 'form'));
  for (const f of fields ?? []) {
    if (f.material && !keys.has(f.material)) out.push(finding('MATERIAL_REFERENCE_UNKNOWN', `form/properties/${f.name}`, { zh: f.material, en: f.material }));
  }

  // Legal and descriptive completeness.
  if (c.itemType !== 'public_service' && c.legalBasis.length === 0) out.push(finding('LEGAL_BASIS_MISSING', 'legalBasis'));
  if (c.conditions.length === 0) out.push(finding('CONDITIONS_MISSING', 'conditions'));
  if (c.basicCode.slice(0, 2) !== ITEM_TYPES[c.itemType].powerCode)
    out.push(finding('BASIC_CODE_TYPE_MISMATCH', 'basicCode', { zh: `${c.basicCode.slice(0, 2)} ≠ ${ITEM_TYPES[c.itemType].powerCode}`, en: `${c.basicCode.slice(0, 2)} ≠ ${ITEM_TYPES[c.itemType].powerCode}` }));
  if (c.result.kind === 'elicence' && !c.result.licenceType) out.push(finding('RESULT_LICENCE_TYPE_MISSING', 'result/licenceType'));
  if (c.crossProvince.mode === 'regions' && c.crossProvince.regions.length === 0) out.push(finding('CROSS_PROVINCE_REGIONS_MISSING', 'crossProvince/regions'));
  if (c.crossProvince.mode !== 'none' && c.crossProvince.ways.length === 0) out.push(finding('CROSS_PROVINCE_WAY_MISSING', 'crossProvince/ways'));
  if (c.crossProvince.mode !== 'none' && c.crossProvince.ways.includes('online') && c.onlineDepth < 4) out.push(finding('CROSS_PROVINCE_LOW_DEPTH', 'onlineDepth'));
  if (c.faq.length === 0) out.push(finding('FAQ_MISSING', 'faq'));

  // No personal data in a public guide.
  for (const [field, text] of guideTexts(c)) {
    if (text && maskPersonalDataInText(text) !== text) out.push(finding('PERSONAL_DATA_IN_GUIDE', field));
  }
  return out;
}

/** What the bundle linter needs to know about each item (its published version). */
export interface BundleItemFacts {
  published: boolean;
  hasErrors: boolean;
  serviceObjects: string[];
}

/** Structural checks of a bundle (no database): duplicates, dependencies inside, no cycle. */
export function lintBundleStructure(b: BundleContent): Finding[] {
  const out: Finding[] = [];
  const ids = new Set<string>();
  b.items.forEach((it, i) => {
    if (ids.has(it.itemId)) out.push(finding('BUNDLE_ITEM_DUPLICATE', `items/${i}/itemId`));
    ids.add(it.itemId);
  });
  b.dependencies.forEach((d, i) => {
    if (d.from === d.to) out.push(finding('BUNDLE_DEPENDENCY_SELF', `dependencies/${i}`));
    else if (!ids.has(d.from) || !ids.has(d.to)) out.push(finding('BUNDLE_DEPENDENCY_OUTSIDE', `dependencies/${i}`));
  });
  const cycle = findCycle([...ids], b.dependencies.filter((d) => d.from !== d.to && ids.has(d.from) && ids.has(d.to)));
  if (cycle) out.push(finding('BUNDLE_CYCLE', 'dependencies', { zh: cycle.join(' → '), en: cycle.join(' → ') }));
  return out;
}

export function lintBundle(b: BundleContent, facts: Map<string, BundleItemFacts>, derivedFindings: Finding[]): Finding[] {
  const out = lintBundleStructure(b);
  b.items.forEach((it, i) => {
    const f = facts.get(it.itemId);
    if (!f?.published) out.push(finding('BUNDLE_ITEM_NOT_PUBLISHED', `items/${i}/itemId`));
    else if (f.hasErrors) out.push(finding('BUNDLE_ITEM_HAS_ERRORS', `items/${i}/itemId`));
  });
  const objects = new Set([...facts.values()].flatMap((f) => f.serviceObjects));
  if (b.serviceObjects.some((o) => !objects.has(o))) out.push(finding('BUNDLE_OBJECT_MISMATCH', 'serviceObjects'));
  return [...out, ...derivedFindings];
}

/** A cycle in a directed graph as a list of nodes (first = last), or null. */
export function findCycle(nodes: string[], edges: { from: string; to: string }[]): string[] | null {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

/**
 * Score of one published entry: 100 without findings, 0 with an error, less 10 per warning
 * (down to 50). Info findings do not count.
 */
export function entryScore(errors: number, warnings: number): number {
  if (errors > 0) return 0;
  return Math.max(50, 100 - 10 * warnings);
}
