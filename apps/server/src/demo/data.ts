/**
 * The demo node: 福建省 (350000) with 福州市 and 厦门市 and some of their districts (real GB/T 2260
 * codes), twelve departments of 福州市 plus a few of other levels, staff for every role, and
 * residents and enterprises registered at the simulated identity provider. ID numbers and credit
 * codes are made up but valid by GB 11643 / GB 32100 (check characters computed, not typed).
 */
import { orgCodeCheckChar, residentIdCheckChar, usccCheckChar } from '../shared/validators';

export const DEMO_STAFF_PASSWORD = 'Yiwang@2026';
export const DEMO_PERSON_PASSWORD = 'Demo@2026';
export const DEMO_CLIENT_SECRET = 'demo-client-secret-ybj-2026';

/** An 18-digit resident ID number from region, birth date and sequence, with its check digit. */
export function residentId(region: string, birth: string, seq: string): string {
  const first17 = `${region}${birth}${seq}`;
  return first17 + residentIdCheckChar(first17);
}

/** A unified social credit code: authority + type, region, a GB 11714 organisation code (with its check character). */
export function creditCode(authorityAndType: string, region: string, org8: string): string {
  const first17 = `${authorityAndType}${region}${org8}${orgCodeCheckChar(org8)}`;
  return first17 + usccCheckChar(first17);
}

export interface DemoDepartment {
  code: string;
  name: string;
  nameEn: string;
  regionCode: string;
  kind: 'legal_authority' | 'authorised_org' | 'entrusted_org';
  /** Prefix of the demo staff user names of this department. */
  staff?: string;
  org8: string;
}

