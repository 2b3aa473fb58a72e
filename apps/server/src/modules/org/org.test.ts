/**
 * Departments edited by a platform admin (机构改革: a bureau renamed, moved under another): names,
 * credit code, kind and parent change, the code and region stay, the audit entry keeps the values
 * before and after; bad input is refused with the field and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { orgCodeCheckChar, usccCheckChar } from '../../shared/validators';
import { DB_KINDS, expectProblem, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';

describe.each(DB_KINDS)('departments on %s', (kind) => {
  let app: FastifyInstance;
  let admin: Client;
  beforeAll(async () => {
    app = await testApp(kind);
    admin = await staffLogin(app, 'admin');
  });
  afterAll(async () => app?.close());

  // A valid credit code: authority 1 (organs), region 350100, organisation code MB0F0001 + its check character.
  const first17 = `11350100MB0F0001${orgCodeCheckChar('MB0F0001')}`;
  const USCC = first17 + usccCheckChar(first17);

  const create = async (code: string, extra: Record<string, unknown> = {}) => {
    const res = await admin.req('POST', '/api/admin/departments', { code, name: `${code}局`, nameEn: `${code} Bureau`, regionCode: '350102', ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; code: string };
  };

  it('renames a department and moves it under another; the audit keeps before and after', async () => {
    const parent = await create('ORG-PARENT');
    const d = await create('ORG-RENAME');
    const res = await admin.req('PATCH', `/api/admin/departments/${d.id}`, { name: '鼓楼区数据资源管理局', nameEn: 'Gulou Data Resources Bureau', parentId: parent.id, kind: 'authorised_org' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: d.id, code: 'ORG-RENAME', name: '鼓楼区数据资源管理局', nameEn: 'Gulou Data Resources Bureau', regionCode: '350102', kind: 'authorised_org' });
    expect((await app.inject({ method: 'GET', url: `/api/departments/${d.id}` })).json()).toMatchObject({ name: '鼓楼区数据资源管理局' });
    const audit = await app.database.db.selectFrom('audit_log').select(['action', 'detail']).where('entity_id', '=', d.id).where('action', '=', 'org.department.update').executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ code: 'ORG-RENAME', changed: { name: { from: 'ORG-RENAME局', to: '鼓楼区数据资源管理局' }, parent_id: { from: null, to: parent.id } } });
  });

  it('refuses bad edits with the field and changes nothing', async () => {
    const top = await create('ORG-TOP', { uscc: USCC });
    const mid = await create('ORG-MID', { parentId: top.id });
    const low = await create('ORG-LOW', { parentId: mid.id });
    const officer = await staffLogin(app, 'gaj.reviewer');
    const before = await tableCounts(app);
    const cases: [() => ReturnType<Client['req']>, number, string, string?][] = [
      [() => admin.req('PATCH', `/api/admin/departments/${top.id}`, { parentId: low.id }), 400, 'DEPARTMENT_PARENT_CYCLE', 'body/parentId'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { parentId: mid.id }), 400, 'DEPARTMENT_PARENT_CYCLE', 'body/parentId'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { parentId: '00000000-0000-4000-8000-000000000000' }), 400, 'DEPARTMENT_UNKNOWN', 'body/parentId'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { uscc: USCC }), 409, 'DEPARTMENT_USCC_TAKEN', 'body/uscc'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { uscc: '91350100M000100Y44' }), 400, 'USCC_INVALID', 'body/uscc'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { name: 'ORG-MID局' }), 400, 'NOTHING_TO_CHANGE', 'body'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { code: 'ORG-NEW' }), 400, 'VALIDATION_FAILED', 'body/code'],
      [() => admin.req('PATCH', `/api/admin/departments/${mid.id}`, { name: 'x' }), 400, 'VALIDATION_FAILED', 'body/name'],
      [() => admin.req('PATCH', '/api/admin/departments/00000000-0000-4000-8000-000000000000', { name: '不存在的局' }), 404, 'NOT_FOUND'],
      [() => officer.req('PATCH', `/api/admin/departments/${mid.id}`, { name: '越权改名局' }), 403, 'ROLE_NOT_ALLOWED'],
    ];
    for (const [send, status, code, field] of cases) expectProblem(await send(), status, code, field);
    expect(await tableCounts(app)).toEqual(before);
    expect((await app.inject({ method: 'GET', url: `/api/departments/${mid.id}` })).json()).toMatchObject({ name: 'ORG-MID局', parentId: top.id });
  });
});
