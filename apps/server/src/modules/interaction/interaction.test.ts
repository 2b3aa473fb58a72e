/**
 * Public interaction (12345 接诉即办) through the HTTP API, on both databases: filing with a map
 * point, dispatch by rule (longest region prefix), deadlines in working time, return and
 * redispatch, reply, confirmation and rating, anonymous reports with a tracking code, the
 * informant's identity seen only by the handling department, escalation by timer and by a
 * supervisor, the three rates, the knowledge base, Open311 GeoReport v2 in JSON and XML, and the
 * refusals (nothing changed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { multipartBody, samplePdf, samplePng, sampleOfd } from '../files/files.fixtures';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { useTestClock } from '../applications/applications.testing';
import type { ManualClock } from '../applications';
import { demoItemId } from '../catalog';
import { addWorkingHours, DEMO_OPEN311_KEY, INTERACTION_TIMER_QUEUE } from './index';

function ok(res: { statusCode: number; body: string; json(): any }, status = 200) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body.slice(0, 600)}`);
  return res.json();
}

describe('working time', () => {
  it('counts 7 working hours a day, skipping nights, lunch, weekends and holidays', () => {
    // Monday 2 March 2026 10:00 China time.
    const mon = new Date('2026-03-02T02:00:00Z');
    expect(addWorkingHours(mon, 2).toISOString()).toBe('2026-03-02T04:00:00.000Z'); // 10:00–12:00
    expect(addWorkingHours(mon, 2.5).toISOString()).toBe('2026-03-02T06:00:00.000Z'); // lunch skipped: 14:00
    expect(addWorkingHours(mon, 24).toISOString()).toBe('2026-03-05T06:30:00.000Z'); // Thursday 14:30
    // Friday 17:00 + 2 hours: 30 minutes on Friday, then Monday 09:00 + 1.5 h.
    expect(addWorkingHours(new Date('2026-03-06T09:00:00Z'), 2).toISOString()).toBe('2026-03-09T02:30:00.000Z');
    // Across National Day 2025 (1–8 October off; Saturday 11 October a make-up working day).
    expect(addWorkingHours(new Date('2025-09-30T09:00:00Z'), 1).toISOString()).toBe('2025-10-09T01:30:00.000Z');
  });
});

describe.each(DB_KINDS)('12345 interaction on %s', (kind) => {
  let app: FastifyInstance;
  let clock: ManualClock;
  let zhang: Client;
  let li: Client;
  let scjg: Client;
  let gaj: Client;
  let supervisor: Client;

  beforeAll(async () => {
    app = await testApp(kind);
    clock = useTestClock(app, '2026-03-02T02:00:00Z'); // Monday 2 March 2026, 10:00 China time
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    scjg = await staffLogin(app, 'scjg.window');
    gaj = await staffLogin(app, 'gaj.window');
    supervisor = await staffLogin(app, 'fz.supervisor');
  }, 420_000); // boots the app with every module's demo data: slow on a loaded machine
  afterAll(async () => app?.close());

  const notes = async (c: Client) => ok(await c.req('GET', '/api/notifications?limit=100')).items as { link: string | null }[];
  const file = (c: Client | null, body: Record<string, unknown>) =>
    c ? c.req('POST', '/api/inquiries', body) : app.inject({ method: 'POST', url: '/api/inquiries', payload: body });

  it('dispatches by rule (longest region prefix) with deadlines in working time; the department responds, replies; the person confirms and rates', async () => {
    const q = ok(await file(zhang, { kind: 'consultation', category: 'business-registration', title: '个体户变更经营范围', content: '个体工商户增加经营范围需要哪些材料？', regionCode: '350102', itemId: demoItemId('scjg.change') }), 201);
    expect(q.trackingCode).toBeNull();
    expect(q.inquiry).toMatchObject({ state: 'dispatched', department: '福州市市场监督管理局', respondDue: '2026-03-05T06:30:00.000Z', resolveDue: '2026-03-23T15:59:59.999Z' });
    const g = ok(await file(zhang, { kind: 'suggestion', category: 'government-service', title: '建议延长窗口时间', content: '建议周六全天开放政务服务中心窗口。', regionCode: '350102' }), 201);
    expect(g.inquiry.department).toBe('福州市鼓楼区行政审批服务局');
    const u = ok(await file(li, { kind: 'complaint', category: 'streetlight', urgency: 'urgent', title: '路灯不亮', content: '江滨中大道路灯一周不亮，夜间危险。', regionCode: '350103', location: { lat: 26.055, lng: 119.31 } }), 201);
    expect(u.inquiry).toMatchObject({ state: 'dispatched', respondDue: '2026-03-02T04:00:00.000Z', resolveDue: '2026-03-11T15:59:59.999Z' });

    expect(((await scjg.req('GET', '/api/inquiries')).json() as { id: string }[]).some((x) => x.id === q.id)).toBe(true);
    expect(((await gaj.req('GET', '/api/inquiries')).json() as { id: string }[]).some((x) => x.id === q.id)).toBe(false);
    expectProblem(await gaj.req('POST', `/api/inquiries/${q.id}/reply`, { reply: '答复内容' }), 403, 'INQUIRY_OTHER_DEPARTMENT');
    ok(await scjg.req('POST', `/api/inquiries/${q.id}/respond`, {}));
    const replied = ok(await scjg.req('POST', `/api/inquiries/${q.id}/reply`, { reply: '可全程网办，上传变更登记申请书即可。' }));
    expect(replied).toMatchObject({ state: 'replied', reply: '可全程网办，上传变更登记申请书即可。' });
    expect((await notes(zhang)).some((n) => n.link === `/portal/inquiries/${q.id}`)).toBe(true);
    expectProblem(await li.req('POST', `/api/inquiries/${q.id}/confirm`, { resolved: true, satisfaction: 5 }), 403, 'INQUIRY_NOT_YOURS');
    const done = ok(await zhang.req('POST', `/api/inquiries/${q.id}/confirm`, { resolved: true, satisfaction: 5, comment: '回答清楚' }));
    expect(done).toMatchObject({ state: 'closed', resolved: true, satisfaction: 5 });
    const mine = ok(await zhang.req('GET', '/api/inquiries/mine')) as { id: string }[];
    expect(mine.map((m) => m.id)).toEqual(expect.arrayContaining([q.id, g.id]));
    expect(mine.map((m) => m.id)).not.toContain(u.id);

    // The knowledge base: the officer curates the answered consultation; it is suggested while typing.
    const kb = ok(await scjg.req('POST', '/api/knowledge', { inquiryId: q.id, question: '个体工商户增加经营范围需要哪些材料？', answer: '可全程网办，上传变更登记申请书即可。', itemId: demoItemId('scjg.change') }), 201);
    expectProblem(await gaj.req('POST', '/api/knowledge', { inquiryId: q.id, question: '问题内容', answer: '答复内容' }), 409, 'KNOWLEDGE_SOURCE_INVALID', 'body/inquiryId');
    const sugg = ok(await app.inject({ method: 'GET', url: `/api/knowledge?q=${encodeURIComponent('个体户经营范围')}` })) as { id: string }[];
    expect(sugg[0].id).toBe(kb.id);
    const lost = ok(await app.inject({ method: 'GET', url: `/api/knowledge?q=${encodeURIComponent('营业执照丢了')}` })) as { question: string; itemName: string }[];
    expect(lost[0]).toMatchObject({ question: '营业执照丢了怎么补办？', itemName: '营业执照遗失补领' });
    const byItem = ok(await app.inject({ method: 'GET', url: `/api/knowledge?itemId=${demoItemId('scjg.change')}` })) as { id: string }[];
    expect(byItem.map((x) => x.id)).toContain(kb.id);
  });

  it('takes anonymous reports with a tracking code; nobody reads another’s report with their code', async () => {
    const before = await tableCounts(app);
    expectProblem(await file(null, { kind: 'complaint', category: 'noise', title: '夜间施工噪音', content: '工地每晚施工到凌晨两点。', regionCode: '350102' }), 401, 'INQUIRY_SIGN_IN_REQUIRED', 'body/kind');
    expectProblem(await file(zhang, { kind: 'report', category: 'food-safety', title: '后厨卫生问题', content: '餐馆后厨卫生状况很差。', regionCode: '350102', location: { lat: 24.5, lng: 118.1 } }), 400, 'LOCATION_OUTSIDE_REGION', 'body/location');
    expectProblem(await file(zhang, { kind: 'report', category: 'no-such', title: '后厨卫生问题', content: '餐馆后厨卫生状况很差。', regionCode: '350102' }), 400, 'INQUIRY_CATEGORY_UNKNOWN', 'body/category');
    expectProblem(await file(zhang, { kind: 'report', category: 'food-safety', title: '后厨卫生问题', content: '餐馆后厨卫生状况很差。', regionCode: '110101' }), 400, 'REGION_INVALID', 'body/regionCode');
    expect(await tableCounts(app)).toEqual(before);

    const a = ok(await file(null, { kind: 'report', category: 'food-safety', title: '后厨卫生问题', content: '某餐馆后厨老鼠出没，餐具不消毒。', regionCode: '350102', location: { lat: 26.08, lng: 119.29 } }), 201);
    expect(a.trackingCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const b = ok(await file(null, { kind: 'report', category: 'food-safety', title: '另一举报', content: '另一家餐馆使用过期食材。', regionCode: '350102' }), 201);
    const track = (n: string, code: string) => app.inject({ method: 'GET', url: `/api/inquiries/track/${n}?code=${encodeURIComponent(code)}` });
    expect(ok(await track(a.number, a.trackingCode.toLowerCase()))).toMatchObject({ id: a.id, state: 'dispatched', anonymous: true, informant: null });
    const before2 = await tableCounts(app);
    expectProblem(await track(b.number, a.trackingCode), 404, 'TRACKING_CODE_INVALID', 'query/code');
    expectProblem(await track(a.number, 'AAAA-BBBB-CCCC-DDDD'), 404, 'TRACKING_CODE_INVALID');
    expectProblem(await app.inject({ method: 'POST', url: `/api/inquiries/${b.id}/confirm`, payload: { resolved: true, satisfaction: 5, trackingCode: a.trackingCode } }), 404, 'TRACKING_CODE_INVALID');
    expect(await tableCounts(app)).toEqual(before2);
    // Nobody signed in sees an anonymous report as theirs.
    expectProblem(await zhang.req('GET', `/api/inquiries/${a.id}`), 404, 'NOT_FOUND');

    // The department answers; the informant confirms with the code.
    ok(await scjg.req('POST', `/api/inquiries/${a.id}/reply`, { reply: '已现场检查，责令整改并立案调查。' }));
    const c = ok(await app.inject({ method: 'POST', url: `/api/inquiries/${a.id}/confirm`, payload: { resolved: true, satisfaction: 4, trackingCode: a.trackingCode } }));
    expect(c).toMatchObject({ state: 'closed', satisfaction: 4 });
  });

  it('shows a signed-in informant only to the handling department', async () => {
    const r = ok(await file(li, { kind: 'report', category: 'food-safety', title: '无证经营', content: '某小吃店没有食品经营许可证。', regionCode: '350103' }), 201);
    const dept = ok(await scjg.req('GET', `/api/inquiries/${r.id}`));
    expect(dept.informant).toMatchObject({ visible: true, name: '李娜' });
    const sup = ok(await supervisor.req('GET', `/api/inquiries/${r.id}`));
    expect(sup.informant).toEqual({ visible: false });
    expect(JSON.stringify(sup)).not.toContain('李娜');
    expectProblem(await gaj.req('GET', `/api/inquiries/${r.id}`), 404, 'NOT_FOUND');
  });

  it('carries photo and PDF attachments the person uploaded; the handling department reads them; other files are refused', async () => {
    const upload = async (c: Client, f: { filename: string; contentType: string; data: Buffer }) => {
      const m = multipartBody(f);
      return ok(await app.inject({ method: 'POST', url: '/api/files', payload: m.payload, headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, 'content-type': m.contentType } }), 201) as { id: string };
    };
    const photo = await upload(zhang, { filename: '现场照片.png', contentType: 'image/png', data: samplePng('inquiry') });
    const pdf = await upload(zhang, { filename: '说明.pdf', contentType: 'application/pdf', data: samplePdf('inquiry') });
    const ofd = await upload(zhang, { filename: '文书.ofd', contentType: 'application/ofd', data: sampleOfd('inquiry') });
    const lis = await upload(li, { filename: '别人的.png', contentType: 'image/png', data: samplePng('li') });
    const body = { kind: 'complaint', category: 'business-registration', title: '窗口拒收材料', content: '窗口工作人员拒收齐全的材料，附现场照片。', regionCode: '350102' };
    const before = await tableCounts(app);
    expectProblem(await file(zhang, { ...body, attachmentIds: [photo.id, ofd.id] }), 400, 'ATTACHMENT_TYPE', 'body/attachmentIds/1');
    expectProblem(await file(zhang, { ...body, attachmentIds: [lis.id] }), 400, 'ATTACHMENT_INVALID', 'body/attachmentIds/0');
    expectProblem(await file(zhang, { ...body, attachmentIds: [photo.id, photo.id] }), 400, 'ATTACHMENT_INVALID', 'body/attachmentIds/1');
    expectProblem(await file(null, { ...body, kind: 'report', category: 'food-safety', attachmentIds: [photo.id] }), 400, 'ATTACHMENT_ANONYMOUS');
    expect(await tableCounts(app)).toEqual(before);
    const q = ok(await file(zhang, { ...body, attachmentIds: [photo.id, pdf.id] }), 201);
    expect(q.inquiry.department).toBe('福州市市场监督管理局');
    expect(ok(await scjg.req('GET', `/api/inquiries/${q.id}`)).attachmentIds).toEqual([photo.id, pdf.id]);
    expect((await scjg.req('GET', `/api/files/${photo.id}`)).statusCode).toBe(200);
    expect((await gaj.req('GET', `/api/files/${photo.id}`)).statusCode).toBe(404); // another department: not found, as for anyone without a read rule
  });

  it('returns a wrong dispatch with a reason; a dispatcher redispatches elsewhere', async () => {
    const r = ok(await file(zhang, { kind: 'complaint', category: 'noise', title: '商铺音响扰民', content: '楼下商铺每天外放音响到深夜。', regionCode: '350102' }), 201);
    expect(r.inquiry.department).toBe('福州市公安局');
    expectProblem(await scjg.req('POST', `/api/inquiries/${r.id}/return`, { reason: '不属本部门' }), 403, 'INQUIRY_OTHER_DEPARTMENT');
    const back = ok(await gaj.req('POST', `/api/inquiries/${r.id}/return`, { reason: '商业噪声属市场监管和城管职责' }));
    expect(back).toMatchObject({ state: 'pending_dispatch', department: null, returns: 1 });
    const gajId = (await app.services.org.departmentByCode('FZ-GAJ'))!.id;
    const scjgId = (await app.services.org.departmentByCode('FZ-SCJGJ'))!.id;
    const before = await tableCounts(app);
    expectProblem(await supervisor.req('POST', `/api/inquiries/${r.id}/dispatch`, { departmentId: gajId }), 409, 'INQUIRY_SAME_DEPARTMENT', 'body/departmentId');
    expectProblem(await gaj.req('POST', `/api/inquiries/${r.id}/dispatch`, { departmentId: scjgId }), 403, 'ROLE_NOT_ALLOWED');
    expect(await tableCounts(app)).toEqual(before);
    const again = ok(await supervisor.req('POST', `/api/inquiries/${r.id}/dispatch`, { departmentId: scjgId, note: '改派市场监管' }));
    expect(again).toMatchObject({ state: 'dispatched', department: '福州市市场监督管理局' });
    expect(again.timeline.map((e: { type: string }) => e.type)).toEqual(['filed', 'dispatched', 'returned', 'dispatched']);
  });

  it('escalates what is not responded in time (timer) and on a supervisor’s word (督办); the three rates', async () => {
    const u = ok(await file(li, { kind: 'help', category: 'medical-insurance', urgency: 'urgent', title: '医保卡无法使用', content: '医保卡在药店刷卡失败，急需购药。', regionCode: '350103' }), 201);
    clock.set('2026-03-02T06:00:00Z'); // 14:00, past the 2-working-hour response deadline (12:00)
    await app.database.db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', INTERACTION_TIMER_QUEUE).where('state', '=', 'pending').execute();
    await app.services.jobs.drain();
    const s = ok(await supervisor.req('GET', `/api/inquiries/${u.id}`));
    expect(s).toMatchObject({ escalated: true, responseOverdue: true });
    expect(s.timeline.some((e: { type: string }) => e.type === 'overdue')).toBe(true);
    expect((await notes(supervisor)).some((n) => n.link === `/workbench/inquiries/${u.id}`)).toBe(true);
    ok(await supervisor.req('POST', `/api/inquiries/${u.id}/escalate`, { note: '请今日内回复' }));
    const ybj = await staffLogin(app, 'ybj.window');
    ok(await ybj.req('POST', `/api/inquiries/${u.id}/reply`, { reply: '已为您重新激活医保卡' }));
    ok(await li.req('POST', `/api/inquiries/${u.id}/confirm`, { resolved: false, satisfaction: 2, comment: '仍无法使用' }));
    expect(ok(await ybj.req('GET', `/api/inquiries/${u.id}`)).state).toBe('responded');

    const rates = ok(await app.inject({ method: 'GET', url: '/api/public/inquiries/rates?groupBy=department' })).rows as { name: string; responseRate: number | null; resolutionRate: number | null; satisfactionRate: number | null }[];
    expect(rates.find((r) => r.name === '福州市医疗保障局')).toMatchObject({ responseRate: 0, resolutionRate: 0, satisfactionRate: 0 });
    expect(rates.find((r) => r.name === '福州市市场监督管理局')).toMatchObject({ resolutionRate: 1, satisfactionRate: 1 });
    const all = ok(await app.inject({ method: 'GET', url: '/api/public/inquiries/rates?regionCode=350100' })).rows[0];
    expect(all.total).toBeGreaterThan(5);
    clock.set('2026-03-02T02:00:00Z');
  });

  it('serves Open311 GeoReport v2 in JSON and XML and files into the same queue', async () => {
    const services = ok(await app.inject({ method: 'GET', url: '/api/open311/v2/services.json' })) as { service_code: string; metadata: boolean }[];
    expect(services.find((s) => s.service_code === 'road-damage')).toMatchObject({ metadata: true, type: 'realtime' });
    const xml = await app.inject({ method: 'GET', url: '/api/open311/v2/services.xml' });
    expect(xml.headers['content-type']).toMatch(/xml/);
    expect(xml.body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><services><service><service_code>road-damage<\/service_code>/);
    const def = ok(await app.inject({ method: 'GET', url: '/api/open311/v2/services/road-damage.json' }));
    expect(def.attributes[0]).toMatchObject({ code: 'severity', required: true, datatype: 'singlevaluelist' });
    expect((await app.inject({ method: 'GET', url: '/api/open311/v2/services/road-damage.xml' })).body).toContain('<attributes><attribute><variable>true</variable>');

    const form = (o: Record<string, string>) => ({ method: 'POST' as const, url: '/api/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(o).toString() });
    const good = { api_key: DEMO_OPEN311_KEY, service_code: 'road-damage', lat: '26.07', long: '119.3', address_string: '鼓楼区五四路 100 号', description: '路面塌陷一个大坑，车辆经过很危险', 'attribute[severity]': 'danger', email: 'citizen@example.com', phone: '13800591234' };
    const before = await tableCounts(app);
    const noKey = await app.inject(form({ ...good, api_key: 'wrong' }));
    expect(noKey.statusCode).toBe(403);
    expect(noKey.json()[0]).toMatchObject({ code: 403 });
    expect(noKey.headers['x-error-code']).toBe('OPEN311_API_KEY_INVALID');
    const unknown = await app.inject(form({ ...good, service_code: 'no-such-service' }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.headers['x-error-code']).toBe('OPEN311_SERVICE_UNKNOWN');
    const outside = await app.inject(form({ ...good, lat: '39.9', long: '116.4' })); // Beijing
    expect(outside.statusCode).toBe(400);
    expect(outside.headers['x-error-code']).toBe('LOCATION_OUTSIDE_REGION');
    expect(outside.json()[0].description).toMatch(/坐标.*outside/);
    const noAttr = await app.inject(form({ ...good, 'attribute[severity]': 'huge' }));
    expect(noAttr.headers['x-error-code']).toBe('OPEN311_ATTRIBUTE_INVALID');
    const xmlErr = await app.inject({ ...form({ ...good, service_code: 'x' }), url: '/api/open311/v2/requests.xml' });
    expect(xmlErr.body).toContain('<errors><error><code>400</code>');
    expect(await tableCounts(app)).toEqual(before);

    const created = await app.inject(form(good));
    expect(created.statusCode).toBe(201);
    const id = created.json()[0].service_request_id as string;
    const one = ok(await app.inject({ method: 'GET', url: `/api/open311/v2/requests/${id}.json` }));
    expect(one[0]).toMatchObject({ service_request_id: id, status: 'open', service_code: 'road-damage', lat: 26.07, long: 119.3, agency_responsible: '福州市城乡建设局' });
    expect(JSON.stringify(one)).not.toContain('13800591234');
    expect((await app.inject({ method: 'GET', url: `/api/open311/v2/requests/${id}.xml` })).body).toContain(`<service_requests><request><service_request_id>${id}</service_request_id><status>open</status>`);
    const filtered = ok(await app.inject({ method: 'GET', url: '/api/open311/v2/requests.json?service_code=road-damage&status=open&start_date=2026-03-01T00:00:00Z' })) as { service_request_id: string }[];
    expect(filtered.map((r) => r.service_request_id)).toContain(id);
    // JSON bodies too; the department sees it in its queue with the contact.
    const j = await app.inject({ method: 'POST', url: '/api/open311/v2/requests.json', payload: { api_key: DEMO_OPEN311_KEY, service_code: 'streetlight', lat: 26.06, long: 119.31, description: '路灯不亮已三天' } });
    expect(j.statusCode).toBe(201);
    const zjj = await staffLogin(app, 'zjj.window');
    const queue = ok(await zjj.req('GET', '/api/inquiries')) as { number: string; channel: string; id: string }[];
    const mineO = queue.find((q) => q.number === id)!;
    expect(mineO.channel).toBe('open311');
    expect(ok(await zjj.req('GET', `/api/inquiries/${mineO.id}`)).informant).toMatchObject({ visible: true, mobile: '13800591234' });
  });

  it('samples answered inquiries for follow-up calls', async () => {
    const s = ok(await supervisor.req('POST', '/api/follow-ups/sample', { source: 'inquiry', count: 2 }));
    expect(s.sampled).toBe(2);
    const list = ok(await supervisor.req('GET', '/api/follow-ups')) as { source: string }[];
    expect(list.filter((f) => f.source === 'inquiry')).toHaveLength(2);
  });
});
