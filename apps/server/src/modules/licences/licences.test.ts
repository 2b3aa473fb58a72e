/**
 * Issuer keys and status lists on both databases, through the service and app.inject: rotation
 * keeps old licences verifiable, revocation withdraws a key, private keys are sealed, every key
 * event is audited and logged for transparency; status list tokens are served signed (SM2SM3 too)
 * and a revocation shows at once; a licence verifies end to end against the node's JWKS and status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RequestContext } from '../../shared/actor';
import { DB_KINDS, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { SIGNING_ALGS, createSigner, generateSigningKey, type Jwk } from './crypto/algorithms';
import { issueSdJwtVc, presentSdJwt, verifySdJwt, SdJwtError } from './sd-jwt';
import { STATUS, readStatusListToken } from './status-list';
import type { LicenceService } from './licences.service';

function ctxOf(c: Client): RequestContext {
  const a = c.me.account;
  return {
    actor: { accountId: a.id, kind: a.kind, displayName: a.displayName, roles: a.roles, departmentId: a.department?.id ?? null, regionCode: a.regionCode, actingAs: null, actingFor: null, amr: ['pwd'], scopes: [] },
    ip: '127.0.0.1',
    requestId: 'licences-test',
    audited: false,
  };
}

describe.each(DB_KINDS)('licence issuer keys and status lists on %s', (kind) => {
  let app: FastifyInstance;
  let svc: LicenceService;
  let admin: RequestContext;
  let scjgAdmin: RequestContext;
  let scjg: string;
  let gaj: string;
  const jwks = async (q = '') => (await app.inject({ method: 'GET', url: `/api/licences/issuers/jwks${q}` })).json().keys as Jwk[];
  /** How a verifier elsewhere resolves a key: from this node's published JWKS, by kid. */
  const fromJwks = async (h: Record<string, unknown>) => (await jwks()).find((k) => k.kid === h.kid);

  beforeAll(async () => {
    app = await testApp(kind);
    await app.services.transparency.stop();
    svc = app.services.licences;
    admin = ctxOf(await staffLogin(app, 'admin'));
    const scjgClient = await staffLogin(app, 'scjg.admin');
    scjgAdmin = ctxOf(scjgClient);
    scjg = scjgClient.me.account.department.id;
    const depts = (await app.inject({ method: 'GET', url: '/api/departments' })).json() as { id: string; code: string }[];
    gaj = depts.find((d) => d.code === 'FZ-GAJ')!.id;
  });
  afterAll(async () => app?.close());

  it.each(SIGNING_ALGS)('rotates %s keys: the new one signs, the old one stays published and verifiable', async (alg) => {
    // The demo node already has an EdDSA key for the market regulator (its demo licences); rotation retires it.
    const demoKid = (await jwks(`?departmentId=${scjg}`)).find((k) => k.alg === alg)?.kid ?? null;
    const first = await svc.rotateIssuerKey(admin, scjg, alg);
    expect(first.retiredKid).toBe(demoKid);
    const oldSigner = await svc.signer(scjg, alg);
    expect(oldSigner.kid).toBe(first.kid);
    const vc = { iss: 'https://yiwang.test/api/licences/issuers/FZ-SCJGJ', vct: 'urn:yiwang:licence:business-licence', iat: Math.floor(Date.now() / 1000), name: '福州榕城餐饮管理有限公司' };
    const oldLicence = await issueSdJwtVc(oldSigner, vc, { _sd: ['name'] });

    const second = await svc.rotateIssuerKey(scjgAdmin, scjg, alg);
    expect(second.retiredKid).toBe(first.kid);
    expect((await svc.signer(scjg, alg)).kid).toBe(second.kid);
    const published = (await jwks(`?departmentId=${scjg}`)).map((k) => k.kid);
    expect(published).toEqual(expect.arrayContaining([first.kid, second.kid]));
    expect((await svc.issuerKey(first.kid))?.status).toBe('retired');
    // Published keys carry no private part.
    expect((await jwks()).every((k) => k.d === undefined)).toBe(true);

    const v = await verifySdJwt(oldLicence, { vc: true, resolveIssuerKey: fromJwks });
    expect(v.claims.name).toBe('福州榕城餐饮管理有限公司');
    const newLicence = await issueSdJwtVc(await svc.signer(scjg, alg), vc, { _sd: ['name'] });
    expect(JSON.parse(Buffer.from(newLicence.split('.')[0], 'base64url').toString())).toMatchObject({ alg, kid: second.kid });
    expect((await verifySdJwt(newLicence, { vc: true, resolveIssuerKey: fromJwks })).claims.name).toBe('福州榕城餐饮管理有限公司');
  });

  it('stores private keys sealed, and audits and logs every key event', async () => {
    const rows = await app.database.db.selectFrom('licence_issuer_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const r of rows) {
      expect(r.private_jwk_sealed).toMatch(/^v1\./);
      expect(r.private_jwk_sealed).not.toContain('"d"');
      expect(r.public_jwk).not.toHaveProperty('d');
    }
    const audits = await app.database.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'licences.issuer_key.rotate').execute();
    expect(audits.map((a) => a.entity_id)).toEqual(expect.arrayContaining(rows.map((r) => r.kid)));
    await app.services.transparency.flush();
    const logged = (await app.database.db.selectFrom('tlog_leaves').select('entry').execute()).map((r) => JSON.parse(Buffer.from(r.entry).toString()));
    const activated = logged.filter((e) => e.type === 'licence.issuer_key.activated').map((e) => e.kid);
    expect(activated).toEqual(expect.arrayContaining(rows.map((r) => r.kid)));
  });

  it('revokes a key: it leaves the JWKS and what it signed no longer verifies', async () => {
    const { kid } = await svc.rotateIssuerKey(admin, gaj, 'ES256');
    const licence = await issueSdJwtVc(await svc.signer(gaj, 'ES256'), { iss: 'https://yiwang.test/gaj', vct: 'urn:yiwang:licence:household-register', name: '张伟' }, { _sd: ['name'] });
    expect((await verifySdJwt(licence, { vc: true, resolveIssuerKey: fromJwks })).claims.name).toBe('张伟');
    await svc.revokeIssuerKey(admin, kid, 'key compromised (test)');
    expect((await jwks()).map((k) => k.kid)).not.toContain(kid);
    const err = await verifySdJwt(licence, { vc: true, resolveIssuerKey: fromJwks }).catch((e) => e);
    expect((err as SdJwtError).reason).toBe('UNKNOWN_ISSUER_KEY');
    await expect(svc.signer(gaj, 'ES256')).rejects.toMatchObject({ code: 'LICENCE_NO_ACTIVE_KEY' });
  });

  it("refuses another department's admin, and an unknown department, changing nothing", async () => {
    const before = await tableCounts(app);
    await expect(svc.rotateIssuerKey(scjgAdmin, gaj, 'EdDSA')).rejects.toMatchObject({ status: 403 });
    await expect(svc.rotateIssuerKey(admin, '00000000-0000-4000-8000-000000000000', 'EdDSA')).rejects.toMatchObject({ code: 'DEPARTMENT_UNKNOWN' });
    await expect(svc.createStatusList(scjgAdmin, { departmentId: gaj })).rejects.toMatchObject({ status: 403 });
    await expect(svc.revokeIssuerKey(admin, 'no-such-kid', 'x')).rejects.toMatchObject({ code: 'LICENCE_KEY_NOT_FOUND' });
    expect(await tableCounts(app)).toEqual(before);
  });

  it('serves a signed status list (SM2SM3) whose changes show at once', async () => {
    await svc.rotateIssuerKey(admin, scjg, 'SM2SM3');
    const { id, uri } = await svc.createStatusList(scjgAdmin, { departmentId: scjg, alg: 'SM2SM3', bits: 2, size: 16_384, ttlSeconds: 60 });
    expect(uri).toBe(`http://yiwang.test/api/licences/status-lists/${id}`);
    const fetchList = async () => {
      const res = await app.inject({ method: 'GET', url: `/api/licences/status-lists/${id}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/statuslist\+jwt/);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      return readStatusListToken(res.body, fromJwks, { expectedSub: uri });
    };
    const first = await fetchList();
    expect(first.payload).toMatchObject({ sub: uri, ttl: 60 });
    expect(first.list.getStatus(5)).toBe(STATUS.VALID);
    await svc.setStatus(scjgAdmin, id, 5, STATUS.SUSPENDED);
    expect((await fetchList()).list.getStatus(5)).toBe(STATUS.SUSPENDED);
    await svc.setStatus(admin, id, 5, STATUS.INVALID);
    expect((await fetchList()).list.getStatus(5)).toBe(STATUS.INVALID);
    expect((await fetchList()).list.getStatus(6)).toBe(STATUS.VALID);

    await expect(svc.setStatus(admin, id, 16_384, 1)).rejects.toMatchObject({ code: 'STATUS_INDEX_OUT_OF_RANGE', field: 'body/index' });
    await expect(svc.setStatus(admin, id, 1, 4)).rejects.toMatchObject({ code: 'STATUS_VALUE_INVALID', field: 'body/status' });
    const missing = await app.inject({ method: 'GET', url: '/api/licences/status-lists/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'STATUS_LIST_NOT_FOUND', field: 'params/id' });
    expect((await app.inject({ method: 'GET', url: '/api/licences/status-lists/not-a-uuid' })).json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'params/id' });
  });

  it('verifies a licence end to end: issuer key from the JWKS, status from the status list, two fields disclosed', async () => {
    const { id, uri } = await svc.createStatusList(admin, { departmentId: scjg, alg: 'EdDSA', size: 1024 });
    const holder = createSigner(generateSigningKey('EdDSA'));
    const licence = await issueSdJwtVc(
      await svc.signer(scjg, 'EdDSA'),
      {
        iss: 'https://yiwang.test/api/licences/issuers/FZ-SCJGJ',
        vct: 'urn:yiwang:licence:food-business-licence',
        iat: Math.floor(Date.now() / 1000),
        cnf: { jwk: holder.publicJwk },
        status: { status_list: { idx: 17, uri } },
        licence_no: 'JY13501020000001',
        operator: '福州榕城餐饮管理有限公司',
        address: '福州市鼓楼区五四路1号',
        scope: '热食类食品制售',
      },
      { _sd: ['licence_no', 'operator', 'address', 'scope'] },
    );
    const presentation = await presentSdJwt(licence, { operator: true, scope: true }, { signer: holder, aud: 'https://verifier.example', nonce: 'abc' });
    const fetchStatusList = async (u: string) => (await app.inject({ method: 'GET', url: new URL(u).pathname })).body;
    const verify = () => verifySdJwt(presentation, { vc: true, resolveIssuerKey: fromJwks, fetchStatusList, keyBinding: { nonce: 'abc', aud: 'https://verifier.example' } });
    const ok = await verify();
    expect(ok.status).toEqual({ value: 0, name: 'valid' });
    expect(Object.keys(ok.claims).filter((k) => ['licence_no', 'operator', 'address', 'scope'].includes(k)).sort()).toEqual(['operator', 'scope']);
    await svc.setStatus(admin, id, 17, STATUS.INVALID);
    expect((await verify()).status).toEqual({ value: 1, name: 'invalid' });
  });
});
