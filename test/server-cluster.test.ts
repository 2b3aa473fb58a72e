/**
 * SERVER_PROCESSES=2: the server as an operator runs it on the second core — a supervisor and two
 * worker processes on one port and one PostgreSQL database. Both workers start (the second after
 * the first is ready), requests are answered, SIGTERM stops both gracefully (a request in flight is
 * still answered) and the supervisor exits 0. Several processes on the embedded database are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testConfig } from './helpers';
import { spawnServer } from './spawn-server';

describe('several server processes (SERVER_PROCESSES)', { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a supervisor runs two workers on one port and stops them gracefully', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-cluster-'));
    dirs.push(dataDir);
    const url = await freshDatabaseUrl('postgres', { seeded: true });
    // The seeded copy's sealed keys need the secret they were sealed with.
    const server = await spawnServer({ DATABASE_URL: url, DATA_DIR: dataDir, DATA_SECRET: testConfig(url).DATA_SECRET!, SERVER_PROCESSES: '2', LOG_LEVEL: 'info', JOB_RUNNER: 'true' });
    try {
      // The port opens once both workers are built; the banner follows their "ready".
      // Each worker's log line and its "ready" message to the supervisor travel separately (the
      // banner can reach the pipe before a worker's buffered log line): wait for both.
      const readyWorkers = () => new Set([...server.output().matchAll(/"worker":(\d+),"pid":(\d+)[^\n]*"msg":"ready"/g)].map((m) => m[2]));
      const deadline = Date.now() + 60_000;
      while ((!server.output().includes('2 server processes') || readyWorkers().size < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).toContain('2 server processes');
      expect(readyWorkers().size, server.output().slice(-3000)).toBe(2);

      // New connections, handed to either worker: every one answered.
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/api/departments`, { headers: { connection: 'close' } }).then((r) => r.status)));
      expect(answers.every((s) => s === 200)).toBe(true);

      const inFlight = fetch(`${server.url}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'Yiwang@2026' }) });
      // Long enough for the request to reach a worker on a loaded machine (5 ms was not: it got the
      // 503 of a worker already closing), short of the sign-in's password hashing.
      await new Promise((r) => setTimeout(r, 40));
      const code = server.stop();
      expect((await inFlight).status).toBe(200);
      expect(await code, server.output().slice(-3000)).toBe(0);
      expect(server.output().match(/"msg":"shutting down"/g)?.length).toBe(2);
    } finally {
      await server.stop();
    }
  });

  it('refuses several processes on the embedded database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-cluster-'));
    dirs.push(dataDir);
    await expect(spawnServer({ DATA_DIR: dataDir, DATABASE_URL: '', SERVER_PROCESSES: '2' })).rejects.toThrow(/SERVER_PROCESSES > 1 needs PostgreSQL/);
  });
});
