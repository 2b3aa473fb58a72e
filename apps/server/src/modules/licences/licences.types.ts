/**
 * The e-licence types this node issues and verifies (电子证照目录), with their fields, the
 * department that issues them on the demo node, their validity and who holds them. Codes are the
 * catalog's KNOWN_LICENCE_TYPES (an item's `result.licenceType` and a material's
 * `source.licenceType` name them). Every field is selectively disclosable in the SD-JWT VC; the
 * `summary` fields are the ones a rendition's card shows and a presentation discloses by default.
 */
import { KNOWN_LICENCE_TYPES } from '../catalog/catalog.vocabulary';

export interface LicenceField {
  key: string;
  zh: string;
  en: string;
  /** Personal data masked on the card (ID numbers). */
  sensitive?: boolean;
}

export interface LicenceTypeDef {
  code: string;
  zh: string;
  en: string;
  /** Who holds it: a natural person or a legal person. */
  holder: 'person' | 'enterprise';
  /** Code of the department that issues it on the demo node (any department with a key may). */
  issuer: string;
  /** Years of validity from issue; null = long-term (长期有效). */
  validityYears: number | null;
  /** The field that carries the holder's name and the one that carries their ID number / credit code. */
  holderNameField: string;
  holderIdField: string;
  fields: LicenceField[];
  /** Fields shown on the card and disclosed by default. */
  summary: string[];
}

const f = (key: string, zh: string, en: string, sensitive = false): LicenceField => ({ key, zh, en, ...(sensitive ? { sensitive } : {}) });

