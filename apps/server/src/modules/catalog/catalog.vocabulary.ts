/**
 * Code lists of the national item standard that the catalog's rules depend on (item types and
 * their power-type codes, handling kinds, online depth, material sources and reuse grades). They
 * are code, not table data, because the linter's rules are written against them; their labels
 * are served by GET /api/catalog/vocabulary so that pages never hard-code them. Themes and
 * synonyms, which a region adapts, are table data (catalog_themes, catalog_synonyms).
 */

export interface Label {
  zh: string;
  en: string;
}

/** Item types (事项类型) with the two-digit power-type code that starts a basic code (基本编码). */
export const ITEM_TYPES = {
  administrative_licensing: { zh: '行政许可', en: 'Administrative licensing', powerCode: '01' },
  administrative_collection: { zh: '行政征收', en: 'Administrative collection', powerCode: '04' },
  administrative_payment: { zh: '行政给付', en: 'Administrative payment', powerCode: '05' },
  administrative_confirmation: { zh: '行政确认', en: 'Administrative confirmation', powerCode: '07' },
  administrative_reward: { zh: '行政奖励', en: 'Administrative reward', powerCode: '08' },
  administrative_adjudication: { zh: '行政裁决', en: 'Administrative adjudication', powerCode: '09' },
  administrative_recording: { zh: '行政备案', en: 'Administrative recording', powerCode: '11' },
  other_administrative_power: { zh: '其他行政权力', en: 'Other administrative power', powerCode: '10' },
  public_service: { zh: '公共服务', en: 'Public service', powerCode: '20' },
} as const satisfies Record<string, Label & { powerCode: string }>;
export type ItemType = keyof typeof ITEM_TYPES;
export const ITEM_TYPE_CODES = Object.keys(ITEM_TYPES) as ItemType[];

export const SERVICE_OBJECTS = {
  natural_person: { zh: '自然人', en: 'Natural person' },
  legal_person: { zh: '法人', en: 'Legal person' },
} as const satisfies Record<string, Label>;
export type ServiceObject = keyof typeof SERVICE_OBJECTS;

/** Kind of the responsible body, from the department record (org module). */
export const DEPARTMENT_KINDS = {
  legal_authority: { zh: '法定机关', en: 'Statutory authority' },
  authorised_org: { zh: '授权组织', en: 'Authorised organisation' },
  entrusted_org: { zh: '受委托组织', en: 'Entrusted organisation' },
} as const satisfies Record<string, Label>;

export const POWER_SOURCES = {
  statutory: { zh: '法定本级行使', en: 'Exercised at this level by law' },
  devolved: { zh: '上级下放', en: 'Devolved by a higher level' },
  authorised: { zh: '上级授权', en: 'Authorised by a higher level' },
  entrusted: { zh: '委托行使', en: 'Exercised under entrustment' },
} as const satisfies Record<string, Label>;

export const HANDLING_KINDS = {
  immediate: { zh: '即办件', en: 'Done on the spot' },
  promised: { zh: '承诺件', en: 'Done within a promised time' },
} as const satisfies Record<string, Label>;

/** 网办深度 Ⅰ–Ⅳ. */
export const ONLINE_DEPTHS = {
  1: { zh: 'Ⅰ级 网上可查（办事指南公开，线下办理）', en: 'I — information online, handled at the window' },
  2: { zh: 'Ⅱ级 网上预审（在线预约、预审）', en: 'II — online pre-check' },
  3: { zh: 'Ⅲ级 网上受理（到现场不超过一次）', en: 'III — online acceptance, at most one visit' },
  4: { zh: 'Ⅳ级 全程网办（含结果送达，零跑动）', en: 'IV — fully online including delivery of the result' },
} as const satisfies Record<number, Label>;

export const MATERIAL_FORMATS = {
  original: { zh: '原件（纸质）', en: 'Paper original' },
  copy: { zh: '复印件', en: 'Copy' },
  original_and_copy: { zh: '原件和复印件', en: 'Original and copy' },
  electronic: { zh: '电子件', en: 'Electronic' },
} as const satisfies Record<string, Label>;
/** Formats that need the applicant to hand over or show a paper original. */
export const PAPER_ORIGINAL_FORMATS = new Set(['original', 'original_and_copy']);