export const departments: readonly DemoDepartment[] = [
  { code: 'FZ-SCJGJ', name: '福州市市场监督管理局', nameEn: 'Fuzhou Administration for Market Regulation', regionCode: '350100', kind: 'legal_authority', staff: 'scjg', org8: '00375001' },
  { code: 'FZ-GAJ', name: '福州市公安局', nameEn: 'Fuzhou Public Security Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'gaj', org8: '00375002' },
  { code: 'FZ-RSJ', name: '福州市人力资源和社会保障局', nameEn: 'Fuzhou Human Resources and Social Security Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'rsj', org8: '00375003' },
  { code: 'FZ-YBJ', name: '福州市医疗保障局', nameEn: 'Fuzhou Healthcare Security Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'ybj', org8: '00375004' },
  { code: 'FZ-WJW', name: '福州市卫生健康委员会', nameEn: 'Fuzhou Health Commission', regionCode: '350100', kind: 'legal_authority', staff: 'wjw', org8: '00375005' },
  { code: 'FZ-SWJ', name: '国家税务总局福州市税务局', nameEn: 'Fuzhou Municipal Tax Service, STA', regionCode: '350100', kind: 'legal_authority', staff: 'swj', org8: '00375006' },
  { code: 'FZ-MZJ', name: '福州市民政局', nameEn: 'Fuzhou Civil Affairs Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'mzj', org8: '00375007' },
  { code: 'FZ-ZJJ', name: '福州市城乡建设局', nameEn: 'Fuzhou Housing and Urban-Rural Development Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'zjj', org8: '00375008' },
  { code: 'FZ-BDCDJ', name: '福州市不动产登记中心', nameEn: 'Fuzhou Real Estate Registration Centre', regionCode: '350100', kind: 'authorised_org', staff: 'bdc', org8: '00375009' },
  { code: 'FZ-GJJ', name: '福州住房公积金中心', nameEn: 'Fuzhou Housing Provident Fund Centre', regionCode: '350100', kind: 'authorised_org', staff: 'gjj', org8: '00375010' },
  { code: 'FZ-XZSPJ', name: '福州市行政审批局', nameEn: 'Fuzhou Administrative Approval Bureau', regionCode: '350100', kind: 'legal_authority', staff: 'xzsp', org8: '00375011' },
  { code: 'FZ-DSJ', name: '福州市大数据管理局', nameEn: 'Fuzhou Big Data Administration', regionCode: '350100', kind: 'legal_authority', staff: 'dsj', org8: '00375012' },
  { code: 'GL-XZSPJ', name: '福州市鼓楼区行政审批服务局', nameEn: 'Gulou District Administrative Approval Bureau, Fuzhou', regionCode: '350102', kind: 'legal_authority', staff: 'gl.xzsp', org8: '00375101' },
  { code: 'XM-SCJGJ', name: '厦门市市场监督管理局', nameEn: 'Xiamen Administration for Market Regulation', regionCode: '350200', kind: 'legal_authority', staff: 'xm.scjg', org8: '00375201' },
  { code: 'FJ-DSJ', name: '福建省大数据管理局', nameEn: 'Fujian Provincial Big Data Administration', regionCode: '350000', kind: 'legal_authority', org8: '00350001' },
];

/** Government bodies' credit codes: registration authority 1 (机构编制), type 1 (机关). */
export const departmentCreditCode = (d: DemoDepartment) => creditCode('11', d.regionCode, d.org8);

export interface DemoStaff {
  username: string;
  displayName: string;
  kind: 'officer' | 'data_admin' | 'supervisor' | 'platform_admin';
  roles: ('window_clerk' | 'reviewer' | 'decider' | 'dept_admin' | 'data_admin' | 'supervisor' | 'platform_admin')[];
  department?: string;
  regionCode?: string;
}

const OFFICER_TITLES = [
  ['window', '窗口受理', 'window_clerk'],
  ['reviewer', '审查', 'reviewer'],
  ['decider', '决定', 'decider'],
] as const;

export const staff: DemoStaff[] = [
  ...departments.flatMap((d) =>
    d.staff
      ? OFFICER_TITLES.map(([suffix, title, role]) => ({
          username: `${d.staff}.${suffix}`,
          displayName: `${d.name.replace(/^国家税务总局/, '')}${title}员`,
          kind: 'officer' as const,
          roles: [role],
          department: d.code,
        }))
      : [],
  ),
  { username: 'scjg.admin', displayName: '福州市市场监管局部门管理员', kind: 'officer', roles: ['dept_admin'], department: 'FZ-SCJGJ' },
  { username: 'xzsp.admin', displayName: '福州市行政审批局部门管理员', kind: 'officer', roles: ['dept_admin'], department: 'FZ-XZSPJ' },
  { username: 'dsj.data', displayName: '福州市大数据管理局数据管理员', kind: 'data_admin', roles: ['data_admin'], department: 'FZ-DSJ' },
  { username: 'ybj.data', displayName: '福州市医保局数据管理员', kind: 'data_admin', roles: ['data_admin'], department: 'FZ-YBJ' },
  { username: 'fj.supervisor', displayName: '福建省政务服务监督员', kind: 'supervisor', roles: ['supervisor'], regionCode: '350000' },
  { username: 'fz.supervisor', displayName: '福州市政务服务监督员', kind: 'supervisor', roles: ['supervisor'], regionCode: '350100' },
  { username: 'gl.supervisor', displayName: '鼓楼区政务服务监督员', kind: 'supervisor', roles: ['supervisor'], regionCode: '350102' },
  { username: 'admin', displayName: '平台管理员', kind: 'platform_admin', roles: ['platform_admin'], regionCode: '350000' },
];

export interface DemoPerson {
  name: string;
  idNumber: string;
  mobile: string;
  note: string;
}

export const people: DemoPerson[] = [
  { name: '张伟', idNumber: residentId('350102', '19900307', '001'), mobile: '13800591001', note: '市民 citizen' },
  { name: '李娜', idNumber: residentId('350103', '19880512', '002'), mobile: '13800591002', note: '市民，新生儿家长 citizen, new parent' },
  { name: '王秀英', idNumber: residentId('350104', '19480215', '022'), mobile: '13800591003', note: '老年人，由陈明代办 elderly, agent 陈明' },
  { name: '陈明', idNumber: residentId('350102', '19851123', '031'), mobile: '13800591004', note: '代办人 agent for 王秀英' },
  { name: '林芳', idNumber: residentId('350203', '19920708', '042'), mobile: '13800592005', note: '厦门市民 Xiamen citizen' },
  { name: '黄建国', idNumber: residentId('350111', '19780619', '051'), mobile: '13800591006', note: '榕城餐饮法定代表人 legal rep' },
  { name: '吴晓红', idNumber: residentId('350105', '19950101', '062'), mobile: '13800591007', note: '榕城餐饮经办人 authorised staff' },
  { name: '郑海', idNumber: residentId('350206', '19830909', '071'), mobile: '13800592008', note: '海湾科技法定代表人 legal rep' },
];

const person = (name: string) => people.find((p) => p.name === name)!;

export interface DemoEnterprise {
  uscc: string;
  name: string;
  legalRep: DemoPerson;
  staff: DemoPerson[];
  /** Registry data: GB/T 4754 industry section, registration date. */
  registry: { industry: string; registeredOn: string };
}

export const enterprises: DemoEnterprise[] = [
  { uscc: creditCode('91', '350102', 'MA2Y0R1C'), name: '福州榕城餐饮管理有限公司', legalRep: person('黄建国'), staff: [person('吴晓红')], registry: { industry: 'H', registeredOn: '2019-04-18' } },
  { uscc: creditCode('91', '350206', 'MA31HW8K'), name: '厦门海湾科技有限公司', legalRep: person('郑海'), staff: [], registry: { industry: 'I', registeredOn: '2021-09-06' } },
  { uscc: creditCode('92', '350104', 'L4B7T2Q9'), name: '福州市仓山区闽江建材经营部', legalRep: person('张伟'), staff: [], registry: { industry: 'F', registeredOn: '2016-03-22' } },
];

export const mandates = [
  { principal: person('王秀英'), agent: person('陈明'), scope: ['*'], reason: '本人年迈行动不便，委托亲属代为办理政务服务事项' },
];

export const clients = [{ clientId: 'fz-ybj-system', name: '福州市医保业务系统', department: 'FZ-YBJ', scopes: ['exchange:query', 'exchange:verify'] }];
