/**
 * Demo licences: issuer keys for the departments that issue them (EdDSA, ES256 and SM2SM3 all in
 * use), licences in the demo people's and enterprises' wallets issued by the right departments,
 * and the market regulator's own system as a machine client allowed to issue (licences:issue).
 * Called once from demo/seed.ts; does nothing when demo licences exist.
 */
import type { RequestContext } from '../../shared/actor';
import { DEMO_CLIENT_SECRET, enterprises, people } from '../../demo/data';
import type { IdentityService } from '../identity';
import type { OrgService } from '../org';
import type { SigningAlg } from './crypto/algorithms';
import type { FieldValue } from './licences.issuance';
import type { LicenceService } from './licences.service';

const ISSUER_ALGS: Record<string, SigningAlg> = { 'FZ-SCJGJ': 'EdDSA', 'XM-SCJGJ': 'EdDSA', 'FZ-GAJ': 'SM2SM3', 'FZ-BDCDJ': 'SM2SM3', 'FZ-MZJ': 'ES256', 'FZ-WJW': 'EdDSA', 'FZ-RSJ': 'EdDSA' };

const person = (name: string) => people.find((p) => p.name === name)!;
const enterprise = (name: string) => enterprises.find((e) => e.name.includes(name))!;

interface DemoLicence {
  type: string;
  dept: string;
  holder: { kind: 'person'; idNumber: string } | { kind: 'enterprise'; creditCode: string };
  fields: Record<string, FieldValue>;
  validFrom: string;
}

export function demoLicences(): DemoLicence[] {
  const rc = enterprise('榕城餐饮');
  const hw = enterprise('海湾科技');
  const mj = enterprise('闽江建材');
  const huang = person('黄建国');
  const li = person('李娜');
  const zhang = person('张伟');
  const wang = person('王秀英');
  return [
    {
      type: 'business_licence', dept: 'FZ-SCJGJ', holder: { kind: 'enterprise', creditCode: rc.uscc }, validFrom: '2021-03-15T00:00:00+08:00',
      fields: { name: rc.name, creditCode: rc.uscc, entityType: '有限责任公司（自然人投资或控股）', legalRep: huang.name, registeredCapital: '200万元人民币', establishedOn: '2021-03-15', address: '福建省福州市鼓楼区五四路 128 号 1 层', businessScope: '餐饮服务；餐饮管理；食品销售（仅销售预包装食品）' },
    },
    {
      type: 'food_business_licence', dept: 'FZ-SCJGJ', holder: { kind: 'enterprise', creditCode: rc.uscc }, validFrom: '2024-04-01T00:00:00+08:00',
      fields: { operatorName: rc.name, creditCode: rc.uscc, legalRep: huang.name, address: '福建省福州市鼓楼区五四路 128 号 1 层', mainBusiness: '餐饮服务经营者（中型餐馆）', businessItems: '热食类食品制售；冷食类食品制售' },
    },
    {
      type: 'business_licence', dept: 'FZ-SCJGJ', holder: { kind: 'enterprise', creditCode: mj.uscc }, validFrom: '2019-08-20T00:00:00+08:00',
      fields: { name: mj.name, creditCode: mj.uscc, entityType: '个体工商户', legalRep: zhang.name, establishedOn: '2019-08-20', address: '福建省福州市仓山区建新镇金山大道 88 号', businessScope: '建材、五金零售' },
    },
    {
      type: 'business_licence', dept: 'XM-SCJGJ', holder: { kind: 'enterprise', creditCode: hw.uscc }, validFrom: '2020-06-01T00:00:00+08:00',
      fields: { name: hw.name, creditCode: hw.uscc, entityType: '有限责任公司', legalRep: hw.legalRep.name, registeredCapital: '500万元人民币', establishedOn: '2020-06-01', address: '福建省厦门市集美区软件园三期 A 区', businessScope: '软件开发；信息技术咨询服务' },
    },
    {
      type: 'marriage_certificate', dept: 'FZ-MZJ', holder: { kind: 'person', idNumber: li.idNumber }, validFrom: '2016-05-20T00:00:00+08:00',
      fields: { holderName: li.name, spouseName: '陈建华', spouseIdNumber: '350103198602140017', registeredOn: '2016-05-20', registrar: '福州市台江区民政局' },
    },
    {
      type: 'household_register', dept: 'FZ-GAJ', holder: { kind: 'person', idNumber: li.idNumber }, validFrom: '2016-07-01T00:00:00+08:00',
      fields: { householder: '陈建华', name: li.name, relation: '妻', sex: '女', birthDate: '1988-05-12', nativePlace: '福建福州', address: '福建省福州市台江区江滨中大道 366 号' },
    },
    {
      type: 'birth_medical_certificate', dept: 'FZ-WJW', holder: { kind: 'person', idNumber: li.idNumber }, validFrom: '2026-10-08T00:00:00+08:00',
      fields: { childName: '陈小雨', sex: '女', birthDate: '2026-10-06 08:42', birthPlace: '福建省福州市鼓楼区', institution: '福建省妇幼保健院', motherName: li.name, fatherName: '陈建华', fatherIdNumber: '350103198602140017' },
    },
    {
      type: 'household_register', dept: 'FZ-GAJ', holder: { kind: 'person', idNumber: huang.idNumber }, validFrom: '2008-03-01T00:00:00+08:00',
      fields: { householder: huang.name, name: huang.name, relation: '户主', sex: '男', birthDate: '1978-06-19', nativePlace: '福建福清', address: '福建省福州市晋安区福新中路 66 号' },
    },
    { type: 'social_security_card', dept: 'FZ-RSJ', holder: { kind: 'person', idNumber: huang.idNumber }, validFrom: '2022-01-10T00:00:00+08:00', fields: { cardNo: 'F35010277', bank: '中国工商银行福州分行' } },
    { type: 'social_security_card', dept: 'FZ-RSJ', holder: { kind: 'person', idNumber: zhang.idNumber }, validFrom: '2023-09-01T00:00:00+08:00', fields: { cardNo: 'F35010201', bank: '中国建设银行福州分行' } },
    {
      type: 'property_certificate', dept: 'FZ-BDCDJ', holder: { kind: 'person', idNumber: zhang.idNumber }, validFrom: '2021-11-30T00:00:00+08:00',
      fields: { coOwnership: '单独所有', location: '福州市鼓楼区湖东路 99 号 2 座 1203 单元', unitNo: '350102003001GB00012F00121203', rightType: '国有建设用地使用权/房屋所有权', use: '城镇住宅用地/住宅', area: '共有宗地面积 8,650.2㎡/房屋建筑面积 98.6㎡' },
    },
    { type: 'social_security_card', dept: 'FZ-RSJ', holder: { kind: 'person', idNumber: wang.idNumber }, validFrom: '2020-05-18T00:00:00+08:00', fields: { cardNo: 'F35010433', bank: '福建海峡银行' } },
    {
      type: 'household_register', dept: 'FZ-GAJ', holder: { kind: 'person', idNumber: wang.idNumber }, validFrom: '1990-01-01T00:00:00+08:00',
      fields: { householder: wang.name, name: wang.name, relation: '户主', sex: '女', birthDate: '1948-02-15', nativePlace: '福建长乐', address: '福建省福州市仓山区上渡路 12 号' },
    },
  ];
}

