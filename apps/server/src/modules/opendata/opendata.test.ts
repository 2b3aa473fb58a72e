/**
 * Open data, end to end through HTTP on both databases: the demo datasets published from the
 * resource catalog, the CKAN Action API (envelope, status codes, harvesting until an empty page),
 * datastore_search with keyset paging, access levels, the personal-data block, ratings, data
 * requests with notifications and the due timer, downloads, statistics and rate limits.
 */
import { RateWindows } from '../../shared/rate-windows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { people } from '../../demo/data';
import { systemAdminContext } from '../../shared/actor';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';

const zhang = people.find((p) => p.name === '张伟')!.idNumber;
const li = people.find((p) => p.name === '李娜')!.idNumber;

async function ckan(app: FastifyInstance, action: string, params: Record<string, unknown> = {}, opts: { post?: boolean; prefix?: string; client?: Client } = {}) {
  const prefix = opts.prefix ?? '/api/3/action';
  if (opts.post) {
    if (opts.client) return opts.client.req('POST', `${prefix}/${action}`, params);
    return app.inject({ method: 'POST', url: `${prefix}/${action}`, payload: params });
  }
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  if (opts.client) return opts.client.req('GET', `${prefix}/${action}${qs ? `?${qs}` : ''}`);
  return app.inject({ method: 'GET', url: `${prefix}/${action}${qs ? `?${qs}` : ''}` });
}

function expectCkanError(res: { statusCode: number; json(): any; body: string }, status: number, type: string) {
  expect(res.statusCode, res.body).toBe(status);
  const b = res.json();
  expect(b.success).toBe(false);
  expect(b.help).toMatch(/help_show/);
  expect(b.error.__type).toBe(type);
  expect(b.result).toBeUndefined();
  return b.error;
}

