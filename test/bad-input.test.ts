/**
 * Bad input gets a 4xx application/problem+json naming the problem (stable code, Chinese and
 * English message, the offending field) and changes nothing: every table keeps its row count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from './helpers';
import { people } from '../apps/server/src/demo/data';

describe.each(DB_KINDS)('bad input on %s', (kind) => {
  let app: FastifyInstance;
  let admin: Client;
  let citizen: Client;
  beforeAll(async () => {
    app = await testApp(kind);
    admin = await staffLogin(app, 'admin');
    citizen = await personLogin(app, people[0].idNumber);
  });
  afterAll(async () => app?.close());

  const dept = { code: 'TEST-BUREAU', name: '测试局', nameEn: 'Test Bureau', regionCode: '350102' };

  const cases: [string, () => Promise<LightMyRequestResponse>, number, string, string?][] = [
    ['malformed JSON', () => app.inject({ method: 'POST', url: '/api/admin/departments', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, payload: '{"code": "X",' }), 400, 'MALFORMED_JSON', 'body'],
    ['a wrong type', () => admin.req('POST', '/api/admin/departments', { ...dept, regionCode: 350102 }), 400, 'VALIDATION_FAILED', 'body/regionCode'],
    ['a number as a string', () => app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'admin', password: 'Yiwang@2026', totp: 123456 } }), 400, 'VALIDATION_FAILED', 'body/totp'],
    ['an unknown field', () => admin.req('POST', '/api/admin/departments', { ...dept, budget: 1 }), 400, 'VALIDATION_FAILED', 'body/budget'],
    ['a missing field', () => admin.req('POST', '/api/admin/departments', { code: 'X1', name: '测试局', regionCode: '350102' }), 400, 'VALIDATION_FAILED', 'body/nameEn'],
    ['an oversize body', () => admin.req('POST', '/api/admin/departments', { ...dept, name: 'x'.repeat(1024 * 1024 + 10) }), 413, 'PAYLOAD_TOO_LARGE', 'body'],
    ['an unsupported content type', () => app.inject({ method: 'POST', url: '/api/admin/departments', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an invalid credit code (check character)', () => admin.req('POST', '/api/admin/departments', { ...dept, uscc: '91350100M000100Y44' }), 400, 'USCC_INVALID', 'body/uscc'],
    ['an unknown region code', () => admin.req('POST', '/api/admin/departments', { ...dept, regionCode: '359999' }), 400, 'REGION_UNKNOWN', 'body/regionCode'],
    ['a region outside this node', () => admin.req('POST', '/api/admin/departments', { ...dept, regionCode: '110101' }), 400, 'REGION_OUTSIDE_NODE', 'body/regionCode'],
    ['an invalid ID number (check digit)', () => citizen.req('POST', '/api/mandates', { agentIdNumber: people[1].idNumber.slice(0, 17) + (people[1].idNumber.endsWith('1') ? '2' : '1'), scope: ['*'], reason: '委托', validUntil: '2031-01-01T00:00:00Z' }), 400, 'ID_NUMBER_INVALID', 'body/agentIdNumber'],
    ['an ID number of the wrong shape', () => citizen.req('POST', '/api/mandates', { agentIdNumber: '12345', scope: ['*'], reason: '委托', validUntil: '2031-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED', 'body/agentIdNumber'],
    ['a query parameter of the wrong type', () => admin.req('GET', '/api/audit?limit=lots'), 400, 'VALIDATION_FAILED', 'querystring/limit'],
    ['a query parameter out of range', () => admin.req('GET', '/api/audit?limit=100000'), 400, 'VALIDATION_FAILED', 'querystring/limit'],
    ['a malformed id in the path', () => admin.req('PATCH', '/api/admin/staff/not-a-uuid', { unlock: true }), 400, 'VALIDATION_FAILED', 'params/id'],
    ['an unknown route', () => admin.req('GET', '/api/nothing-here'), 404, 'ROUTE_NOT_FOUND'],
    ['a missing CSRF token', () => app.inject({ method: 'POST', url: '/api/admin/departments', headers: { cookie: admin.cookie, 'content-type': 'application/json' }, payload: JSON.stringify(dept) }), 403, 'CSRF_TOKEN_INVALID'],
    ['no credentials', () => app.inject({ method: 'POST', url: '/api/admin/departments', payload: dept }), 401, 'UNAUTHENTICATED'],
    ['a forged session cookie', () => app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'yw_session=forged' } }), 401, 'UNAUTHENTICATED'],
  ];

  it.each(cases)('refuses %s and changes nothing', async (_name, send, status, code, field) => {
    const before = await tableCounts(app);
    const res = await send();
    expectProblem(res, status, code, field);
    expect(await tableCounts(app)).toEqual(before);
  });

  it('refuses an expired session with SESSION_EXPIRED and changes nothing', async () => {
    const c = await staffLogin(app, 'gaj.decider');
    await app.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('account_id', '=', c.me.account.id).execute();
    const before = await tableCounts(app);
    const res = await c.req('POST', '/api/admin/departments', dept);
    expectProblem(res, 401, 'SESSION_EXPIRED');
    expect(await tableCounts(app)).toEqual(before);
  });

  it('accepts the same department once it is valid (the cases above were refused for their fault alone)', async () => {
    const res = await admin.req('POST', '/api/admin/departments', dept);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code: 'TEST-BUREAU', regionName: '福建省福州市鼓楼区' });
    const again = await admin.req('POST', '/api/admin/departments', dept);
    expectProblem(again, 409, 'DEPARTMENT_CODE_TAKEN', 'body/code');
  });
});