export async function seedDemoLicences(services: { licences: LicenceService; identity: IdentityService; org: OrgService }, ctx: RequestContext): Promise<number> {
  const { licences, identity, org } = services;
  const db = licences.db;
  const have = await db.selectFrom('licences').select('id').where('source', '=', 'demo').limit(1).executeTakeFirst();
  if (have) return 0;
  const deptIds = new Map<string, string>();
  for (const [code, alg] of Object.entries(ISSUER_ALGS)) {
    const d = await org.departmentByCode(code);
    if (!d) continue;
    deptIds.set(code, d.id);
    const existing = await licences.issuerKey((await licences.jwks(d.id)).keys.find((k) => k.alg === alg)?.kid ?? '');
    if (!existing) await licences.rotateIssuerKey(ctx, d.id, alg);
  }
  // The market regulator's licensing system issues licences through the API.
  const adminCtx = await identity.accountContext({ username: 'admin' }, ctx);
  const clients = new Set((await identity.listClients(adminCtx)).map((c) => c.clientId));
  if (!clients.has('fz-scjg-system') && deptIds.get('FZ-SCJGJ')) {
    await identity.createClient(adminCtx, { clientId: 'fz-scjg-system', name: '福州市市场监管局登记注册系统', departmentId: deptIds.get('FZ-SCJGJ')!, scopes: ['licences:issue', 'licences:verify'] }, DEMO_CLIENT_SECRET);
  }
  let n = 0;
  for (const l of demoLicences()) {
    const departmentId = deptIds.get(l.dept);
    if (!departmentId) continue;
    const holderAccountId = await licences.issuance.resolveHolder(l.holder);
    await licences.issuance.issue(ctx, { type: l.type, departmentId, holderAccountId, fields: l.fields, validFrom: new Date(l.validFrom), source: 'demo', alg: ISSUER_ALGS[l.dept] });
    n++;
  }
  return n;
}