describe.each(DB_KINDS)('open data on %s', (kind) => {
  let app: FastifyInstance;
  let apiResource: (name: string) => Promise<string>;

  beforeAll(async () => {
    app = await testApp(kind);
    apiResource = async (name) => {
      const pkg = (await ckan(app, 'package_show', { id: name })).json().result;
      return pkg.resources.find((r: { format: string }) => r.format === 'API').id;
    };
  }, 300_000);
  afterAll(async () => app?.close());

  it('rate limits count in the database: two limiters (two processes) hit 40 times at once with a budget of 25, exactly 25 pass', async () => {
    const a = new RateWindows(app.database.db);
    const b = new RateWindows(app.database.db);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit(`k:burst:${kind}`, 25)));
    expect(results.filter((r) => r.allowed)).toHaveLength(25);
    expect(results.map((r) => r.remaining).sort((x, y) => y - x).slice(0, 3)).toEqual([24, 23, 22]);
  });

  it('publishes the demo catalog’s open resources as datasets; CKAN package_list / package_show / status_show', async () => {
    const status = await ckan(app, 'status_show');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ success: true, result: { ckan_version: expect.any(String) } });
    const list = (await ckan(app, 'package_list')).json();
    expect(list.success).toBe(true);
    expect(list.result).toEqual(expect.arrayContaining(['zjj-bus-routes', 'dsj-air-quality', 'xzspj-service-points', 'wjw-medical-institutions']));
    const pkg = (await ckan(app, 'package_show', { id: 'zjj-bus-routes' })).json().result;
    expect(pkg).toMatchObject({ name: 'zjj-bus-routes', title: '公交线路', type: 'dataset', state: 'active', private: false, license_id: 'cc-by-4.0', isopen: true, organization: { name: 'fz-zjj', is_organization: true } });
    expect(pkg.resources.map((r: { format: string }) => r.format)).toEqual(['CSV', 'JSON', 'XLSX', 'API']);
    expect(pkg.groups[0]).toMatchObject({ name: 'tran' });
    expect(pkg.tags.map((t: { name: string }) => t.name)).toContain('交通');
    expect(pkg.quality.score).toBeGreaterThan(50);
    expect(pkg.row_count).toBe(240);
    // resource_show, and the same action under /api/action/ (no redirect).
    const res = await ckan(app, 'resource_show', { id: pkg.resources[0].id }, { prefix: '/api/action' });
    expect(res.statusCode).toBe(200);
    expect(res.json().result).toMatchObject({ package_id: pkg.id, format: 'CSV' });
    // The personal-data resources of the demo catalog are not open.
    expect(list.result.some((n: string) => /population|social|medical-insurance|property/.test(n))).toBe(false);
  });

  it('package_search: q, fq (Solr subset), facets, sort, rows cap; organization_list, group_list, tag_list', async () => {
    const s = (await ckan(app, 'package_search', { q: '公交', 'facet.field': ['organization', 'tags', 'res_format'] })).json().result;
    expect(s.count).toBe(1);
    expect(s.results[0].name).toBe('zjj-bus-routes');
    expect(s.search_facets.organization.items[0]).toMatchObject({ name: 'fz-zjj', count: 1 });
    const byOrg = (await ckan(app, 'package_search', { fq: 'organization:fz-dsj' })).json().result;
    expect(byOrg.results.map((r: { name: string }) => r.name)).toEqual(['dsj-air-quality']);
    const or = (await ckan(app, 'package_search', { fq: 'groups:(heal OR tran) -access_level:conditional', sort: 'name asc' })).json().result;
    expect(or.results.map((r: { name: string }) => r.name)).toEqual(['dsj-air-quality', 'zjj-bus-routes']);
    const inQ = (await ckan(app, 'package_search', { q: 'tags:交通' })).json().result;
    expect(inQ.count).toBe(1);
    const range = (await ckan(app, 'package_search', { fq: 'metadata_modified:[2020-01-01T00:00:00Z TO NOW]' })).json().result;
    expect(range.count).toBe(4);
    const none = (await ckan(app, 'package_search', { fq: 'metadata_modified:[NOW+1DAY TO *]' })).json().result;
    expect(none.count).toBe(0);
    // rows above the cap are capped at 1000 (as CKAN does), not refused.
    const capped = await ckan(app, 'package_search', { rows: '5000' });
    expect(capped.statusCode).toBe(200);
    expect(capped.json().result.count).toBe(4);
    const orgs = (await ckan(app, 'organization_list', { all_fields: 'true' })).json().result;
    expect(orgs.map((o: { name: string }) => o.name).sort()).toEqual(['fz-dsj', 'fz-wjw', 'fz-xzspj', 'fz-zjj']);
    const org = (await ckan(app, 'organization_show', { id: 'fz-zjj', include_datasets: 'true' })).json().result;
    expect(org.packages).toHaveLength(1);
    const groups = (await ckan(app, 'group_list', { all_fields: true })).json().result;
    expect(groups.find((g: { name: string }) => g.name === 'heal').package_count).toBe(2);
    expect((await ckan(app, 'tag_list')).json().result).toEqual(expect.arrayContaining(['交通', '开放数据']));
  });

  it('a harvester pages package_search until an empty page and gets every dataset once', async () => {
    const seen: string[] = [];
    for (let start = 0; ; start += 3) {
      const r = (await ckan(app, 'package_search', { rows: 3, start, sort: 'metadata_modified asc' }, { post: true })).json();
      expect(r.success).toBe(true);
      if (!r.result.results.length) break;
      seen.push(...r.result.results.map((x: { name: string }) => x.name));
      expect(start).toBeLessThan(100);
    }
    expect(seen.sort()).toEqual((await ckan(app, 'package_list')).json().result.sort());
  });

  it('bad input answers in CKAN’s envelope with CKAN’s status codes and changes nothing', async () => {
    await app.services.opendata.flushStats(); // earlier usage counters, not a timer's flush in the middle
    const before = await tableCounts(app);
    expect(expectCkanError(await ckan(app, 'no_such_action'), 400, 'Bad Request').message).toMatch(/Action name not known: no_such_action/);
    expectCkanError(await ckan(app, 'no_such_action', {}, { prefix: '/api/action' }), 400, 'Bad Request');
    expect(expectCkanError(await ckan(app, 'package_search', { fq: 'organization:"fz-zjj' }), 409, 'Search Error').message).toMatch(/unbalanced quotes/);
    expectCkanError(await ckan(app, 'package_search', { fq: 'nosuchfield:1' }), 409, 'Search Error');
    expectCkanError(await ckan(app, 'package_search', { fq: 'tags:(a OR' }), 409, 'Search Error');
    expect(expectCkanError(await ckan(app, 'package_search', { rows: '-1' }), 409, 'Validation Error').rows).toBeDefined();
    expect(expectCkanError(await ckan(app, 'package_search', { rows: 'many' }), 409, 'Validation Error').rows).toEqual(['Invalid integer']);
    expectCkanError(await ckan(app, 'package_show', { id: 'no-such-dataset' }), 404, 'Not Found Error');
    expect(expectCkanError(await ckan(app, 'package_show', {}), 409, 'Validation Error').id).toEqual(['Missing value']);
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: '00000000-0000-4000-8000-000000000000' }), 404, 'Not Found Error');
    const rid = await apiResource('zjj-bus-routes');
    expect(expectCkanError(await ckan(app, 'datastore_search', { resource_id: rid, filters: { nosuch: 1 } }), 409, 'Validation Error').filters[0]).toMatch(/not in table/);
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: rid, filters: '{not json' }), 409, 'Validation Error');
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: rid, sort: 'stops; drop table x' }), 409, 'Validation Error');
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: rid, cursor: 'garbage' }), 409, 'Validation Error');
    expectCkanError(await ckan(app, 'datarequest_create', { title: 'x', description: 'y' }, { post: true }), 403, 'Authorization Error');
    // The REST API answers the same mistakes in problem+json.
    expectProblem(await app.inject({ method: 'GET', url: '/api/opendata/datasets?fq=organization:%22x' }), 400, 'SEARCH_QUERY_INVALID', 'querystring/fq');
    expectProblem(await app.inject({ method: 'GET', url: '/api/opendata/datasets?rows=5000' }), 400, 'VALIDATION_FAILED');
    expect(await tableCounts(app)).toEqual(before);
  });

  it('datastore_search: filters, q, fields, sort, estimated or exact totals, keyset paging through _links.next', async () => {
    const rid = await apiResource('zjj-bus-routes');
    const first = (await ckan(app, 'datastore_search', { resource_id: rid, filters: { district: '鼓楼区' }, limit: 7, sort: 'routeNo asc' })).json().result;
    expect(first.total).toBeGreaterThan(7);
    expect(first.total_was_estimated).toBe(false);
    expect(first.records).toHaveLength(7);
    expect(first.records.every((r: { district: string }) => r.district === '鼓楼区')).toBe(true);
    expect(first.fields[0]).toEqual({ id: '_id', type: 'text' });
    const all: string[] = [];
    let next: string | null = first._links.next;
    all.push(...first.records.map((r: { routeNo: string }) => r.routeNo));
    for (let i = 0; i < 100 && next; i++) {
      const page = (await app.inject({ method: 'GET', url: next })).json().result;
      if (!page.records.length) break;
      all.push(...page.records.map((r: { routeNo: string }) => r.routeNo));
      next = page._links.next;
    }
    expect(all).toHaveLength(first.total);
    expect([...all].sort()).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    // Descending by a number, fields, full text, an IN filter.
    const desc = (await ckan(app, 'datastore_search', { resource_id: rid, sort: 'stops desc', fields: 'routeNo,stops', limit: 5 })).json().result;
    expect(Object.keys(desc.records[0]).sort()).toEqual(['routeNo', 'stops']);
    const stops = desc.records.map((r: { stops: number }) => r.stops);
    expect([...stops].sort((a, b) => b - a)).toEqual(stops);
    const text = (await ckan(app, 'datastore_search', { resource_id: rid, q: '闽运' })).json().result;
    expect(text.total).toBeGreaterThan(0);
    expect(text.records.every((r: { operator: string }) => r.operator.includes('闽运'))).toBe(true);
    const multi = (await ckan(app, 'datastore_search', { resource_id: rid, filters: { fare: [2] }, limit: 1000 })).json().result;
    expect(multi.records.every((r: { fare: number }) => r.fare === 2)).toBe(true);
    // Offset paging and a total estimated by the planner when above the threshold (statistics as autovacuum keeps them).
    await sql`ANALYZE resource_rows`.execute(app.database.db);
    const est = (await ckan(app, 'datastore_search', { resource_id: rid, limit: 3, offset: 3, total_estimation_threshold: 10 })).json().result;
    expect(est.total_was_estimated).toBe(true);
    expect(est.total).toBeGreaterThan(120);
    expect(est.total).toBeLessThan(480);
    expect(est.records).toHaveLength(3);
    // The REST rows API shows the same with problem+json errors and rate-limit headers.
    const rest = await app.inject({ method: 'GET', url: `/api/opendata/datasets/zjj-bus-routes/rows?limit=2&filters=${encodeURIComponent('{"district":"鼓楼区"}')}` });
    expect(rest.statusCode).toBe(200);
    expect(rest.headers['x-ratelimit-limit']).toBeDefined();
    expect(rest.json().cursor).toBeTruthy();
    expectProblem(await app.inject({ method: 'GET', url: '/api/opendata/datasets/zjj-bus-routes/rows?filters=%7Bnope' }), 400, 'DATASTORE_QUERY_INVALID', 'querystring/filters');
  });

  it('access levels: account datasets need a sign-in; conditional ones an approved application', async () => {
    const points = await apiResource('xzspj-service-points');
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: points }), 403, 'Authorization Error');
    expectProblem(await app.inject({ method: 'GET', url: '/api/opendata/datasets/xzspj-service-points/download/csv' }), 401, 'DATASET_SIGN_IN_REQUIRED');
    const citizen = await personLogin(app, zhang);
    expect((await ckan(app, 'datastore_search', { resource_id: points, limit: 1 }, { client: citizen })).json().result.records).toHaveLength(1);

    const med = await apiResource('wjw-medical-institutions');
    await app.services.opendata.flushStats(); // the usage counters above, not a timer's flush in the middle
    const before = await tableCounts(app);
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: med }, { client: citizen }), 403, 'Authorization Error');
    expectProblem(await citizen.req('GET', '/api/opendata/datasets/wjw-medical-institutions/download/json'), 403, 'ACCESS_APPROVAL_REQUIRED');
    expectProblem(await citizen.req('POST', '/api/opendata/datasets/wjw-medical-institutions/access-requests', { purpose: '研究医疗资源分布', acceptTerms: false }), 400, 'TERMS_NOT_ACCEPTED');
    expectProblem(await citizen.req('POST', '/api/opendata/datasets/zjj-bus-routes/access-requests', { purpose: '研究医疗资源分布', acceptTerms: true }), 409, 'NOT_CONDITIONAL');
    expect(await tableCounts(app)).toEqual(before);
    const applied = await citizen.req('POST', '/api/opendata/datasets/wjw-medical-institutions/access-requests', { purpose: '研究医疗资源分布', acceptTerms: true });
    expect(applied.statusCode, applied.body).toBe(200);
    expectProblem(await citizen.req('POST', '/api/opendata/datasets/wjw-medical-institutions/access-requests', { purpose: '再次申请一次', acceptTerms: true }), 409, 'ACCESS_ALREADY_REQUESTED');
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: med }, { client: citizen }), 403, 'Authorization Error');
    // Another department's admin cannot decide it; the big-data bureau's data admin can.
    const scjg = await staffLogin(app, 'scjg.admin');
    expect((await scjg.req('GET', '/api/admin/opendata/access-requests')).json()).toEqual([]);
    expectProblem(await scjg.req('POST', `/api/admin/opendata/access-requests/${applied.json().id}/decide`, { approve: true }), 404, 'NOT_FOUND');
    const dsj = await staffLogin(app, 'dsj.data');
    const pending = (await dsj.req('GET', '/api/admin/opendata/access-requests?status=pending')).json();
    expect(pending.map((g: { id: string }) => g.id)).toContain(applied.json().id);
    const ok = await dsj.req('POST', `/api/admin/opendata/access-requests/${applied.json().id}/decide`, { approve: true });
    expect(ok.statusCode, ok.body).toBe(200);
    expectProblem(await dsj.req('POST', `/api/admin/opendata/access-requests/${applied.json().id}/decide`, { approve: false }), 409, 'ACCESS_ALREADY_DECIDED');
    const rows = (await ckan(app, 'datastore_search', { resource_id: med, limit: 2 }, { client: citizen })).json();
    expect(rows.success).toBe(true);
    expect(rows.result.records).toHaveLength(2);
    const inbox = (await citizen.req('GET', '/api/notifications')).json();
    expect(JSON.stringify(inbox)).toMatch(/医疗机构名录/);
    // Others still need their own approval.
    const other = await personLogin(app, li);
    expectCkanError(await ckan(app, 'datastore_search', { resource_id: med }, { client: other }), 403, 'Authorization Error');
  });

  it('refuses to publish personal data: by column metadata, by sampled values, a resource not open; nothing is published', async () => {
    const svc = app.services.resources;
    const ctx = systemAdminContext('test');
    const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
    const f = (name: string, label: string, type: 'string' | 'integer' = 'string') => ({ name, label, type, personal: false, sensitive: false });
    // Looks harmless by its metadata; the values are ID numbers and mobiles.
    const sneaky = await svc.create(ctx, { code: 'ZJJ.PERMITS_SNEAKY', name: '施工许可登记（测试）', providerDepartmentId: zjj.id, subjectKind: 'none', keyField: 'no', fields: [f('no', '编号'), f('code', '登记代码'), f('contact', '联系方式')], sharingClass: 'unconditional', openClass: 'unconditional', updateFrequency: 'monthly' });
    const row = (await svc.getRow(app.database.db, sneaky.id))!;
    await app.database.db.transaction().execute((trx) =>
      svc.upsertRows(trx, row, people.slice(0, 4).map((p, i) => ({ data: { no: `P${i}`, code: p.idNumber, contact: `1380013800${i}` } }))),
    );
    const named = await svc.create(ctx, { code: 'ZJJ.PERMITS_NAMED', name: '施工许可联系人（测试）', providerDepartmentId: zjj.id, subjectKind: 'none', keyField: 'no', fields: [f('no', '编号'), f('applicant_name', '申请人姓名')], sharingClass: 'unconditional', openClass: 'unconditional', updateFrequency: 'monthly' });
    const dsj = await staffLogin(app, 'dsj.data');
    const scjg = await staffLogin(app, 'scjg.admin');
    await app.services.opendata.flushStats(); // earlier usage counters, not a timer's flush in the middle
    const before = await tableCounts(app);
    const body = (resourceId: string, extra: object = {}) => ({ resourceId, accessLevel: 'open', licence: 'cc-by-4.0', themes: ['REGI'], ...extra });
    const p1 = expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(sneaky.id)), 422, 'PERSONAL_DATA_DETECTED', 'body/fields');
    expect(p1.findings).toEqual(expect.arrayContaining([expect.objectContaining({ column: 'code', kind: 'id_number', by: 'values' }), expect.objectContaining({ column: 'contact', kind: 'mobile', by: 'values' })]));
    const p2 = expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(named.id)), 422, 'PERSONAL_DATA_DETECTED');
    expect(p2.findings).toEqual([expect.objectContaining({ column: 'applicant_name', kind: 'person_name', by: 'metadata' })]);
    const pop = await svc.get('GAJ.POPULATION');
    expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(pop.id)), 409, 'RESOURCE_NOT_OPENABLE');
    const med = await svc.get('WJW.MEDICAL_INSTITUTIONS');
    expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(med.id)), 409, 'ACCESS_LEVEL_NOT_ALLOWED', 'body/accessLevel');
    const bus = await svc.get('ZJJ.BUS_ROUTES');
    expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(bus.id)), 409, 'DATASET_ALREADY_PUBLISHED');
    expectProblem(await dsj.req('POST', '/api/admin/opendata/datasets', body(bus.id, { themes: ['NOPE'] })), 400, 'THEME_UNKNOWN');
    // Another department's admin may not publish ZJJ's resource.
    expectProblem(await scjg.req('POST', '/api/admin/opendata/datasets', body(named.id, { fields: ['no'] })), 403, 'FORBIDDEN');
    expect(await tableCounts(app)).toEqual(before);
    // The dry run says the same, and publishing only the non-personal field works.
    const dry = (await dsj.req('POST', '/api/admin/opendata/check', { resourceId: named.id, fields: ['no'] })).json();
    expect(dry).toMatchObject({ ok: true, findings: [] });
    const ok = await dsj.req('POST', '/api/admin/opendata/datasets', body(named.id, { fields: ['no'] }));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().columns.map((c: { name: string }) => c.name)).toEqual(['no']);
  });

  it('ratings: signed-in people rate 1–5 once (again to change); shown on the dataset', async () => {
    const a = await personLogin(app, zhang);
    const b = await personLogin(app, li);
    expectProblem(await app.inject({ method: 'PUT', url: '/api/opendata/datasets/dsj-air-quality/rating', payload: { stars: 5 } }), 401, 'UNAUTHENTICATED');
    expectProblem(await a.req('PUT', '/api/opendata/datasets/dsj-air-quality/rating', { stars: 6 }), 400, 'VALIDATION_FAILED');
    expect((await a.req('PUT', '/api/opendata/datasets/dsj-air-quality/rating', { stars: 2, comment: '缺少历史数据' })).statusCode).toBe(200);
    expect((await a.req('PUT', '/api/opendata/datasets/dsj-air-quality/rating', { stars: 4, comment: '很好用' })).json()).toMatchObject({ average: 4, count: 1 });
    expect((await b.req('PUT', '/api/opendata/datasets/dsj-air-quality/rating', { stars: 5 })).json()).toMatchObject({ average: 4.5, count: 2 });
    const list = (await app.inject({ method: 'GET', url: '/api/opendata/datasets/dsj-air-quality/ratings' })).json();
    expect(list.items).toHaveLength(2);
    expect(list.items.some((i: { by: string }) => i.by.includes('*'))).toBe(true);
    expect((await ckan(app, 'package_show', { id: 'dsj-air-quality' })).json().result.rating).toEqual({ average: 4.5, count: 2 });
  });

  it('data requests: matched to resources not yet open, routed, answered within the deadline, requester told when published', async () => {
    const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
    const res = await app.services.resources.create(systemAdminContext('test'), {
      code: 'ZJJ.PARKING',
      name: '公共停车场',
      description: '公共停车场名称、地址、泊位数和收费标准',
      providerDepartmentId: zjj.id,
      subjectKind: 'none',
      keyField: 'lotId',
      fields: [{ name: 'lotId', label: '停车场编号', type: 'string', personal: false, sensitive: false }, { name: 'spaces', label: '泊位数', type: 'integer', personal: false, sensitive: false }],
      sharingClass: 'unconditional',
      openClass: 'unconditional',
      updateFrequency: 'monthly',
    });
    const citizen = await personLogin(app, zhang);
    const created = await ckan(app, 'datarequest_create', { title: '公共停车场', description: '希望开放公共停车场的泊位数据，便于出行', purpose: '开发停车小程序' }, { post: true, client: citizen });
    expect(created.statusCode, created.body).toBe(200);
    const dr = created.json().result;
    expect(dr).toMatchObject({ closed: false, organization_id: zjj.id, organization: { name: 'fz-zjj' } });
    expect(dr.matches).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'resource', id: res.id, open: false })]));
    expect(new Date(dr.due_time).getTime()).toBeGreaterThan(Date.now() + 7 * 86_400_000);
    expect((await ckan(app, 'datarequest_show', { id: dr.id })).json().result.title).toBe('公共停车场');
    const idx = (await ckan(app, 'datarequest_index', { organization_id: 'fz-zjj' })).json().result;
    expect(idx.result.map((x: { id: string }) => x.id)).toContain(dr.id);
    // Someone else may not edit or close it.
    const other = await personLogin(app, li);
    expectCkanError(await ckan(app, 'datarequest_update', { id: dr.id, title: '改掉' }, { post: true, client: other }), 404, 'Not Found Error');
    expect((await ckan(app, 'datarequest_update', { id: dr.id, title: '公共停车场泊位' }, { post: true, client: citizen })).json().result.title).toBe('公共停车场泊位');
    // The department sees it; publishing the matching resource closes it and tells the requester.
    const dsj = await staffLogin(app, 'dsj.data');
    expect((await dsj.req('GET', '/api/admin/opendata/requests')).json().items.map((x: { id: string }) => x.id)).toContain(dr.id);
    const pub = await dsj.req('POST', '/api/admin/opendata/datasets', { resourceId: res.id, accessLevel: 'open', licence: 'cc0-1.0', themes: ['TRAN'] });
    expect(pub.statusCode, pub.body).toBe(200);
    const after = (await ckan(app, 'datarequest_show', { id: dr.id })).json().result;
    expect(after).toMatchObject({ closed: true, accepted_dataset_id: pub.json().id });
    const inbox = (await citizen.req('GET', '/api/notifications')).json();
    expect(JSON.stringify(inbox)).toMatch(/公共停车场/);

    // A request answered by the department: the requester is notified.
    const r2 = (await citizen.req('POST', '/api/opendata/requests', { title: '企业信用数据', description: '希望开放企业信用评价结果' })).json();
    const ans = await dsj.req('POST', `/api/admin/opendata/requests/${r2.id}/answer`, { kind: 'will_open', answer: '已列入下一批开放计划' });
    expect(ans.statusCode, ans.body).toBe(200);
    expect(ans.json()).toMatchObject({ status: 'answered', answerKind: 'will_open' });
    expect(JSON.stringify((await citizen.req('GET', '/api/notifications')).json())).toMatch(/已列入下一批开放计划/);

    // Unanswered past the deadline: the timer marks it overdue.
    const r3 = (await citizen.req('POST', '/api/opendata/requests', { title: '学校招生范围', description: '希望开放学区划分数据' })).json();
    await sql`UPDATE opendata_requests SET due_at = now() - interval '1 minute' WHERE id = ${r3.id}`.execute(app.database.db);
    await sql`UPDATE jobs SET run_at = now() - interval '1 minute' WHERE queue = 'opendata.request_due' AND dedupe_key = ${r3.id}`.execute(app.database.db);
    await app.services.jobs.drain();
    const overdue = (await app.inject({ method: 'GET', url: `/api/opendata/requests/${r3.id}` })).json();
    expect(overdue).toMatchObject({ overdue: true, status: 'open' });
    // The requester closes their own.
    expect((await ckan(app, 'datarequest_close', { id: r3.id }, { post: true, client: citizen })).json().result.closed).toBe(true);
    expectCkanError(await ckan(app, 'datarequest_close', { id: r3.id }, { post: true, client: citizen }), 409, 'Validation Error');
  });

  it('downloads CSV (BOM, header, formula-safe), JSON and XLSX; statistics count views, downloads and API calls', async () => {
    const csv = await app.inject({ method: 'GET', url: '/api/opendata/datasets/zjj-bus-routes/download/csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.startsWith('\ufeffrouteNo,name,from,to')).toBe(true);
    expect(csv.body.trim().split('\r\n')).toHaveLength(241);
    const json = (await app.inject({ method: 'GET', url: '/api/opendata/datasets/zjj-bus-routes/download/json' })).json();
    expect(json.records).toHaveLength(240);
    const x = await app.inject({ method: 'GET', url: '/api/opendata/datasets/dsj-air-quality/download/xlsx' });
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(1 + 315);
    expect(ws.getRow(1).getCell(1).value).toBe('记录编号');
    expectProblem(await app.inject({ method: 'GET', url: '/api/opendata/datasets/zjj-bus-routes/download/pdf' }), 400, 'FORMAT_UNKNOWN');
    await app.inject({ method: 'GET', url: '/api/opendata/datasets/zjj-bus-routes' });
    const stats = (await app.inject({ method: 'GET', url: '/api/opendata/statistics' })).json();
    const bus = stats.datasets.find((d: { name: string }) => d.name === 'zjj-bus-routes');
    expect(bus.downloads).toBeGreaterThanOrEqual(2);
    expect(bus.views).toBeGreaterThanOrEqual(1);
    expect(bus.apiCalls).toBeGreaterThanOrEqual(1);
    expect(stats.departments.find((d: { organization: string }) => d.organization === 'fz-zjj').downloads).toBeGreaterThanOrEqual(2);
    const { openDataUsage } = await import('./index');
    const usage = await openDataUsage(app.database.db, { from: stats.from, to: stats.to });
    expect(usage.find((u) => u.departmentId === bus.departmentId)!.downloads).toBe(bus.downloads);
  });

  it('the published catalog as DCAT-AP 3 validates against the official SHACL shapes, in Turtle, RDF/XML and JSON-LD, paged', async () => {
    const { validateQuads, parseTurtle, parseRdfXml, parseJsonLd, canonical } = await import('./opendata.shacl');
    const ttl = await app.inject({ method: 'GET', url: '/api/opendata/dcat/catalog?format=ttl' });
    expect(ttl.headers['content-type']).toMatch(/^text\/turtle/);
    const quads = parseTurtle(ttl.body);
    const report = await validateQuads(quads);
    expect(report.violations).toEqual([]);
    expect(ttl.body).toMatch(/dqv:isMeasurementOf/);
    const xml = await app.inject({ method: 'GET', url: '/api/opendata/dcat/catalog', headers: { accept: 'application/rdf+xml' } });
    expect(xml.headers['content-type']).toMatch(/^application\/rdf\+xml/);
    const json = await app.inject({ method: 'GET', url: '/api/opendata/dcat/catalog?format=jsonld' });
    expect(json.headers['content-type']).toMatch(/^application\/ld\+json/);
    // Same graph, except the page URL that names the format.
    const strip = (q: string[]) => q.filter((l) => !l.includes('format='));
    expect(strip(canonical(await parseRdfXml(xml.body)))).toEqual(strip(canonical(quads)));
    expect(strip(canonical(await parseJsonLd(json.body)))).toEqual(strip(canonical(quads)));
    // Paging: two per page, following hydra:nextPage until there is none.
    const names = new Set<string>();
    let url: string | null = '/api/opendata/dcat/catalog?format=ttl&pageSize=2';
    for (let i = 0; url && i < 10; i++) {
      const body = (await app.inject({ method: 'GET', url })).body;
      for (const m of body.matchAll(/<http:\/\/yiwang\.test\/api\/opendata\/datasets\/([0-9a-f-]{36})> a dcat:Dataset/g)) names.add(m[1]);
      const next = /hydra:nextPage "([^"]+)"/.exec(body);
      url = next ? next[1].replace('http://yiwang.test', '') : null;
    }
    expect(names.size).toBe((await ckan(app, 'package_list')).json().result.length);
    const one = await app.inject({ method: 'GET', url: '/api/opendata/datasets/dsj-air-quality/dcat?format=ttl' });
    expect((await validateQuads(parseTurtle(one.body))).violations).toEqual([]);
    expect(one.body).toMatch(/dqv:UserQualityFeedback/);
  });

  it('withdrawing a dataset removes it from search and lists it as withdrawn in the DCAT change feed', async () => {
    const dsj = await staffLogin(app, 'dsj.data');
    // Taken just before the withdrawal: earlier changes (the demo datasets, earlier tests) are not in the feed.
    const since = new Date().toISOString();
    const w = await dsj.req('POST', '/api/admin/opendata/datasets/dsj-air-quality/withdraw', { reason: '数据核查' });
    expect(w.statusCode, w.body).toBe(200);
    expect(w.json().state).toBe('deleted');
    expect((await ckan(app, 'package_list')).json().result).not.toContain('dsj-air-quality');
    expectCkanError(await ckan(app, 'package_show', { id: 'dsj-air-quality' }), 404, 'Not Found Error');
    const feed = await app.inject({ method: 'GET', url: `/api/opendata/dcat/catalog?format=ttl&modified_since=${encodeURIComponent(since)}` });
    expect(feed.statusCode).toBe(200);
    expect(feed.body).toMatch(/adms:status <http:\/\/purl.org\/adms\/status\/Withdrawn>/);
    expect(feed.body).toMatch(/hydra:totalItems 1;/);
  });
});