export const MATERIAL_SOURCES = {
  applicant: { zh: '申请人自备', en: 'Provided by the applicant' },
  elicence: { zh: '电子证照（免提交）', en: 'E-licence (need not be submitted)' },
  shared_data: { zh: '数据共享（免提交）', en: 'Shared data (need not be submitted)' },
} as const satisfies Record<string, Label>;

/** 复用等级 A–D. */
export const REUSE_GRADES = {
  A: { zh: 'A 权威部门出具，可直接使用', en: 'A — issued by an authority, used directly' },
  B: { zh: 'B 窗口核验一次，可复用', en: 'B — checked once by a window, reusable' },
  C: { zh: 'C 申请人上传，需核验原件', en: 'C — uploaded by the applicant, original checked' },
  D: { zh: 'D 申请人自行承诺', en: 'D — self-declared' },
} as const satisfies Record<string, Label>;

export const RESULT_KINDS = {
  elicence: { zh: '电子证照', en: 'E-licence' },
  certificate: { zh: '证书/证明', en: 'Certificate' },
  decision: { zh: '决定书/批文', en: 'Decision' },
  record: { zh: '备案/登记回执', en: 'Record receipt' },
  payment: { zh: '待遇发放', en: 'Benefit payment' },
  none: { zh: '无', en: 'None' },
} as const satisfies Record<string, Label>;

export const STAGE_ROLES = {
  window_clerk: { zh: '受理', en: 'Acceptance' },
  reviewer: { zh: '审查', en: 'Review' },
  decider: { zh: '决定', en: 'Decision' },
} as const satisfies Record<string, Label>;

export const STAGE_KINDS = {
  single: { zh: '单人办理', en: 'Single officer' },
  countersign: { zh: '会签（全部同意）', en: 'Countersign (all must agree)' },
  anysign: { zh: '或签（任一同意）', en: 'Any-sign (one suffices)' },
  sequential: { zh: '依次审批', en: 'Sequential sign' },
} as const satisfies Record<string, Label>;

export const CROSS_PROVINCE_WAYS = {
  online: { zh: '全程网办', en: 'Fully online' },
  proxy: { zh: '异地代收代办', en: 'Accepted elsewhere on behalf' },
  multi_site: { zh: '多地联办', en: 'Handled jointly by several places' },
} as const satisfies Record<string, Label>;

export const DENIAL_POLICIES = {
  stop_dependents: { zh: '不予办理的事项，其后续依赖事项终止，其他事项继续', en: 'A denial stops the items that depend on it; others go on' },
  stop_all: { zh: '任一事项不予办理，整件终止', en: 'Any denial stops the whole bundle' },
  continue: { zh: '各事项独立办理', en: 'Items are decided independently' },
} as const satisfies Record<string, Label>;

/**
 * E-licence types the demo node knows (the licences module, issue 5, will own the registry).
 * Other well-formed type codes are accepted: a region may reference a type issued elsewhere.
 */
export const KNOWN_LICENCE_TYPES: Record<string, Label> = {
  resident_id_card: { zh: '居民身份证（电子）', en: 'Resident ID card (electronic)' },
  household_register: { zh: '居民户口簿', en: 'Household register' },
  business_licence: { zh: '营业执照', en: 'Business licence' },
  food_business_licence: { zh: '食品经营许可证', en: 'Food business licence' },
  birth_medical_certificate: { zh: '出生医学证明', en: 'Medical birth certificate' },
  marriage_certificate: { zh: '结婚证', en: 'Marriage certificate' },
  property_certificate: { zh: '不动产权证书', en: 'Real estate title certificate' },
  social_security_card: { zh: '社会保障卡', en: 'Social security card' },
  residence_permit: { zh: '居住证', en: 'Residence permit' },
  practising_certificate: { zh: '执业证书', en: 'Practising certificate' },
  construction_permit: { zh: '建筑工程施工许可证', en: 'Construction permit' },
  drainage_permit: { zh: '城镇污水排入排水管网许可证', en: 'Drainage permit' },
  hygiene_licence: { zh: '公共场所卫生许可证', en: 'Public place hygiene licence' },
  no_criminal_record: { zh: '无犯罪记录证明', en: 'Certificate of no criminal record' },
};
