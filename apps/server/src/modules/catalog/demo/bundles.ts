/**
 * The demo node's bundles (一件事一次办), each a real life or business event as Fujian offers it:
 * which items, which result each needs from another, and which form fields those results fill.
 */
import type { BundleContent } from '../catalog.schemas';

export interface DemoBundle {
  key: string;
  lead: string;
  /** Item keys (see items.ts) in the order a guide lists them. */
  items: string[];
  dependencies: { from: string; to: string; result: string; fields?: string[] }[];
  content: Omit<BundleContent, 'leadDepartmentId' | 'items' | 'dependencies' | 'fieldMap'>;
}

export const demoBundles: DemoBundle[] = [
  {
    key: 'business-startup',
    lead: 'FZ-SCJGJ',
    items: ['scjg.establishment', 'gaj.seal', 'swj.new-taxpayer', 'rsj.employer-si', 'gjj.employer'],
    dependencies: [
      { from: 'scjg.establishment', to: 'gaj.seal', result: '营业执照（统一社会信用代码）', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'swj.new-taxpayer', result: '营业执照（统一社会信用代码）', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'rsj.employer-si', result: '营业执照（统一社会信用代码）', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'gjj.employer', result: '营业执照（统一社会信用代码）', fields: ['uscc'] },
    ],
    content: {
      code: 'business-startup', name: '企业开办一件事', aliases: ['开公司', '开办企业', '企业开办'],
      description: '一次申请，同步办理营业执照、公章刻制、涉税事项、社保登记和住房公积金单位登记，一个工作日内全部办结。',
      themes: ['establishment'], serviceObjects: ['natural_person'], denialPolicy: 'stop_dependents',
    },
  },
  {
    key: 'newborn',
    lead: 'FZ-WJW',
    items: ['wjw.birth-certificate', 'gaj.newborn-hukou', 'ybj.resident-enrol', 'rsj.ss-card', 'ybj.maternity'],
    dependencies: [
      { from: 'wjw.birth-certificate', to: 'gaj.newborn-hukou', result: '出生医学证明', fields: ['birthCertificateNo'] },
      { from: 'gaj.newborn-hukou', to: 'ybj.resident-enrol', result: '户口登记信息（户号、公民身份号码）', fields: ['householdNo'] },
      { from: 'ybj.resident-enrol', to: 'rsj.ss-card', result: '医保参保信息' },
      { from: 'wjw.birth-certificate', to: 'ybj.maternity', result: '出生医学证明' },
    ],
    content: {
      code: 'newborn', name: '新生儿出生一件事', aliases: ['出生一件事', '宝宝出生', '新生儿落户参保'],
      description: '新生儿出生后，一次申请办理出生医学证明、户口登记、城乡居民医保参保、社会保障卡申领和生育津贴申领。',
      themes: ['birth'], serviceObjects: ['natural_person'], denialPolicy: 'stop_dependents',
    },
  },
  {
    key: 'restaurant',
    lead: 'FZ-SCJGJ',
    items: ['scjg.establishment', 'scjg.food', 'zjj.drainage', 'zjj.signboard', 'swj.new-taxpayer'],
    dependencies: [
      { from: 'scjg.establishment', to: 'scjg.food', result: '营业执照', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'zjj.drainage', result: '营业执照', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'zjj.signboard', result: '营业执照', fields: ['uscc'] },
      { from: 'scjg.establishment', to: 'swj.new-taxpayer', result: '营业执照', fields: ['uscc'] },
    ],
    content: {
      code: 'restaurant', name: '开办餐饮店一件事', aliases: ['开饭店', '开餐馆', '餐饮店开业'],
      description: '开餐馆一次申请：营业执照、食品经营许可、排水许可、户外招牌设置和新办纳税人事项并联办理。',
      themes: ['establishment', 'operating_permits'], serviceObjects: ['natural_person'], denialPolicy: 'stop_dependents',
    },
  },
  {
    key: 'retirement',
    lead: 'FZ-RSJ',
    items: ['rsj.pension', 'ybj.retiree', 'gjj.retirement'],
    dependencies: [
      { from: 'rsj.pension', to: 'ybj.retiree', result: '退休待遇核定信息', fields: ['retirementDate'] },
      { from: 'rsj.pension', to: 'gjj.retirement', result: '退休信息' },
    ],
    content: {
      code: 'retirement', name: '退休一件事', aliases: ['办理退休', '退休手续'],
      description: '到龄退休一次申请：养老保险待遇申领、退休人员医保待遇核定、退休提取住房公积金。',
      themes: ['retirement'], serviceObjects: ['natural_person'], denialPolicy: 'stop_dependents',
    },
  },
  {
    key: 'resale-housing',
    lead: 'FZ-BDCDJ',
    items: ['swj.deed-tax', 'bdc.resale', 'zjj.water', 'zjj.power', 'zjj.gas'],
    dependencies: [
      { from: 'swj.deed-tax', to: 'bdc.resale', result: '契税完税凭证' },
      { from: 'bdc.resale', to: 'zjj.water', result: '不动产权证书（买受人）' },
      { from: 'bdc.resale', to: 'zjj.power', result: '不动产权证书（买受人）' },
      { from: 'bdc.resale', to: 'zjj.gas', result: '不动产权证书（买受人）' },
    ],
    content: {
      code: 'resale-housing', name: '二手房转移登记及水电气过户一件事', aliases: ['二手房过户', '卖房过户', '房产过户水电气'],
      description: '二手房交易一次申请：缴纳契税、办理不动产转移登记，并同步办理供水、供电、燃气过户。',
      themes: ['real_estate', 'utilities'], serviceObjects: ['natural_person'], denialPolicy: 'stop_dependents',
    },
  },
  {
    key: 'hiring',
    lead: 'FZ-RSJ',
    items: ['rsj.employment-registration', 'rsj.employee-si', 'ybj.employee-enrol', 'gjj.employee'],
    dependencies: [],
    content: {
      code: 'hiring', name: '员工录用一件事', aliases: ['招员工', '新员工入职', '员工入职'],
      description: '企业录用员工一次申请：就业登记、职工社保参保、职工医保参保、住房公积金增员同步办理。',
      themes: ['hiring'], serviceObjects: ['legal_person'], denialPolicy: 'continue',
    },
  },
];
