/**
 * Several server processes against one PostgreSQL database (here: two apps, each with its own
 * connection pool and job runner, as two processes would have): the same act sent to both
 * happens once, timers fire once, a bundle concludes once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { personLogin, staffLogin, twoProcesses, type Client } from '../../../../../test/helpers';
import { people } from '../../demo/data';
import { ManualClock } from './applications.clock';
import { QUEUES } from './applications.engine';
import { departmentId, ok, publish, testBundle, testItem, threeStages, type Stage } from './applications.testing';

describe('several processes on one PostgreSQL database', () => {
  let a: FastifyInstance;
  let b: FastifyInstance;
  const clock = new ManualClock('2025-09-25T02:00:00Z');
  let itemId: string;
  let bundleId: string;
  let zhang: Client;
  let key = 0;
  const idem = () => ({ 'idempotency-key': `proc-${++key}-${Date.now()}` });

  beforeAll(async () => {
    [a, b] = await twoProcesses({}, { seeded: false });
    a.services.applications.useClock(clock);
    b.services.applications.useClock(clock);
    const gaj = await departmentId(a, 'FZ-GAJ');
    const rsj = await departmentId(a, 'FZ-RSJ');
    const quick = (d: string): Stage[] => [
      { key: 'accept', name: '受理', role: 'window_clerk', department: d, budgetDays: 1, kind: 'single' },
      { key: 'decide', name: '决定', role: 'decider', department: d, budgetDays: 2, kind: 'single' },
    ];
    const published = await publish(
      a,
      [
        testItem({ name: '多进程事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) }),
        testItem({ name: '多进程子项一', departmentId: gaj, legal: 5, promised: 3, stages: quick(gaj) }),
        testItem({ name: '多进程子项二', departmentId: rsj, legal: 5, promised: 3, stages: quick(rsj) }),
      ],
      [(ids) => testBundle({ code: 'multi-process', name: '多进程一件事', lead: gaj, items: ids.slice(1), denialPolicy: 'continue' })],
    );
    [itemId] = published.items;
    [bundleId] = published.bundles;
    zhang = await personLogin(a, people[0].idNumber);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  // The same session works against either process: sessions are rows.
  const on = (app: FastifyInstance, c: Client) => ({
    req: (method: string, url: string, body?: unknown) =>
      app.inject({ method: method as 'POST', url, headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) }),
  });
  const taskOf = async (applicationId: string, step: number) =>
    (await a.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', applicationId).where('step_index', '=', step).executeTakeFirstOrThrow()).id;

  it('the same act sent to two processes at once happens once; the other gets a clear refusal', async () => {
    const window = await staffLogin(a, 'gaj.window');
    for (let i = 0; i < 5; i++) {
      const app1 = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true }, idem()), 201);
      const t = await taskOf(app1.id, 0);
      const [r1, r2] = await Promise.all([on(a, window).req('POST', `/api/tasks/${t}/accept`, {}), on(b, window).req('POST', `/api/tasks/${t}/accept`, {})]);
      expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 409]);
      expect([r1, r2].find((r) => r.statusCode === 409)!.json().code).toBe('TASK_STATE_CONFLICT');
      const events = await a.database.db.selectFrom('application_events').select('type').where('application_id', '=', app1.id).where('type', '=', 'accept').execute();
      expect(events).toHaveLength(1);
      const review = await a.database.db.selectFrom('application_tasks').select('id').where('application_id', '=', app1.id).where('step_index', '=', 1).execute();
      expect(review).toHaveLength(1);
    }
  });

  it('a concurrent submission retried against both processes makes one application', async () => {
    const headers = idem();
    const body = { itemId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true };
    const send = (app: FastifyInstance) =>
      app.inject({ method: 'POST', url: '/api/applications', headers: { cookie: zhang.cookie, 'x-csrf-token': zhang.csrf, 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
    const all = await Promise.all([send(a), send(b), send(a), send(b)]);
    expect(all.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(new Set(all.map((r) => r.json().id)).size).toBe(1);
  });

  it('timers and conclusions run once when two job runners drain together', async () => {
    clock.set('2025-09-25T02:00:00Z');
    const window = await staffLogin(a, 'gaj.window');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const x = ok(await zhang.req('POST', '/api/applications', { itemId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true }, idem()), 201);
      ok(await window.req('POST', `/api/tasks/${await taskOf(x.id, 0)}/accept`, {}));
      ids.push(x.id);
    }
    clock.set('2025-10-10T01:00:00Z');
    await a.database.db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', QUEUES.timer).where('state', '=', 'pending').execute();
    await Promise.all([a.services.jobs.drain(), b.services.jobs.drain()]);
    for (const id of ids) {
      const overdue = await a.database.db.selectFrom('application_events').select('id').where('application_id', '=', id).where('type', '=', 'sla_overdue').execute();
      expect(overdue).toHaveLength(1);
      const esc = await a.database.db.selectFrom('application_escalations').select('id').where('application_id', '=', id).execute();
      expect(esc).toHaveLength(1);
    }

    // A bundle whose two children are decided in two processes and concluded by two runners.
    clock.set('2025-10-13T02:00:00Z');
    const bundle = ok(await zhang.req('POST', '/api/applications', { bundleId, formData: { applicantName: '张伟', mobile: '13800591001' }, submit: true }, idem()), 201);
    const [c1, c2] = bundle.children as { id: string }[];
    const gajWindow = await staffLogin(b, 'gaj.window');
    const rsjWindow = await staffLogin(a, 'rsj.window');
    await Promise.all([on(b, gajWindow).req('POST', `/api/tasks/${await taskOf(c1.id, 0)}/accept`, {}), on(a, rsjWindow).req('POST', `/api/tasks/${await taskOf(c2.id, 0)}/accept`, {})]).then((r) =>
      r.forEach((x) => expect(x.statusCode, x.body).toBe(200)),
    );
    const gajDecider = await staffLogin(a, 'gaj.decider');
    const rsjDecider = await staffLogin(b, 'rsj.decider');
    await Promise.all([
      on(a, gajDecider).req('POST', `/api/tasks/${await taskOf(c1.id, 1)}/decide`, { approve: true, opinion: '准予' }),
      on(b, rsjDecider).req('POST', `/api/tasks/${await taskOf(c2.id, 1)}/decide`, { approve: true, opinion: '准予' }),
    ]).then((r) => r.forEach((x) => expect(x.statusCode, x.body).toBe(200)));
    await Promise.all([a.services.jobs.drain(), b.services.jobs.drain()]);
    const done = ok(await zhang.req('GET', `/api/applications/${bundle.id}`));
    expect(done.state).toBe('concluded');
    const concludedEvents = done.timeline.filter((e: { type: string; toState: string }) => e.type === 'bundle_state' && e.toState === 'concluded');
    expect(concludedEvents).toHaveLength(1);
  });
});
