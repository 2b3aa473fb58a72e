/**
 * E-licences end to end on both databases: demo wallets, presentations with chosen fields and the
 * public verification, the verification API's signed and logged answers, status changes seen by
 * verifiers, issuance by departments' systems and on approval of an application, the trust list
 * (互认), 授权用证 through the material source, and the bad-input list: forged, altered, untrusted,
 * expired, suspended, revoked, tampered presentations — refused with a reason, logged, nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEMO_CLIENT_SECRET, enterprises, people } from '../../demo/data';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { createSigner, generateSigningKey, jwkThumbprint, publicJwk, verifySignature, type Jwk } from './crypto/algorithms';
import { decodeJws } from './crypto/jws';
import { issueSdJwtVc, presentSdJwt } from './sd-jwt';
import { departmentId, publish, testItem, threeStages, ok } from '../applications/applications.testing';
import { licenceUsesOf } from './licences.wallet';
import { signedAnswerBytes } from './licences.verification';
import { inSignedBatch } from '../transparency';

const person = (n: string) => people.find((p) => p.name === n)!;
const rongcheng = enterprises.find((e) => e.name.includes('榕城'))!;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe.each(DB_KINDS)('e-licences on %s', (kind) => {
  let app: FastifyInstance;
  let li: Client;
  let huangEnt: Client;
  let decider: Client;
  let admin: Client;
  let machine: string;
  let ybj: string;

  const token = async (clientId: string) => (await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: DEMO_CLIENT_SECRET } })).json().access_token as string;
  const verify = async (presentation: string, bearer?: string) =>
    app.inject({ method: 'POST', url: '/api/licences/verify', payload: { presentation }, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const inQueue = async (leafHash: string) =>
    (await app.database.db.selectFrom('tlog_queue').select('entry').where('leaf_hash', '=', Buffer.from(leafHash, 'base64')).executeTakeFirst())?.entry;
  const walletOf = async (c: Client) => ok(await c.req('GET', '/api/licences/wallet')) as { id: string; type: string; status: string; number: string; fields: { key: string; value: unknown }[] }[];

  beforeAll(async () => {
    app = await testApp(kind);
    await app.services.transparency.stop(); // entries stay in the queue, where the tests look for them
    li = await personLogin(app, person('李娜').idNumber);
    huangEnt = await personLogin(app, rongcheng.legalRep.idNumber, { type: 'enterprise', uscc: rongcheng.uscc });
    decider = await staffLogin(app, 'scjg.decider');
    admin = await staffLogin(app, 'admin');
    machine = await token('fz-scjg-system');
    ybj = await token('fz-ybj-system');
  });
  afterAll(async () => app?.close());

  it('demo wallets hold the right licences from the right departments, with three algorithms in use', async () => {
    const mine = await walletOf(li);
    expect(mine.map((l) => l.type).sort()).toEqual(['birth_medical_certificate', 'household_register', 'marriage_certificate']);
    const ent = await walletOf(huangEnt);
    expect(ent.map((l) => l.type).sort()).toEqual(['business_licence', 'food_business_licence']);
    const bl = ok(await huangEnt.req('GET', `/api/licences/wallet/${ent.find((l) => l.type === 'business_licence')!.id}`));
    expect(bl).toMatchObject({ status: 'valid', issuer: { name: '福州市市场监督管理局' }, holderName: rongcheng.name });
    expect(bl.fields.find((f: { key: string }) => f.key === 'creditCode').value).toBe(rongcheng.uscc);
    const marriage = ok(await li.req('GET', `/api/licences/wallet/${mine.find((l) => l.type === 'marriage_certificate')!.id}`));
    expect(marriage.issuer.name).toBe('福州市民政局');
    // Someone else's licence is not found.
    const zhang = await personLogin(app, person('张伟').idNumber);
    expectProblem(await zhang.req('GET', `/api/licences/wallet/${marriage.id}`), 404, 'LICENCE_NOT_FOUND');
    const algs = new Set(((await app.inject({ method: 'GET', url: '/api/licences/issuers/jwks' })).json().keys as Jwk[]).map((k) => k.alg));
    expect(algs).toEqual(new Set(['EdDSA', 'ES256', 'SM2SM3']));
  });

  it('a holder discloses two fields; the public page shows exactly those, valid; after revocation it shows revoked and nothing else', async () => {
    const bl = (await walletOf(huangEnt)).find((l) => l.type === 'business_licence')!;
    const p = ok(await huangEnt.req('POST', `/api/licences/wallet/${bl.id}/presentations`, { fields: ['name', 'legalRep'] }), 201);
    expect(p.url).toBe(`http://yiwang.test/verify/p/${p.id}`);
    expect(p.qrSvg).toMatch(/^<svg/);
    const page = ok(await app.inject({ method: 'GET', url: `/api/licences/presentations/${p.id}` }));
    expect(page.result, JSON.stringify(page.result)).toMatchObject({ valid: true, status: 'valid', checks: { signature: true, issuerTrusted: true, status: 'valid', keyBinding: true, notExpired: true } });
    expect(page.result.licence.disclosed).toEqual({ name: rongcheng.name, legalRep: '黄建国' });
    expect(page.result.licence.issuer).toMatchObject({ name: '福州市市场监督管理局', local: true });
    // The answer is signed by the node key (a batch signature with this answer's inclusion path) and logged.
    const nodeKey = (await app.inject({ method: 'GET', url: '/api/licences/node-key' })).json() as Jwk;
    const jws = decodeJws(page.signature);
    expect(jws.header.typ).toBe('licence-verification-batch+jwt');
    expect(verifySignature(jws.header.alg, nodeKey, Buffer.from(jws.signingInput), jws.signature)).toBe(true);
    expect(inSignedBatch(signedAnswerBytes(page), page.proof, jws.payload)).toBe(true);
    // An altered answer (or a proof for another answer) does not lead to the signed root.
    expect(inSignedBatch(signedAnswerBytes({ ...page, result: { ...page.result, status: 'revoked' } }), page.proof, jws.payload)).toBe(false);
    expect(inSignedBatch(signedAnswerBytes(page), { ...page.proof, size: page.proof.size + 1 }, jws.payload)).toBe(false);
    // Concurrent answers (batched together or not: the batching itself is tested in transparency/batch-signer.test.ts) each verify.
    const concurrent = await Promise.all([1, 2, 3].map(async () => ok(await app.inject({ method: 'GET', url: `/api/licences/presentations/${p.id}` }))));
    for (const a of concurrent) expect(inSignedBatch(signedAnswerBytes(a), a.proof, decodeJws(a.signature).payload)).toBe(true);
    const entry = JSON.parse(Buffer.from((await inQueue(page.receipt.leafHash))!).toString('utf8')).entries[page.receipt.batchIndex];
    expect(entry).toMatchObject({ type: 'licence.verification', subject: page.receipt.id, valid: true, verifier: 'public-page' });
    expect(JSON.stringify(entry)).not.toContain(rongcheng.name); // no personal data in the public log

    const revoked = ok(await decider.req('POST', `/api/licences/${bl.id}/status`, { action: 'revoke', reason: '依法吊销营业执照（测试）' }));
    expect(revoked.status).toBe('revoked');
    const after = ok(await app.inject({ method: 'GET', url: `/api/licences/presentations/${p.id}` }));
    expect(after.result).toMatchObject({ valid: false, status: 'revoked', reason: { code: 'REVOKED' } });
    expect(after.result.licence).toBeUndefined();
    expect(JSON.stringify(after.result)).not.toContain(rongcheng.name);
    // Revoked is final; a new presentation is refused.
    expectProblem(await decider.req('POST', `/api/licences/${bl.id}/status`, { action: 'reinstate', reason: '误操作' }), 409, 'LICENCE_STATUS_CONFLICT');
    expectProblem(await huangEnt.req('POST', `/api/licences/wallet/${bl.id}/presentations`, { fields: ['name'] }), 409, 'LICENCE_NOT_VALID');
  });

  it('suspension is seen at once by the API and reinstatement restores validity; the status list token carries the configured ttl', async () => {
    const food = (await walletOf(huangEnt)).find((l) => l.type === 'food_business_licence')!;
    const p = ok(await huangEnt.req('POST', `/api/licences/wallet/${food.id}/presentations`, { fields: ['operatorName', 'mainBusiness'] }), 201);
    expect((await verify(p.presentation)).json().result.valid).toBe(true);
    ok(await decider.req('POST', `/api/licences/${food.id}/status`, { action: 'suspend', reason: '停业整顿' }));
    expect((await verify(p.presentation)).json().result).toMatchObject({ valid: false, status: 'suspended', reason: { code: 'SUSPENDED' } });
    ok(await decider.req('POST', `/api/licences/${food.id}/status`, { action: 'reinstate', reason: '整改完成' }));
    expect((await verify(p.presentation)).json().result.valid).toBe(true);
    const uri = JSON.parse(Buffer.from(p.presentation.split('.')[1], 'base64url').toString()).status.status_list.uri as string;
    const res = await app.inject({ method: 'GET', url: new URL(uri).pathname });
    expect(res.headers['content-type']).toContain('application/statuslist+jwt');
    expect(decodeJws(res.body).payload.ttl).toBe(300);
    // Another department's decider may not touch it.
    const gaj = await staffLogin(app, 'gaj.decider');
    expectProblem(await gaj.req('POST', `/api/licences/${food.id}/status`, { action: 'suspend', reason: '越权' }), 403, 'FORBIDDEN');
  });

  it('refuses forged, altered, tampered, untrusted, expired and unbound presentations with a reason, logs them, returns nothing else', async () => {
    const marriage = (await walletOf(li)).find((l) => l.type === 'marriage_certificate')!;
    const p = ok(await li.req('POST', `/api/licences/wallet/${marriage.id}/presentations`, { fields: ['holderName', 'registeredOn'] }), 201);
    const good = p.presentation as string;
    const [jwt, ...rest] = good.split('~');
    const [h, pl, sig] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(pl, 'base64url').toString());
    const row = (await app.database.db.selectFrom('licences').selectAll().where('id', '=', marriage.id).executeTakeFirstOrThrow());
    const full = app.services.licences.issuance.open(row).sdJwt;
    const holder = await app.services.licences.issuance.holderSigner(row.holder_account_id);
    const kbFor = (sdjwt: string, frame: Record<string, boolean>) => presentSdJwt(sdjwt, frame, { signer: holder, aud: 'http://yiwang.test/verify', nonce: 'n1' });

    // An outsider's issuer: its own key, a plausible name.
    const evil = generateSigningKey('EdDSA');
    const evilSigner = createSigner(evil);
    const forgedVc = async (iss: string, signer = evilSigner) =>
      kbFor(await issueSdJwtVc(signer, { iss, vct: 'urn:yiwang:licence:marriage_certificate', iat: 1_700_000_000, cnf: { jwk: holder.publicJwk }, holderName: '李娜' }, { _sd: ['holderName'] }), { holderName: true });
    const localIss = payload.iss as string;
    const realKid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid as string;

    const fakeDisclosure = Buffer.from(JSON.stringify(['c2FsdHNhbHRzYWx0', 'spouseName', '王五'])).toString('base64url');
    const cases: [string, string, string][] = [
      ['altered payload (issuer signature no longer matches)', [[h, b64({ ...payload, issuer_name: '福州市公安局' }), sig].join('.'), ...rest].join('~'), 'SIGNATURE_INVALID'],
      ['forged signature under the real key id', [[b64({ alg: 'EdDSA', kid: realKid, typ: 'dc+sd-jwt' }), pl, evilSigner.sign(Buffer.from('x')).toString('base64url')].join('.'), ...rest].join('~'), 'SIGNATURE_INVALID'],
      ['a fabricated disclosure for an undisclosed claim', [jwt, ...rest.slice(0, -1), fakeDisclosure, rest[rest.length - 1]].join('~'), 'DISCLOSURE_TAMPERED'],
      ['an undisclosed (real) claim added after the holder signed', [jwt, ...rest.slice(0, -1), full.split('~').find((d) => d && Buffer.from(d, 'base64url').toString().includes('spouseIdNumber'))!, rest[rest.length - 1]].join('~'), 'KEY_BINDING_INVALID'],
      ['no key binding', `${good.slice(0, good.lastIndexOf('~') + 1)}`, 'KEY_BINDING_INVALID'],
      ['an untrusted issuer', await forgedVc('https://evil.example/issuers/1'), 'UNTRUSTED_ISSUER'],
      ['our issuer’s name with a key it never published', await forgedVc(localIss), 'UNKNOWN_ISSUER_KEY'],
      ['garbage', 'this-is-not-a-presentation~at~all~', 'MALFORMED'],
    ];
    const before = await tableCounts(app, ['tlog_queue', 'audit_log']);
    for (const [what, presentation, code] of cases) {
      const res = await verify(presentation);
      expect(res.statusCode, what).toBe(200);
      const body = res.json();
      expect(body.result, what).toMatchObject({ valid: false, reason: { code } });
      expect(body.result.reason.zh, what).toMatch(/[\u4e00-\u9fff]/);
      expect(body.result.licence, what).toBeUndefined();
      expect(JSON.stringify(body), what).not.toContain('李娜');
      expect(JSON.parse(Buffer.from((await inQueue(body.receipt.leafHash))!).toString('utf8')).entries[body.receipt.batchIndex], what).toMatchObject({ type: 'licence.verification', valid: false, reason: code });
    }
    expect(await tableCounts(app, ['tlog_queue', 'audit_log'])).toEqual(before);

    // An expired licence (its validity ended) is refused as expired, after its signature checked out.
    const expired = await app.services.licences.issuance.issue(app.services.licences.issuance ? (await import('../../shared/actor')).systemAdminContext('test') : (null as never), {
      type: 'residence_permit', departmentId: row.department_id, holderAccountId: row.holder_account_id, fields: { address: '福州市' }, validFrom: new Date('2020-01-01'), validUntil: new Date('2021-01-01'), source: 'api',
    });
    const expRow = await app.database.db.selectFrom('licences').selectAll().where('id', '=', expired.id).executeTakeFirstOrThrow();
    const expPresentation = await kbFor(app.services.licences.issuance.open(expRow).sdJwt, { name: true });
    expect((await verify(expPresentation)).json().result).toMatchObject({ valid: false, status: 'expired', reason: { code: 'EXPIRED' }, checks: { signature: true } });
    expectProblem(await li.req('POST', `/api/licences/wallet/${expired.id}/presentations`, { fields: ['name'] }), 409, 'LICENCE_NOT_VALID');
    // An old presentation (its holder binding older than the presentation lifetime) is refused.
    const old = await presentSdJwt(full, { holderName: true }, { signer: holder, aud: 'http://yiwang.test/verify', nonce: 'n2', iat: Math.floor(Date.now() / 1000) - 3600 });
    expect((await verify(old)).json().result.reason.code).toBe('PRESENTATION_EXPIRED');
    // A presentation for another audience is refused.
    const other = await presentSdJwt(full, { holderName: true }, { signer: holder, aud: 'https://elsewhere.example/verify', nonce: 'n3' });
    expect((await verify(other)).json().result.reason.code).toBe('KEY_BINDING_INVALID');
    // Unknown and expired presentation links.
    expectProblem(await app.inject({ method: 'GET', url: '/api/licences/presentations/AAAAAAAAAAAAAAAAAAAAAA' }), 404, 'PRESENTATION_NOT_FOUND');
    await app.database.db.updateTable('licence_presentations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', p.id).execute();
    expectProblem(await app.inject({ method: 'GET', url: `/api/licences/presentations/${p.id}` }), 410, 'PRESENTATION_EXPIRED');
    // Presenting a field the licence does not have.
    expectProblem(await li.req('POST', `/api/licences/wallet/${marriage.id}/presentations`, { fields: ['salary'] }), 400, 'PRESENTATION_FIELD_UNKNOWN', 'body/fields');
  });

  it('trusts another region’s issuer once an admin adds it (互认), and the signed trust list carries it', async () => {
    const xmKey = generateSigningKey('SM2SM3');
    const xm = createSigner(xmKey);
    const holder = await app.services.licences.issuance.holderSigner(li.me.account.id);
    const iss = 'https://yiwang.xiamen.example/api/licences/issuers/xm-mzj';
    const vc = await issueSdJwtVc(xm, { iss, vct: 'urn:yiwang:licence:marriage_certificate', iat: Math.floor(Date.now() / 1000), cnf: { jwk: holder.publicJwk }, holderName: '李娜', registrar: '厦门市思明区民政局' }, { _sd: ['holderName', 'registrar'] });
    const pres = await presentSdJwt(vc, { registrar: true }, { signer: holder, aud: 'http://yiwang.test/verify', nonce: 'x' });
    expect((await verify(pres)).json().result.reason.code).toBe('UNTRUSTED_ISSUER');

    const bad = await admin.req('POST', '/api/admin/licences/trusted-issuers', { iss, name: '厦门市民政局', nameEn: 'Xiamen Civil Affairs Bureau', regionCode: '350200', jwks: { keys: [{ ...xmKey, kid: 'k1' }] } });
    expectProblem(bad, 400, 'TRUSTED_ISSUER_KEYS_INVALID', 'body/jwks'); // a private key is refused
    const added = ok(await admin.req('POST', '/api/admin/licences/trusted-issuers', { iss, name: '厦门市民政局', nameEn: 'Xiamen Civil Affairs Bureau', regionCode: '350200', jwks: { keys: [{ ...publicJwk(xmKey), kid: xm.kid, alg: 'SM2SM3' }] } }), 201);
    const res = (await verify(pres)).json().result;
    expect(res).toMatchObject({ valid: true, licence: { issuer: { name: '厦门市民政局', regionCode: '350200', local: false }, disclosed: { registrar: '厦门市思明区民政局' }, alg: 'SM2SM3' } });

    const doc = ok(await app.inject({ method: 'GET', url: '/api/licences/trust-list' }));
    const nodeKey = (await app.inject({ method: 'GET', url: '/api/licences/node-key' })).json() as Jwk;
    const t = decodeJws(doc.token);
    expect(t.header.typ).toBe('trust-list+jwt');
    expect(verifySignature(t.header.alg, nodeKey, Buffer.from(t.signingInput), t.signature)).toBe(true);
    expect((t.payload.issuers as { iss: string }[]).map((i) => i.iss)).toContain(iss);
    expect((t.payload.issuers as { name: string; local: boolean }[]).filter((i) => i.local).map((i) => i.name)).toContain('福州市市场监督管理局');

    expect((await admin.req('DELETE', `/api/admin/licences/trusted-issuers/${added.id}?reason=${encodeURIComponent('协议终止')}`)).statusCode).toBe(204);
    expect((await verify(pres)).json().result.reason.code).toBe('UNTRUSTED_ISSUER');
  });

  it("departments' systems issue through the API; other clients, departments and bad input are refused and change nothing", async () => {
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const body = { type: 'food_business_licence', holder: { kind: 'enterprise', creditCode: rongcheng.uscc }, fields: { mainBusiness: '餐饮服务经营者（小型餐馆）', address: '福州市鼓楼区东街 1 号' } };
    const res = await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: body });
    expect(res.statusCode, res.body).toBe(201);
    const issued = res.json();
    const w = await walletOf(huangEnt);
    const got = w.find((l) => l.id === issued.id)!;
    expect(got).toMatchObject({ type: 'food_business_licence', status: 'valid' });
    expect(got.fields.find((f) => f.key === 'operatorName')!.value).toBe(rongcheng.name); // the holder's name is filled from the account

    const before = await tableCounts(app, ['audit_log']);
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(ybj), payload: body }), 403, 'SCOPE_MISSING');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, type: 'no_such_type' } }), 400, 'LICENCE_TYPE_UNKNOWN', 'body/type');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, fields: { salary: 1 } } }), 400, 'LICENCE_FIELD_UNKNOWN', 'body/fields/salary');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, fields: { creditCode: '91350102MA2Y0R1C0X' } } }), 400, 'LICENCE_HOLDER_FIELD_MISMATCH', 'body/fields/creditCode');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, holder: { kind: 'person', idNumber: person('张伟').idNumber } } }), 400, 'LICENCE_HOLDER_KIND', 'body/holder');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, holder: { kind: 'enterprise', creditCode: '91350100000000000X' } } }), 404, 'LICENCE_HOLDER_NOT_FOUND');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-01-01T00:00:00Z' } }), 400, 'LICENCE_VALIDITY_INVALID', 'body/validUntil');
    const gajId = await departmentId(app, 'FZ-GAJ');
    expectProblem(await app.inject({ method: 'POST', url: '/api/licences/issue', headers: bearer(machine), payload: { ...body, departmentId: gajId } }), 403, 'FORBIDDEN');
    expectProblem(await decider.req('POST', '/api/licences/issue', { ...body, departmentId: gajId }), 403, 'FORBIDDEN');
    expect(await tableCounts(app, ['audit_log'])).toEqual(before);
  });

  it('issues the licence into the applicant’s wallet when an application whose item results in one is approved', async () => {
    const mzj = await departmentId(app, 'FZ-MZJ');
    const item = { ...testItem({ name: '补领结婚证（测试）', departmentId: mzj, legal: 20, promised: 5, stages: threeStages(mzj) }), result: { kind: 'elicence', name: '结婚证', licenceType: 'marriage_certificate' } };
    const { items: [itemId] } = await publish(app, [item as never]);
    const zhang = await personLogin(app, person('张伟').idNumber);
    const a = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true }, { 'idempotency-key': `lic-${kind}-${Date.now()}` }), 201);
    const window = await staffLogin(app, 'mzj.window');
    const reviewer = await staffLogin(app, 'mzj.reviewer');
    const mzjDecider = await staffLogin(app, 'mzj.decider');
    const taskOf = async (c: Client) => (ok(await c.req('GET', '/api/tasks')) as { id: string; applicationId: string }[]).find((t) => t.applicationId === a.id)!;
    ok(await window.req('POST', `/api/tasks/${(await taskOf(window)).id}/accept`, { note: '齐全' }));
    ok(await reviewer.req('POST', `/api/tasks/${(await taskOf(reviewer)).id}/review`, { agree: true, opinion: '同意' }));
    ok(await mzjDecider.req('POST', `/api/tasks/${(await taskOf(mzjDecider)).id}/decide`, { approve: true, opinion: '准予', result: { spouseName: '刘芳', registeredOn: '2015-10-01', registrar: '福州市鼓楼区民政局' } }));
    await app.services.jobs.drain();
    await app.services.jobs.drain();
    const mine = await walletOf(zhang);
    const lic = mine.find((l) => l.type === 'marriage_certificate');
    expect(lic).toBeTruthy();
    const detail = ok(await zhang.req('GET', `/api/licences/wallet/${lic!.id}`));
    expect(detail).toMatchObject({ issuer: { name: '福州市民政局' }, source: 'application', holderName: '张伟' });
    expect(detail.fields.find((f: { key: string }) => f.key === 'spouseName').value).toBe('刘芳');
    expect(detail.fields.find((f: { key: string }) => f.key === 'holderIdNumber').value).toBe(person('张伟').idNumber);
    // At least once: the event again issues nothing new.
    await app.services.licences.issuance.onApplicationEvent({ type: 'application.state_changed', applicationId: a.id, kind: 'item', to: 'approved' });
    expect((await walletOf(zhang)).filter((l) => l.type === 'marriage_certificate')).toHaveLength(1);
  });

  it('授权用证: the material source returns verified fields of the holder’s own valid licence and records the use', async () => {
    const source = app.services.materialSources.get('elicence')!;
    expect(source).toBeTruthy();
    const liId = li.me.account.id as string;
    const marriage = (await walletOf(li)).find((l) => l.type === 'marriage_certificate')!;
    const mzj = await departmentId(app, 'FZ-MZJ');
    const req = (over: Record<string, unknown> = {}) => ({
      material: { key: 'marriage', name: '结婚证', source: { kind: 'elicence' as const, licenceType: 'marriage_certificate' } },
      holder: { kind: 'person' as const, accountId: liId, displayName: '李娜' },
      purpose: { applicationId: '00000000-0000-4000-8000-000000000001', applicationNo: '350000202611240000001', itemId: '00000000-0000-4000-8000-000000000002', itemName: '出生一件事', departmentId: mzj },
      ...over,
    });
    const ctx = { actor: null, ip: null, requestId: 't', audited: false };
    const ev = await app.database.db.transaction().execute((trx) => source.resolve(trx, ctx, req({ licenceId: marriage.id })));
    expect(ev).toMatchObject({ status: 'resolved', verified: true, reference: marriage.id, from: '福州市民政局', data: { 证照类型: '结婚证', 持证人: '李娜', 配偶姓名: '陈建华' } });
    // Without a chosen licence: the holder's current one of the type.
    expect((await app.database.db.transaction().execute((trx) => source.resolve(trx, ctx, req()))).status).toBe('resolved');
    // Someone else's licence, or the wrong type, is unavailable.
    const other = await app.database.db.transaction().execute((trx) => source.resolve(trx, ctx, req({ holder: { kind: 'person', accountId: '00000000-0000-4000-8000-000000000009', displayName: 'x' }, licenceId: marriage.id })));
    expect(other).toMatchObject({ status: 'unavailable', verified: false, data: {} });
    const household = (await walletOf(li)).find((l) => l.type === 'household_register')!;
    expect((await app.database.db.transaction().execute((trx) => source.resolve(trx, ctx, req({ licenceId: household.id })))).status).toBe('unavailable');
    // A suspended licence is unavailable, with the reason.
    const gajDecider = await staffLogin(app, 'gaj.decider');
    const mzjDecider = await staffLogin(app, 'mzj.decider');
    ok(await mzjDecider.req('POST', `/api/licences/${marriage.id}/status`, { action: 'suspend', reason: '核查中' }));
    const susp = await app.database.db.transaction().execute((trx) => source.resolve(trx, ctx, req({ licenceId: marriage.id })));
    expect(susp).toMatchObject({ status: 'unavailable', reason: { zh: '证照已被暂停使用' } });
    ok(await mzjDecider.req('POST', `/api/licences/${marriage.id}/status`, { action: 'reinstate', reason: '核查完毕' }));
    expect(gajDecider).toBeTruthy();

    const uses = await licenceUsesOf(app.database.db, liId);
    expect(uses.filter((u) => u.licence.id === marriage.id).map((u) => u.outcome)).toEqual(['unavailable', 'resolved', 'resolved']);
    expect(uses[0]).toMatchObject({ usedBy: { department: '福州市民政局' }, purpose: { applicationNo: '350000202611240000001', itemName: '出生一件事' } });
    const viaApi = ok(await li.req('GET', '/api/licences/uses'));
    expect(viaApi.length).toBe(uses.length);
  });

  it('renders a human-readable card with a QR code', async () => {
    const m = (await walletOf(li)).find((l) => l.type === 'household_register')!;
    const res = await li.req('GET', `/api/licences/wallet/${m.id}/rendition`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('居民户口簿');
    expect(res.body).toContain('<svg');
    expect(res.body).toContain('福州市公安局');
  });
});
