/**
 * Crash test (kill -9) of the applications engine on PostgreSQL, small scale, in CI: the server
 * runs as its own process; citizens submit through HTTP with Idempotency-Keys; the process is
 * killed with SIGKILL mid-run; a new process starts on the same database; the client retries
 * every submission it had no answer for (and a few it had). Then: every acknowledged submission
 * exists exactly once (same id on replay), none is half-made (number, steps, its acceptance task,
 * its timeline and its timers all there), the timers armed before the crash fire in the new
 * process, and the run completes (every application accepted through the API).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../apps/server/src/app';
import { departmentId, publish, testItem, threeStages } from '../apps/server/src/modules/applications/applications.testing';
import { people } from '../apps/server/src/demo/data';
import { personLoginHttp, staffLoginHttp } from '../bench/applications-driver';
import { freshDatabaseUrl, testConfig } from './helpers';
import { spawnServer, type RunningServer } from './spawn-server';

const N = 24;

describe('applications survive kill -9 (PostgreSQL, separate process)', () => {
  const servers: RunningServer[] = [];
  let db: Kysely<any> | undefined;
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await db?.destroy();
  });

  it('acknowledged submissions exist exactly once, none half-made, timers fire, the run completes', async () => {
    const url = await freshDatabaseUrl('postgres');
    // The item, published through the catalog service against the same database.
    const cfg = testConfig(url);
    const setup = await buildApp(cfg);
    const gaj = await departmentId(setup, 'FZ-GAJ');
    const {
      items: [itemId],
    } = await publish(setup, [testItem({ name: '崩溃测试事项', departmentId: gaj, legal: 20, promised: 5, stages: threeStages(gaj) })]);
    await setup.close();
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });

    const env = { DATABASE_URL: url, DATA_SECRET: cfg.DATA_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'yw-crash-')), LOG_LEVEL: 'warn' };
    let server = await spawnServer(env);
    servers.push(server);
    const zhang = await personLoginHttp(server.url, people[0].idNumber);
    const form = { applicantName: '张伟', mobile: '13800591001', reason: '崩溃测试' };
    const keys = Array.from({ length: N }, (_, i) => `crash-${Date.now()}-${i}`);
    const acked = new Map<string, string>();
    const body = { itemId, formData: form, submit: true };
    // The driver's client keeps its cookie jar inside: use it for the first server.
    const first = async (key: string) => {
      const r = await zhang.req('POST', '/api/applications', body, { 'idempotency-key': key });
      if (r.status === 201 || r.status === 200) acked.set(key, r.body.id);
    };
    // Four in flight at a time; kill -9 once a third are acknowledged.
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < N && !killed) {
        const key = keys[next++];
        await first(key).catch(() => undefined);
        if (!killed && acked.size >= N / 3) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await server.exited;
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(N / 3);
    expect(acked.size).toBeLessThan(N);

    // A new process on the same database; the same session (it is a row) retries.
    server = await spawnServer(env);
    servers.push(server);
    const again = await personLoginHttp(server.url, people[0].idNumber);
    const ids = new Map<string, string>();
    for (const key of keys) {
      const r = await again.req('POST', '/api/applications', body, { 'idempotency-key': key });
      expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
      ids.set(key, r.body.id);
      // An acknowledged submission answers its retry with the same application.
      if (acked.has(key)) expect(r.body.id).toBe(acked.get(key));
    }
    const all = [...ids.values()];
    expect(new Set(all).size).toBe(N);

    // Exactly once: one application per key, nothing else.
    const apps = await db.selectFrom('applications').select(['id', 'number', 'state', 'steps', 'step_index', 'step_due']).where('item_id', '=', itemId).execute();
    expect(apps.map((a) => a.id).sort()).toEqual([...all].sort());
    // None half-made: numbered, with steps, its open acceptance task, its timeline and its step's timer.
    for (const a of apps) {
      expect(a).toMatchObject({ state: 'submitted', step_index: 0 });
      expect(a.number).toMatch(/^\d{20}$/);
      expect((a.steps as unknown[]).length).toBe(3);
    }
    const tasks = await db.selectFrom('application_tasks').select(['application_id', 'state']).where('application_id', 'in', all).execute();
    expect(tasks.filter((t) => t.state === 'open').map((t) => t.application_id).sort()).toEqual([...all].sort());
    const events = await db.selectFrom('application_events').select('application_id').where('application_id', 'in', all).where('type', '=', 'submit').execute();
    expect(events.map((e) => e.application_id).sort()).toEqual([...all].sort());
    const timers = await db.selectFrom('jobs').select('dedupe_key').where('queue', '=', 'applications.timer').where('state', '=', 'pending').execute();
    for (const id of all) expect(timers.filter((t) => String(t.dedupe_key).startsWith(id)).map((t) => t.dedupe_key)).toEqual([`${id}:step`]);
    const numbers = apps.map((a) => a.number);
    expect(new Set(numbers).size).toBe(N);

    // Timers armed before the crash fire in the new process: make the steps' budgets run out now.
    await db.updateTable('applications').set({ step_due: '2020-01-02' }).where('id', 'in', all).execute();
    await db.updateTable('application_tasks').set({ due_date: '2020-01-02' }).where('application_id', 'in', all).execute();
    await db.updateTable('jobs').set({ run_at: sql`now()` }).where('queue', '=', 'applications.timer').where('state', '=', 'pending').execute();
    const deadline = Date.now() + 90_000;
    let overdue = 0;
    while (Date.now() < deadline) {
      overdue = Number((await sql<{ n: number }>`SELECT count(DISTINCT application_id)::int AS n FROM application_events WHERE type = 'stage_overdue' AND application_id = ANY(${all}::uuid[])`.execute(db)).rows[0].n);
      if (overdue === N) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(overdue).toBe(N);

    // The run completes: the window accepts every application through the API.
    const window = await staffLoginHttp(server.url, 'gaj.window');
    const list = await window.req('GET', '/api/tasks?limit=200');
    for (const id of all) {
      const t = (list.body as { id: string; applicationId: string }[]).find((x) => x.applicationId === id);
      expect(t, id).toBeTruthy();
      const r = await window.req('POST', `/api/tasks/${t!.id}/accept`, {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const accepted = await db.selectFrom('applications').select('state').where('id', 'in', all).execute();
    expect(accepted.every((a) => a.state === 'under_review')).toBe(true);
  }, 600_000);
});
