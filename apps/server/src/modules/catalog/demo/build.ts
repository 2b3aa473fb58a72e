/**
 * Builders for the demo catalog: the materials and form fields that recur across real service
 * guides, and an item builder that fills the parts every guide has (time-limit notes, the
 * standard 受理 → 审查 → 决定 process sized to the promised time, the window) so that the data
 * files read like the guides they transcribe.
 */
import type { ItemContent, Material } from '../catalog.schemas';
import type { ItemType } from '../catalog.vocabulary';

// ---- materials --------------------------------------------------------------------------------

/** Issued as an e-licence: fetched from the licence library (免提交). */
export const lic = (key: string, name: string, licenceType: string, extra: Partial<Material> = {}): Material => ({
  key, name, requirement: 'required', format: 'electronic', copies: 0, acceptance: '通过电子证照库调取并核验有效性', source: { kind: 'elicence', licenceType }, reuseGrade: 'A', ...extra,
});

/** Held by a department and shared (免提交). */
export const shared = (key: string, name: string, resource: string, extra: Partial<Material> = {}): Material => ({
  key, name, requirement: 'required', format: 'electronic', copies: 0, acceptance: '通过政务数据共享平台核验', source: { kind: 'shared_data', resource }, reuseGrade: 'A', ...extra,
});

/** Provided by the applicant (scanned and uploaded unless stated). */
export const own = (key: string, name: string, extra: Partial<Material> = {}): Material => ({
  key, name, requirement: 'required', format: 'electronic', copies: 1, acceptance: '内容真实完整、清晰可辨，与原件一致', source: { kind: 'applicant' }, reuseGrade: 'C', ...extra,
});

/** An application form the applicant fills in and signs (blank form and sample provided). */
export const formDoc = (key: string, name: string, extra: Partial<Material> = {}): Material => ({
  key, name, requirement: 'required', format: 'electronic', copies: 1, blankForm: `${name}（空白表格）.docx`, sample: `${name}（示例样表）.pdf`,
  acceptance: '按示例样表填写完整，申请人签字或盖章', source: { kind: 'applicant' }, reuseGrade: 'D', ...extra,
});

export const when = (condition: string, m: Material): Material => ({ ...m, requirement: 'conditional', condition });

// Materials that appear in many guides.
export const M = {
  idCard: () => lic('idCard', '居民身份证', 'resident_id_card'),
  household: () => lic('householdRegister', '居民户口簿', 'household_register'),
  businessLicence: () => lic('businessLicence', '营业执照', 'business_licence'),
  marriage: () => lic('marriageCertificate', '结婚证', 'marriage_certificate'),
  property: () => lic('propertyCertificate', '不动产权证书', 'property_certificate'),
  birthCert: () => lic('birthCertificate', '出生医学证明', 'birth_medical_certificate'),
  ssCard: () => lic('socialSecurityCard', '社会保障卡', 'social_security_card'),
  population: () => shared('populationInfo', '人口基础信息', '人口基础信息库'),
  socialInsurance: () => shared('socialInsuranceRecord', '社会保险参保缴费记录', '社会保险参保信息'),
  enterpriseInfo: () => shared('enterpriseRegistration', '企业登记信息', '市场主体登记信息'),
  agentAuth: () => when('委托他人办理的', own('agentAuthorization', '授权委托书及受托人身份证明', { reuseGrade: 'D', acceptance: '载明委托事项和权限，委托人签字或盖章' })),
  photo: () => own('photo', '近期免冠彩色证件照片', { acceptance: '白色背景，符合证件照片标准，可现场采集' }),
};

// ---- form fields ----------------------------------------------------------------------------

