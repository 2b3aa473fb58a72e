import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { DB_KINDS, expectProblem, personLogin, staffLogin, testApp } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { DATA_ACTION_PREFIXES } from './index';

interface Entry { id: number; at: string; action: string; actorId: string | null; actorName: string | null; actorRegionCode: string | null; entityType: string; entityId: string | null; detail: Record<string, unknown> }
interface Page { items: Entry[]; next: string | null }

describe.each(DB_KINDS)('audit log reading on %s', (kind) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(kind);
  });
  afterAll(async () => app?.close());

  it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
    const admin = await staffLogin(app, 'admin');
    for (const u of ['scjg.window', 'scjg.reviewer', 'gaj.window']) await staffLogin(app, u);
    const entries = ((await admin.req('GET', '/api/audit?limit=500')).json() as Page).items;
    const all = entries.map((e) => e.id);
    expect(all.length).toBeGreaterThan(5);
    // Newest first by time (the API shows milliseconds; the database orders by microseconds, then id).
    const times = entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(all).size).toBe(all.length);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await admin.req('GET', `/api/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((e) => e.id));
      cursor = page.next;
    } while (cursor && seen.length < 8);
    expect(seen).toEqual(all.slice(0, seen.length));
  });

  it('orders by time, not by id: an entry recorded late for an earlier moment (a long transaction) takes its place, and pages keep it', async () => {
    const admin = await staffLogin(app, 'admin');
    // Ids rise 1..6; the times do not (the third entry's transaction began first, the sixth shares the fifth's moment).
    const at = ['2026-03-01T10:00:02Z', '2026-03-01T10:00:04Z', '2026-03-01T10:00:01Z', '2026-03-01T10:00:05Z', '2026-03-01T10:00:03Z', '2026-03-01T10:00:03Z'];
    const ids: number[] = [];
    for (const [n, t] of at.entries())
      ids.push(Number((await sql<{ id: string }>`INSERT INTO audit_log (at, action, entity_type, entity_id) VALUES (${t}::timestamptz, 'test.order', 'test', ${String(n + 1)}) RETURNING id::text AS id`.execute(app.database.db)).rows[0].id));
    const expected = [ids[3], ids[1], ids[5], ids[4], ids[0], ids[2]]; // 05, 04, 03 (later id first), 03, 02, 01
    const all = ((await admin.req('GET', '/api/audit?action=test.order&limit=10')).json() as Page).items.map((e) => e.id);
    expect(all).toEqual(expected);
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await admin.req('GET', `/api/audit?action=test.order&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      paged.push(...page.items.map((e) => e.id));
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(expected);
    const range = ((await admin.req('GET', '/api/audit?action=test.order&from=2026-03-01T10:00:02Z&to=2026-03-01T10:00:04Z')).json() as Page).items.map((e) => e.id);
    expect(range).toEqual([ids[5], ids[4], ids[0]]);
  });

  it('filters by action prefix, exact action, entity, actor and time range', async () => {
    const admin = await staffLogin(app, 'admin');
    const window = await staffLogin(app, 'scjg.window');
    const byPrefix = ((await admin.req('GET', '/api/audit?actionPrefix=identity.login.&limit=500')).json() as Page).items;
    expect(byPrefix.length).toBeGreaterThan(0);
    expect(byPrefix.every((e) => e.action.startsWith('identity.login.'))).toBe(true);
    // LIKE wildcards in a prefix are taken literally.
    expect(((await admin.req('GET', '/api/audit?actionPrefix=%25&limit=5')).json() as Page).items).toEqual([]);
    const mine = ((await admin.req('GET', `/api/audit?actorId=${window.me.account.id}&action=identity.login.staff&limit=500`)).json() as Page).items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.actorId === window.me.account.id && e.action === 'identity.login.staff' && e.actorName === window.me.account.displayName)).toBe(true);
    const entity = ((await admin.req('GET', `/api/audit?entityType=account&entityId=${window.me.account.id}&limit=500`)).json() as Page).items;
    expect(entity.length).toBeGreaterThan(0);
    expect(entity.every((e) => e.entityType === 'account' && e.entityId === window.me.account.id)).toBe(true);
    const newest = byPrefix[0];
    const from = new Date(Date.parse(newest.at) - 1).toISOString();
    const to = new Date(Date.parse(newest.at) + 1).toISOString();
    const ranged = ((await admin.req('GET', `/api/audit?from=${from}&to=${to}&limit=500`)).json() as Page).items;
    expect(ranged.map((e) => e.id)).toContain(newest.id);
    expect(ranged.every((e) => e.at >= from && e.at < to)).toBe(true);
    expect(((await admin.req('GET', `/api/audit?to=2000-01-01T00:00:00Z`)).json() as Page).items).toEqual([]);
  });

  it('shows a data administrator only the data-governance actions of their region', async () => {
    const data = await staffLogin(app, 'dsj.data');
    const region = data.me.account.regionCode as string;
    const row = (action: string, regionCode: string) => ({ action, entity_type: 'test', entity_id: `${action}@${regionCode}`, actor_kind: 'data_admin', actor_region_code: regionCode, detail: '{}' });
    await app.database.db.insertInto('audit_log').values([
      row('exchange.grant.revoke', region), row('opendata.dataset.publish', region), row('resources.update', region),
      row('identity.staff.update', region), row('exchange.grant.revoke', '350200'),
    ]).execute();
    const items = ((await data.req('GET', '/api/audit?limit=500')).json() as Page).items;
    const ids = items.map((e) => e.entityId);
    expect(ids).toEqual(expect.arrayContaining([`exchange.grant.revoke@${region}`, `opendata.dataset.publish@${region}`, `resources.update@${region}`]));
    expect(ids).not.toContain(`identity.staff.update@${region}`);
    expect(ids).not.toContain('exchange.grant.revoke@350200');
    expect(items.every((e) => DATA_ACTION_PREFIXES.some((p) => e.action.startsWith(p)))).toBe(true);
    // Not even with a filter asking for more.
    expect(((await data.req('GET', '/api/audit?actionPrefix=identity.&limit=50')).json() as Page).items).toEqual([]);
  });

  it('masks personal data, also in entries written before masking', async () => {
    const admin = await staffLogin(app, 'admin');
    const citizen = await personLogin(app, people[0].idNumber);
    await app.database.db.insertInto('audit_log').values({
      action: 'legacy.import', entity_type: 'person', entity_id: people[0].idNumber, actor_id: citizen.me.account.id, actor_kind: 'citizen',
      detail: JSON.stringify({ note: `联系电话 13812345678，身份证 ${people[0].idNumber}` }),
    }).execute();
    const [e] = ((await admin.req('GET', '/api/audit?action=legacy.import')).json() as Page).items;
    expect(e.entityId).not.toBe(people[0].idNumber);
    expect(e.entityId).toMatch(/^\d{3}\*+/);
    expect(JSON.stringify(e.detail)).not.toContain('13812345678');
    expect(JSON.stringify(e.detail)).not.toContain(people[0].idNumber);
    expect(e.actorName).toBe(`${people[0].name[0]}${'*'.repeat(people[0].name.length - 1)}`);
  });

  it('refuses bad input with a problem naming the field, in Chinese and English', async () => {
    const admin = await staffLogin(app, 'admin');
    const junk = Buffer.from('a:-1').toString('base64url');
    expectProblem(await admin.req('GET', `/api/audit?cursor=${junk}`), 400, 'CURSOR_INVALID', 'querystring/cursor');
    expectProblem(await admin.req('GET', '/api/audit?cursor=not!a!cursor'), 400, 'CURSOR_INVALID', 'querystring/cursor');
    expectProblem(await admin.req('GET', '/api/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400, 'TIME_RANGE_INVALID', 'querystring/from');
    expectProblem(await admin.req('GET', '/api/audit?from=yesterday'), 400, 'VALIDATION_FAILED', 'querystring/from');
    expectProblem(await admin.req('GET', '/api/audit?actorId=someone'), 400, 'VALIDATION_FAILED', 'querystring/actorId');
    expectProblem(await admin.req('GET', '/api/audit?sort=asc'), 400, 'VALIDATION_FAILED');
    const citizen = await personLogin(app, people[0].idNumber);
    expect((await citizen.req('GET', '/api/audit')).statusCode).toBe(403);
  });
});
