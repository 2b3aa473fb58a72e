/**
 * The engine's lock order under concurrency (both databases; PostgreSQL is the one with real
 * parallel transactions): officers acting at the same moment on the parallel children of bundles,
 * while conclusion jobs of siblings run, never deadlock or fail, and each bundle moves through its
 * states exactly once — one conclusion, one start of its dependent child. Acts that cannot move a
 * bundle (approvals) do not lock its row; those that can (acceptances, denials, conclusions) do,
 * and lock every child after it (see "Concurrency" in applications.engine.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DB_KINDS, personLogin, staffLogin, testApp, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { departmentId, ok, publish, testBundle, testItem, type Stage } from './applications.testing';

const form = { applicantName: '李娜', mobile: '13800591002', reason: '并发测试' };
const BUNDLES = 4;

describe.each(DB_KINDS)('concurrent acts on the children of bundles on %s', (kind) => {
  let app: FastifyInstance;
  let li: Client;
  const staff: Record<string, Client> = {};
  const dept: Record<string, string> = {};
  const bundles: Record<string, string> = {};
  let key = 0;
  const idem = () => ({ 'idempotency-key': `concurrency-${kind}-${++key}-${Date.now()}` });

  beforeAll(async () => {
    app = await testApp(kind);
    for (const code of ['FZ-GAJ', 'FZ-RSJ', 'FZ-MZJ', 'FZ-YBJ']) dept[code] = await departmentId(app, code);
    const quick = (d: string): Stage[] => [
      { key: 'accept', name: '受理', role: 'window_clerk', department: d, budgetDays: 1, kind: 'single' },
      { key: 'decide', name: '决定', role: 'decider', department: d, budgetDays: 2, kind: 'single' },
    ];
    const ds = ['FZ-GAJ', 'FZ-RSJ', 'FZ-MZJ', 'FZ-YBJ'].map((c) => dept[c]);
    const published = await publish(
      app,
      ds.map((d, i) => testItem({ name: `并发事项${i + 1}`, departmentId: d, legal: 10, promised: 5, stages: quick(d) })),
      (['stop_dependents', 'stop_all'] as const).map((policy) => (ids: string[]) =>
        testBundle({ code: `concurrency-${kind}-${policy}`, name: `并发一件事（${policy}）`, lead: ds[0], items: ids, dependencies: [{ from: ids[0], to: ids[3], result: '并发事项1结果' }], denialPolicy: policy }),
      ),
    );
    [bundles.parallel, bundles.stopAll] = published.bundles;
    li = await personLogin(app, people[1].idNumber);
    for (const d of ['gaj', 'rsj', 'mzj', 'ybj']) for (const r of ['window', 'decider']) staff[`${d}.${r}`] = await staffLogin(app, `${d}.${r}`);
  });
  afterAll(async () => app?.close());

  const deptKey: Record<string, string> = {};
  const officerOf = (departmentId: string, action: string) => {
    if (!Object.keys(deptKey).length) for (const [code, k] of [['FZ-GAJ', 'gaj'], ['FZ-RSJ', 'rsj'], ['FZ-MZJ', 'mzj'], ['FZ-YBJ', 'ybj']]) deptKey[dept[code]] = k;
    return staff[`${deptKey[departmentId]}.${action === 'accept' ? 'window' : 'decider'}`];
  };
  const openTasks = (rootIds: string[], action: string) =>
    app.database.db.selectFrom('application_tasks').select(['id', 'department_id', 'application_id']).where('root_id', 'in', rootIds).where('state', '=', 'open').where('action', '=', action as never).execute();
  /** Every open task of this kind, acted on all at once (and the job runner draining alongside). */
  const actAll = async (rootIds: string[], action: 'accept' | 'decide', body: (t: { application_id: string }) => Record<string, unknown> = () => ({ approve: true, opinion: '准予' }), mayBeCancelled = false) => {
    const tasks = await openTasks(rootIds, action);
    const results = await Promise.all([
      ...tasks.map((t) => officerOf(t.department_id, action).req('POST', `/api/tasks/${t.id}/${action}`, action === 'accept' ? {} : body(t), { prefer: 'return=minimal' })),
      app.services.jobs.drain(),
    ]);
    for (const r of results.slice(0, tasks.length) as { statusCode: number; body: string; json(): { code: string } }[]) {
      // Under stop_all a sibling's denial may have stopped the child first: its task is cancelled (409), nothing else.
      if (mayBeCancelled && r.statusCode === 409) expect(r.json().code).toBe('TASK_STATE_CONFLICT');
      else expect(r.statusCode, r.body).toBe(204);
    }
    return tasks.length;
  };
  const submitBundles = async (bundleId: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(ok(await li.req('POST', '/api/applications', { bundleId, formData: form, submit: true }, idem()), 201).id);
    return ids;
  };
  const eventsOf = (rootIds: string[], type: string) =>
    app.database.db.selectFrom('application_events').select(['root_id', 'application_id', 'to_state']).where('root_id', 'in', rootIds).where('type', '=', type).execute();

  it('parallel children accepted and approved at once while siblings conclude: no deadlock, each bundle concludes once', async () => {
    const ids = await submitBundles(bundles.parallel, BUNDLES);
    expect(await actAll(ids, 'accept')).toBe(3 * BUNDLES);
    expect(await actAll(ids, 'decide')).toBe(3 * BUNDLES);
    await app.services.jobs.drain();
    // The prerequisite concluded: the dependent child started, once, in each bundle.
    expect((await eventsOf(ids, 'start')).length).toBe(BUNDLES);
    expect(await actAll(ids, 'accept')).toBe(BUNDLES);
    expect(await actAll(ids, 'decide')).toBe(BUNDLES);
    await app.services.jobs.drain();
    const rows = await app.database.db.selectFrom('applications').select(['id', 'state', 'outcome']).where('id', 'in', ids).execute();
    expect(rows.map((r) => [r.state, (r.outcome as { kind: string }).kind])).toEqual(ids.map(() => ['concluded', 'approved']));
    const concluded = (await eventsOf(ids, 'bundle_state')).filter((e) => e.to_state === 'concluded');
    expect(concluded.map((e) => e.root_id).sort()).toEqual([...ids].sort());
    expect(await app.database.db.selectFrom('jobs').select('id').where('queue', 'like', 'applications.%').where((eb) => eb.or([eb('state', '=', 'dead'), eb('last_error', 'is not', null)])).execute()).toEqual([]);
  });

  it('a denial racing with its siblings’ approvals under stop_all: the siblings stop or conclude, the bundle concludes once as denied', async () => {
    const ids = await submitBundles(bundles.stopAll, BUNDLES);
    await actAll(ids, 'accept');
    // In each bundle the first child (GAJ) is denied while the two others are approved, all at once.
    const gaj = new Set((await app.database.db.selectFrom('applications').select('id').where('parent_id', 'in', ids).where('department_id', '=', dept['FZ-GAJ']).execute()).map((r) => r.id));
    expect(gaj.size).toBe(BUNDLES);
    await actAll(ids, 'decide', (t) => (gaj.has(t.application_id) ? { approve: false, opinion: '不予', reasons: ['材料不实'] } : { approve: true, opinion: '准予' }), true);
    await app.services.jobs.drain();
    const children = await app.database.db.selectFrom('applications').select(['id', 'parent_id', 'state', 'outcome', 'department_id']).where('parent_id', 'in', ids).execute();
    for (const c of children) {
      // Denied → concluded (denied); a dependent never started → stopped; an approved sibling concluded or was stopped first.
      if (c.department_id === dept['FZ-GAJ']) expect([c.state, (c.outcome as { kind: string }).kind]).toEqual(['concluded', 'denied']);
      else if (c.department_id === dept['FZ-YBJ']) expect(c.state).toBe('stopped');
      else expect(['concluded', 'stopped']).toContain(c.state);
    }
    const rows = await app.database.db.selectFrom('applications').select(['id', 'state']).where('id', 'in', ids).execute();
    expect(rows.map((r) => r.state)).toEqual(ids.map(() => 'concluded'));
    const concluded = (await eventsOf(ids, 'bundle_state')).filter((e) => e.to_state === 'concluded');
    expect(concluded.map((e) => e.root_id).sort()).toEqual([...ids].sort());
    // Each child stopped at most once.
    const stops = await eventsOf(ids, 'stop');
    expect(new Set(stops.map((s) => s.application_id)).size).toBe(stops.length);
  });
});
