import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, personLogin, staffLogin, tableCounts, testApp } from '../../../../../test/helpers';
import { enterprises, people, DEMO_CLIENT_SECRET } from '../../demo/data';
import { totp } from './totp';
import { BEARER_CACHE_MS } from './identity.service';
import { sha256 } from '../../shared/crypto';

const person = (name: string) => people.find((p) => p.name === name)!;

describe.each(DB_KINDS)('identity on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind, { LOGIN_MAX_FAILURES: 3 });
  });
  afterAll(async () => app?.close());

  describe('staff sign-in', () => {
    it('signs in with the right password and sets an HttpOnly SameSite cookie', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'scjg.window', password: 'Yiwang@2026' } });
      expect(res.statusCode).toBe(200);
      const cookie = res.cookies.find((c) => c.name === 'yw_session')!;
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
      const me = res.json();
      expect(me.account.roles).toEqual(['window_clerk']);
      expect(me.account.department.name).toBe('福州市市场监督管理局');
    });

    it('refuses a wrong password without telling whether the user exists, and audits it', async () => {
      const a = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'gaj.window', password: 'nope' } });
      const b = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'no.such.user', password: 'nope' } });
      expect(a.statusCode).toBe(401);
      expect(b.statusCode).toBe(401);
      expect(a.json().code).toBe('INVALID_CREDENTIALS');
      expect(b.json().message).toEqual(a.json().message);
      const rows = await app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'identity.login.staff').where('outcome', '=', 'failure').execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
    });

    it('locks the account after the configured number of failures, even for the right password', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'rsj.window', password: 'wrong-password-1' } });
        expect(r.statusCode).toBe(401);
      }
      const locked = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'rsj.window', password: 'Yiwang@2026' } });
      expect(locked.statusCode).toBe(423);
      expect(locked.json().code).toBe('ACCOUNT_LOCKED');
      // A department admin cannot unlock another department's staff; the platform admin can.
      const admin = await staffLogin(app, 'admin');
      const list = (await admin.req('GET', '/api/admin/staff')).json() as { id: string; username: string }[];
      const target = list.find((s) => s.username === 'rsj.window')!;
      const scjgAdmin = await staffLogin(app, 'scjg.admin');
      expect((await scjgAdmin.req('PATCH', `/api/admin/staff/${target.id}`, { unlock: true })).statusCode).toBe(404);
      expect(list.find((s) => s.username === 'rsj.window')).toMatchObject({ lockedUntil: expect.any(String) });
      expect((await admin.req('PATCH', `/api/admin/staff/${target.id}`, { unlock: true })).json().lockedUntil).toBeNull();
      await staffLogin(app, 'rsj.window');
    });

    it('disables an account or changes its roles only with a reason, never one\'s own', async () => {
      const scjgAdmin = await staffLogin(app, 'scjg.admin');
      const list = (await scjgAdmin.req('GET', '/api/admin/staff')).json() as { id: string; username: string; roles: string[] }[];
      const reviewer = list.find((s) => s.username === 'scjg.reviewer')!;
      const self = list.find((s) => s.username === 'scjg.admin')!;
      const before = await tableCounts(app, ['sessions', 'audit_log']);
      expectProblem(await scjgAdmin.req('PATCH', `/api/admin/staff/${reviewer.id}`, { status: 'disabled' }), 400, 'REASON_REQUIRED', 'body/reason');
      expectProblem(await scjgAdmin.req('PATCH', `/api/admin/staff/${reviewer.id}`, { roles: ['reviewer', 'decider'], reason: ' ' }), 400, 'VALIDATION_FAILED', 'body/reason');
      expectProblem(await scjgAdmin.req('PATCH', `/api/admin/staff/${self.id}`, { status: 'disabled', reason: '测试自我停用' }), 400, 'STAFF_SELF_CHANGE', 'params/id');
      expect(await tableCounts(app, ['sessions', 'audit_log'])).toEqual(before);
      const changed = await scjgAdmin.req('PATCH', `/api/admin/staff/${reviewer.id}`, { roles: ['reviewer', 'decider'], reason: '兼任决定岗' });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().roles.sort()).toEqual(['decider', 'reviewer']);
      const entry = await app.database.db.selectFrom('audit_log').select('detail').where('action', '=', 'identity.staff.update').where('entity_id', '=', reviewer.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(entry.detail).toMatchObject({ reason: '兼任决定岗' });
      expect((await scjgAdmin.req('PATCH', `/api/admin/staff/${reviewer.id}`, { roles: ['reviewer'], reason: '恢复原岗' })).statusCode).toBe(200);
    });

    it('requires TOTP once enrolled', async () => {
      const c = await staffLogin(app, 'mzj.window');
      const setup = await c.req('POST', '/api/auth/totp/setup');
      expect(setup.statusCode).toBe(200);
      const { secret, otpauthUri } = setup.json();
      expect(otpauthUri).toContain('otpauth://totp/');
      expect((await c.req('POST', '/api/auth/totp/enable', { code: '000000' === totp(secret) ? '111111' : '000000' })).statusCode).toBe(400);
      expect((await c.req('POST', '/api/auth/totp/enable', { code: totp(secret) })).statusCode).toBe(204);
      const noCode = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'mzj.window', password: 'Yiwang@2026' } });
      expect(noCode.statusCode).toBe(401);
      expect(noCode.json()).toMatchObject({ code: 'TOTP_REQUIRED', field: 'body/totp' });
      const ok = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'mzj.window', password: 'Yiwang@2026', totp: totp(secret) } });
      expect(ok.statusCode).toBe(200);
    });

    it('signs out: the cookie no longer works', async () => {
      const c = await staffLogin(app, 'wjw.window');
      expect((await c.req('POST', '/api/auth/logout')).statusCode).toBe(204);
      const after = await c.req('GET', '/api/auth/me');
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('SESSION_EXPIRED');
    });

    it('refuses a mutating request without the CSRF token', async () => {
      const c = await staffLogin(app, 'swj.window');
      const res = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: c.cookie } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('CSRF_TOKEN_INVALID');
      expect((await c.req('GET', '/api/auth/me')).statusCode).toBe(200);
    });

    it('expires idle sessions', async () => {
      const c = await staffLogin(app, 'zjj.window');
      await app.database.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 3 * 3600_000) }).where('account_id', '=', c.me.account.id).execute();
      const res = await c.req('GET', '/api/auth/me');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'SESSION_EXPIRED', message: { zh: expect.stringContaining('过期'), en: expect.stringContaining('expired') } });
    });
  });

  describe('citizens and enterprises through OpenID Connect', () => {
    it('signs a citizen in through the simulated real-name provider (code + PKCE)', async () => {
      const c = await personLogin(app, person('张伟').idNumber);
      expect(c.me.account).toMatchObject({ kind: 'citizen', displayName: '张伟', roles: ['citizen'] });
      // The ID number is shown masked, never in full.
      expect(c.me.account.idNumberMasked).toMatch(/^350\*{11}\d{3}[\dX]$/);
      expect(JSON.stringify(c.me)).not.toContain(person('张伟').idNumber);
    });

    it('refuses a wrong password at the provider and a replayed or forged code at the callback', async () => {
      const start = await app.inject({ method: 'GET', url: '/api/auth/oidc/login?type=person' });
      const q = new URL(start.headers.location as string).searchParams;
      const form = new URLSearchParams(q);
      form.set('id_number', person('李娜').idNumber);
      form.set('password', 'wrong');
      const bad = await app.inject({ method: 'POST', url: '/idp/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
      expect(bad.statusCode).toBe(401);
      expect(bad.body).toContain('role="alert"');
      form.set('password', 'Demo@2026');
      const ok = await app.inject({ method: 'POST', url: '/idp/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
      const back = new URL(ok.headers.location as string);
      expect((await app.inject({ method: 'GET', url: back.pathname + back.search })).statusCode).toBe(302);
      // The same state again: the pending login was consumed.
      const replay = await app.inject({ method: 'GET', url: back.pathname + back.search });
      expect(replay.statusCode).toBe(400);
      expect(replay.json().code).toBe('OIDC_STATE_INVALID');
    });

    it('refuses an authorization request with an unregistered redirect URI or without PKCE', async () => {
      const start = await app.inject({ method: 'GET', url: '/api/auth/oidc/login?type=person' });
      const u = new URL(start.headers.location as string);
      u.searchParams.set('redirect_uri', 'https://evil.example/cb');
      expect((await app.inject({ method: 'GET', url: u.pathname + u.search })).statusCode).toBe(400);
      u.searchParams.delete('code_challenge');
      expect((await app.inject({ method: 'GET', url: u.pathname + u.search })).statusCode).toBe(400);
    });

    it('signs in a legal representative as the enterprise, and lets them authorise staff', async () => {
      const ent = enterprises.find((e) => e.name === '厦门海湾科技有限公司')!;
      const rep = await personLogin(app, ent.legalRep.idNumber, { type: 'enterprise', uscc: ent.uscc });
      expect(rep.me.actingAs).toMatchObject({ displayName: ent.name, role: 'legal_rep' });
      expect(rep.me.account.roles).toEqual(['enterprise']);
      // 林芳 is not staff: the provider refuses her enterprise sign-in.
      await expect(personLogin(app, person('林芳').idNumber, { type: 'enterprise', uscc: ent.uscc })).rejects.toThrow(/403/);
      // 林芳 must have signed in once for the platform to know her.
      await personLogin(app, person('林芳').idNumber);
      const added = await rep.req('POST', '/api/enterprise/staff', { idNumber: person('林芳').idNumber });
      expect(added.statusCode).toBe(201);
      // Now 林芳 can act for the enterprise from her own session.
      const lin = await personLogin(app, person('林芳').idNumber);
      expect(lin.me.options.enterprises).toEqual([{ id: rep.me.actingAs.id, displayName: ent.name, role: 'staff' }]);
      const acted = await lin.req('POST', '/api/auth/act', { as: 'enterprise', id: rep.me.actingAs.id });
      expect(acted.statusCode).toBe(200);
      expect(acted.json().account.roles).toEqual(['enterprise']);
      // Staff may not manage staff.
      expect((await lin.req('POST', '/api/enterprise/staff', { idNumber: person('张伟').idNumber })).statusCode).toBe(403);
    });

    it('lets an agent act for a principal only under a valid mandate', async () => {
      const agent = await personLogin(app, person('陈明').idNumber);
      const principal = agent.me.options.principals[0];
      expect(principal.displayName).toBe('王秀英');
      const acted = await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id });
      expect(acted.statusCode).toBe(200);
      expect(acted.json().actingFor).toMatchObject({ id: principal.id, displayName: '王秀英' });
      expect(acted.json().account.roles).toEqual(['agent']);
      // Someone without a mandate cannot act for her.
      const other = await personLogin(app, person('张伟').idNumber);
      const refused = await other.req('POST', '/api/auth/act', { as: 'principal', id: principal.id });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('NO_VALID_MANDATE');
      // The principal revokes: the agent's session acting for her ends.
      const wang = await personLogin(app, person('王秀英').idNumber);
      const mandates = (await wang.req('GET', '/api/mandates')).json();
      expect((await wang.req('DELETE', `/api/mandates/${mandates[0].id}`)).statusCode).toBe(204);
      expect((await agent.req('GET', '/api/auth/me')).statusCode).toBe(401);
    });

    it('creates mandates with validated ID numbers', async () => {
      const zhang = await personLogin(app, person('张伟').idNumber);
      const before = await tableCounts(app, ['sessions', 'audit_log', 'oidc_logins', 'idp_codes', 'accounts']);
      const badId = await zhang.req('POST', '/api/mandates', { agentIdNumber: '350102199003070010', scope: ['*'], reason: '委托办理', validUntil: '2030-01-01T00:00:00Z' });
      expect(badId.statusCode).toBe(400);
      expect(badId.json()).toMatchObject({ code: 'ID_NUMBER_INVALID', field: 'body/agentIdNumber' });
      const self = await zhang.req('POST', '/api/mandates', { agentIdNumber: person('张伟').idNumber, scope: ['*'], reason: '委托办理', validUntil: '2030-01-01T00:00:00Z' });
      expect(self.statusCode).toBe(400);
      // Name and number as on the ID card: a name that does not fit the number authorises no one.
      const wrongName = await zhang.req('POST', '/api/mandates', { agentIdNumber: person('李娜').idNumber, agentName: '李四', scope: ['*'], reason: '委托办理', validUntil: '2030-01-01T00:00:00Z' });
      expectProblem(wrongName, 400, 'AGENT_NAME_MISMATCH', 'body/agentName');
      expect(await tableCounts(app, ['sessions', 'audit_log', 'oidc_logins', 'idp_codes', 'accounts'])).toEqual(before);
      const ok = await zhang.req('POST', '/api/mandates', { agentIdNumber: person('李娜').idNumber, agentName: '李娜', scope: ['*'], reason: '委托办理', validUntil: '2030-01-01T00:00:00Z' });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().agent.displayName).toBe('李娜');
    });
  });

  describe('machine clients', () => {
    it('issues a bearer token for the client credentials grant and authenticates with it', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${res.json().access_token}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json().account.roles).toEqual(['machine']);
      const bad = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: 'wrong' } });
      expect(bad.statusCode).toBe(401);
      const forged = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Bearer forged-token' } });
      expect(forged.statusCode).toBe(401);
    });

    it('reuses a verified token for at most BEARER_CACHE_MS: expiry is exact, a disabled client is refused after the bound', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } });
      const token = res.json().access_token as string;
      const me = () => app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect((await me()).statusCode).toBe(200); // now cached
      const db = app.database.db;
      const client = await db.selectFrom('api_clients').select(['id', 'status']).where('client_id', '=', 'fz-ybj-system').executeTakeFirstOrThrow();
      const realNow = Date.now;
      try {
        await db.updateTable('api_clients').set({ status: 'disabled' }).where('id', '=', client.id).execute();
        expect((await me()).statusCode).toBe(200); // within the bound: still the cached verification
        Date.now = () => realNow() + BEARER_CACHE_MS + 1;
        const refused = await me();
        expect(refused.statusCode).toBe(401);
        expect(refused.json().code).toBe('UNAUTHENTICATED');
        await db.updateTable('api_clients').set({ status: client.status }).where('id', '=', client.id).execute();
        Date.now = realNow;
        expect((await me()).statusCode).toBe(200);
        // The token's own expiry applies on every request, also while its verification is cached.
        const short = (await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } })).json().access_token as string;
        await db.updateTable('access_tokens').set({ expires_at: new Date(realNow() + 4000) }).where('token_hash', '=', sha256(short)).execute();
        const shortMe = () => app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${short}` } });
        expect((await shortMe()).statusCode).toBe(200); // verified and cached until the bound, which is later than its expiry
        Date.now = () => realNow() + 4500;
        expect((await shortMe()).statusCode).toBe(401);
      } finally {
        Date.now = realNow;
        await db.updateTable('api_clients').set({ status: client.status }).where('id', '=', client.id).execute();
      }
    });
  });
});

describe('sign-in rate limit', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp('pglite', { LOGIN_RATE_PER_MINUTE: 3 });
  });
  afterAll(async () => app?.close());

  it('answers 429 problem+json beyond the limit per client address, and a spoofed X-Forwarded-For does not help', async () => {
    const attempt = (xff?: string) =>
      app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'admin', password: 'wrong' }, headers: xff ? { 'x-forwarded-for': xff } : {} });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect((await attempt('203.0.113.9')).statusCode).toBe(429);
  });
});

describe('OIDC callback failures in a browser', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp('pglite');
  });
  afterAll(async () => app?.close());

  it('sends a browser back to the sign-in page with the reason', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=x&state=unknown-state', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/login?error=OIDC_STATE_INVALID');
  });
});
