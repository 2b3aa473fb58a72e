/**
 * The catalog through the real HTTP stack, on PGlite and on PostgreSQL: the demo catalog, versions,
 * the linter, bundles and their critical path, packages, search, and bad input that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DB_KINDS, staffLogin, tableCounts, testApp, type Client, expectProblem } from '../../../../../test/helpers';
import { sampleBundleContent, sampleItemContent, samplePackage } from './catalog.fixtures';
import { lintItem } from './catalog.linter';
import type { ItemContent } from './catalog.schemas';
import { demoBundleId, demoItemId } from './demo/seed';

const q = (s: string) => encodeURIComponent(s);

describe.each(DB_KINDS)('catalog on %s', (kind) => {
  let app: FastifyInstance;
  let admin: Client;
  let scjg: Client; // dept_admin of FZ-SCJGJ
  let xzsp: Client; // dept_admin of FZ-XZSPJ
  let window: Client;
  let depts: Map<string, string>;
  let n = 0;
  const get = (url: string) => app.inject({ method: 'GET', url });

  beforeAll(async () => {
    app = await testApp(kind);
    [admin, scjg, xzsp, window] = await Promise.all([staffLogin(app, 'admin'), staffLogin(app, 'scjg.admin'), staffLogin(app, 'xzsp.admin'), staffLogin(app, 'scjg.window')]);
    depts = new Map((await get('/api/departments')).json().map((d: { code: string; id: string }) => [d.code, d.id]));
  });
  afterAll(async () => app?.close());

  async function createPublished(c: Client, content: ItemContent) {
    const created = await c.req('POST', '/api/admin/catalog/items', content);
    expect(created.statusCode, created.body).toBe(201);
    const published = await c.req('POST', `/api/admin/catalog/items/${created.json().id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    return created.json().id as string;
  }

  describe('the demo catalog', () => {
    it('has at least 60 items in at least 12 departments and the six bundles, all passing the linter', async () => {
      const acc = (await get('/api/catalog/accuracy')).json();
      expect(acc.items).toBeGreaterThanOrEqual(60);
      expect(acc.bundles).toBeGreaterThanOrEqual(6);
      expect(acc.departments.length).toBeGreaterThanOrEqual(12);
      expect(acc.withErrors).toBe(0);
      expect(acc.withWarnings).toBe(0);
      expect(acc.score).toBe(100);
      const bundles = (await get('/api/catalog/bundles')).json().map((b: { name: string }) => b.name);
      for (const name of ['企业开办', '新生儿出生', '开办餐饮店', '退休', '二手房转移登记及水电气过户', '员工录用']) expect(bundles.join('|')).toContain(name);
      // Re-lint every published version with the linter itself: no errors anywhere.
      const rows = await app.database.db.selectFrom('catalog_item_versions').select(['content']).execute();
      for (const r of rows) expect(lintItem(r.content as unknown as ItemContent & { regionCode: string }).filter((f) => f.severity !== 'info')).toEqual([]);
    });

    it('shows a guide with labels, 免提交 materials and the process', async () => {
      const g = (await get(`/api/catalog/items/${demoItemId('gaj.newborn-hukou')}`)).json();
      expect(g).toMatchObject({ kind: 'item', version: 1, status: 'published', name: '出生登记（新生儿入户）', handlingKind: { code: 'immediate', zh: '即办件' } });
      expect(g.implementationCode).toMatch(/^0700201001-350100-11350100.{10}-001$/);
      expect(g.department.name).toBe('福州市公安局');
      expect(g.materials.find((m: { key: string }) => m.key === 'birthCertificate')).toMatchObject({ exempt: true, sourceLabel: { zh: '电子证照（免提交）' } });
      expect(g.exemptCount).toBe(g.materialCount);
      expect(g.process.stages.map((s: { role: string }) => s.role)).toEqual(['window_clerk', 'decider']);
    });

    it('computes the newborn bundle time as the critical path, not the sum', async () => {
      const b = (await get(`/api/catalog/bundles/${demoBundleId('newborn')}`)).json();
      // 出生医学证明 1 → 户口 1 → 医保 1 → 社保卡 10 = 13; the sum of all five is 23.
      expect(b.timing.promisedDays).toBe(13);
      expect(b.timing.sumPromisedDays).toBe(23);
      expect(b.timing.criticalPath).toEqual([demoItemId('wjw.birth-certificate'), demoItemId('gaj.newborn-hukou'), demoItemId('ybj.resident-enrol'), demoItemId('rsj.ss-card')]);
      // birthCertificateNo comes from the first item's result: not asked.
      expect(Object.keys(b.mergedForm.schema.properties)).not.toContain('birthCertificateNo');
      expect(b.mergedForm.mapping.applicantName.length).toBeGreaterThan(1);
    });
  });

  describe('versions', () => {
    it('edits a draft, publishes immutable numbered versions, retires keeping history, audits each step', async () => {
      const dept = depts.get('FZ-SCJGJ')!;
      const created = await scjg.req('POST', '/api/admin/catalog/items', sampleItemContent(dept, ++n, { name: '版本测试事项' }));
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id;
      expect(created.json()).toMatchObject({ status: 'draft', latestVersion: null });
      expect((await get(`/api/catalog/items/${id}`)).statusCode).toBe(404); // drafts are not public
      expect((await scjg.req('POST', `/api/admin/catalog/items/${id}/publish`)).json()).toMatchObject({ status: 'published', latestVersion: 1, draft: null });
      // A guide carries an ETag: the same bytes again are a 304; a new version is new bytes.
      const g1 = await get(`/api/catalog/items/${id}`);
      const etag1 = g1.headers.etag as string;
      expect(etag1).toMatch(/^"[\w-]{27}"$/);
      expect(g1.headers['cache-control']).toBe('public, no-cache');
      const again = await app.inject({ method: 'GET', url: `/api/catalog/items/${id}`, headers: { 'if-none-match': etag1 } });
      expect([again.statusCode, again.body]).toEqual([304, '']);
      expect((await app.inject({ method: 'GET', url: `/api/catalog/items/${id}/versions/1`, headers: { 'if-none-match': `W/${etag1}` } })).statusCode).toBe(304);
      await scjg.req('PUT', `/api/admin/catalog/items/${id}/draft`, sampleItemContent(dept, n, { name: '版本测试事项（修订）' }));
      // The public guide still shows version 1 until the draft is published.
      expect((await get(`/api/catalog/items/${id}/versions/1`)).json().name).toBe('版本测试事项');
      const v2 = await scjg.req('POST', `/api/admin/catalog/items/${id}/publish`);
      expect(v2.json().versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect((await get(`/api/catalog/items/${id}/versions/1`)).json().name).toBe('版本测试事项');
      expect((await get(`/api/catalog/items/${id}/versions/2`)).json()).toMatchObject({ name: '版本测试事项（修订）', isLatest: true });
      const g2 = await app.inject({ method: 'GET', url: `/api/catalog/items/${id}`, headers: { 'if-none-match': etag1 } });
      expect(g2.statusCode).toBe(200);
      expect(g2.json().version).toBe(2);
      expect(g2.headers.etag).not.toBe(etag1);
      const rec = await app.services.catalog.getPublishedVersion(id, 1);
      expect(rec?.content.name).toBe('版本测试事项');
      expect((await get(`/api/catalog/search?q=${q('版本测试事项')}`)).json().items.map((i: { id: string }) => i.id)).toContain(id);

      expect((await scjg.req('POST', `/api/admin/catalog/items/${id}/retire`, { reason: '事项调整' })).json()).toMatchObject({ status: 'retired', retiredReason: '事项调整' });
      expect((await get(`/api/catalog/search?q=${q('版本测试事项')}`)).json().items.map((i: { id: string }) => i.id)).not.toContain(id);
      expect((await get(`/api/catalog/items/${id}`)).json()).toMatchObject({ status: 'retired', version: 2 });
      expect((await get(`/api/catalog/items/${id}/versions/1`)).statusCode).toBe(200);
      expect(await app.services.catalog.getLatestPublished(id)).toMatchObject({ version: 2, retired: true });

      const actions = (await app.database.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).orderBy('id').execute()).map((a) => a.action);
      expect(actions).toEqual(['catalog.item.create', 'catalog.item.publish', 'catalog.item.draft', 'catalog.item.publish', 'catalog.item.retire']);
    });

    it("keeps department admins to their own department's items; officers read", async () => {
      const id = demoItemId('scjg.change');
      const before = await tableCounts(app);
      expectProblem(await xzsp.req('PUT', `/api/admin/catalog/items/${id}/draft`, sampleItemContent(depts.get('FZ-SCJGJ')!, ++n)), 403, 'CATALOG_NOT_YOUR_DEPARTMENT');
      expectProblem(await xzsp.req('POST', '/api/admin/catalog/items', sampleItemContent(depts.get('FZ-SCJGJ')!, ++n)), 403, 'CATALOG_NOT_YOUR_DEPARTMENT');
      expectProblem(await window.req('POST', '/api/admin/catalog/items', sampleItemContent(depts.get('FZ-SCJGJ')!, ++n)), 403, 'ROLE_NOT_ALLOWED');
      expect(await tableCounts(app)).toEqual(before);
      expect((await window.req('GET', `/api/admin/catalog/items/${id}`)).json()).toMatchObject({ id, status: 'published' });
    });
  });

  describe('the linter', () => {
    const dept = () => depts.get('FZ-SCJGJ')!;
    const broken: [string, (c: ItemContent) => ItemContent, string][] = [
      ['depth IV with a visit', (c) => ({ ...c, visits: 1, visitsReason: '核验', window: { address: '大厅', hours: '工作日', phone: '12345' } }), 'DEPTH4_REQUIRES_ZERO_VISITS'],
      ['zero visits but a paper original', (c) => ({ ...c, materials: c.materials.map((m) => (m.key === 'plan' ? { ...m, format: 'original' as const } : m)) }), 'ZERO_VISITS_PAPER_ORIGINAL'],
      ['即办件 promising three days', (c) => ({ ...c, handlingKind: 'immediate' as const, promisedLimit: { days: 3, note: '' }, process: { ...c.process, stages: c.process.stages.map((s) => ({ ...s, budgetDays: 1 })) } }), 'IMMEDIATE_PROMISED_OVER_ONE_DAY'],
      ['a fee without a payment step', (c) => ({ ...c, onlinePayment: true, fees: [{ name: '工本费', standard: '10 元', amount: 10, basis: '《收费标准》' }] }), 'FEE_WITHOUT_PAYMENT_STEP'],
      ['a payment step without a fee', (c) => ({ ...c, process: { ...c.process, payment: { afterStage: 'review', budgetDays: 0 } } }), 'PAYMENT_STEP_WITHOUT_FEE'],
      ['a stage checking a material that does not exist', (c) => ({ ...c, process: { ...c.process, stages: c.process.stages.map((s, i) => (i === 0 ? { ...s, materials: ['ghost'] } : s)) } }), 'MATERIAL_REFERENCE_UNKNOWN'],
      ['a form field naming a material that does not exist', (c) => ({ ...c, form: { ...c.form, properties: { ...(c.form.properties as object), ghostFile: { type: 'string', 'x-material': 'ghost' } } } }), 'MATERIAL_REFERENCE_UNKNOWN'],
      ['stage budgets over the promised time', (c) => ({ ...c, process: { ...c.process, stages: c.process.stages.map((s) => ({ ...s, budgetDays: 4 })) } }), 'STAGE_BUDGET_EXCEEDS_PROMISED'],
      ['personal data in a guide', (c) => ({ ...c, faq: [{ q: '联系谁？', a: '请致电 13812345678' }] }), 'PERSONAL_DATA_IN_GUIDE'],
    ];
    it.each(broken)('saves a draft with %s, shows the finding and refuses to publish', async (_name, edit, rule) => {
      const created = await scjg.req('POST', '/api/admin/catalog/items', edit(sampleItemContent(dept(), ++n)));
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().draftFindings.map((f: { rule: string }) => f.rule)).toContain(rule);
      const before = await tableCounts(app);
      const res = await scjg.req('POST', `/api/admin/catalog/items/${created.json().id}/publish`);
      const body = expectProblem(res, 422, 'CATALOG_LINT_ERRORS');
      expect(body.findings.map((f: { rule: string }) => f.rule)).toContain(rule);
      expect(await tableCounts(app)).toEqual(before);
    });
  });

  describe('bundles', () => {
    it('derives the critical path, one merged form and deduplicated materials; publishing pins item versions', async () => {
      const dept = depts.get('FZ-SCJGJ')!;
      const a = await createPublished(scjg, sampleItemContent(dept, ++n, { name: '前置事项', promisedLimit: { days: 1, note: '压缩' }, process: { stages: [{ key: 'decide', name: '决定', role: 'decider', budgetDays: 1, kind: 'single' }], payment: null } }));
      const b = await createPublished(scjg, sampleItemContent(dept, ++n, { name: '后续事项甲' }));
      const c = await createPublished(scjg, sampleItemContent(dept, ++n, { name: '后续事项乙', promisedLimit: { days: 3, note: '压缩' }, process: { stages: [{ key: 'decide', name: '决定', role: 'decider', budgetDays: 3, kind: 'single' }], payment: null } }));
      const created = await scjg.req('POST', '/api/admin/catalog/bundles', sampleBundleContent(dept, [a, b, c], `test-${++n}`));
      expect(created.statusCode, created.body).toBe(201);
      const d = created.json().draftDerived;
      expect(d.timing).toMatchObject({ promisedDays: 6, sumPromisedDays: 9, criticalPath: [a, b] });
      // uscc is asked once (for the first item); the others get it from its result.
      expect(Object.keys(d.mergedForm.schema.properties).sort()).toEqual(['enterpriseName', 'planFile', 'uscc']);
      expect(d.mergedForm.mapping.uscc).toEqual([{ itemId: a, field: 'uscc' }]);
      expect(d.mergedForm.mapping.enterpriseName).toHaveLength(3);
      expect(d.mergedForm.filledByResults).toHaveLength(2);
      // 营业执照 and 经营方案 asked by all three items: listed once each.
      expect(d.materials.map((m: { name: string }) => m.name).sort()).toEqual(['经营方案', '营业执照']);
      expect(d.materials.find((m: { name: string }) => m.name === '营业执照').exempt).toBe(true);
      const published = await scjg.req('POST', `/api/admin/catalog/bundles/${created.json().id}/publish`);
      expect(published.statusCode, published.body).toBe(200);
      const rec = await app.services.catalog.getPublishedBundleVersion(created.json().id, 1);
      expect(rec?.derived.itemVersions).toEqual({ [a]: 1, [b]: 1, [c]: 1 });
      // An item in a published bundle cannot be retired from under it.
      expectProblem(await scjg.req('POST', `/api/admin/catalog/items/${b}/retire`, { reason: '测试' }), 409, 'ITEM_IN_BUNDLE');
    });

    it('marks a material 免提交 when an earlier item of the bundle issues it', async () => {
      const dept = depts.get('FZ-SCJGJ')!;
      const base = sampleItemContent(dept, ++n, { name: '出证事项', result: { kind: 'certificate', name: '测试证明' }, expressDelivery: true });
      const a = await createPublished(scjg, base);
      const needs = sampleItemContent(dept, ++n, { name: '用证事项' });
      needs.materials = [...needs.materials, { key: 'proof', name: '测试证明', requirement: 'required', format: 'electronic', copies: 1, acceptance: '有效', source: { kind: 'applicant' }, reuseGrade: 'C' }];
      const b = await createPublished(scjg, needs);
      const created = await scjg.req('POST', '/api/admin/catalog/bundles', sampleBundleContent(dept, [a, b], `cover-${++n}`));
      const proof = created.json().draftDerived.materials.find((m: { name: string }) => m.name === '测试证明');
      expect(proof).toMatchObject({ exempt: true, source: { kind: 'bundle_result', itemId: a } });
    });

    it('refuses a cyclic bundle and changes nothing', async () => {
      const [x, y] = [demoItemId('scjg.establishment'), demoItemId('scjg.food')];
      const before = await tableCounts(app);
      const res = await scjg.req('POST', '/api/admin/catalog/bundles', sampleBundleContent(depts.get('FZ-SCJGJ')!, [x, y], `cycle-${++n}`, {
        dependencies: [{ from: x, to: y, result: '营业执照' }, { from: y, to: x, result: '食品经营许可证' }],
      }));
      const body = expectProblem(res, 400, 'BUNDLE_CYCLE', 'body/dependencies');
      expect(body.message.zh).toContain('→');
      expect(await tableCounts(app)).toEqual(before);
    });
  });

  describe('packages (一地创新、多地复用)', () => {
    let pkg: Record<string, any>;
    const xmDepts: Record<string, string> = {};

    beforeAll(async () => {
      const res = await scjg.req('POST', '/api/admin/catalog/packages/export', { name: '企业开办实践包', version: '1.2.0', items: [], bundles: [demoBundleId('business-startup')] });
      expect(res.statusCode, res.body).toBe(200);
      pkg = res.json();
      // Xiamen's departments: the market regulator exists; make the others.
      xmDepts['FZ-SCJGJ'] = depts.get('XM-SCJGJ')!;
      for (const [code, name] of [['XM-GAJ', '厦门市公安局'], ['XM-SWJ', '国家税务总局厦门市税务局'], ['XM-RSJ', '厦门市人力资源和社会保障局'], ['XM-GJJ', '厦门市住房公积金中心']]) {
        const d = await admin.req('POST', '/api/admin/departments', { code, name, nameEn: code, regionCode: '350200' });
        expect(d.statusCode, d.body).toBe(201);
        xmDepts[{ 'XM-GAJ': 'FZ-GAJ', 'XM-SWJ': 'FZ-SWJ', 'XM-RSJ': 'FZ-RSJ', 'XM-GJJ': 'FZ-GJJ' }[code]!] = d.json().id;
      }
    });

    it('exports a signed, versioned package with department codes instead of ids', () => {
      expect(pkg).toMatchObject({ format: 'yiwang.catalog.package', formatVersion: 1, version: '1.2.0', signature: { alg: 'Ed25519' } });
      expect(pkg.items).toHaveLength(5);
      expect(pkg.bundles).toHaveLength(1);
      expect(pkg.departments.map((d: { code: string }) => d.code).sort()).toEqual(['FZ-GAJ', 'FZ-GJJ', 'FZ-RSJ', 'FZ-SCJGJ', 'FZ-SWJ']);
      expect(JSON.stringify(pkg.items)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    });

    it('previews an import into Xiamen with departments and regions remapped, changing nothing', async () => {
      const before = await tableCounts(app, ['audit_log']);
      const res = await admin.req('POST', '/api/admin/catalog/packages/preview', { package: pkg, departmentMap: xmDepts, regionMap: { '350100': '350200' } });
      expect(res.statusCode, res.body).toBe(200);
      const p = res.json();
      expect(p.dryRun).toBe(true);
      expect(p.package.signer).toBe(pkg.signature.keyId);
      expect(p.items).toHaveLength(5);
      const est = p.items.find((i: { name: string }) => i.name === '企业设立登记（有限责任公司）');
      expect(est.action).toBe('update'); // Xiamen already has this item (same basic code, department, region)
      expect(est.implementationCode).toContain('-350200-');
      expect(est.departmentId).toBe(depts.get('XM-SCJGJ'));
      expect(p.items.filter((i: { action: string }) => i.action === 'create')).toHaveLength(4);
      // Fuzhou's bundle has the code here already: Xiamen's variant is told apart by its region.
      expect(p.bundles[0]).toMatchObject({ action: 'create', code: 'business-startup-350200' });
      expect(await tableCounts(app, ['audit_log'])).toEqual(before);
    });

    it('imports as drafts in one transaction; the drafts publish', async () => {
      const res0 = await admin.req('POST', '/api/admin/catalog/packages/import', { package: pkg, departmentMap: xmDepts, regionMap: { '350100': '350200' } });
      expect(res0.statusCode, res0.body).toBe(200);
      const r = res0.json();
      const created = r.items.filter((i: { action: string }) => i.action === 'create');
      for (const i of created) {
        const item = (await admin.req('GET', `/api/admin/catalog/items/${i.id}`)).json();
        expect(item).toMatchObject({ status: 'draft', regionCode: '350200' });
        expect(item.draftFindings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
        expect((await admin.req('POST', `/api/admin/catalog/items/${i.id}/publish`)).statusCode).toBe(200);
      }
      const audit = await app.database.db.selectFrom('audit_log').select('action').where('entity_id', '=', r.package.id).execute();
      expect(audit.map((a) => a.action)).toContain('catalog.package.import');
    });

    it('refuses a tampered package and changes nothing', async () => {
      const tampered = structuredClone(pkg);
      tampered.items[0].content.promisedLimit.days = 0;
      const before = await tableCounts(app);
      expectProblem(await admin.req('POST', '/api/admin/catalog/packages/import', { package: tampered, departmentMap: xmDepts, regionMap: {} }), 400, 'PACKAGE_SIGNATURE_INVALID', 'body/package/signature');
      expectProblem(await admin.req('POST', '/api/admin/catalog/packages/import', { package: pkg, departmentMap: xmDepts, regionMap: {}, trustedKeyIds: ['someone-else'] }), 400, 'PACKAGE_SIGNER_UNTRUSTED');
      expect(await tableCounts(app)).toEqual(before);
    });

    it('refuses an oversize package, an unmapped department, and an invalid entry — all or nothing', async () => {
      const before = await tableCounts(app);
      const big = { ...structuredClone(pkg), padding: 'x'.repeat(4 * 1024 * 1024 + 10) };
      expectProblem(await admin.req('POST', '/api/admin/catalog/packages/import', { package: big, departmentMap: xmDepts, regionMap: {} }), 413, 'PACKAGE_TOO_LARGE', 'body/package');
      const foreign = samplePackage('NO-SUCH-DEPT', '110100', ++n);
      expectProblem(await admin.req('POST', '/api/admin/catalog/packages/import', { package: foreign, departmentMap: {}, regionMap: {} }), 400, 'PACKAGE_DEPARTMENT_UNMAPPED', 'body/departmentMap/NO-SUCH-DEPT');
      // A valid package whose second item breaks a rule: the first is not created either.
      const two = samplePackage('FZ-SCJGJ', '350100', ++n) as unknown as Record<string, any>;
      const second = structuredClone(two.items[0]);
      second.ref = 'item:second';
      second.content.handlingItem = '998';
      second.content.promisedLimit = { days: 99, note: '' };
      const { loadSigningKey, newSigningKey, signPackage } = await import('./catalog.package');
      const withTwo: Record<string, any> = { ...two, items: [two.items[0], second] };
      const { signature: _s, ...body } = withTwo;
      const signed = signPackage(body as never, loadSigningKey(newSigningKey()));
      const res = await admin.req('POST', '/api/admin/catalog/packages/import', { package: signed, departmentMap: {}, regionMap: {} });
      const problem = expectProblem(res, 400, 'PROMISED_EXCEEDS_LEGAL');
      expect(problem.field).toBe('body/package/items/1/content/promisedLimit/days');
      expect(await tableCounts(app)).toEqual(before);
    });
  });

  describe('search', () => {
    const search = async (query: string) => (await get(`/api/catalog/search?${query}`)).json();
    const names = (r: { items: { name: string }[] }) => r.items.map((i) => i.name);

    it('follows synonyms: 身份证 finds 居民身份证, 执照 finds 营业执照, 社保 finds 社会保险', async () => {
      expect(names(await search(`q=${q('身份证补办')}`))[0]).toBe('居民身份证遗失补领');
      expect(names(await search(`q=${q('执照补办')}&limit=3`))).toContain('营业执照遗失补领');
      const r = await search(`q=${q('社保')}&limit=20`);
      expect(names(r)).toContain('用人单位社会保险登记');
      expect(r.query.terms[0]).toEqual(expect.arrayContaining(['社保', '社会保险']));
    });

    it('understands life events: 生孩子 → 新生儿出生一件事, 开公司 → 企业开办一件事, 我要开饭店', async () => {
      expect(names(await search(`q=${q('生孩子')}`))[0]).toBe('新生儿出生一件事');
      expect(names(await search(`q=${q('我想开公司')}`))[0]).toBe('企业开办一件事');
      expect(names(await search(`q=${q('我要开饭店')}&limit=3`))).toContain('开办餐饮店一件事');
      expect(names(await search(`q=${q('二手房过户')}`))[0]).toBe('二手房转移登记及水电气过户一件事');
    });

    it('filters by department, region, type, object, theme, cross-province and depth, with facet counts', async () => {
      const all = await search(`q=${q('营业执照')}&limit=50`);
      expect(all.total).toBeGreaterThan(5);
      expect(all.facets.type.reduce((s: number, f: { count: number }) => s + f.count, 0)).toBe(all.total);
      const gaj = depts.get('FZ-GAJ')!;
      const idAll = await search(`q=${q('身份证')}&limit=50`);
      const byDept = await search(`q=${q('身份证')}&department=${gaj}&limit=50`);
      expect(byDept.items.every((i: { departmentId: string }) => i.departmentId === gaj)).toBe(true);
      expect(byDept.total).toBe(idAll.facets.department.find((f: { value: string }) => f.value === gaj).count);
      const xiamen = await search(`q=${q('企业设立登记')}&region=350200`);
      expect(names(xiamen)).toContain('企业设立登记（有限责任公司）（厦门市）');
      expect(names(xiamen)).not.toContain('企业设立登记（有限责任公司）');
      const gulou = await search(`q=${q('个体工商户')}&region=350102`);
      expect(names(gulou).sort()).toEqual(['个体工商户设立登记', '个体工商户设立登记（鼓楼区）']); // its own and its city's
      const cross = await search(`crossProvince=true&limit=50`);
      expect(cross.items.length).toBeGreaterThan(3);
      expect(cross.items.every((i: { crossProvince: boolean }) => i.crossProvince)).toBe(true);
      const deep = await search(`q=${q('许可')}&depth=4&type=administrative_licensing&object=legal_person&limit=50`);
      expect(deep.items.every((i: { onlineDepth: number; itemType: string; serviceObjects: string[] }) => i.onlineDepth === 4 && i.itemType === 'administrative_licensing' && i.serviceObjects.includes('legal_person'))).toBe(true);
      const births = await search(`theme=birth&limit=50`);
      expect(births.items.every((i: { themes: string[] }) => i.themes.includes('birth'))).toBe(true);
      expect(births.facets.theme.find((f: { value: string }) => f.value === 'birth').count).toBe(births.total);
    });

    it('indexes each distinct text once, counting the entries that share it (same signature as the migration)', async () => {
      const { sql } = await import('kysely');
      const dept = depts.get('FZ-SCJGJ')!;
      const name = '共享文本测试事项';
      const a = await createPublished(scjg, sampleItemContent(dept, 601, { name }));
      const b = await createPublished(scjg, sampleItemContent(dept, 602, { name }));
      const docs = async () =>
        (await sql<{ sig: string; again: string; entries: number }>`SELECT sig, md5(concat_ws(chr(31), kind, name, item_type, array_to_string(service_objects, ','), array_to_string(themes, ','), depth::text, cross_province::text, snippet, array_to_string(name_terms, ','), array_to_string(terms, ','))) AS again, entries
          FROM catalog_search_docs WHERE name = ${name}`.execute(app.database.db)).rows;
      const [doc] = await docs();
      expect(doc).toMatchObject({ entries: 2, again: doc.sig });
      const r = await search(`q=${q(name)}`);
      expect(r).toMatchObject({ total: 2, totalExact: true, facetsExact: true });
      expect(r.items.map((i: { id: string }) => i.id).sort()).toEqual([a, b].sort());
      expect(r.facets.department).toEqual([expect.objectContaining({ value: dept, count: 2 })]);
      await scjg.req('POST', `/api/admin/catalog/items/${a}/retire`, { reason: '测试' });
      expect((await docs())[0].entries).toBe(1);
      expect((await search(`q=${q(name)}`)).items.map((i: { id: string }) => i.id)).toEqual([b]);
      await scjg.req('POST', `/api/admin/catalog/items/${b}/retire`, { reason: '测试' });
      expect(await docs()).toEqual([]);
      expect((await search(`q=${q(name)}&kind=item`)).total).toBe(0);
    });

    it('highlights matches in names and materials, HTML-safe', async () => {
      const r = await search(`q=${q('出生医学证明')}&limit=5`);
      const hit = r.items.find((i: { name: string }) => i.name === '出生登记（新生儿入户）');
      expect(hit.highlight.matches.join()).toContain('<mark>出生医学证明</mark>');
      expect(r.items[0].highlight.name).toContain('<mark>');
    });

    it('suggests as you type, following synonyms', async () => {
      const s = (await get(`/api/catalog/suggest?q=${q('营业')}`)).json();
      expect(s.suggestions.map((x: { text: string }) => x.text)).toContain('营业执照遗失补领');
      expect(s.suggestions[0].highlight).toContain('<mark>营业');
      const life = (await get(`/api/catalog/suggest?q=${q('生孩子')}`)).json();
      expect(life.suggestions.map((x: { text: string }) => x.text)).toContain('新生儿出生一件事');
    });

    it('relaxes a query nothing matches in full, and ranks by use', async () => {
      const r = await search(`q=${q('营业执照 火星')}`);
      expect(r.query.relaxed).toBe(true);
      expect(r.items.length).toBeGreaterThan(0);
      // Reading a guide counts a use; the more used of two similar items ranks first.
      const target = demoItemId('gjj.rent');
      for (let i = 0; i < 5; i++) await get(`/api/catalog/items/${target}`);
      await app.services.catalog.flushUses();
      const after = await search(`q=${q('提取公积金')}`);
      expect(after.items[0]).toMatchObject({ id: target, uses: 5 });
    });
  });

  describe('bad input is refused with the rule it breaks, and changes nothing', () => {
    const dept = () => depts.get('FZ-SCJGJ')!;
    const cases: [string, () => Promise<LightMyRequestResponse>, number, string, string?][] = [
      ['an unknown department', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent('00000000-0000-4000-8000-000000000001', 501)), 400, 'DEPARTMENT_UNKNOWN', 'body/departmentId'],
      ['an unknown stage department', () => admin.req('POST', '/api/admin/catalog/items', (() => { const c = sampleItemContent(dept(), 502); c.process.stages[1].department = '00000000-0000-4000-8000-000000000001'; return c; })()), 400, 'DEPARTMENT_UNKNOWN', 'body/process/stages/1/department'],
      ['time limits that contradict each other', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent(dept(), 503, { promisedLimit: { days: 30, note: '' } })), 400, 'PROMISED_EXCEEDS_LEGAL', 'body/promisedLimit/days'],
      ['a form that is not valid JSON Schema', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent(dept(), 504, { form: { type: 'object', properties: { a: { type: 'strnig' } } } })), 400, 'FORM_SCHEMA_INVALID', 'body/form/properties/a/type'],
      ['a form with a misspelt keyword', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent(dept(), 505, { form: { type: 'object', properties: { a: { type: 'string', maxLenght: 3 } } } })), 400, 'FORM_SCHEMA_INVALID', 'body/form/properties/a/maxLenght'],
      ['an unknown theme', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent(dept(), 506, { themes: ['moon_landing'] })), 400, 'THEME_UNKNOWN', 'body/themes/0'],
      ['an unknown region', () => admin.req('POST', '/api/admin/catalog/items', sampleItemContent(dept(), 507, { regionCode: '359999' })), 400, 'REGION_UNKNOWN', 'body/regionCode'],
      ['duplicate material keys', () => admin.req('POST', '/api/admin/catalog/items', (() => { const c = sampleItemContent(dept(), 508); c.materials.push({ ...c.materials[1] }); return c; })()), 400, 'MATERIAL_KEY_DUPLICATE', 'body/materials/2/key'],
      ['a missing field', () => admin.req('POST', '/api/admin/catalog/items', (() => { const { name: _n, ...c } = sampleItemContent(dept(), 509); return c; })()), 400, 'VALIDATION_FAILED', 'body/name'],
      ['a taken implementation code', () => admin.req('POST', '/api/admin/catalog/items', { ...sampleItemContent(dept(), 510), basicCode: '0100101002', handlingItem: '001' }), 409, 'IMPLEMENTATION_CODE_TAKEN'],
      ['a bundle with an unknown item', () => admin.req('POST', '/api/admin/catalog/bundles', sampleBundleContent(dept(), [demoItemId('scjg.food'), '00000000-0000-4000-8000-000000000002'], 'bad-bundle')), 400, 'ITEM_UNKNOWN', 'body/items/1/itemId'],
      ['a bundle item depending on itself', () => admin.req('POST', '/api/admin/catalog/bundles', sampleBundleContent(dept(), [demoItemId('scjg.food'), demoItemId('scjg.change')], 'self-bundle', { dependencies: [{ from: demoItemId('scjg.food'), to: demoItemId('scjg.food'), result: 'x' }] })), 400, 'BUNDLE_DEPENDENCY_SELF', 'body/dependencies/0'],
      ['an oversize package (over the route limit)', () => admin.req('POST', '/api/admin/catalog/packages/import', { package: { padding: 'x'.repeat(9 * 1024 * 1024) }, departmentMap: {}, regionMap: {} }), 413, 'PAYLOAD_TOO_LARGE'],
      ['a package in an unknown format', () => admin.req('POST', '/api/admin/catalog/packages/import', { package: { format: 'zip' }, departmentMap: {}, regionMap: {} }), 400, 'PACKAGE_FORMAT_INVALID', 'body/package'],
      ['a search parameter of the wrong type', () => app.inject({ method: 'GET', url: '/api/catalog/search?depth=deep' }), 400, 'VALIDATION_FAILED', 'querystring/depth'],
      ['a version that does not exist', () => app.inject({ method: 'GET', url: `/api/catalog/items/${demoItemId('scjg.food')}/versions/99` }), 404, 'NOT_FOUND'],
    ];
    it.each(cases)('refuses %s', async (_name, send, status, code, field) => {
      const before = await tableCounts(app);
      expectProblem(await send(), status, code, field);
      expect(await tableCounts(app)).toEqual(before);
    });
  });
});