const DEFS: Omit<LicenceTypeDef, 'zh' | 'en'>[] = [
  {
    code: 'business_licence', holder: 'enterprise', issuer: 'FZ-SCJGJ', validityYears: null, holderNameField: 'name', holderIdField: 'creditCode',
    fields: [f('name', '名称', 'Name'), f('creditCode', '统一社会信用代码', 'Unified social credit code'), f('entityType', '类型', 'Type of entity'), f('legalRep', '法定代表人', 'Legal representative'), f('registeredCapital', '注册资本', 'Registered capital'), f('establishedOn', '成立日期', 'Date of establishment'), f('address', '住所', 'Domicile'), f('businessScope', '经营范围', 'Business scope')],
    summary: ['name', 'creditCode', 'legalRep'],
  },
  {
    code: 'food_business_licence', holder: 'enterprise', issuer: 'FZ-SCJGJ', validityYears: 5, holderNameField: 'operatorName', holderIdField: 'creditCode',
    fields: [f('operatorName', '经营者名称', 'Operator'), f('creditCode', '社会信用代码', 'Credit code'), f('legalRep', '法定代表人（负责人）', 'Legal representative'), f('address', '经营场所', 'Premises'), f('mainBusiness', '主体业态', 'Main business form'), f('businessItems', '经营项目', 'Business items')],
    summary: ['operatorName', 'creditCode', 'mainBusiness'],
  },
  {
    code: 'birth_medical_certificate', holder: 'person', issuer: 'FZ-WJW', validityYears: null, holderNameField: 'motherName', holderIdField: 'motherIdNumber',
    fields: [f('childName', '新生儿姓名', "Child's name"), f('sex', '性别', 'Sex'), f('birthDate', '出生时间', 'Date of birth'), f('birthPlace', '出生地点', 'Place of birth'), f('institution', '接生机构', 'Delivering institution'), f('motherName', '母亲姓名', "Mother's name"), f('motherIdNumber', '母亲身份证号', "Mother's ID number", true), f('fatherName', '父亲姓名', "Father's name"), f('fatherIdNumber', '父亲身份证号', "Father's ID number", true)],
    summary: ['childName', 'birthDate', 'motherName'],
  },
  {
    code: 'household_register', holder: 'person', issuer: 'FZ-GAJ', validityYears: null, holderNameField: 'name', holderIdField: 'idNumber',
    fields: [f('householder', '户主姓名', 'Head of household'), f('name', '姓名', 'Name'), f('relation', '与户主关系', 'Relation to head'), f('sex', '性别', 'Sex'), f('birthDate', '出生日期', 'Date of birth'), f('idNumber', '公民身份号码', 'ID number', true), f('nativePlace', '籍贯', 'Native place'), f('address', '住址', 'Address')],
    summary: ['name', 'householder', 'address'],
  },
  {
    code: 'property_certificate', holder: 'person', issuer: 'FZ-BDCDJ', validityYears: null, holderNameField: 'owner', holderIdField: 'ownerIdNumber',
    fields: [f('owner', '权利人', 'Owner'), f('ownerIdNumber', '证件号码', 'ID number', true), f('coOwnership', '共有情况', 'Co-ownership'), f('location', '坐落', 'Location'), f('unitNo', '不动产单元号', 'Real estate unit no.'), f('rightType', '权利类型', 'Type of right'), f('use', '用途', 'Use'), f('area', '面积', 'Area')],
    summary: ['owner', 'location', 'unitNo'],
  },
  {
    code: 'social_security_card', holder: 'person', issuer: 'FZ-RSJ', validityYears: 10, holderNameField: 'name', holderIdField: 'idNumber',
    fields: [f('name', '姓名', 'Name'), f('idNumber', '社会保障号码', 'Social security number', true), f('cardNo', '卡号', 'Card number'), f('bank', '金融账户开户行', 'Bank')],
    summary: ['name', 'cardNo'],
  },
  {
    code: 'marriage_certificate', holder: 'person', issuer: 'FZ-MZJ', validityYears: null, holderNameField: 'holderName', holderIdField: 'holderIdNumber',
    fields: [f('holderName', '持证人', 'Holder'), f('holderIdNumber', '持证人身份证号', "Holder's ID number", true), f('spouseName', '配偶姓名', "Spouse's name"), f('spouseIdNumber', '配偶身份证号', "Spouse's ID number", true), f('registeredOn', '登记日期', 'Date of registration'), f('registrar', '登记机关', 'Registry office')],
    summary: ['holderName', 'spouseName', 'registeredOn'],
  },
  {
    code: 'residence_permit', holder: 'person', issuer: 'FZ-GAJ', validityYears: 1, holderNameField: 'name', holderIdField: 'idNumber',
    fields: [f('name', '姓名', 'Name'), f('idNumber', '公民身份号码', 'ID number', true), f('address', '居住地址', 'Address of residence')],
    summary: ['name', 'address'],
  },
  {
    code: 'no_criminal_record', holder: 'person', issuer: 'FZ-GAJ', validityYears: 1, holderNameField: 'name', holderIdField: 'idNumber',
    fields: [f('name', '姓名', 'Name'), f('idNumber', '公民身份号码', 'ID number', true), f('period', '查询期间', 'Period checked'), f('conclusion', '结论', 'Conclusion')],
    summary: ['name', 'conclusion'],
  },
];

/** A type the catalog knows but this registry does not describe gets the generic holder fields. */
function generic(code: string): Omit<LicenceTypeDef, 'zh' | 'en'> {
  return {
    code, holder: 'person', issuer: '', validityYears: null, holderNameField: 'holderName', holderIdField: 'holderId',
    fields: [f('holderName', '持证主体', 'Holder'), f('holderId', '证件号码', 'ID number', true)],
    summary: ['holderName'],
  };
}

export const LICENCE_TYPES: Record<string, LicenceTypeDef> = Object.fromEntries(
  [...DEFS, ...Object.keys(KNOWN_LICENCE_TYPES).filter((c) => !DEFS.some((d) => d.code === c)).map(generic)].map((d) => [
    d.code,
    { ...d, zh: KNOWN_LICENCE_TYPES[d.code]?.zh ?? d.code, en: KNOWN_LICENCE_TYPES[d.code]?.en ?? d.code },
  ]),
);

export const licenceType = (code: string): LicenceTypeDef | undefined => LICENCE_TYPES[code];

/** The SD-JWT VC type (`vct`) of a licence type. */
export const vctOf = (code: string) => `urn:yiwang:licence:${code}`;
export const codeOfVct = (vct: unknown) => (typeof vct === 'string' && vct.startsWith('urn:yiwang:licence:') ? vct.slice('urn:yiwang:licence:'.length) : null);
