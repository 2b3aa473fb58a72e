/**
 * The data resource catalog on both databases: public metadata, who may maintain what, the
 * validation rules (personal data never open, key field among the fields), optimistic updates,
 * and the rows' access paths (by subject, keyset pages with filters, the change feed by region).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, expectProblem, staffLogin, tableCounts, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { demoItems } from '../catalog/demo/items';
import { DEMO_RESOURCES } from './resources.demo';
import { sql } from 'kysely';
import { systemAdminContext } from '../../shared/actor';
import { RowQueryError, partitionName, rowIndexName, rowPageStatement } from './resources.rows';

const sample = (departmentId: string, n: number, extra: Record<string, unknown> = {}) => ({
  code: `TEST.RES_${n}`,
  name: `测试资源${n}`,
  description: '测试用数据资源',
  providerDepartmentId: departmentId,
  subjectKind: 'none',
  keyField: 'no',
  fields: [
    { name: 'no', label: '编号', type: 'string', personal: false, sensitive: false },
    { name: 'kind', label: '类别', type: 'string', personal: false, sensitive: false },
    { name: 'count', label: '数量', type: 'integer', personal: false, sensitive: false },
  ],
  sharingClass: 'unconditional',
  openClass: 'unconditional',
  updateFrequency: 'daily',
  ...extra,
});

describe('demo resources cover the catalog', () => {
  it('has a resource for every shared_data material of the demo items', () => {
    const names = new Set(DEMO_RESOURCES.map((r) => r.name));
    const wanted = new Set<string>();
    for (const item of demoItems) for (const m of (item.content as { materials?: { source: { kind: string; resource?: string } }[] }).materials ?? []) if (m.source.kind === 'shared_data') wanted.add(m.source.resource!);
    expect(wanted.size).toBeGreaterThan(5);
    expect([...wanted].filter((w) => !names.has(w))).toEqual([]);
  });
});

describe.each(DB_KINDS)('resources on %s', (kind) => {
  let app: FastifyInstance;
  let dsj: Client;
  let scjg: Client;
  let deptIds: Record<string, string>;

  beforeAll(async () => {
    app = await testApp(kind);
    dsj = await staffLogin(app, 'dsj.data');
    scjg = await staffLogin(app, 'scjg.admin');
    deptIds = Object.fromEntries((await app.inject({ method: 'GET', url: '/api/departments' })).json().map((d: { code: string; id: string }) => [d.code, d.id]));
  });
  afterAll(async () => app?.close());

  it('publishes the catalog’s metadata to anyone, never rows', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/resources?limit=200` });
    expect(res.statusCode).toBe(200);
    const names = res.json().items.map((i: { name: string }) => i.name);
    for (const n of ['人口基础信息库', '市场主体登记信息', '社会保险参保信息', '不动产登记信息', '公交线路', '空气质量监测']) expect(names).toContain(n);
    const one = await app.inject({ method: 'GET', url: '/api/resources/GAJ.POPULATION' });
    expect(one.json()).toMatchObject({ name: '人口基础信息库', provider: { code: 'FZ-GAJ' }, sharingClass: 'conditional', openClass: 'none', subjectKind: 'person', keyField: 'idNumber' });
    expect(one.body).not.toContain(people[0].idNumber);
    const search = await app.inject({ method: 'GET', url: `/api/resources?q=${encodeURIComponent('公交')}` });
    expect(search.json().items.map((i: { code: string }) => i.code)).toEqual(['ZJJ.BUS_ROUTES']);
    const open = await app.inject({ method: 'GET', url: '/api/resources?openClass=unconditional' });
    expect(open.json().items.every((i: { subjectKind: string }) => i.subjectKind === 'none')).toBe(true);
    expectProblem(await app.inject({ method: 'GET', url: '/api/resources/NO.SUCH' }), 404, 'NOT_FOUND');
  });

  it('lets the big data administration register resources of any provider, a department only its own', async () => {
    const created = await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 1));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'TEST.RES_1', provider: { code: 'FZ-GAJ' }, version: 1, status: 'active' });
    const audit = await app.database.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'resources.create').where('entity_id', '=', created.json().id).execute();
    expect(audit).toHaveLength(1);
    const own = await scjg.req('POST', '/api/admin/resources', sample(deptIds['FZ-SCJGJ'], 2));
    expect(own.statusCode, own.body).toBe(201);
    const before = await tableCounts(app);
    expectProblem(await scjg.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 3)), 403, 'FORBIDDEN');
    expectProblem(await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 1)), 409, 'RESOURCE_CODE_TAKEN', 'body/code');
    expectProblem(await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 4, { keyField: 'missing' })), 400, 'RESOURCE_KEY_FIELD', 'body/keyField');
    expectProblem(
      await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 5, { fields: [{ name: 'no', label: '身份证号', type: 'string', personal: true, sensitive: true }] })),
      400,
      'RESOURCE_PERSONAL_NOT_OPENABLE',
      'body/openClass',
    );
    expectProblem(await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-GAJ'], 6, { subjectKind: 'person' })), 400, 'RESOURCE_PERSONAL_NOT_OPENABLE');
    expectProblem(await dsj.req('POST', '/api/admin/resources', { ...sample(deptIds['FZ-GAJ'], 7), sharingClass: '无条件' }), 400, 'VALIDATION_FAILED');
    expect(await tableCounts(app)).toEqual(before);
  });

  it('updates with the version read, and refuses a stale one', async () => {
    const created = (await dsj.req('POST', '/api/admin/resources', sample(deptIds['FZ-WJW'], 10))).json();
    const { id, code: _code, provider, createdAt: _c, updatedAt: _u, status: _s, regionCode: _r, ...rest } = created;
    const body = { ...rest, providerDepartmentId: provider.id, description: '已更新', version: 1 };
    const ok = await dsj.req('PUT', `/api/admin/resources/${id}`, body);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ description: '已更新', version: 2 });
    expectProblem(await dsj.req('PUT', `/api/admin/resources/${id}`, body), 409, 'RESOURCE_VERSION_CONFLICT');
    const retired = await dsj.req('POST', `/api/admin/resources/${id}/retire`, { reason: '测试停用' });
    expect(retired.json().status).toBe('retired');
    const list = (await app.inject({ method: 'GET', url: '/api/resources?limit=200' })).json().items.map((i: { id: string }) => i.id);
    expect(list).not.toContain(id);
    const admin = (await dsj.req('GET', '/api/admin/resources?includeRetired=true&limit=200')).json().items.find((i: { id: string }) => i.id === id);
    expect(admin).toMatchObject({ status: 'retired', canManage: true });
  });

  it('finds a subject’s rows by keyed hash, pages by key with filters, and feeds changes by region', async () => {
    const svc = app.services.resources;
    const db = app.database.db;
    const pop = (await svc.getRow(db, 'GAJ.POPULATION'))!;
    const zhang = people.find((p) => p.name === '张伟')!;
    const rows = await svc.rowBySubject(db, pop.id, zhang.idNumber.toLowerCase());
    expect(rows).toHaveLength(1);
    expect(rows[0].data).toMatchObject({ name: '张伟', idNumber: zhang.idNumber });
    const stored = await db.selectFrom('resource_rows').select('subject_key').where('resource_id', '=', pop.id).execute();
    expect(stored.every((r) => r.subject_key && !r.subject_key.includes(zhang.idNumber))).toBe(true);

    const bus = (await svc.getRow(db, 'ZJJ.BUS_ROUTES'))!;
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof svc.pageRows>> = await svc.pageRows(db, bus, { after, limit: 100 });
      seen.push(...page.rows.map((r) => r.rowKey));
      after = page.next;
    } while (after);
    expect(seen).toHaveLength(240);
    expect([...seen].sort()).toEqual(seen);
    const filtered = await svc.pageRows(db, bus, { filters: { fare: 2 }, fields: ['routeNo', 'fare'], limit: 1000 });
    expect(filtered.rows.length).toBeGreaterThan(0);
    expect(filtered.rows.every((r) => r.data.fare === 2 && Object.keys(r.data).length === 2)).toBe(true);
    await expect(svc.pageRows(db, bus, { filters: { nope: 1 } })).rejects.toMatchObject({ code: 'RESOURCE_FILTER_INVALID' });

    // A provider's system writes a change; the feed of its district sees it, another district's does not.
    const points = (await svc.getRow(db, 'XZSPJ.SERVICE_POINTS'))!;
    const last = (await svc.changesSince(db, points.id, { afterSeq: 0, limit: 1000 })).at(-1)!.seq;
    const write = await (await staffLogin(app, 'xzsp.admin')).req('POST', '/api/resources/XZSPJ.SERVICE_POINTS/rows', {
      rows: [{ regionCode: '350102', data: { pointId: 'FZ-SP-0001', name: '鼓楼区政务服务中心（新址）', level: '区级政务服务中心', district: '鼓楼区', items: 1200 } }],
    });
    expect(write.statusCode, write.body).toBe(200);
    const gulou = await svc.changesSince(db, points.id, { afterSeq: last, regionCode: '350102' });
    expect(gulou.map((r) => r.data.name)).toEqual(['鼓楼区政务服务中心（新址）']);
    expect(await svc.changesSince(db, points.id, { afterSeq: last, regionCode: '350103' })).toEqual([]);
    expect((await svc.changesSince(db, points.id, { afterSeq: last, regionCode: '350100' })).length).toBe(1);
    expectProblem(await dsj.req('POST', '/api/resources/XZSPJ.SERVICE_POINTS/rows', { rows: [{ data: { pointId: 'X', items: 'many' } }] }), 400, 'RESOURCE_ROW_INVALID');
    expectProblem(await scjg.req('POST', '/api/resources/XZSPJ.SERVICE_POINTS/rows', { rows: [{ data: { pointId: 'X' } }] }), 403, 'FORBIDDEN');
    const preview = await dsj.req('GET', '/api/admin/resources/GAJ.POPULATION/rows');
    expect(preview.statusCode).toBe(200);
    expect(preview.body).not.toContain(zhang.idNumber);
    expect(preview.json().total).toBe(people.length);
  });

  it('row queries: own partition, expression indexes for chosen fields, filtered keyset pages, sort, estimates', async () => {
    const svc = app.services.resources;
    const db = app.database.db;
    const ctx = systemAdminContext('test');
    const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
    const created = await svc.create(ctx, sample(zjj.id, 77) as never);
    const part = partitionName(created.id);
    expect((await sql<{ t: string | null }>`SELECT to_regclass(${part})::text AS t`.execute(db)).rows[0].t).toBe(part);
    const row = (await svc.getRow(db, created.id))!;
    const kinds = ['甲', '乙', '丙'];
    await db.transaction().execute((trx) => svc.upsertRows(trx, row, Array.from({ length: 300 }, (_, i) => ({ data: { no: `N${String(i).padStart(4, '0')}`, kind: kinds[i % 3], count: i % 10 } }))));
    // The rows are in the resource's own partition.
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(part)}`.execute(db)).rows[0].n).toBe(300);
    const cols = row.fields.map((f) => ({ name: f.name, type: f.type }));
    const before = await svc.searchRows(db, created.id, cols, { limit: 5, filters: { kind: '乙', count: 1 } });

    await db.transaction().execute((trx) => svc.requestRowIndexes(trx, created.id, cols.filter((c) => c.name !== 'no')));
    expect((await svc.buildRowIndexes(created.id)).sort()).toEqual(['count', 'kind']);
    expect((await svc.rowIndexes(db, created.id)).map((r) => [r.field, r.state])).toEqual([['count', 'ready'], ['kind', 'ready']]);
    expect(await svc.readyRowIndexes(db, created.id)).toEqual(new Set(['count', 'kind']));

    // The same answers through the indexes; keyset pages walk all matches without overlap.
    const first = await svc.searchRows(db, created.id, cols, { limit: 5, filters: { kind: '乙', count: 1 } });
    expect(first.records).toEqual(before.records);
    expect(first.total).toBe(10);
    expect(first.total_was_estimated).toBe(false);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const p = await svc.searchRows(db, created.id, cols, { limit: 4, filters: { kind: '乙', count: 1 }, cursor });
      seen.push(...p.records.map((r) => String(r._id)));
      if (!p.more) break;
      cursor = p.cursor!;
    }
    expect(seen).toEqual(before.records.length ? [...new Set(seen)] : []);
    expect(seen).toHaveLength(10);
    expect(seen.every((k) => Number(k.slice(1)) % 3 === 1 && Number(k.slice(1)) % 10 === 1)).toBe(true);
    // Sort by an integer field (numeric order, not text), descending, keyset-paged.
    const byCount = await svc.searchRows(db, created.id, cols, { limit: 40, sort: 'count desc', filters: { kind: ['甲', '丙'] } });
    expect(byCount.records.slice(0, 20).every((r) => r.count === 9)).toBe(true);
    const next = await svc.searchRows(db, created.id, cols, { limit: 40, sort: 'count desc', filters: { kind: ['甲', '丙'] }, cursor: byCount.cursor! });
    expect(Number(next.records[0].count)).toBeLessThanOrEqual(Number(byCount.records.at(-1)!.count));
    // Above the threshold the total is the planner's estimate, labelled as such (from the partition's statistics).
    const est = await svc.searchRows(db, created.id, cols, { limit: 1, filters: { kind: '甲' }, totalEstimationThreshold: 1 });
    expect(est.total_was_estimated).toBe(true);
    expect(est.total).toBeGreaterThan(50);
    expect(est.total).toBeLessThan(200);
    if (kind === 'postgres') {
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT row_key FROM resource_rows WHERE resource_id = ${sql.lit(created.id)}::uuid AND (data->>'kind') = '乙' AND row_key > 'N0100' ORDER BY row_key LIMIT 5`.execute(db);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(new RegExp(rowIndexName(created.id, 'kind')));
    }
    // Bad input: unknown fields, a value of the wrong type, a forged cursor.
    await expect(svc.searchRows(db, created.id, cols, { limit: 1, filters: { nope: 1 } })).rejects.toThrow(RowQueryError);
    await expect(svc.searchRows(db, created.id, cols, { limit: 1, filters: { count: 'many' } })).rejects.toThrow(RowQueryError);
    await expect(svc.searchRows(db, created.id, cols, { limit: 1, cursor: 'garbage' })).rejects.toThrow(RowQueryError);
  });

  it('two filters on broad fields get a pair index: the same answers (values that never occur together too), read by one range scan', async () => {
    const svc = app.services.resources;
    const db = app.database.db;
    const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
    const created = await svc.create(systemAdminContext('test'), sample(zjj.id, 79) as never);
    const row = (await svc.getRow(db, created.id))!;
    // kind by i % 4 and count by i % 6: an even kind never occurs with an odd count (as in the benchmark's district and category).
    const kinds = ['甲', '乙', '丙', '丁'];
    const data = Array.from({ length: 600 }, (_, i) => ({ no: `N${String(i).padStart(4, '0')}`, kind: kinds[i % 4], count: i % 6 }));
    await db.transaction().execute((trx) => svc.upsertRows(trx, row, data.map((d) => ({ data: d }))));
    const cols = row.fields.map((f) => ({ name: f.name, type: f.type }));
    const cases: Record<string, unknown>[] = [
      { kind: '甲', count: 1 }, // never together
      { kind: '丙', count: 3 }, // never together
      { kind: '乙', count: 1 }, // i ≡ 1 (mod 12): 50 rows
      { kind: '丁', count: [3, 5] },
      { kind: ['甲', '乙'], count: 4 },
      { kind: '甲', count: 2, no: ['N0002', 'N0003', 'N0014'] },
      { kind: '丙', count: null },
    ];
    const expected = (f: Record<string, unknown>) =>
      data.filter((d) => Object.entries(f).every(([k, v]) => (Array.isArray(v) ? v : [v]).includes((d as Record<string, unknown>)[k] ?? null))).map((d) => d.no);
    const answer = async (f: Record<string, unknown>) => {
      const keys: string[] = [];
      const totals: number[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 30; i++) {
        const p = await svc.searchRows(db, created.id, cols, { filters: f, limit: 7, cursor });
        keys.push(...p.records.map((r) => String(r._id)));
        totals.push(Number(p.total));
        if (!p.more) return { keys, totals };
        cursor = p.cursor!;
      }
      throw new Error('too many pages');
    };
    const check = async () => {
      for (const f of cases) {
        const a = await answer(f);
        expect(a.keys, JSON.stringify(f)).toEqual(expected(f));
        expect(new Set(a.totals), JSON.stringify(f)).toEqual(new Set([expected(f).length]));
      }
    };
    await check();
    await db.transaction().execute((trx) => svc.requestRowIndexes(trx, created.id, cols.filter((c) => c.name !== 'no')));
    // Broad: a kind matches 150 rows, a count 100; above 50 rows both are, so the pair gets its index.
    expect((await svc.buildRowIndexes(created.id, { pairMinRows: 50 })).sort()).toEqual(['count', 'count+kind (pair)', 'kind']);
    expect((await svc.rowIndexes(db, created.id)).map((r) => [r.field, r.kind, r.state])).toEqual([['count', 'btree', 'ready'], ['count+kind', 'pair', 'ready'], ['kind', 'btree', 'ready']]);
    expect((await svc.readyIndexes(db, created.id)).pair).toEqual(new Set(['count+kind']));
    await check();
    if (kind === 'postgres') {
      const ready = await svc.readyIndexes(db, created.id);
      for (const f of [{ kind: '甲', count: 1 }, { kind: '乙', count: 1 }]) {
        const plan = await db.transaction().execute(async (trx) => {
          await sql`SET LOCAL enable_seqscan = off`.execute(trx);
          return sql<{ 'QUERY PLAN': string }>`EXPLAIN ${rowPageStatement(created.id, cols, { filters: f, limit: 7 }, ready.btree, ready.text)}`.execute(trx);
        });
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(text, JSON.stringify(f)).toContain(`Index Scan using ${rowIndexName(created.id, 'count+kind', 'pair')}`);
        expect(text, JSON.stringify(f)).not.toMatch(/Sort|BitmapAnd/);
      }
    }
    // Below the threshold no pair (a narrow field's own index already bounds the page).
    const again = await svc.create(systemAdminContext('test'), sample(zjj.id, 80) as never);
    const row2 = (await svc.getRow(db, again.id))!;
    await db.transaction().execute((trx) => svc.upsertRows(trx, row2, data.slice(0, 60).map((d) => ({ data: d }))));
    await db.transaction().execute((trx) => svc.requestRowIndexes(trx, again.id, cols.filter((c) => c.name !== 'no')));
    expect((await svc.buildRowIndexes(again.id, { pairMinRows: 50 })).sort()).toEqual(['count', 'kind']);
  });

  it('full text (q): one- and two-character Chinese words, the same answers with and without the text index', async () => {
    const svc = app.services.resources;
    const db = app.database.db;
    const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
    const created = await svc.create(systemAdminContext('test'), sample(zjj.id, 78) as never);
    const row = (await svc.getRow(db, created.id))!;
    const places = ['鼓楼区东街口公交站', '台江区五一广场', '仓山区上渡', '晋安区鼓山镇', 'Fuzhou AB-Park', '马尾区%_特殊'];
    const kinds = ['公交', '地铁', '楼宇', '区'];
    const data = Array.from({ length: 240 }, (_, i) => ({ no: `N${String(i).padStart(4, '0')}`, kind: `${places[i % places.length]}${i % 7 === 0 ? '北' : ''}`, count: i }));
    data.push({ no: 'X0001', kind: kinds[2], count: 1 }, { no: 'X0002', kind: kinds[3], count: 2 });
    await db.transaction().execute((trx) => svc.upsertRows(trx, row, data.map((d) => ({ data: d }))));
    const cols = row.fields.map((f) => ({ name: f.name, type: f.type }));
    const words = ['鼓楼', '楼', '区', '公交站', '东街口公交', '北', 'ab', 'AB-p', '%_', '鼓', '五一广场', '不存在', 'N0007', '楼区'];
    const expected = (w: string) => data.filter((d) => [d.no, d.kind].some((v) => v.toLowerCase().includes(w.toLowerCase()))).map((d) => d.no).sort();
    const answer = async (w: string) => {
      const all: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const p = await svc.searchRows(db, created.id, cols, { q: w, limit: 100, cursor });
        all.push(...p.records.map((r) => String(r._id)));
        if (!p.more) return { keys: all.sort(), total: p.total };
        cursor = p.cursor!;
      }
      throw new Error('too many pages');
    };
    const before = new Map<string, string[]>();
    for (const w of words) {
      const a = await answer(w);
      expect(a.keys, w).toEqual(expected(w));
      expect(a.total, w).toBe(a.keys.length);
      before.set(w, a.keys);
    }
    await db.transaction().execute((trx) => svc.requestRowIndexes(trx, created.id, cols.map((c) => ({ ...c, kind: 'text' as const }))));
    expect((await svc.buildRowIndexes(created.id)).sort()).toEqual(['kind (text)', 'no (text)']);
    expect((await svc.readyIndexes(db, created.id)).text).toEqual(new Set(['kind', 'no']));
    for (const w of words) expect((await answer(w)).keys, w).toEqual(before.get(w));
    // With a filter as well; and the statement reads the text indexes (PostgreSQL; tiny tables would otherwise be scanned).
    const filtered = await svc.searchRows(db, created.id, cols, { q: '鼓楼', filters: { count: 42 }, limit: 10 });
    expect(filtered.records.map((r) => r._id)).toEqual(expected('鼓楼').filter((k) => k === 'N0042'));
    if (kind === 'postgres') {
      const ready = await svc.readyIndexes(db, created.id);
      for (const w of ['楼', '鼓楼']) {
        const plan = await db.transaction().execute(async (trx) => {
          await sql`SET LOCAL enable_seqscan = off`.execute(trx);
          return sql<{ 'QUERY PLAN': string }>`EXPLAIN ${rowPageStatement(created.id, cols, { q: w, limit: 10, sort: 'count' }, ready.btree, ready.text)}`.execute(trx);
        });
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(text, w).toContain(rowIndexName(created.id, 'kind', 'text'));
        expect(text, w).toContain(rowIndexName(created.id, 'no', 'text'));
      }
    }
  });
});
