/**
 * Materials through the HTTP API on both databases: files the applicant uploaded (owner checked),
 * 免提交 materials resolved through the MaterialSources seam (a test double stands in for the
 * licences and exchange modules) with their evidence shown to the officer, the counts oversight
 * reads, the officers' read rule on the applicant's files, and a source that says "unavailable".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import type { MaterialSourceRequest } from '../../shared/material-sources';
import { multipartBody, samplePdf } from '../files/files.fixtures';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '材料测试' };

describe.each(DB_KINDS)('materials of applications on %s', (kind) => {
  let app: FastifyInstance;
  let dataDir: string;
  let zhang: Client;
  let li: Client;
  let window: Client;
  let reviewer: Client;
  let otherDept: Client;
  let itemId: string;
  let key = 0;
  const asked: MaterialSourceRequest[] = [];
  const idem = () => ({ 'idempotency-key': `mat-key-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'yw-app-mat-'));
    app = await testApp(kind, { DATA_DIR: dataDir });
    useTestClock(app, '2025-09-25T02:00:00Z');
    // Test doubles of the licences (elicence) and exchange (shared_data) sources.
    app.services.materialSources.register({
      kind: 'elicence',
      resolve: async (_trx, _ctx, req) => {
        asked.push(req);
        const ok = req.licenceId === 'LIC-ZHANG-ID';
        return {
          status: ok ? 'resolved' : 'unavailable',
          kind: 'elicence',
          reference: ok ? req.licenceId! : null,
          verified: ok,
          data: ok ? { name: req.holder.displayName, licenceType: req.material.source.kind === 'elicence' ? req.material.source.licenceType : null } : {},
          from: ok ? '福州市公安局' : null,
          checkedAt: new Date().toISOString(),
          ...(ok ? {} : { reason: { zh: '未找到授权的有效证照', en: 'no valid authorised licence' } }),
        };
      },
    });
    app.services.materialSources.register({
      kind: 'shared_data',
      resolve: async (_trx, _ctx, req) => {
        asked.push(req);
        return { status: 'resolved', kind: 'shared_data', reference: `call-${req.purpose.applicationNo}`, verified: true, data: { householdNo: 'HH-001' }, from: '福州市公安局（户籍）', checkedAt: new Date().toISOString() };
      },
    });
    const gaj = await departmentId(app, 'FZ-GAJ');
    const item = testItem({ name: '材料测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) });
    (item as { materials: unknown[] }).materials = [
      ...item.materials,
      { key: 'idcard', name: '居民身份证', requirement: 'required', format: 'electronic', copies: 0, acceptance: '电子证照核验', source: { kind: 'elicence', licenceType: 'resident_id_card' }, reuseGrade: 'A' },
      { key: 'household', name: '户口簿', requirement: 'required', format: 'electronic', copies: 0, acceptance: '共享数据核验', source: { kind: 'shared_data', resource: '户籍信息' }, reuseGrade: 'A' },
    ];
    ({ items: [itemId] } = await publish(app, [item]));
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    window = await staffLogin(app, 'gaj.window');
    reviewer = await staffLogin(app, 'gaj.reviewer');
    otherDept = await staffLogin(app, 'scjg.window');
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (c: Client, marker: string) => {
    const { payload, contentType } = multipartBody({ filename: `${marker}.pdf`, contentType: 'application/pdf', data: samplePdf(marker) });
    const res = await app.inject({ method: 'POST', url: '/api/files', headers: { 'content-type': contentType, cookie: c.cookie, 'x-csrf-token': c.csrf }, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const taskOf = async (c: Client, applicationId: string) => {
    const list = ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[];
    return list.find((x) => x.applicationId === applicationId)!;
  };

  it('handed-in files and 免提交 materials with evidence; the officer sees and reads them; oversight counts', async () => {
    const fileId = await upload(zhang, 'statement-1');
    const a = ok(
      await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'statement', fileIds: [fileId] }, { key: 'idcard', licenceId: 'LIC-ZHANG-ID' }] }, idem()),
      201,
    );
    expect(a.materials.map((m: { key: string; status: string }) => [m.key, m.status])).toEqual([
      ['statement', 'handed_in'],
      ['idcard', 'resolved'],
      ['household', 'resolved'],
    ]);
    expect(a.materialCounts).toEqual({ total: 3, exempt: 2, elicence: 1 });
    // The applicant sees where it came from, not the data.
    expect(a.materials[1].evidence).toMatchObject({ status: 'resolved', verified: true, from: '福州市公安局' });
    expect(a.materials[1].evidence.data).toBeUndefined();
    // The sources were asked with the holder, the purpose and the authorised licence.
    const q = asked.filter((r) => r.purpose.applicationId === a.id);
    expect(q.map((r) => r.material.key).sort()).toEqual(['household', 'idcard']);
    expect(q.find((r) => r.material.key === 'idcard')).toMatchObject({ licenceId: 'LIC-ZHANG-ID', holder: { accountId: zhang.me.account.id, kind: 'person' }, purpose: { applicationNo: a.number, itemName: '材料测试事项' } });

    // The window officer sees evidence with data in the task detail, and may read the file.
    const t = await taskOf(window, a.id);
    const view = ok(await window.req('GET', `/api/tasks/${t.id}`));
    const byKey = Object.fromEntries(view.materials.map((m: { key: string }) => [m.key, m]));
    expect(byKey.household.evidence).toMatchObject({ status: 'resolved', reference: `call-${a.number}`, data: { householdNo: 'HH-001' }, verified: true });
    expect(byKey.statement.files[0]).toMatchObject({ id: fileId, mediaType: 'application/pdf' });
    expect(view.materialCounts).toEqual({ total: 3, exempt: 2, elicence: 1 });
    expect((await window.req('GET', `/api/files/${fileId}`)).statusCode).toBe(200);
    expect((await reviewer.req('GET', `/api/files/${fileId}`)).statusCode).toBe(200);
    // Another department's officer, and another citizen, may not.
    expect((await otherDept.req('GET', `/api/files/${fileId}`)).statusCode).toBe(404);
    expect((await li.req('GET', `/api/files/${fileId}`)).statusCode).toBe(404);
    const row = await app.database.db.selectFrom('applications').select(['materials_total', 'materials_exempt', 'materials_elicence']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ materials_total: 3, materials_exempt: 2, materials_elicence: 1 });

    // A supplement hands in another file; the officers may read it too.
    ok(await window.req('POST', `/api/tasks/${t.id}/request-supplement`, { items: [{ kind: 'material', key: 'statement', reason: '申请书未签字' }] }));
    const signed = await upload(zhang, 'statement-signed');
    const after = ok(await zhang.req('POST', `/api/applications/${a.id}/supplement`, { materials: [{ key: 'statement', fileId: signed }] }));
    expect(after.materials[0].files.map((f: { id: string }) => f.id)).toEqual([fileId, signed]);
    expect((await window.req('GET', `/api/files/${signed}`)).statusCode).toBe(200);
  });

  it('refuses what is not the applicant’s or not of the item; a source that says unavailable needs an upload, naming the material', async () => {
    const lisFile = await upload(li, 'li-file');
    const before = await tableCounts(app);
    await expectProblem(
      await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'statement', fileIds: [lisFile] }, { key: 'idcard', licenceId: 'LIC-ZHANG-ID' }] }, idem()),
      400,
      'MATERIAL_FILE_NOT_FOUND',
      'body/materials/0/fileIds/0',
    );
    await expectProblem(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'passport', fileIds: [] }] }, idem()), 400, 'MATERIAL_UNKNOWN', 'body/materials/0/key');
    await expectProblem(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'statement', licenceId: 'X' }] }, idem()), 400, 'MATERIAL_LICENCE_NOT_EXPECTED');
    const refused = await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'idcard', licenceId: 'LIC-SOMEONE-ELSE' }] }, idem());
    const p = await expectProblem(refused, 400, 'MATERIAL_UPLOAD_REQUIRED', 'body/materials/0/fileIds');
    expect(p.message.zh).toContain('居民身份证');
    expect(p.message.zh).toContain('未找到授权的有效证照');
    expect(await tableCounts(app)).toEqual(before);

    // Uploading it after all is accepted: the evidence stays for the officer to see.
    const scan = await upload(zhang, 'idcard-scan');
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, submit: true, materials: [{ key: 'idcard', licenceId: 'LIC-SOMEONE-ELSE', fileIds: [scan] }] }, idem()), 201);
    const idcard = a.materials.find((m: { key: string }) => m.key === 'idcard');
    expect(idcard).toMatchObject({ status: 'uploaded_instead', evidence: { status: 'unavailable' } });
    expect(a.materialCounts).toEqual({ total: 3, exempt: 1, elicence: 0 });
  });

  it('a draft keeps its materials and submits them', async () => {
    const fileId = await upload(zhang, 'draft-file');
    const d = ok(await zhang.req('POST', '/api/applications', { itemId, formData: form, materials: [{ key: 'statement', fileIds: [fileId] }] }), 201);
    expect(d.materials).toEqual([{ key: 'statement', fileIds: [fileId] }]);
    const saved = ok(await zhang.req('PUT', `/api/applications/${d.id}`, { formData: form, version: d.version, materials: [{ key: 'statement', fileIds: [fileId] }, { key: 'idcard', licenceId: 'LIC-ZHANG-ID' }] }));
    const s = ok(await zhang.req('POST', `/api/applications/${d.id}/submit`, undefined, idem()));
    expect(s.state).toBe('submitted');
    expect(s.version).toBeGreaterThan(saved.version);
    expect(s.materialCounts).toEqual({ total: 3, exempt: 2, elicence: 1 });
  });
});
