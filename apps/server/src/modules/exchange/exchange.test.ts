/**
 * The exchange on both databases: client assertions (and their replay), access requests and
 * approval, query and verification calls under grants with signed answers and receipts, every
 * refusal of the bad-input list (recorded, logged, revealing nothing), quota and expiry, revocation,
 * 数据回流 subscriptions, the shared_data material source, 我的数据使用记录 with its log proof and a
 * misuse case, and call statistics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { DB_KINDS, expectProblem, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { DEMO_CLIENT_SECRET, people, enterprises } from '../../demo/data';
import { canonicalJson } from '../transparency';
import { DEMO_CLIENT_ID, DEMO_CLIENT_PRIVATE_JWK, publicKeyFromJwk, signClientAssertion, verifyBatchSigned } from './index';
import { sha256 } from '../../shared/crypto';
import { rateMinute, withLog } from './exchange.recorder';

const zhang = people.find((p) => p.name === '张伟')!;
const wang = people.find((p) => p.name === '王秀英')!;
const rongcheng = enterprises.find((e) => e.name.includes('榕城'))!;
const TOKEN_URL = 'http://yiwang.test/api/exchange/token';

describe.each(DB_KINDS)('exchange on %s', (kind) => {
  let app: FastifyInstance;
  let dsj: Client;
  let token: string; // the exchange's own token, from a client assertion
  let bearer: string; // the identity module's client-credentials token
  let serverKey: ReturnType<typeof publicKeyFromJwk>;

  const assertion = (jti: string = randomUUID(), extra: Partial<{ aud: string; exp: number }> = {}) =>
    signClientAssertion(DEMO_CLIENT_PRIVATE_JWK, { iss: DEMO_CLIENT_ID, aud: extra.aud ?? TOKEN_URL, jti, ...(extra.exp ? { exp: extra.exp } : {}) });
  const tokenReq = (a: string) =>
    app.inject({
      method: 'POST',
      url: '/api/exchange/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a }).toString(),
    });
  const call = (path: 'query' | 'verify', body: unknown, auth = token) =>
    app.inject({ method: 'POST', url: `/api/exchange/${path}`, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const signed = (res: LightMyRequestResponse) => verifyBatchSigned(String(res.headers['x-exchange-signature']), String(res.headers['x-exchange-proof']), res.rawPayload, serverKey!);
  const refusals = async () => app.database.db.selectFrom('exchange_calls').select(['reason_code']).where('outcome', '=', 'refused').execute();

  beforeAll(async () => {
    app = await testApp(kind);
    dsj = await staffLogin(app, 'dsj.data');
    const jwks = (await app.inject({ method: 'GET', url: '/api/exchange/keys' })).json();
    serverKey = publicKeyFromJwk(jwks.keys[0]);
    const t = await tokenReq(assertion());
    expect(t.statusCode, t.body).toBe(200);
    token = t.json().access_token;
    bearer = (await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } })).json().access_token;
  });
  afterAll(async () => app?.close());

  it('issues a token for a signed client assertion once; a replayed, forged or misaddressed one is refused and audited', async () => {
    const a = assertion('replay-test-jti-0001');
    expect((await tokenReq(a)).statusCode).toBe(200);
    expectProblem(await tokenReq(a), 401, 'CLIENT_ASSERTION_REPLAYED');
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Record<string, string>;
    expectProblem(await tokenReq(signClientAssertion({ ...other, kid: DEMO_CLIENT_PRIVATE_JWK.kid }, { iss: DEMO_CLIENT_ID, aud: TOKEN_URL, jti: randomUUID() })), 401, 'CLIENT_ASSERTION_INVALID');
    expectProblem(await tokenReq(assertion(randomUUID(), { aud: 'https://elsewhere.example/token' })), 401, 'CLIENT_ASSERTION_INVALID');
    expectProblem(await tokenReq(assertion(randomUUID(), { exp: Math.floor(Date.now() / 1000) + 3600 })), 401, 'CLIENT_ASSERTION_INVALID');
    const failures = await app.database.db.selectFrom('audit_log').select(['detail']).where('action', '=', 'exchange.token').where('outcome', '=', 'failure').execute();
    expect(failures.map((f) => (f.detail as { code: string }).code)).toContain('CLIENT_ASSERTION_REPLAYED');
    // Refused before the handler (no valid token; a body the schema refuses): signed all the same.
    const unauthenticated = await call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: '张伟' }, purpose: '测试' }, 'a.b.c');
    expectProblem(unauthenticated, 401, 'UNAUTHENTICATED');
    expect(signed(unauthenticated)).toBe(true);
    const malformed = await call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: 'not an object', purpose: '测试' });
    expect(malformed.statusCode).toBe(400);
    expect(signed(malformed)).toBe(true);
  });

  it('verifies name and ID number: match or no match, nothing else, signed, with a receipt', async () => {
    const yes = await call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: '张伟' }, purpose: '医保参保登记核验身份', reference: 'YB-T-1' });
    expect(yes.statusCode, yes.body).toBe(200);
    expect(signed(yes)).toBe(true);
    // The signature covers these exact bytes: another body under the same signature and path fails.
    expect(verifyBatchSigned(String(yes.headers['x-exchange-signature']), String(yes.headers['x-exchange-proof']), yes.rawPayload.toString().replace('true', 'false'), serverKey!)).toBe(false);
    const body = yes.json();
    expect(body).toMatchObject({ kind: 'verify', resource: 'GAJ.POPULATION', outcome: 'match', match: true });
    expect(Object.keys(body).sort()).toEqual(['at', 'kind', 'log', 'match', 'outcome', 'receiptId', 'resource']);
    expect(yes.body).not.toContain('1990');
    const no = await call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: '张三' }, purpose: '医保参保登记核验身份, "复核" {二}\\ NULL', reference: 'YB-T-"2",{x}' });
    expect(no.json()).toMatchObject({ outcome: 'no_match', match: false });
    // Receipts are written as arrays (unnest): quotes, commas, braces, backslashes and "NULL" arrive intact.
    const noRec = await app.database.db.selectFrom('exchange_calls').select(['purpose', 'reference', 'fields', 'client_name']).where('id', '=', no.json().receiptId).executeTakeFirstOrThrow();
    expect(noRec).toMatchObject({ purpose: '医保参保登记核验身份, "复核" {二}\\ NULL', reference: 'YB-T-"2",{x}', fields: ['name'] });
    // An enterprise: credit code and name, with the identity module's bearer token.
    const ent = await call('verify', { resource: 'SCJGJ.ENTERPRISE', subject: rongcheng.uscc, claims: { name: rongcheng.name }, purpose: '参保单位登记核验' }, bearer);
    expect(ent.json().match).toBe(true);
    expect(signed(ent)).toBe(true);
    // The receipt is recorded with the hash of the signed result, and its batch is in the log.
    const rec = await app.database.db.selectFrom('exchange_calls').selectAll().where('id', '=', body.receiptId).executeTakeFirstOrThrow();
    const { log: _log, ...result } = body;
    expect(rec.result_hash).toBe(sha256(canonicalJson(result)));
    // The body is the logged result's canonical JSON with the log reference last.
    expect(yes.rawPayload.toString()).toBe(withLog(canonicalJson(result), body.log.leafHash));
    expect(JSON.parse(withLog('{}', 'h'))).toEqual({ log: { leafHash: 'h' } });
    await app.services.transparency.flush();
    const proof = await app.inject({ method: 'GET', url: `/api/transparency/proofs/inclusion?leafHash=${encodeURIComponent(body.log.leafHash)}` });
    expect(proof.statusCode, proof.body).toBe(200);
  });

  it('answers calls of one group commit signed together, each with its own path; a refusal among them signed too', async () => {
    const good = Array.from({ length: 6 }, (_, i) => call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: i % 2 ? '张伟' : '张三' }, purpose: '批量核验测试' }));
    const bad = call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: '张伟' } }); // no purpose
    const res = await Promise.all([...good, bad]);
    for (const r of res.slice(0, 6)) {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(signed(r)).toBe(true);
    }
    expectProblem(res[6], 400, 'PURPOSE_REQUIRED');
    expect(signed(res[6])).toBe(true);
    // Gathered into batches (one, unless the machine split them): per signature, its answers are
    // the leaves of its tree, each at its own position.
    const bySig = new Map<string, LightMyRequestResponse[]>();
    for (const r of res.slice(0, 6)) bySig.set(String(r.headers['x-exchange-signature']), [...(bySig.get(String(r.headers['x-exchange-signature'])) ?? []), r]);
    expect(bySig.size).toBeLessThan(6);
    for (const group of bySig.values()) {
      const proofs = group.map((r) => JSON.parse(String(r.headers['x-exchange-proof'])) as { index: number; size: number });
      expect(proofs.every((p) => p.size === group.length)).toBe(true);
      expect(new Set(proofs.map((p) => p.index)).size).toBe(group.length);
    }
    for (const r of res.slice(0, 6)) {
      const { log: _l, ...result } = r.json();
      const rec = await app.database.db.selectFrom('exchange_calls').select(['result_hash', 'outcome']).where('id', '=', result.receiptId).executeTakeFirstOrThrow();
      expect(rec.result_hash).toBe(sha256(canonicalJson(result)));
      expect(rec.outcome).toBe(result.outcome);
    }
  });

  it('queries only granted fields, and refuses every bad call with a reason and receipt — logged, nothing else returned', async () => {
    const ok = await call('query', { resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber, purpose: '退休人员待遇资格认定' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().records[0]).toEqual(expect.objectContaining({ name: '王秀英', status: '退休（领取待遇）' }));
    expect(Object.keys(ok.json().records[0]).sort()).toEqual(['employer', 'insuranceType', 'lastPaidMonth', 'name', 'paidMonths', 'status']);
    const before = (await refusals()).length;
    const cases: [unknown, 'query' | 'verify', number, string][] = [
      [{ resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber, fields: ['name', 'contributionBase'], purpose: '待遇认定' }, 'query', 403, 'FIELD_NOT_GRANTED'],
      [{ resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber }, 'query', 400, 'PURPOSE_REQUIRED'],
      [{ resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber, purpose: ' ' }, 'query', 400, 'PURPOSE_REQUIRED'],
      [{ resource: 'NO.SUCH', subject: wang.idNumber, purpose: '待遇认定' }, 'query', 404, 'RESOURCE_UNKNOWN'],
      [{ resource: 'BDCDJ.PROPERTY', subject: wang.idNumber, purpose: '财产核查' }, 'query', 403, 'NO_GRANT'],
      [{ resource: 'RSJ.SOCIAL_INSURANCE', subject: wang.idNumber, claims: { name: '王秀英' }, purpose: '核验' }, 'verify', 403, 'CALL_KIND_NOT_GRANTED'],
      [{ resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { ethnicity: '汉族' }, purpose: '核验' }, 'verify', 403, 'FIELD_NOT_GRANTED'],
      [{ resource: 'GAJ.POPULATION', claims: { name: '张伟' }, purpose: '核验' }, 'verify', 400, 'SUBJECT_REQUIRED'],
    ];
    for (const [body, path, status, code] of cases) {
      const res = await call(path, body);
      const p = expectProblem(res, status, code);
      expect(p.receiptId).toMatch(/^[0-9a-f-]{36}$/);
      expect(signed(res)).toBe(true);
      expect(res.body).not.toContain('王秀英');
      expect(res.body).not.toContain('records');
    }
    const after = await refusals();
    expect(after.length - before).toBe(cases.length);
  });

  it('approves a pending request into a grant that is enforced on every call: quota, expiry, revocation', async () => {
    const pending = (await dsj.req('GET', '/api/exchange/requests?state=pending')).json().items.find((r: { resource: { code: string } }) => r.resource.code === 'BDCDJ.PROPERTY');
    expect(pending).toMatchObject({ state: 'pending', canDecide: true, client: { clientId: 'fz-ybj-system' } });
    expectProblem(await (await staffLogin(app, 'ybj.data')).req('POST', `/api/exchange/requests/${pending.id}/decision`, { approve: true, reason: '同意' }), 403, 'FORBIDDEN');
    const decided = await dsj.req('POST', `/api/exchange/requests/${pending.id}/decision`, { approve: true, reason: '依据充分，同意', quotaPerDay: 2, fields: ['ownerName', 'location'] });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ state: 'approved', grant: { fields: ['ownerName', 'location'], quotaPerDay: 2, state: 'active' } });
    expectProblem(await dsj.req('POST', `/api/exchange/requests/${pending.id}/decision`, { approve: false, reason: '重复' }), 409, 'REQUEST_NOT_PENDING');
    const q = { resource: 'BDCDJ.PROPERTY', subject: zhang.idNumber, purpose: '医疗救助家庭财产核查' };
    expect((await call('query', q)).json().records[0]).toEqual({ ownerName: '张伟', location: expect.any(String) });
    expectProblem(await call('query', { ...q, fields: ['area'] }), 403, 'FIELD_NOT_GRANTED', 'body/fields');
    expect((await call('query', q)).statusCode).toBe(200);
    expectProblem(await call('query', q), 429, 'QUOTA_EXCEEDED');
    // Concurrent calls over the quota: exactly the quota is answered.
    const grantId = decided.json().grant.id;
    await app.database.db.updateTable('exchange_grants').set({ quota_per_day: 7 }).where('id', '=', grantId).execute();
    app.services.exchange.invalidate();
    const burst = await Promise.all(Array.from({ length: 10 }, () => call('query', q)));
    expect(burst.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(burst.filter((r) => r.statusCode === 429)).toHaveLength(5);
    // A per-minute rate, counted at commit like the quota (exact across processes): 2 a minute.
    await app.database.db.updateTable('exchange_grants').set({ quota_per_day: 100, rate_per_minute: 2 }).where('id', '=', grantId).execute();
    app.services.exchange.invalidate();
    const minute = rateMinute();
    const rated = await Promise.all(Array.from({ length: 5 }, () => call('query', q)));
    if (rateMinute() === minute) {
      expect(rated.filter((r) => r.statusCode === 200)).toHaveLength(2);
      expect(rated.filter((r) => r.statusCode === 429).map((r) => r.json().code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    }
    // Expired.
    await app.database.db.updateTable('exchange_grants').set({ quota_per_day: 100, rate_per_minute: null, valid_until: new Date(Date.now() - 1000) }).where('id', '=', grantId).execute();
    app.services.exchange.invalidate();
    expectProblem(await call('query', q), 403, 'GRANT_EXPIRED');
    await app.database.db.updateTable('exchange_grants').set({ valid_until: new Date(Date.now() + 86400_000) }).where('id', '=', grantId).execute();
    app.services.exchange.invalidate();
    expect((await call('query', q)).statusCode).toBe(200);
    const revoked = await dsj.req('POST', `/api/exchange/grants/${grantId}/revoke`, { reason: '核查结束' });
    expect(revoked.json().state).toBe('revoked');
    expectProblem(await call('query', q), 403, 'GRANT_REVOKED');
    // A request for a resource classed 不予共享 is refused outright; sensitive fields need a legal basis.
    const ybjData = await staffLogin(app, 'ybj.data');
    expectProblem(
      await ybjData.req('POST', '/api/exchange/requests', { resource: 'GAJ.POPULATION', kinds: ['query'], fields: ['ethnicity'], purpose: '测试用途说明', legalBasis: '', validUntil: new Date(Date.now() + 86400_000).toISOString(), quotaPerDay: 10 }),
      400,
      'LEGAL_BASIS_REQUIRED',
    );
    const stats = (await dsj.req('GET', '/api/exchange/stats')).json().rows;
    const row = stats.find((r: { resource: { code: string } }) => r.resource.code === 'BDCDJ.PROPERTY');
    expect(row.calls).toBeGreaterThan(row.answered);
    expect(row.refused).toBeGreaterThan(0);
  });

  it('feeds changes of a subscribed region (数据回流), granted fields only', async () => {
    const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const sub = await app.inject({ method: 'POST', url: '/api/exchange/subscriptions', headers: h, payload: JSON.stringify({ resource: 'GAJ.POPULATION', regionCode: '350102' }) });
    expect(sub.statusCode, sub.body).toBe(201);
    expectProblem(await app.inject({ method: 'POST', url: '/api/exchange/subscriptions', headers: h, payload: JSON.stringify({ resource: 'GAJ.POPULATION', regionCode: '350203' }) }), 403, 'REGION_OUTSIDE_CONSUMER');
    const first = await app.inject({ method: 'GET', url: `/api/exchange/subscriptions/${sub.json().id}/changes`, headers: { authorization: `Bearer ${token}` } });
    expect(first.statusCode, first.body).toBe(200);
    expect(signed(first)).toBe(true);
    expect(first.json().items.map((i: { data: { name: string } }) => i.data.name).sort()).toEqual(['张伟', '陈明']);
    expect(Object.keys(first.json().items[0].data).sort()).toEqual(['birthDate', 'gender', 'idNumber', 'name']);
    const again = await app.inject({ method: 'GET', url: `/api/exchange/subscriptions/${sub.json().id}/changes`, headers: { authorization: `Bearer ${token}` } });
    expect(again.json().items).toEqual([]);
    const pop = (await app.services.resources.getRow(app.database.db, 'GAJ.POPULATION'))!;
    await app.database.db.transaction().execute((trx) =>
      app.services.resources.upsertRows(trx, pop, [{ regionCode: '350102', data: { idNumber: zhang.idNumber, name: '张伟', gender: '男', birthDate: '1990-03-07', address: '福州市鼓楼区五四路2号', householdRegion: '350102', status: '正常' } }]),
    );
    const next = await app.inject({ method: 'GET', url: `/api/exchange/subscriptions/${sub.json().id}/changes`, headers: { authorization: `Bearer ${token}` } });
    expect(next.json().items.map((i: { data: { name: string } }) => i.data.name)).toEqual(['张伟']);
  });

  it('fetches a shared_data material for an application under the handling department’s grant', async () => {
    const source = app.services.materialSources.get('shared_data')!;
    const dept = (await app.services.org.departmentByCode('FZ-GJJ'))!;
    const acc = await app.database.db.selectFrom('accounts').select('id').where('display_name', '=', '张伟').executeTakeFirstOrThrow();
    const evidence = await app.database.db.transaction().execute((trx) =>
      source.resolve(trx, { actor: null, ip: null, requestId: 't', audited: false }, {
        material: { key: 'noProperty', name: '本市无房信息', source: { kind: 'shared_data', resource: '不动产登记信息' } },
        holder: { kind: 'person', accountId: acc.id, displayName: '张伟', idNumber: zhang.idNumber },
        purpose: { applicationId: randomUUID(), applicationNo: 'SQ-TEST-0001', itemId: randomUUID(), itemName: '住房公积金提取', departmentId: dept.id },
      }),
    );
    expect(evidence).toMatchObject({ status: 'resolved', kind: 'shared_data', verified: true, from: '福州市不动产登记中心' });
    expect(evidence.data).toMatchObject({ 权利人: '张伟' });
    const wjw = (await app.services.org.departmentByCode('FZ-WJW'))!.id;
    const unavailable = await app.database.db.transaction().execute((trx) =>
      source.resolve(trx, { actor: null, ip: null, requestId: 't', audited: false }, {
        material: { key: 'x', name: 'x', source: { kind: 'shared_data', resource: '不动产登记信息' } },
        holder: { kind: 'person', accountId: acc.id, displayName: '张伟', idNumber: zhang.idNumber },
        purpose: { applicationId: randomUUID(), applicationNo: 'SQ-TEST-0002', itemId: randomUUID(), itemName: '某事项', departmentId: wjw },
      }),
    );
    expect(unavailable.status).toBe('unavailable');
  });

  it('shows a citizen every use of their data with its log proof; a flagged use opens a case the data administrator resolves', async () => {
    const citizen = await personLogin(app, zhang.idNumber);
    await app.services.transparency.flush();
    const uses = (await citizen.req('GET', '/api/exchange/my-uses?limit=200')).json();
    expect(uses.total).toBeGreaterThan(3);
    const material = uses.items.find((u: { kind: string }) => u.kind === 'material');
    expect(material).toMatchObject({ reference: 'SQ-TEST-0001', consumer: { department: '福州住房公积金中心' }, resource: { name: '不动产登记信息' }, outcome: 'ok' });
    const verify = uses.items.find((u: { kind: string; outcome: string }) => u.kind === 'verify' && u.outcome === 'match');
    expect(verify).toMatchObject({ consumer: { department: '福州市医疗保障局', system: '福州市医保业务系统' }, fields: [{ name: 'name', label: '姓名' }] });
    expect(uses.licenceUsesAvailable).toBe(true);
    const proof = (await citizen.req('GET', `/api/exchange/my-uses/${verify.receiptId}/proof`)).json();
    expect(proof.status).toBe('included');
    expect(JSON.parse(proof.entry).calls.map((c: { receipt: string }) => c.receipt)).toContain(verify.receiptId);
    // Someone else's use is not theirs to see or flag.
    const other = await personLogin(app, wang.idNumber);
    expectProblem(await other.req('POST', `/api/exchange/my-uses/${verify.receiptId}/flag`, { reason: '不是我的记录' }), 404, 'NOT_FOUND');
    const flagged = await citizen.req('POST', `/api/exchange/my-uses/${verify.receiptId}/flag`, { reason: '我近期没有办理医保业务，怀疑被滥用' });
    expect(flagged.statusCode, flagged.body).toBe(201);
    expectProblem(await citizen.req('POST', `/api/exchange/my-uses/${verify.receiptId}/flag`, { reason: '再次反映' }), 409, 'USE_ALREADY_FLAGGED');
    const cases = (await dsj.req('GET', '/api/exchange/cases?state=open')).json().items;
    const c = cases.find((x: { call: { receiptId: string } }) => x.call.receiptId === verify.receiptId);
    expect(c).toMatchObject({ state: 'open', call: { resource: { code: 'GAJ.POPULATION' }, system: '福州市医保业务系统' } });
    const resolved = await dsj.req('POST', `/api/exchange/cases/${c.id}/resolve`, { finding: 'no_misuse', resolution: '经核实为参保登记业务正常调用' });
    expect(resolved.json()).toMatchObject({ state: 'resolved', finding: 'no_misuse' });
    const after = (await citizen.req('GET', '/api/exchange/my-uses?limit=200')).json().items.find((u: { receiptId: string }) => u.receiptId === verify.receiptId);
    expect(after.case).toMatchObject({ state: 'resolved', finding: 'no_misuse' });
  });
  it('a platform administrator disables a machine client: its tokens and new ones are refused at once, audited; re-enabled it works again', async () => {
    const admin = await staffLogin(app, 'admin');
    const deptAdmin = await staffLogin(app, 'scjg.admin');
    const id = (await admin.req('GET', '/api/admin/clients')).json().find((c: { clientId: string }) => c.clientId === DEMO_CLIENT_ID).id as string;
    const verifyCall = (auth: string) => call('verify', { resource: 'GAJ.POPULATION', subject: zhang.idNumber, claims: { name: '张伟' }, purpose: '医保参保登记核验身份' }, auth);
    const clientToken = () => app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET } });
    expect((await verifyCall(token)).statusCode).toBe(200);
    expect((await verifyCall(bearer)).statusCode).toBe(200);
    // Only a platform administrator, only with a reason, only a known client.
    expect((await deptAdmin.req('PATCH', `/api/admin/clients/${id}`, { status: 'disabled', reason: '越权操作' })).statusCode).toBe(403);
    expect((await admin.req('PATCH', `/api/admin/clients/${id}`, { status: 'disabled' })).statusCode).toBe(400);
    expect((await admin.req('PATCH', `/api/admin/clients/${randomUUID()}`, { status: 'disabled', reason: '系统下线' })).statusCode).toBe(404);
    expect((await admin.req('GET', '/api/admin/clients')).json().find((c: { id: string }) => c.id === id).status).toBe('active');

    const off = await admin.req('PATCH', `/api/admin/clients/${id}`, { status: 'disabled', reason: '系统下线，停止调用' });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ id, status: 'disabled' });
    for (const t of [token, bearer]) expect((await verifyCall(t)).statusCode).toBe(401);
    expect((await tokenReq(assertion())).statusCode).toBe(401);
    expect((await clientToken()).statusCode).toBe(401);
    const audit = await app.database.db.selectFrom('audit_log').select(['detail']).where('action', '=', 'identity.client.disable').where('entity_id', '=', id).execute();
    expect(audit.map((a) => a.detail)).toEqual([expect.objectContaining({ clientId: DEMO_CLIENT_ID, from: 'active', reason: '系统下线，停止调用' })]);

    expect((await admin.req('PATCH', `/api/admin/clients/${id}`, { status: 'active', reason: '恢复上线' })).json().status).toBe('active');
    expect((await verifyCall(token)).statusCode).toBe(200);
    expect((await verifyCall(bearer)).statusCode).toBe(200);
  });
});
