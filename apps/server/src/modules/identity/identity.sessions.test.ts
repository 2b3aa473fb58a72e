/**
 * The per-process session cache (identity.service.ts, SESSION_CACHE_MS): a signed-in session is
 * read from the database at most once per bound, and every change made through the module ends or
 * alters it at once — in the same process before the change's response, in another process when
 * the NOTIFY sent at commit arrives.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, personLogin, staffLogin, testApp, useTwoProcesses } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { sessionsRepo } from './identity.repository';
import { SESSION_CACHE_MS } from './identity.service';

const person = (name: string) => people.find((p) => p.name === name)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DB_KINDS)('session cache on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind);
  });
  afterAll(async () => app?.close());

  const staffId = async (admin: Awaited<ReturnType<typeof staffLogin>>, username: string) =>
    ((await admin.req('GET', '/api/admin/staff')).json() as { id: string; username: string }[]).find((s) => s.username === username)!.id;

  it('reads a session once per SESSION_CACHE_MS, and a change behind the module’s back shows within that bound', async () => {
    const c = await staffLogin(app, 'gaj.window');
    const spy = vi.spyOn(sessionsRepo, 'loadWithAccount');
    try {
      for (let i = 0; i < 3; i++) expect((await c.req('GET', '/api/auth/me')).statusCode).toBe(200);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
    // SQL by hand sends no NOTIFY: the cached session lives on for at most the bound.
    await app.database.db.updateTable('sessions').set({ revoked_at: new Date() }).where('account_id', '=', c.me.account.id).execute();
    const revokedAt = Date.now();
    let refusedAfter = -1;
    while (Date.now() - revokedAt < SESSION_CACHE_MS + 1000) {
      if ((await c.req('GET', '/api/auth/me')).statusCode === 401) {
        refusedAfter = Date.now() - revokedAt;
        break;
      }
      await sleep(50);
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThanOrEqual(SESSION_CACHE_MS + 200);
  });

  it('logout ends the cached session at once', async () => {
    const c = await staffLogin(app, 'wjw.decider');
    expect((await c.req('GET', '/api/auth/me')).statusCode).toBe(200);
    // A request in flight while the logout commits must not leave the old session cached either.
    const [out] = await Promise.all([c.req('POST', '/api/auth/logout'), c.req('GET', '/api/auth/me'), c.req('GET', '/api/auth/me')]);
    expect(out.statusCode).toBe(204);
    expect((await c.req('GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('disabling an account and changing its roles take effect on its cached sessions at once', async () => {
    const admin = await staffLogin(app, 'scjg.admin');
    const c = await staffLogin(app, 'scjg.reviewer');
    const id = await staffId(admin, 'scjg.reviewer');
    expect((await c.req('GET', '/api/auth/me')).json().account.roles).toEqual(['reviewer']);
    expect((await admin.req('PATCH', `/api/admin/staff/${id}`, { roles: ['decider', 'reviewer'], reason: '兼任决定岗' })).statusCode).toBe(200);
    expect((await c.req('GET', '/api/auth/me')).json().account.roles).toEqual(['decider', 'reviewer']);
    expect((await admin.req('PATCH', `/api/admin/staff/${id}`, { status: 'disabled', reason: '调离' })).statusCode).toBe(200);
    expect((await c.req('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await admin.req('PATCH', `/api/admin/staff/${id}`, { status: 'active', roles: ['reviewer'], reason: '恢复' })).statusCode).toBe(200);
  });

  it('switching whom one acts for and ending a mandate take effect at once', async () => {
    const agent = await personLogin(app, person('陈明').idNumber);
    const principal = agent.me.options.principals[0];
    expect((await agent.req('GET', '/api/auth/me')).json().actingFor).toBeNull();
    expect((await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id })).statusCode).toBe(200);
    expect((await agent.req('GET', '/api/auth/me')).json().actingFor).toMatchObject({ id: principal.id });
    const wang = await personLogin(app, person('王秀英').idNumber);
    const mandate = ((await wang.req('GET', '/api/mandates')).json() as { id: string; agentId?: string }[])[0];
    expect((await wang.req('DELETE', `/api/mandates/${mandate.id}`)).statusCode).toBe(204);
    expect((await agent.req('GET', '/api/auth/me')).statusCode).toBe(401);
  });
});

describe('session cache across two processes (PostgreSQL)', () => {
  const two = useTwoProcesses();

  /** The same signed-in client, sending to the other process. */
  const via = (app: FastifyInstance, c: Awaited<ReturnType<typeof staffLogin>>) => ({
    req: (method: 'GET' | 'POST', url: string) => app.inject({ method, url, headers: { cookie: c.cookie, 'x-csrf-token': c.csrf } }),
  });
  /** Milliseconds until `check` holds (polled), or -1 after SESSION_CACHE_MS + 1 s. */
  const until = async (check: () => Promise<boolean>) => {
    const t0 = Date.now();
    while (Date.now() - t0 < SESSION_CACHE_MS + 1000) {
      if (await check()) return Date.now() - t0;
      await sleep(10);
    }
    return -1;
  };

  it('a logout and a role change in one process reach the other’s cached sessions by NOTIFY, well within the bound', async () => {
    const { a, b } = two;
    const c = await staffLogin(a, 'rsj.window');
    const inB = via(b, c);
    expect((await inB.req('GET', '/api/auth/me')).statusCode).toBe(200); // cached in b
    expect((await c.req('POST', '/api/auth/logout')).statusCode).toBe(204); // in a
    const logoutMs = await until(async () => (await inB.req('GET', '/api/auth/me')).statusCode === 401);
    console.log(`logout in one process refused in the other after ${logoutMs} ms (bound ${SESSION_CACHE_MS} ms)`);
    expect(logoutMs).toBeGreaterThanOrEqual(0);
    expect(logoutMs).toBeLessThan(SESSION_CACHE_MS / 2);

    const admin = await staffLogin(a, 'admin');
    const r = await staffLogin(a, 'rsj.decider');
    const rInB = via(b, r);
    expect((await rInB.req('GET', '/api/auth/me')).json().account.roles).toEqual(['decider']);
    const id = ((await admin.req('GET', '/api/admin/staff')).json() as { id: string; username: string }[]).find((s) => s.username === 'rsj.decider')!.id;
    expect((await admin.req('PATCH', `/api/admin/staff/${id}`, { status: 'disabled', reason: '调离' })).statusCode).toBe(200);
    const disableMs = await until(async () => (await rInB.req('GET', '/api/auth/me')).statusCode === 401);
    console.log(`disabled in one process refused in the other after ${disableMs} ms`);
    expect(disableMs).toBeGreaterThanOrEqual(0);
    expect(disableMs).toBeLessThan(SESSION_CACHE_MS / 2);
  });
});
