/**
 * The verification APIs with several server processes on one PostgreSQL database (SERVER_PROCESSES;
 * here two apps with their own pools and caches, as two processes have): an exchange grant's
 * per-minute rate and daily quota hold exactly across both, and a licence revoked, or an issuer key
 * withdrawn, through one process is refused by the other at once (NOTIFY), not after a cache expiry;
 * and a rate-limited route (sign-in) has one budget for both processes, not one each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { personLogin, staffLogin, twoProcesses, type Client } from '../../../../../test/helpers';
import { DEMO_CLIENT_SECRET, enterprises, people } from '../../demo/data';
import type { RequestContext } from '../../shared/actor';
import { rateMinute } from '../exchange/exchange.recorder';

const zhang = people.find((p) => p.name === '张伟')!;
const rongcheng = enterprises.find((e) => e.name.includes('榕城'))!;

/** Polls `check` until it holds (a NOTIFY travels through PostgreSQL; generous for a loaded machine). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const LOGIN_LIMIT = 6;

describe('verification APIs with two server processes on one PostgreSQL database', () => {
  let a: FastifyInstance;
  let b: FastifyInstance;
  let bearer: string;

  beforeAll(async () => {
    // A small sign-in limit, for the shared budget below (the other tests sign in a few times only).
    [a, b] = await twoProcesses({ LOGIN_RATE_PER_MINUTE: LOGIN_LIMIT });
    bearer = (await a.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } })).json().access_token;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const call = (app: FastifyInstance, resource: string, subject: string, name: string) =>
    app.inject({ method: 'POST', url: '/api/exchange/verify', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, payload: JSON.stringify({ resource, subject, claims: { name }, purpose: '多进程限额测试' }) });
  const grantOf = async (resource: string) => {
    const first = await call(a, resource, resource === 'GAJ.POPULATION' ? zhang.idNumber : rongcheng.uscc, resource === 'GAJ.POPULATION' ? zhang.name : rongcheng.name);
    expect(first.statusCode, first.body).toBe(200);
    return (await a.database.db.selectFrom('exchange_calls').select('grant_id').where('id', '=', first.json().receiptId).executeTakeFirstOrThrow()).grant_id!;
  };
  /** Sends `n` calls at once, alternating between the two processes; the status codes and refusal codes. */
  const burst = async (n: number, resource: string, subject: string, name: string) => {
    const res = await Promise.all(Array.from({ length: n }, (_, i) => call(i % 2 ? b : a, resource, subject, name)));
    return res.map((r) => (r.statusCode === 200 ? 'ok' : `${r.statusCode} ${r.json().code}`));
  };

  it("an exchange grant's per-minute rate and daily quota are exact across processes", async () => {
    const population = await grantOf('GAJ.POPULATION');
    const enterprise = await grantOf('SCJGJ.ENTERPRISE');
    const used = async (grantId: string) => (await a.database.db.selectFrom('exchange_usage').select('used').where('grant_id', '=', grantId).execute()).reduce((s, r) => s + r.used, 0);
    await a.database.db.updateTable('exchange_grants').set({ rate_per_minute: 4 }).where('id', '=', population).execute();
    await a.database.db.updateTable('exchange_grants').set({ quota_per_day: (await used(enterprise)) + 3 }).where('id', '=', enterprise).execute();
    a.services.exchange.invalidate();
    b.services.exchange.invalidate();

    // The rate counts per minute (calls made before it was set, above, are not counted); the
    // figures are checked when the burst did not straddle two minutes.
    const minute = rateMinute();
    const rate = await burst(12, 'GAJ.POPULATION', zhang.idNumber, zhang.name);
    if (rateMinute() === minute) {
      expect(rate.filter((r) => r === 'ok').length, rate.join(', ')).toBe(4);
      expect(rate.filter((r) => r === '429 RATE_LIMITED').length).toBe(8);
    }
    const quota = await burst(10, 'SCJGJ.ENTERPRISE', rongcheng.uscc, rongcheng.name);
    expect(quota.filter((r) => r === 'ok').length, quota.join(', ')).toBe(3);
    expect(quota.filter((r) => r === '429 QUOTA_EXCEEDED').length).toBe(7);
    // Every refusal is recorded with its receipt, whichever process answered.
    const refused = await a.database.db.selectFrom('exchange_calls').select(['reason_code']).where('grant_id', 'in', [population, enterprise]).where('outcome', '=', 'refused').execute();
    expect(refused.filter((r) => r.reason_code === 'QUOTA_EXCEEDED').length).toBe(7);
    if (rateMinute() === minute) expect(refused.filter((r) => r.reason_code === 'RATE_LIMITED').length).toBe(8);
    // A rate-limited call did not count against the quota.
    expect(await used(enterprise)).toBe((await a.database.db.selectFrom('exchange_grants').select('quota_per_day').where('id', '=', enterprise).executeTakeFirstOrThrow()).quota_per_day);
  });

  it('a licence revoked or an issuer key withdrawn through one process is refused by the other at once', async () => {
    const ent: Client = await personLogin(a, rongcheng.legalRep.idNumber, { type: 'enterprise', uscc: rongcheng.uscc });
    const decider = await staffLogin(a, 'scjg.decider');
    const admin = await staffLogin(a, 'admin');
    const wallet = (await ent.req('GET', '/api/licences/wallet')).json() as { id: string; type: string }[];
    const present = async (type: string) => {
      const res = await ent.req('POST', `/api/licences/wallet/${wallet.find((l) => l.type === type)!.id}/presentations`, { fields: [type === 'business_licence' ? 'name' : 'operatorName'] });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().presentation as string;
    };
    const verifyOn = async (app: FastifyInstance, presentation: string) => (await app.inject({ method: 'POST', url: '/api/licences/verify', payload: { presentation } })).json().result;

    // Revocation: B has the status list cached (it just verified), A revokes.
    const bl = wallet.find((l) => l.type === 'business_licence')!;
    const p = await present('business_licence');
    expect(await verifyOn(b, p)).toMatchObject({ valid: true, status: 'valid' });
    const revoked = await decider.req('POST', `/api/licences/${bl.id}/status`, { action: 'revoke', reason: '多进程测试：吊销' });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await eventually(async () => (await verifyOn(b, p)).status === 'revoked')).toBe(true);
    expect(await verifyOn(b, p)).toMatchObject({ valid: false, reason: { code: 'REVOKED' } });
    expect((await verifyOn(b, p)).licence).toBeUndefined();

    // A withdrawn issuer key: B has the key cached (trust cache), A withdraws it.
    const food = await present('food_business_licence');
    const before = await verifyOn(b, food);
    expect(before).toMatchObject({ valid: true });
    const me = admin.me.account;
    const ctx: RequestContext = {
      actor: { accountId: me.id, kind: me.kind, displayName: me.displayName, roles: me.roles, departmentId: me.department?.id ?? null, regionCode: me.regionCode, actingAs: null, actingFor: null, amr: ['pwd'], scopes: [] },
      ip: '127.0.0.1',
      requestId: 'processes-test',
      audited: false,
    };
    await a.services.licences.revokeIssuerKey(ctx, before.licence.kid, '多进程测试：密钥泄露');
    // Well within the 5 s cache bound: the NOTIFY reaches B first.
    const t0 = Date.now();
    expect(await eventually(async () => (await verifyOn(b, food)).reason?.code === 'UNKNOWN_ISSUER_KEY', 4000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it("a rate-limited route's budget is shared by the processes (sign-in from one address)", async () => {
    const limit = LOGIN_LIMIT;
    // Not straddling two one-minute windows: start early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
    const attempt = (app: FastifyInstance) =>
      app.inject({ method: 'POST', url: '/api/auth/staff/login', remoteAddress: '198.51.100.7', payload: { username: 'no-such-officer', password: 'wrong-password' } });
    const codes: number[] = [];
    for (let i = 0; i < limit + 2; i++) codes.push((await attempt(i % 2 ? b : a)).statusCode);
    // Each process alone would have let `limit` through; together they let `limit` through in all.
    expect(codes.slice(0, limit).every((c) => c === 401), codes.join(',')).toBe(true);
    expect(codes.slice(limit), codes.join(',')).toEqual([429, 429]);
    // Another address has its own budget.
    expect((await b.inject({ method: 'POST', url: '/api/auth/staff/login', remoteAddress: '198.51.100.8', payload: { username: 'no-such-officer', password: 'wrong-password' } })).statusCode).toBe(401);
  });
});
