/**
 * Demo data of the exchange: the demo machine client fz-ybj-system (福州市医保业务系统) gets a
 * registered Ed25519 assertion key (its private half is published here: demo only) and grants on
 * the population, social insurance and enterprise registers; a pending request for the property
 * register waits for the data administrator; and every demo item's handling department holds a
 * grant (for its platform use) of each shared resource its materials name, so 免提交 resolves.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import type { Db } from '../../db/database';
import { systemAdminContext, type RequestContext } from '../../shared/actor';
import type { OrgService } from '../org';
import type { ResourcesService } from '../resources';
import { demoItems } from '../catalog/demo/items';
import * as demo from '../../demo/data';
import type { ExchangeService } from './exchange.service';

const seed = createHash('sha256').update('yiwang demo assertion key of fz-ybj-system').digest();
const demoKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });

/** The demo client's private JWK (demo only — anyone can read it here). */
export const DEMO_CLIENT_ID = 'fz-ybj-system';
export const DEMO_CLIENT_PRIVATE_JWK: Record<string, string> = { ...(demoKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'fz-ybj-demo-1', alg: 'EdDSA' };
const publicJwk = () => ({ kty: 'OKP', crv: 'Ed25519', x: DEMO_CLIENT_PRIVATE_JWK.x, kid: DEMO_CLIENT_PRIVATE_JWK.kid });

const years = (n: number) => new Date(Date.now() + n * 365 * 86400_000).toISOString();

async function machineCtx(db: Db, clientId: string, base: RequestContext): Promise<RequestContext> {
  const c = await db.selectFrom('api_clients as c').innerJoin('departments as d', 'd.id', 'c.department_id').select(['c.id', 'c.name', 'c.department_id', 'd.region_code', 'c.scopes']).where('c.client_id', '=', clientId).executeTakeFirstOrThrow();
  return {
    ...base,
    actor: { accountId: c.id, kind: 'machine', displayName: c.name, roles: ['machine'], departmentId: c.department_id, regionCode: c.region_code, actingAs: null, actingFor: null, amr: ['private_key_jwt'], scopes: c.scopes as unknown as string[] },
  };
}

export async function seedDemoExchange(svc: ExchangeService, resources: ResourcesService, org: OrgService, db: Db, ctx: RequestContext = systemAdminContext('demo loader')): Promise<void> {
  if (await db.selectFrom('exchange_requests').select('id').limit(1).executeTakeFirst()) return;
  const dept = async (code: string) => (await org.departmentByCode(code))!;
  const dsj = await dept('FZ-DSJ');
  const keeper: RequestContext = { ...ctx, actor: { ...ctx.actor!, kind: 'data_admin', roles: ['data_admin'], departmentId: dsj.id, regionCode: dsj.regionCode } };

  // Items' handling departments: one grant per (department, resource) their materials name.
  const pairs = new Map<string, { deptCode: string; resource: string; items: string[] }>();
  for (const item of demoItems) {
    const content = item.content as { name: string; materials?: { source: { kind: string; resource?: string } }[] };
    for (const m of content.materials ?? []) {
      if (m.source.kind !== 'shared_data') continue;
      const key = `${item.dept}|${m.source.resource}`;
      const p = pairs.get(key) ?? { deptCode: item.dept, resource: m.source.resource!, items: [] };
      if (!p.items.includes(content.name)) p.items.push(content.name);
      pairs.set(key, p);
    }
  }
  for (const p of pairs.values()) {
    const res = await resources.byName(db, p.resource);
    const d = await org.departmentByCode(p.deptCode);
    if (!res || !d) continue;
    const deptCtx: RequestContext = { ...ctx, actor: { ...ctx.actor!, kind: 'data_admin', roles: ['data_admin'], departmentId: d.id, regionCode: d.regionCode } };
    const reqd = await svc.createRequest(deptCtx, {
      resource: res.code,
      kinds: ['query'],
      fields: res.fields.map((f) => f.name),
      purpose: `政务服务“免提交”：办理${p.items.slice(0, 3).map((n) => `「${n}」`).join('')}${p.items.length > 3 ? '等事项' : ''}时调取申请人的${res.name}`,
      legalBasis: res.legal_basis || '《政务信息资源共享管理暂行办法》',
      validUntil: years(3),
      quotaPerDay: 10000,
    });
    if (reqd.state === 'pending') await svc.decide(keeper, reqd.id, { approve: true, reason: '符合共享条件，用于政务服务免提交' });
  }

  // The demo machine client: its assertion key, grants, a request waiting for approval, and a few calls.
  const ybj = await machineCtx(db, DEMO_CLIENT_ID, ctx);
  await svc.addClientKey({ ...ctx }, DEMO_CLIENT_ID, publicJwk());
  const grants: { resource: string; kinds: ('query' | 'verify')[]; fields: string[]; purpose: string; legalBasis: string }[] = [
    { resource: 'GAJ.POPULATION', kinds: ['verify', 'query'], fields: ['idNumber', 'name', 'gender', 'birthDate'], purpose: '医保参保登记时核验参保人身份', legalBasis: '《中华人民共和国社会保险法》第五十七条；《医疗保障基金使用监督管理条例》' },
    { resource: 'RSJ.SOCIAL_INSURANCE', kinds: ['query'], fields: ['name', 'insuranceType', 'status', 'employer', 'paidMonths', 'lastPaidMonth'], purpose: '职工医保退休人员待遇资格认定', legalBasis: '《中华人民共和国社会保险法》第二十七条' },
    { resource: 'SCJGJ.ENTERPRISE', kinds: ['verify', 'query'], fields: ['creditCode', 'name', 'status', 'legalRepresentative'], purpose: '参保单位登记时核验单位信息', legalBasis: '《社会保险费征缴暂行条例》第七条' },
  ];
  for (const g of grants) {
    const r = await svc.createRequest(ybj, { ...g, validUntil: years(1), quotaPerDay: 100000, ratePerMinute: null });
    if (r.state === 'pending') await svc.decide(keeper, r.id, { approve: true, reason: '用途明确、依据充分，同意共享' });
  }
  await svc.createRequest(ybj, {
    resource: 'BDCDJ.PROPERTY',
    kinds: ['query'],
    fields: ['ownerName', 'location', 'area', 'use'],
    purpose: '医疗救助对象家庭财产状况核查',
    legalBasis: '《社会救助暂行办法》第二十九条；《医疗保障基金使用监督管理条例》',
    validUntil: years(1),
    quotaPerDay: 1000,
  });
  const zhang = demo.people.find((p) => p.name === '张伟')!;
  const wang = demo.people.find((p) => p.name === '王秀英')!;
  await svc.answer(ybj, 'verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: zhang.name }, purpose: '医保参保登记时核验参保人身份', reference: 'YB20261103000123' });
  await svc.answer(ybj, 'query', { resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber, purpose: '职工医保退休人员待遇资格认定', reference: 'YB20261105000456' });
}