describe('row API rate limit', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp('pglite', { OPENDATA_ANON_RATE_PER_MINUTE: 3, OPENDATA_RATE_PER_MINUTE: 5 });
  }, 300_000);
  afterAll(async () => app?.close());

  it('counts per token (or address), sends X-RateLimit-* and answers 429 past the limit', async () => {
    const url = '/api/opendata/datasets/zjj-bus-routes/rows?limit=1';
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await app.inject({ method: 'GET', url });
      codes.push(r.statusCode);
      expect(r.headers['x-ratelimit-limit']).toBe('3');
      expect(r.headers['x-ratelimit-remaining']).toBe(String(Math.max(0, 2 - i)));
      if (r.statusCode === 429) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        expectProblem(r, 429, 'RATE_LIMITED');
      }
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    // The CKAN API shares the budget and answers in its envelope.
    const pkg = (await app.inject({ method: 'GET', url: '/api/3/action/package_show?id=zjj-bus-routes' })).json().result;
    const api = pkg.resources.find((r: { format: string }) => r.format === 'API').id;
    const c = await app.inject({ method: 'GET', url: `/api/3/action/datastore_search?resource_id=${api}` });
    expect(c.statusCode).toBe(429);
    expect(c.json()).toMatchObject({ success: false, error: { __type: 'Rate Limit Error' } });
    // A signed-in account has its own, larger budget.
    const citizen = await personLogin(app, zhang);
    const mine = await citizen.req('GET', url);
    expect(mine.statusCode).toBe(200);
    expect(mine.headers['x-ratelimit-limit']).toBe('5');
  });

  it('CKAN clients send the API token bare (Authorization: <token>): accepted on /api/3/action/*, with its own budget', async () => {
    const token = (await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: 'demo-client-secret-ybj-2026' } })).json().access_token as string;
    expect(token).toBeTruthy();
    const pkg = (await app.inject({ method: 'GET', url: '/api/3/action/package_show?id=xzspj-service-points' })).json().result;
    const api = pkg.resources.find((r: { format: string }) => r.format === 'API').id;
    const url = `/api/3/action/datastore_search?resource_id=${api}&limit=1`;
    // An account-level dataset (anonymous callers are refused: see "access levels"); the bare token is a signed-in client.
    const ok = await app.inject({ method: 'GET', url, headers: { authorization: token } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().result.records).toHaveLength(1);
    expect(ok.headers['x-ratelimit-limit']).toBe('5');
    // CKAN's other header, and POST as ckanapi does.
    expect((await app.inject({ method: 'POST', url: '/api/3/action/datastore_search', headers: { 'x-ckan-api-key': token }, payload: { resource_id: api, limit: 1 } })).statusCode).toBe(200);
    // A bare token that is not one of ours is refused in the CKAN envelope.
    expectCkanError(await app.inject({ method: 'GET', url, headers: { authorization: 'x'.repeat(43) } }), 403, 'Authorization Error');
    expect((await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('counts in the database: limiters of separate processes share one exact budget per window', async () => {
    let now = Date.UTC(2026, 10, 25, 4, 0, 10);
    const a = new RateWindows(app.database.db, () => now);
    const b = new RateWindows(app.database.db, () => now);
    expect((await a.hit('k:test', 2)).allowed).toBe(true);
    expect(await b.hit('k:test', 2)).toMatchObject({ allowed: true, remaining: 0, limit: 2, reset: 50 });
    expect((await a.hit('k:test', 2)).allowed).toBe(false);
    expect((await b.hit('k:other', 2)).allowed).toBe(true);
    now += 50_000; // the next minute: a fresh window
    expect(await b.hit('k:test', 2)).toMatchObject({ allowed: true, remaining: 1, reset: 60 });
  });
});
