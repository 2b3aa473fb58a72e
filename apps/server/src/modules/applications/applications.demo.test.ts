/**
 * The demo: 李娜 applies once for the 新生儿出生一件事 bundle that the demo catalog seeds; the demo
 * officers of the health commission, the public security bureau, the healthcare security bureau
 * and the human resources and social security bureau act through the API — the security bureau
 * and the healthcare security bureau in parallel — and each dependent item starts with the
 * result it needs (the birth certificate number, then the household number). On both databases.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { demoBundleId, demoItemId } from '../catalog';
import { ok, useTestClock } from './applications.testing';
import { multipartBody, samplePdf } from '../files/files.fixtures';

describe.each(DB_KINDS)('the 新生儿出生 bundle of the demo on %s', (kind) => {
  let app: FastifyInstance;
  let li: Client;
  const staff: Record<string, Client> = {};

  beforeAll(async () => {
    app = await testApp(kind, { DATA_DIR: mkdtempSync(join(tmpdir(), 'yw-demo-app-')) });
    useTestClock(app, '2026-03-02T01:30:00Z'); // Monday 2 March 2026, 09:30 China time
    li = await personLogin(app, people.find((p) => p.name === '李娜')!.idNumber);
    for (const d of ['wjw', 'gaj', 'ybj', 'rsj']) for (const r of ['window', 'reviewer', 'decider']) staff[`${d}.${r}`] = await staffLogin(app, `${d}.${r}`);
  });
  afterAll(async () => app?.close());

  const only = async (c: Client, applicationId: string) => {
    const list = (ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[]).filter((t) => t.applicationId === applicationId);
    expect(list, `one open task for ${applicationId}`).toHaveLength(1);
    return list[0].id;
  };
  const accept = async (d: string, id: string) => ok(await staff[`${d}.window`].req('POST', `/api/tasks/${await only(staff[`${d}.window`], id)}/accept`, { note: '材料齐全，予以受理' }));
  const review = async (d: string, id: string) => ok(await staff[`${d}.reviewer`].req('POST', `/api/tasks/${await only(staff[`${d}.reviewer`], id)}/review`, { agree: true, opinion: '符合条件' }));
  const approve = async (d: string, id: string, result?: Record<string, string>) =>
    ok(await staff[`${d}.decider`].req('POST', `/api/tasks/${await only(staff[`${d}.decider`], id)}/decide`, { approve: true, opinion: '准予', ...(result ? { result } : {}) }));

  it('is applied for once and driven to conclusion by the departments', async () => {
    const bundleId = demoBundleId('newborn');
    const guide = ok(await app.inject({ method: 'GET', url: `/api/catalog/bundles/${bundleId}` }));
    const schema = guide.mergedForm.schema as { properties: Record<string, unknown>; required: string[] };
    const answers: Record<string, string> = {
      childName: '林小宝',
      childGender: '男',
      childBirthDate: '2026-02-20',
      applicantName: '李娜',
      idNumber: people[1].idNumber,
      mobile: '13800591002',
      householdNo: '350103000567',
      bankAccount: '6222020200112233445',
      address: '福建省福州市台江区江滨中大道 100 号',
    };
    // The merged form asks each question once; the results of earlier items are not asked.
    expect(Object.keys(schema.properties).every((k) => k in answers)).toBe(true);
    expect(schema.properties).not.toHaveProperty('birthCertificateNo');
    const formData = Object.fromEntries(Object.keys(schema.properties).map((k) => [k, answers[k]]));

    // 免提交 materials come from e-licences and shared data; one the sources cannot supply
    // (李娜 holds no e-licence of that type in the demo) is uploaded after all, as the refusal says.
    const materials: { key: string; fileIds: string[] }[] = [];
    let res = await li.req('POST', '/api/applications', { bundleId, formData, submit: true, materials }, { 'idempotency-key': `newborn-${kind}-${Date.now()}` });
    for (let i = 0; i < 10 && res.statusCode === 400 && res.json().code === 'MATERIAL_UPLOAD_REQUIRED'; i++) {
      const key = res.json().material as string;
      const { payload, contentType } = multipartBody({ filename: `${key}.pdf`, contentType: 'application/pdf', data: samplePdf(key) });
      const up = await app.inject({ method: 'POST', url: '/api/files', headers: { 'content-type': contentType, cookie: li.cookie, 'x-csrf-token': li.csrf }, payload });
      materials.push({ key, fileIds: [up.json().id] });
      res = await li.req('POST', '/api/applications', { bundleId, formData, submit: true, materials }, { 'idempotency-key': `newborn-${kind}-${Date.now()}-${i}` });
    }
    const b = ok(res, 201);
    expect(b.children.every((c: { materialCounts: { total: number } }) => c.materialCounts.total > 0)).toBe(true);
    const child = (key: string) => (b.children as { id: string; item: { id: string } }[]).find((c) => c.item.id === demoItemId(key))!.id;
    const [birth, hukou, enrol, card, maternity] = ['wjw.birth-certificate', 'gaj.newborn-hukou', 'ybj.resident-enrol', 'rsj.ss-card', 'ybj.maternity'].map(child);
    expect(b.children.map((c: { state: string }) => c.state)).toEqual(['submitted', 'waiting', 'waiting', 'waiting', 'waiting']);
    expect(b.receipt).toMatchObject({ kind: 'submission_receipt', items: expect.any(Array) });

    // 1. The health commission issues the birth certificate.
    await accept('wjw', birth);
    // The decider sees which results the dependent items need before issuing.
    const birthView = ok(await staff['wjw.decider'].req('GET', `/api/tasks/${await only(staff['wjw.decider'], birth)}`));
    expect(birthView.application.resultFieldsNeeded).toEqual(['birthCertificateNo']);
    await approve('wjw', birth, { birthCertificateNo: 'Q350100260001' });
    await app.services.jobs.drain();

    // 2. Household registration and the maternity allowance start together, in two departments.
    const now = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(Object.fromEntries(now.children.map((c: { id: string; state: string }) => [c.id, c.state]))).toMatchObject({ [birth]: 'concluded', [hukou]: 'submitted', [maternity]: 'submitted', [enrol]: 'waiting', [card]: 'waiting' });
    await Promise.all([accept('gaj', hukou), accept('ybj', maternity)]);
    const hukouView = ok(await staff['gaj.decider'].req('GET', `/api/tasks/${await only(staff['gaj.decider'], hukou)}`));
    expect(hukouView.application.formData.birthCertificateNo).toBe('Q350100260001');
    expect(hukouView.application.resultFieldsNeeded).toContain('householdNo');
    await Promise.all([approve('gaj', hukou, { householdNo: '350103000567', idNumber: '350103202602200011' }), review('ybj', maternity)]);
    await approve('ybj', maternity);
    await app.services.jobs.drain();

    // 3. Medical insurance enrolment receives the household number from the registration.
    const enrolView = ok(await staff['ybj.window'].req('GET', `/api/tasks/${await only(staff['ybj.window'], enrol)}`));
    expect(enrolView.application.formData.householdNo).toBe('350103000567');
    expect(enrolView.application.received[0]).toMatchObject({ itemId: demoItemId('gaj.newborn-hukou'), result: { name: '居民户口簿（增页）', fields: { householdNo: '350103000567' } } });
    await accept('ybj', enrol);
    await approve('ybj', enrol);
    await app.services.jobs.drain();

    // 4. The social security card.
    await accept('rsj', card);
    await review('rsj', card);
    await approve('rsj', card);
    await app.services.jobs.drain();

    const done = ok(await li.req('GET', `/api/applications/${b.id}`));
    expect(done.state).toBe('concluded');
    expect(done.outcome).toEqual({ kind: 'approved' });
    expect(done.children.map((c: { result: { name: string } }) => c.result.name)).toEqual(['出生医学证明', '居民户口簿（增页）', '城乡居民医保参保信息', '社会保障卡（含电子社保卡）', '生育津贴发放']);
    // One application and one timeline for the applicant, naming the departments that acted.
    const mine = ok(await li.req('GET', '/api/applications')) as { id: string }[];
    expect(mine.filter((m) => [birth, hukou, enrol, card, maternity].includes(m.id))).toEqual([]);
    const departments = new Set(done.timeline.filter((e: { actor: { department: string | null } }) => e.actor.department).map((e: { actor: { department: string } }) => e.actor.department));
    expect([...departments].sort()).toEqual(['福州市人力资源和社会保障局', '福州市公安局', '福州市医疗保障局', '福州市卫生健康委员会'].sort());
    expect(done.timeline.at(-1).message.zh).toContain('一件事已全部办结');
  });
});