type Field = Record<string, unknown>;
export const F: Record<string, Field> = {
  applicantName: { type: 'string', title: '申请人姓名', minLength: 2, maxLength: 50 },
  idNumber: { type: 'string', title: '公民身份号码', pattern: '^[0-9]{17}[0-9Xx]$' },
  mobile: { type: 'string', title: '联系电话', pattern: '^1[3-9][0-9]{9}$' },
  address: { type: 'string', title: '联系地址', maxLength: 200 },
  enterpriseName: { type: 'string', title: '企业名称', minLength: 2, maxLength: 100 },
  uscc: { type: 'string', title: '统一社会信用代码', pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' },
  legalRepresentative: { type: 'string', title: '法定代表人', maxLength: 50 },
  businessAddress: { type: 'string', title: '经营场所', maxLength: 200 },
  businessScope: { type: 'string', title: '经营范围', maxLength: 2000 },
  registeredCapital: { type: 'number', title: '注册资本（万元）', minimum: 0 },
  employeeName: { type: 'string', title: '职工姓名', maxLength: 50 },
  employeeIdNumber: { type: 'string', title: '职工公民身份号码', pattern: '^[0-9]{17}[0-9Xx]$' },
  hireDate: { type: 'string', title: '录用日期', format: 'date' },
  childName: { type: 'string', title: '新生儿姓名', minLength: 1, maxLength: 50 },
  childBirthDate: { type: 'string', title: '新生儿出生日期', format: 'date' },
  childGender: { type: 'string', title: '新生儿性别', enum: ['男', '女'] },
  birthCertificateNo: { type: 'string', title: '出生医学证明编号', maxLength: 20 },
  householdNo: { type: 'string', title: '户号', maxLength: 20 },
  propertyAddress: { type: 'string', title: '不动产坐落', maxLength: 200 },
  propertyCertificateNo: { type: 'string', title: '不动产权证书号', maxLength: 50 },
  buyerName: { type: 'string', title: '买受人姓名', maxLength: 50 },
  sellerName: { type: 'string', title: '出卖人姓名', maxLength: 50 },
  price: { type: 'number', title: '成交价格（元）', minimum: 0 },
  retirementDate: { type: 'string', title: '退休日期', format: 'date' },
  bankAccount: { type: 'string', title: '待遇发放银行账号', pattern: '^[0-9]{12,19}$' },
  reason: { type: 'string', title: '申请事由', maxLength: 500 },
  accountNo: { type: 'string', title: '户号（用户编号）', maxLength: 30 },
};

/** A form: fields by name (from F or given), required ones listed, materials as file fields. */
export function form(fields: (string | [string, Field])[], required: string[], files: Material[] = []): Record<string, unknown> {
  const properties: Record<string, Field> = {};
  for (const f of fields) {
    if (typeof f === 'string') properties[f] = F[f];
    else properties[f[0]] = f[1];
  }
  for (const m of files) properties[`${m.key}File`] = { type: 'string', title: m.name, format: 'uri', 'x-material': m.key };
  return { type: 'object', properties, required: [...required, ...files.filter((m) => m.requirement === 'required').map((m) => `${m.key}File`)] };
}

// ---- items ----------------------------------------------------------------------------------

export interface DemoItem {
  key: string;
  dept: string;
  content: Omit<ItemContent, 'departmentId'>;
}

const WINDOW = { address: '福州市民服务中心综合受理窗口', hours: '工作日 9:00—12:00，13:30—17:00（法定节假日除外）', phone: '12345' };

export interface ItemSpec {
  key: string;
  dept: string;
  basic: string;
  handling?: string;
  name: string;
  aliases?: string[];
  type: ItemType;
  objects: ('natural_person' | 'legal_person')[];
  power?: ItemContent['powerSource'];
  legal: number;
  promised: number;
  immediate?: boolean;
  depth: 1 | 2 | 3 | 4;
  visits?: number;
  visitsReason?: string;
  express?: boolean;
  fees?: ItemContent['fees'];
  cross?: { mode: 'national' | 'regions'; regions?: string[]; ways: ('online' | 'proxy' | 'multi_site')[] };
  special?: ItemContent['specialProcedures'];
  conditions: string[];
  basis: { title: string; article?: string }[];
  faq?: { q: string; a: string }[];
  themes: string[];
  result: ItemContent['result'];
  materials: Material[];
  form: Record<string, unknown>;
  /** Materials the window checks (default: every applicant-provided one). */
  checks?: string[];
  stages?: ItemContent['process']['stages'];
  regionCode?: string;
  window?: ItemContent['window'];
}

/** 受理 → 审查 → 决定 with budgets adding up to the promised time. */
function standardStages(promised: number, checks: string[]): ItemContent['process']['stages'] {
  if (promised <= 1)
    return [
      { key: 'accept', name: '受理', role: 'window_clerk', budgetDays: 0, kind: 'single', materials: checks },
      { key: 'decide', name: '审核办结', role: 'decider', budgetDays: promised, kind: 'single' },
    ];
  const accept = promised >= 3 ? 1 : 0;
  const decide = 1;
  return [
    { key: 'accept', name: '受理', role: 'window_clerk', budgetDays: accept, kind: 'single', materials: checks },
    { key: 'review', name: '审查', role: 'reviewer', budgetDays: promised - accept - decide, kind: 'single' },
    { key: 'decide', name: '决定', role: 'decider', budgetDays: decide, kind: 'single' },
  ];
}

export function item(s: ItemSpec): DemoItem {
  const visits = s.visits ?? (s.depth >= 4 ? 0 : 1);
  const fees = s.fees ?? [];
  const checks = s.checks ?? s.materials.filter((m) => m.source.kind === 'applicant').map((m) => m.key);
  const stages = s.stages ?? standardStages(s.promised, checks);
  return {
    key: s.key,
    dept: s.dept,
    content: {
      basicCode: s.basic,
      handlingItem: s.handling ?? '001',
      name: s.name,
      aliases: s.aliases ?? [],
      itemType: s.type,
      serviceObjects: s.objects,
      ...(s.regionCode ? { regionCode: s.regionCode } : {}),
      powerSource: s.power ?? 'statutory',
      legalLimit: { days: s.legal, note: '自受理之日起计算，不含特别程序所需时间' },
      promisedLimit: { days: s.promised, note: s.promised < s.legal ? `较法定时限压缩 ${s.legal - s.promised} 个工作日` : '与法定时限一致' },
      handlingKind: s.immediate ? 'immediate' : 'promised',
      specialProcedures: s.special ?? [],
      visits,
      ...(visits > 0 ? { visitsReason: s.visitsReason ?? '需现场核验原件并采集信息' } : {}),
      onlineDepth: s.depth,
      expressDelivery: s.express ?? (s.depth === 4 && s.result.kind === 'certificate'),
      onlinePayment: fees.length > 0,
      fees,
      crossProvince: s.cross ? { mode: s.cross.mode, regions: s.cross.regions ?? [], ways: s.cross.ways } : { mode: 'none', regions: [], ways: [] },
      conditions: s.conditions,
      legalBasis: s.basis,
      faq: s.faq ?? [{ q: `办理“${s.name}”可以网上申请吗？`, a: s.depth >= 3 ? '可以。登录一网通办平台在线申请，按提示上传或授权调取材料即可。' : '可以在网上预约、预审，材料齐全后到窗口办理。' }],
      themes: s.themes,
      result: s.result,
      materials: s.materials,
      form: s.form,
      process: { stages, payment: fees.length ? { afterStage: stages[stages.length - 2]?.key ?? stages[0].key, budgetDays: 0 } : null },
      ...(visits > 0 || s.window ? { window: s.window ?? WINDOW } : {}),
    },
  };
}
