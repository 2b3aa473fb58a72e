/**
 * The server as an operator runs it: `node --import tsx apps/server/src/main.ts` as a separate
 * process, on the embedded database in a data folder and on PostgreSQL. Checks readiness, that a
 * second start loads no demo data twice, graceful shutdown on SIGTERM (requests in flight are
 * answered, the process exits 0), and that logs carry no personal data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from './helpers';
import { ROOT, spawnServer } from './spawn-server';
import { SERVER_NODE_FLAGS } from '../apps/server/src/node-flags';
import { people } from '../apps/server/src/demo/data';

const startServer = (env: Record<string, string>) => spawnServer({ LOG_LEVEL: 'info', ...env });
const stop = (p: { stop(): Promise<number | null> }) => p.stop();

// Two cold starts of a separate process: generous limits, the machine may be busy.
describe('the server process', { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is started by `npm start` with the node flags it warns about when they are missing', () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    for (const f of SERVER_NODE_FLAGS) expect(start).toContain(`node ${f} `);
  });

  it('starts on the embedded database, loads the demo once, and stops gracefully', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-data-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, DATABASE_URL: '' };

    const first = await startServer(env);
    const ready = await (await fetch(`${first.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready' });
    expect(first.output()).toContain('demo node loaded');
    // Started with the flags `npm start` gives (SERVER_NODE_FLAGS): no warning.
    expect(first.output()).not.toContain('Started without');
    const accounts1 = (await (await fetch(`${first.url}/api/demo/accounts`)).json()).staff.length;
    const depts1 = (await (await fetch(`${first.url}/api/departments`)).json()).length;

    // A request in flight when SIGTERM arrives is still answered.
    const inFlight = fetch(`${first.url}/api/auth/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'Yiwang@2026' }),
    });
    await new Promise((r) => setTimeout(r, 5));
    const code = stop(first);
    expect((await inFlight).status).toBe(200);
    expect(await code, first.output().slice(-3000)).toBe(0);
    expect(first.output()).toContain('shutting down');

    const second = await startServer(env);
    expect(second.output()).not.toContain('demo node loaded');
    expect((await (await fetch(`${second.url}/api/departments`)).json()).length).toBe(depts1);
    expect((await (await fetch(`${second.url}/api/demo/accounts`)).json()).staff.length).toBe(accounts1);
    // Staff created on the first start still sign in: the data survived the restart.
    const login = await fetch(`${second.url}/api/auth/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'scjg.window', password: 'Yiwang@2026' }),
    });
    expect(login.status).toBe(200);
    expect(await stop(second)).toBe(0);
  });

  it('runs on PostgreSQL with DATABASE_URL, and keeps personal data out of its logs', async () => {
    const url = await freshDatabaseUrl('postgres');
    const p = await startServer({ DATABASE_URL: url, DATA_DIR: join(tmpdir(), 'yiwang-unused') });
    const ready = await (await fetch(`${p.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready' });
    const id = people[0].idNumber;
    // Personal data in a URL, a rejected sign-in and a password in a body: none of it may be logged.
    await fetch(`${p.url}/api/regions/350102?who=${id}&phone=13800591001`);
    await fetch(`${p.url}/api/auth/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret-token-value' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password-xyz' }),
    });
    expect(await stop(p)).toBe(0);
    const log = p.output();
    expect(log).toContain('/api/regions/350102');
    expect(log).not.toContain(id);
    expect(log).not.toContain('13800591001');
    expect(log).not.toContain('not-the-password-xyz');
    expect(log).not.toContain('secret-token-value');
  });
});
