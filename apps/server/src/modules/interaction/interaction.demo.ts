/**
 * Demo data of the interaction module: dispatch rules for the demo departments, an Open311 key,
 * inquiries in several states (one answered, confirmed and rated), and knowledge-base entries
 * linked to demo catalog items. Through the services; called once by demo/seed.ts.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { RequestContext } from '../../shared/actor';
import { demoItemId } from '../catalog';
import { people } from '../../demo/data';
import { open311KeyHash } from './interaction.open311';
import type { InteractionModule } from './index';

/** The demo Open311 api_key (printed in the README; demo mode only). */
export const DEMO_OPEN311_KEY = 'demo-open311-key-2026';

const RULES: [string, string, string][] = [
  ['road-damage', '3501', 'FZ-ZJJ'],
  ['streetlight', '3501', 'FZ-ZJJ'],
  ['sanitation', '3501', 'FZ-ZJJ'],
  ['noise', '3501', 'FZ-GAJ'],
  ['food-safety', '3501', 'FZ-SCJGJ'],
  ['consumer', '3501', 'FZ-SCJGJ'],
  ['business-registration', '3501', 'FZ-SCJGJ'],
  ['business-registration', '3502', 'XM-SCJGJ'],
  ['social-security', '3501', 'FZ-RSJ'],
  ['medical-insurance', '3501', 'FZ-YBJ'],
  ['government-service', '3501', 'FZ-XZSPJ'],
  ['government-service', '350102', 'GL-XZSPJ'],
];

export async function seedDemoInteraction(app: FastifyInstance, mod: InteractionModule, base: RequestContext): Promise<void> {
  const { org, identity } = app.services;
  const admin = await identity.accountContext({ username: 'admin' }, base);
  for (const [category, regionPrefix, code] of RULES) {
    const d = await org.departmentByCode(code);
    if (d) await mod.service.putRule({ ...admin, audited: false }, { category, regionPrefix, departmentId: d.id });
  }
  await sql`INSERT INTO open311_keys (key_hash, name, created_by) VALUES (${open311KeyHash(DEMO_OPEN311_KEY)}, '演示客户端 demo client', ${admin.actor!.accountId}) ON CONFLICT DO NOTHING`.execute(app.database.db);

  const zhang = await identity.accountContext({ idNumber: people.find((p) => p.name === '张伟')!.idNumber }, base);
  const li = await identity.accountContext({ idNumber: people.find((p) => p.name === '李娜')!.idNumber }, base);
  const svc = mod.service;
  const c = (x: RequestContext) => ({ ...x, audited: false });
  const q1 = await svc.create(c(zhang), { kind: 'consultation', category: 'business-registration', title: '个体户变更经营范围要带什么材料', content: '我想给个体工商户增加经营范围，需要准备哪些材料？可以网上办吗？', regionCode: '350102', itemId: demoItemId('scjg.change') });
  const scjg = await identity.accountContext({ username: 'scjg.window' }, base);
  await svc.respond(c(scjg), q1.id, {});
  await svc.reply(c(scjg), q1.id, { reply: '可以全程网办：登录一网通办，搜索“个体工商户变更登记”，上传变更登记申请书和经营者身份证明即可，一般 1 个工作日办结。' });
  await svc.confirm(c(zhang), q1.id, { resolved: true, satisfaction: 5, comment: '回答清楚' });
  const q2 = await svc.create(c(li), { kind: 'complaint', category: 'streetlight', title: '江滨路段路灯连续一周不亮', content: '台江区江滨中大道 100 号附近路灯连续一周不亮，夜间行人很不安全。', regionCode: '350103', location: { lat: 26.055, lng: 119.31 }, urgency: 'urgent' });
  void q2;
  await svc.create(c(zhang), { kind: 'suggestion', category: 'government-service', title: '建议延长周末窗口服务时间', content: '建议鼓楼区政务服务中心周六全天开放，方便上班族办事。', regionCode: '350102' });
  await svc.create({ ...base, actor: null, audited: false }, { kind: 'report', category: 'food-safety', title: '某餐馆后厨卫生问题', content: '鼓楼区某路某餐馆后厨老鼠出没，餐具不消毒。', regionCode: '350102', location: { lat: 26.08, lng: 119.29 } });
  await svc.create(c(li), { kind: 'help', category: 'other', title: '老人不会用手机办社保认证', content: '家里老人不会在手机上做社保待遇资格认证，能否上门服务？', regionCode: '350103' });

  const kb = mod.knowledge;
  const dept = async (code: string) => (await org.departmentByCode(code))!.id;
  const entries: { q: string; a: string; item: string | null; dept: string }[] = [
    { q: '营业执照丢了怎么补办？', a: '可在一网通办申请“营业执照遗失补领”，无需登报声明，上传补领申请书即可，3 个工作日内办结，可选择邮寄。', item: 'scjg.licence-replacement', dept: 'FZ-SCJGJ' },
    { q: '开餐馆需要办理哪些证照？', a: '需办理营业执照和食品经营许可证，可通过“开餐馆一件事”一次申请、一次提交材料。', item: 'scjg.food', dept: 'FZ-SCJGJ' },
    { q: '身份证到期了可以异地换领吗？', a: '可以。居民身份证换领已实现全国通办，可到任一公安户政窗口办理，携带原证件即可。', item: 'gaj.id-renewal', dept: 'FZ-GAJ' },
    { q: '公司变更地址需要多长时间？', a: '企业变更登记材料齐全的，1 个工作日内办结；全程网办无需到现场。', item: 'scjg.change', dept: 'FZ-SCJGJ' },
    { q: '新生儿出生后多久内要报户口？', a: '应在出生后一个月内申报出生登记，可通过“新生儿出生一件事”一并办理出生医学证明、户口登记、医保参保和社保卡。', item: 'gaj.newborn-hukou', dept: 'FZ-GAJ' },
  ];
  // Names and departments first: inside the transaction only the transaction may be used.
  const rows: Parameters<typeof kb.insertRaw>[1][] = [];
  for (const e of entries) {
    const name = e.item ? ((await app.services.catalog.getLatestPublished(demoItemId(e.item)))?.content.name ?? null) : null;
    rows.push({ question: e.q, answer: e.a, itemId: e.item ? demoItemId(e.item) : null, itemName: name, departmentId: await dept(e.dept), regionCode: '350100', curatedBy: admin.actor!.accountId });
  }
  await app.database.db.transaction().execute(async (trx) => {
    for (const r of rows) await kb.insertRaw(trx, r);
  });
}
