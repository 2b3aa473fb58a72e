/**
 * The printable receipt with its QR code, and the scope of an agent's mandate (代办), over HTTP on
 * both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { departmentId, ok, publish, testItem, threeStages, useTestClock } from './applications.testing';

const form = { applicantName: '张伟', mobile: '13800591001', reason: '回执测试' };

describe.each(DB_KINDS)('receipts and mandates on %s', (kind) => {
  let app: FastifyInstance;
  let zhang: Client;
  let li: Client;
  let window: Client;
  let itemA: string;
  let itemB: string;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `rcpt-key-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    useTestClock(app, '2025-09-25T02:00:00Z');
    const gaj = await departmentId(app, 'FZ-GAJ');
    ({ items: [itemA, itemB] } = await publish(app, [
      testItem({ name: '回执测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
      testItem({ name: '委托范围外事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
    ]));
    zhang = await personLogin(app, people[0].idNumber);
    li = await personLogin(app, people[1].idNumber);
    window = await staffLogin(app, 'gaj.window');
  });
  afterAll(async () => app?.close());

  it('prints the submission receipt, then the acceptance receipt, as HTML with a QR code of the tracking URL', async () => {
    const a = ok(await zhang.req('POST', '/api/applications', { itemId: itemA, formData: form, submit: true }, idem()), 201);
    const r1 = await zhang.req('GET', `/api/applications/${a.id}/receipt`);
    expect(r1.statusCode).toBe(200);
    expect(r1.headers['content-type']).toMatch(/text\/html/);
    expect(r1.body).toContain('收件回执');
    expect(r1.body).toContain(a.number);
    expect(r1.body).toMatch(/<svg[^>]*>.*<path/s);
    expect(r1.body).toContain(`/portal/applications/${a.id}`);
    const t = (ok(await window.req('GET', '/api/tasks')) as { id: string; applicationId: string }[]).find((x) => x.applicationId === a.id)!;
    ok(await window.req('POST', `/api/tasks/${t.id}/accept`, {}));
    const r2 = await zhang.req('GET', `/api/applications/${a.id}/receipt`);
    expect(r2.body).toContain('受理回执');
    expect(r2.body).toContain('2025-10-09');
    // Not someone else's; not a draft's.
    await expectProblem(await li.req('GET', `/api/applications/${a.id}/receipt`), 404, 'NOT_FOUND');
    const d = ok(await zhang.req('POST', '/api/applications', { itemId: itemA, formData: form }), 201);
    await expectProblem(await zhang.req('GET', `/api/applications/${d.id}/receipt`), 409, 'RECEIPT_NOT_YET');
  });

  it('an agent applies only for what the mandate covers', async () => {
    const codeA = (await app.services.catalog.getPublishedVersion(itemA, 1))!.implementationCode;
    const m = await zhang.req('POST', '/api/mandates', { agentIdNumber: people[1].idNumber, scope: [codeA], reason: '委托办理回执测试事项', validUntil: '2030-01-01T00:00:00Z' });
    expect(m.statusCode, m.body).toBe(201);
    const agent = await personLogin(app, people[1].idNumber);
    const principal = (agent.me.options.principals as { id: string; displayName: string }[]).find((p) => p.id === zhang.me.account.id)!;
    ok(await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id }));
    const refused = await agent.req('POST', '/api/applications', { itemId: itemB, formData: form, submit: true }, idem());
    const p = await expectProblem(refused, 403, 'MANDATE_SCOPE');
    expect(p.message.zh).toContain('委托范围外事项');
    const okA = ok(await agent.req('POST', '/api/applications', { itemId: itemA, formData: form, submit: true }, idem()), 201);
    expect(okA.applicant).toMatchObject({ onBehalf: true });
  });
});
