/**
 * Factories for tests (this module's and others'): a valid item, a bundle, and a signed package.
 * Each item differs by its handling-item code so that its implementation code is unique.
 */
import { randomUUID } from 'node:crypto';
import type { BundleContent, ItemContent } from './catalog.schemas';
import { loadSigningKey, newSigningKey, PACKAGE_FORMAT, PACKAGE_FORMAT_VERSION, signPackage, type CatalogPackage } from './catalog.package';

/** A valid, lint-clean licensing item of a department (fully online, free, no visits). */
export function sampleItemContent(departmentId: string, n = 1, overrides: Partial<ItemContent> = {}): ItemContent {
  return {
    basicCode: '0109999001',
    handlingItem: String(n % 1000).padStart(3, '0'),
    name: `测试许可事项${n}`,
    aliases: ['测试别名'],
    itemType: 'administrative_licensing',
    serviceObjects: ['legal_person'],
    departmentId,
    powerSource: 'statutory',
    legalLimit: { days: 20, note: '自受理之日起计算' },
    promisedLimit: { days: 5, note: '压缩 15 个工作日' },
    handlingKind: 'promised',
    specialProcedures: [],
    visits: 0,
    onlineDepth: 4,
    expressDelivery: false,
    onlinePayment: false,
    fees: [],
    crossProvince: { mode: 'none', regions: [], ways: [] },
    conditions: ['依法设立的企业'],
    legalBasis: [{ title: '《测试条例》', article: '第一条' }],
    faq: [{ q: '可以网上办理吗？', a: '可以。' }],
    themes: ['operating_permits'],
    result: { kind: 'elicence', name: '营业执照', licenceType: 'business_licence' },
    materials: [
      { key: 'licence', name: '营业执照', requirement: 'required', format: 'electronic', copies: 0, acceptance: '电子证照库核验', source: { kind: 'elicence', licenceType: 'business_licence' }, reuseGrade: 'A' },
      { key: 'plan', name: '经营方案', requirement: 'required', format: 'electronic', copies: 1, acceptance: '内容完整', source: { kind: 'applicant' }, reuseGrade: 'C' },
    ],
    form: {
      type: 'object',
      properties: {
        enterpriseName: { type: 'string', title: '企业名称', maxLength: 100 },
        uscc: { type: 'string', title: '统一社会信用代码', pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' },
        planFile: { type: 'string', title: '经营方案', format: 'uri', 'x-material': 'plan' },
      },
      required: ['enterpriseName', 'uscc'],
    },
    process: {
      stages: [
        { key: 'accept', name: '受理', role: 'window_clerk', budgetDays: 1, kind: 'single', materials: ['plan'] },
        { key: 'review', name: '审查', role: 'reviewer', budgetDays: 3, kind: 'single' },
        { key: 'decide', name: '决定', role: 'decider', budgetDays: 1, kind: 'single' },
      ],
      payment: null,
    },
    ...overrides,
  };
}

export function sampleBundleContent(leadDepartmentId: string, itemIds: string[], code: string, overrides: Partial<BundleContent> = {}): BundleContent {
  return {
    code,
    name: `测试一件事${code}`,
    aliases: [],
    description: '测试用一件事',
    themes: ['operating_permits'],
    serviceObjects: ['legal_person'],
    leadDepartmentId,
    items: itemIds.map((itemId) => ({ itemId })),
    dependencies: itemIds.slice(1).map((to) => ({ from: itemIds[0], to, result: '营业执照', fields: ['uscc'] })),
    fieldMap: [],
    denialPolicy: 'stop_dependents',
    ...overrides,
  };
}

let fixtureKey: ReturnType<typeof loadSigningKey> | undefined;

/** A package signed by a key of its own, with one item of the department `departmentCode`. */
export function samplePackage(departmentCode: string, regionCode: string, n = 1): CatalogPackage {
  fixtureKey ??= loadSigningKey(newSigningKey());
  const content = sampleItemContent(departmentCode, 900 + (n % 100), { name: `导入测试事项${n}` });
  return signPackage(
    {
      format: PACKAGE_FORMAT,
      formatVersion: PACKAGE_FORMAT_VERSION,
      id: randomUUID(),
      name: '测试事项包',
      version: '1.0.0',
      createdAt: new Date().toISOString(),
      source: { node: '测试节点', regionCode },
      departments: [{ code: departmentCode, name: '测试部门', kind: 'legal_authority', regionCode }],
      items: [{ ref: 'item:fixture', sourceVersion: 1, content: content as unknown as Record<string, unknown> }],
      bundles: [],
    },
    fixtureKey,
  );
}
