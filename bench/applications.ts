/**
 * Throughput of the applications engine on PostgreSQL, through HTTP, everything on this machine
 * (load generator, server process, database):
 *
 *   npx tsx bench/applications.ts [--bundles 200] [--submitters 4] [--officers 1] [--statements] [--processes 1] [--tcp] [--warmup 0] [--no-analyze]
 *
 * A throwaway PostgreSQL cluster (fsync off, as bench/catalog-search.ts; pg_stat_statements
 * loaded) gets the demo node and a bundle of four items: three without prerequisites in three
 * departments (GAJ, SCJGJ, WJW, started in parallel) and one (RSJ) that starts when the GAJ
 * child concludes. Each item has two stages (受理 → 决定). The server runs as its own process.
 * Citizens submit bundles with Idempotency-Keys; simulated officers (window clerk and decider of
 * each department) work their queues through the API (list with long polling, accept, decide); conclusion and the
 * start of the dependent child are the engine's own jobs. Printed:
 * - concluded bundles per second (first submission → last bundle concluded), goal ≥ 50;
 * - p50 / p99 of each kind of API call;
 * - the engine's committed transitions per second (state changes on the timeline) beside
 *   pgbench's TPC-B-like TPS on the same database in the same run (goal ≥ 50 %);
 * - database statements and round trips per submission (pg_stat_statements and the server's write system calls, a separate sequential probe);
 * - CPU time per concluded bundle of the server, of PostgreSQL and of the load generator (from
 *   /proc: unlike bundles/s it does not depend on what else the machine runs), the most due jobs
 *   seen waiting, and task-list calls per bundle;
 * - rows written per table and WAL (records, bytes, full-page images) per concluded bundle;
 * - with --statements, the run's statements by calls per bundle (pg_stat_statements).
 * `--warmup N`: N bundles driven to conclusion (and their jobs drained) before the measured run, so
 * that it measures a server V8 has compiled, without the probe's 10 bundles (default 0: a cold
 * server, and the officers work on the probe's bundles during the measured run).
 * After a warm-up the database's planner statistics are brought up to date (`ANALYZE`, as autovacuum
 * does on a running node; `--no-analyze` leaves them as the fresh cluster has them). Without it the
 * measured run plans on the statistics of an almost empty database: the job cancellation's cached
 * generic plan, made when `jobs` held a few rows, scanned every pending timer (~600 buffers a call,
 * a third of PostgreSQL's statement time), which a node whose autovacuum has caught up does not do.
 * BENCH_CPU_PROF=<dir> profiles the server (`npx tsx bench/profile-top.ts <file>`); BENCH_PERF=<file> records the server
 * with `perf record -F 999 -g` over the measured run (to the last conclusion), the server started with
 * `--perf-basic-prof` so that JavaScript frames have names (`perf script -i <file>`); BENCH_PG_PERF=<file> records
 * PostgreSQL's processes the same way (the postmaster and its backends); BENCH_SERVER_LOG=<file>
 * writes what the server printed during the measured run (e.g. with NODE_OPTIONS=--trace-deopt); BENCH_SQL=<statements> runs
 * an experiment's schema change (an index or a constraint dropped, …) on the migrated database before the server starts. The server and pgbench reach
 * PostgreSQL over its Unix socket, as on one machine (`--tcp`: loopback TCP for both).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../apps/server/src/app';
import { people } from '../apps/server/src/demo/data';
import { departmentId, publish, testBundle, testItem } from '../apps/server/src/modules/applications/applications.testing';
import { startPgCluster } from '../test/pg-cluster';
import { testConfig } from '../test/helpers';
import { spawnServer } from '../test/spawn-server';
import { percentile, personLoginHttp, staffLoginHttp, type HttpClient } from './applications-driver';
import { postgresCpuSeconds, postgresPids, serverDatabaseUrl, treeCpuSeconds } from './harness';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const BUNDLES = arg('bundles', 200);
const SUBMITTERS = arg('submitters', 4);
/**
 * Officers per role and department (`--officers N`, default 1: 8 officers). Each officer works its
 * queue one act at a time, so with one per role the run is also bounded by the acts' latency, not
 * only by CPU; N > 1 signs the same staff account in N times, and officer k takes the open tasks
 * whose id falls to it (id mod N), as colleagues sharing a queue would split it, so they do not collide.
 */
const OFFICERS = arg('officers', 1);
/** Server processes (SERVER_PROCESSES; more than one shares the port, see apps/server/src/main.ts). */
const PROCESSES = arg('processes', 1);
/** Bundles driven to conclusion before the measured run (0: none, a cold server as before). */
const WARMUP = arg('warmup', 0);
/** After the warm-up, ANALYZE (planner statistics of a database that has run, as autovacuum keeps them). */
const ANALYZE = WARMUP > 0 && !process.argv.includes('--no-analyze');
/** BENCH_PERF=<file>: perf record of the server over the measured run. */
const PERF = process.env.BENCH_PERF;
/** BENCH_PG_PERF=<file>: perf record of PostgreSQL (the cluster's processes at the start of the measured run) over it. */
const PG_PERF = process.env.BENCH_PG_PERF;
/** --statements: the run's statements are printed, with their planning (track_planning). */
const STATEMENTS = process.argv.includes('--statements');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Write system calls (write/writev: /proc/<pid>/io syscw) of a process and its descendants. Each
 * round trip to PostgreSQL is one, each HTTP response one: on these machines a write that wakes
 * another process is the most expensive thing the server does, so it is printed per bundle.
 */
function writeCalls(pid: number, field = 'syscw'): number {
  let n = 0;
  try {
    n = Number(new RegExp(`${field}:\\s*(\\d+)`).exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
    for (const t of readdirSync(`/proc/${pid}/task`))
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) n += writeCalls(Number(c), field);
  } catch {
    /* exited meanwhile */
  }
  return n;
}

const timings = new Map<string, number[]>();
const note = (k: string, ms: number) => timings.set(k, [...(timings.get(k) ?? []), ms]);

async function main() {
  const cluster = await startPgCluster({ fast: true, settings: { shared_preload_libraries: 'pg_stat_statements', max_connections: '100', ...(STATEMENTS ? { 'pg_stat_statements.track_planning': 'on' } : {}) } });
  const servers: { stop(): Promise<unknown> }[] = [];
  try {
    const url = cluster.url;
    const cfg = testConfig(url);
    const setup = await buildApp(cfg);
    const stage = (dept: string) => [
      { key: 'accept', name: '受理', role: 'window_clerk' as const, department: dept, budgetDays: 1, kind: 'single' as const },
      { key: 'decide', name: '决定', role: 'decider' as const, department: dept, budgetDays: 2, kind: 'single' as const },
    ];
    const codes = ['FZ-GAJ', 'FZ-SCJGJ', 'FZ-WJW', 'FZ-RSJ'];
    const deps = await Promise.all(codes.map((c) => departmentId(setup, c)));
    const {
      bundles: [bundleId],
    } = await publish(
      setup,
      deps.map((d, i) => testItem({ name: `基准事项${i + 1}`, departmentId: d, legal: 20, promised: 5, stages: stage(d) })),
      [(ids) => testBundle({ code: 'bench_bundle', name: '基准一件事', lead: deps[0], items: ids, dependencies: [{ from: ids[0], to: ids[3], result: '基准事项1结果' }] })],
    );
    await setup.close();
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(db);
    // An experiment's schema change (e.g. an index or constraint dropped), run once before the server starts.
    if (process.env.BENCH_SQL) {
      console.log(`BENCH_SQL: ${process.env.BENCH_SQL}`);
      await sql.raw(process.env.BENCH_SQL).execute(db);
    }

    // The server and pgbench reach PostgreSQL the same way: its Unix socket (`--tcp`: loopback TCP).
    const serverUrl = serverDatabaseUrl(cluster);
    const server = await spawnServer({ DATABASE_URL: serverUrl, DATA_SECRET: cfg.DATA_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'yw-bench-apps-')), LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '12', SERVER_PROCESSES: String(PROCESSES), ...(PERF ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --perf-basic-prof`.trim() } : {}) });
    servers.push(server);
    const base = server.url;
    const citizens = await Promise.all(people.slice(0, 2).map((p) => personLoginHttp(base, p.idNumber)));
    const officers: { c: HttpClient; act: 'accept' | 'decide'; k: number }[] = [];
    for (const s of ['gaj', 'scjg', 'wjw', 'rsj']) {
      for (let k = 0; k < OFFICERS; k++) {
        officers.push({ c: await staffLoginHttp(base, `${s}.window`), act: 'accept', k });
        officers.push({ c: await staffLoginHttp(base, `${s}.decider`), act: 'decide', k });
      }
    }
    const form = { applicantName: '张伟', mobile: '13800591001', reason: '基准测试' };
    const submitOne = async (c: HttpClient, key: string) => {
      const r = await c.req('POST', '/api/applications', { bundleId, formData: form, submit: true }, { 'idempotency-key': key });
      note('POST /api/applications (bundle)', r.ms);
      if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r.body.id as string;
    };

    // --- round trips per submission (sequential probe, nothing else running) -----------------
    await sleep(1500);
    const count = async () => Number((await sql<{ n: string }>`SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'`.execute(db)).rows[0].n);
    // Round trips: the server's write system calls (each round trip to PostgreSQL is one write of
    // its pipelined messages) less the probe's HTTP responses, the idle polling subtracted likewise.
    const serverWrites = () => writeCalls(server.child.pid!);
    const idleA = await count();
    const idleWritesA = serverWrites();
    await sleep(2000);
    const idle = (await count()) - idleA; // the job runner's polling, per 2 s
    const idleWrites = serverWrites() - idleWritesA;
    const PROBE = 10;
    const t0 = performance.now();
    const before = await count();
    const writesBefore = serverWrites();
    for (let i = 0; i < PROBE; i++) await submitOne(citizens[0], `probe-${i}-${Date.now()}`);
    const probeMs = performance.now() - t0;
    const statements = ((await count()) - before - idle * (probeMs / 2000)) / PROBE;
    const roundTrips = (serverWrites() - writesBefore - PROBE - idleWrites * (probeMs / 2000)) / PROBE;

    // --- the run ---------------------------------------------------------------------------
    /** Jobs due now and not yet done. */
    const dueJobs = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE state = 'pending' AND run_at <= now()`.execute(db)).rows[0].n;
    /** Waits until no job is due (at most 2 minutes); returns how many still are. */
    const drainDueJobs = async () => {
      const t0 = performance.now();
      for (;;) {
        const n = await dueJobs();
        if (!n || performance.now() - t0 > 120_000) return n;
        await sleep(250);
      }
    };
    /** Submits `count` bundles and lets the officers work until all are concluded (or 15 minutes). */
    const phase = async (count: number, tag: string) => {
      let submitted = 0;
      let done = false;
      const ids: string[] = [];
      const submitters = Array.from({ length: SUBMITTERS }, async (_, w) => {
        while (submitted < count) {
          const n = submitted++;
          ids.push(await submitOne(citizens[w % citizens.length], `${tag}-${n}-${Date.now()}`));
        }
      });
      const workers = officers.map(async ({ c, act, k }) => {
        while (!done) {
          // Long polling: an empty list waits (up to 2 s) until a task opens in the department.
          const list = await c.req('GET', '/api/tasks?limit=100&waitSeconds=2');
          note('GET /api/tasks', list.ms);
          const tasks = (list.body as { id: string; action: string; state: string }[]).filter((t) => t.state === 'open' && t.action === act && parseInt(t.id.slice(0, 8), 16) % OFFICERS === k);
          if (!tasks.length) {
            // Tasks of the department for the other role (the clerk and the decider share it): let them go first.
            if ((list.body as unknown[]).length) await sleep(20);
            continue;
          }
          for (const t of tasks) {
            // The officers' system needs nothing back (Prefer: return=minimal → 204).
            const minimal = { prefer: 'return=minimal' };
            const r = act === 'accept' ? await c.req('POST', `/api/tasks/${t.id}/accept`, {}, minimal) : await c.req('POST', `/api/tasks/${t.id}/decide`, { approve: true, opinion: '准予' }, minimal);
            note(`POST /api/tasks/:id/${act}`, r.ms);
            if (r.status !== 204 && r.status !== 409) {
              console.error(`server output (last 4000 characters):\n${server.output().slice(-4000)}`);
              throw new Error(`${act}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
            }
          }
        }
      });
      const t1 = performance.now();
      await Promise.all(submitters);
      const submitSeconds = (performance.now() - t1) / 1000;
      let concluded = 0;
      const deadline = Date.now() + 15 * 60_000;
      while (Date.now() < deadline) {
        concluded = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM applications WHERE kind = 'bundle' AND state = 'concluded' AND id = ANY(${ids}::uuid[])`.execute(db)).rows[0].n);
        if (concluded >= count) break;
        await sleep(200);
      }
      const last = (await sql<{ t: Date }>`SELECT max(concluded_at) AS t FROM applications WHERE kind = 'bundle' AND id = ANY(${ids}::uuid[])`.execute(db)).rows[0].t;
      done = true;
      await Promise.all(workers);
      return { ids, submitSeconds, concluded, last };
    };
    // A warm-up (`--warmup N`): N bundles driven to conclusion first, their jobs drained, so that the
    // measured run sees a server V8 has compiled (at 100 bundles a cold run is ~5 s, much of it compiling).
    if (WARMUP > 0) {
      await phase(WARMUP, 'warmup');
      await drainDueJobs();
      timings.clear();
      // Statistics as a running node has them: autovacuum analyzes a table once a tenth of it changed
      // (checked every minute), and the new statistics make every connection plan its statements anew.
      if (ANALYZE) await sql`ANALYZE`.execute(db);
    }
    await sql`SELECT pg_stat_statements_reset()`.execute(db);
    /** Rows written per table (pg_stat_user_tables: inserted, updated of which HOT, deleted), for the run's difference. */
    const rowsWritten = async () =>
      new Map(
        (await sql<{ t: string; ins: string; upd: string; hot: string; del: string }>`SELECT relname AS t, n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot, n_tup_del::text AS del FROM pg_stat_user_tables`.execute(db)).rows.map((r) => [
          r.t,
          [Number(r.ins), Number(r.upd), Number(r.hot), Number(r.del)],
        ]),
      );
    /** WAL written so far (pg_stat_wal: records, full-page images, bytes), for the run's difference. */
    const walWritten = async () => {
      const r = (await sql<{ records: string; fpi: string; bytes: string }>`SELECT wal_records::text AS records, wal_fpi::text AS fpi, wal_bytes::text AS bytes FROM pg_stat_wal`.execute(db)).rows[0];
      return [Number(r.records), Number(r.fpi), Number(r.bytes)];
    };
    /** MultiXact pages touched so far (pg_stat_slru: zeroed = new pages, hit + read), for the run's difference: row locks shared by several transactions (foreign-key checks on one parent row). */
    const multixacts = async () => {
      const r = (await sql<{ zeroed: string; touched: string }>`SELECT sum(blks_zeroed)::text AS zeroed, sum(blks_hit + blks_read)::text AS touched FROM pg_stat_slru WHERE name LIKE 'MultiXact%'`.execute(db)).rows[0];
      return [Number(r.zeroed), Number(r.touched)];
    };
    await sleep(1500); // backends publish their table statistics when idle, at most once a second
    const rows0 = await rowsWritten();
    const wal0 = await walWritten();
    const mx0 = await multixacts();
    const runStart = new Date();
    const cpu = () => ({ server: treeCpuSeconds(server.child.pid!), db: postgresCpuSeconds(cluster), driver: process.cpuUsage(), writes: writeCalls(server.child.pid!), read: writeCalls(server.child.pid!, 'rchar') });
    const cpu0 = cpu();
    let backlog = 0;
    const sampler = setInterval(() => {
      void dueJobs().then((n) => (backlog = Math.max(backlog, n)), () => undefined);
    }, 500);
    const logFrom = server.output().length;
    const perfOf = (file: string | undefined, pids: number[]) => (file ? spawn('perf', ['record', '-F', '999', '-g', '-o', file, '-p', pids.join(',')], { stdio: 'ignore' }) : null);
    const perfs = [perfOf(PERF, [server.child.pid!]), perfOf(PG_PERF, postgresPids(cluster))].filter((p) => p !== null);
    const { ids, submitSeconds, concluded, last } = await phase(BUNDLES, 'bench');
    clearInterval(sampler);
    if (process.env.BENCH_SERVER_LOG) writeFileSync(process.env.BENCH_SERVER_LOG, server.output().slice(logFrom));
    for (const perf of perfs) {
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
    }
    const cpuAtConclusion = cpu();
    // The work the run left (notifications, deliveries) is part of its cost: wait until no job is due
    // (at most 2 minutes) so that CPU and statements per bundle count all of it.
    const drainStart = performance.now();
    const leftDue = await drainDueJobs();
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const cpu1 = cpu();
    const driverCpu = (cpu1.driver.user + cpu1.driver.system - cpu0.driver.user - cpu0.driver.system) / 1e6;
    const seconds = (new Date(last).getTime() - runStart.getTime()) / 1000;
    const transitions = Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM application_events WHERE to_state IS NOT NULL AND at >= ${runStart} AND at <= ${new Date(last)}`.execute(db)).rows[0].n,
    );

    // Jobs created during the run, by queue: how many ran by the last conclusion and how many were left (notifications lag).
    await sleep(1500);
    const rows1 = await rowsWritten();
    const wal1 = await walWritten();
    const mx1 = await multixacts();
    // Jobs created in the run and left after the drain, by queue (a job that is done or cancelled is
    // deleted: how many ran is the jobs table's deletions in the rows line below).
    const jobsOfRun = (
      await sql<{ queue: string; left: number; dead: number }>`
        SELECT queue, count(*) FILTER (WHERE state = 'pending')::int AS left, count(*) FILTER (WHERE state = 'dead')::int AS dead
        FROM jobs WHERE created_at >= ${runStart} GROUP BY queue ORDER BY count(*) DESC`.execute(db)
    ).rows;
    // All statements of the run (load-independent), and the time spent in row-lock statements (mostly waiting for the lock).
    const totals = (
      await sql<{ calls: string; lock_ms: number }>`
        SELECT coalesce(sum(calls), 0)::text AS calls, coalesce(sum(total_exec_time) FILTER (WHERE query ILIKE '%for update%' OR query ILIKE '%for no key update%' OR query ILIKE '%for share%'), 0) AS lock_ms
        FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE 'SELECT count(*)::int AS n%'`.execute(db)
    ).rows[0];
    let statementsOfRun: { calls: string; ms: number; plans: string; planMs: number; buffers: number; query: string }[] = [];
    if (STATEMENTS) {
      const top = await sql<{ calls: string; ms: number; plans: string; planMs: number; buffers: number; query: string }>`
        SELECT s.calls::text AS calls, s.total_exec_time AS ms, s.plans::text AS plans, s.total_plan_time AS "planMs", (s.shared_blks_hit + s.shared_blks_read)::float8 / greatest(s.calls, 1) AS buffers, s.query FROM pg_stat_statements s WHERE s.query NOT ILIKE '%pg_stat_statements%' ORDER BY s.calls DESC LIMIT 40`.execute(db);
      statementsOfRun = top.rows;
    }

    // --- pgbench on the same database, same run ---------------------------------------------
    const u = new URL(serverUrl);
    const pgenv = { ...process.env, PGHOST: u.searchParams.get('host') ?? u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: u.pathname.slice(1) };
    execFileSync('pgbench', ['-i', '-s', '1', '-q'], { env: pgenv, stdio: 'ignore' });
    const out = execFileSync('pgbench', ['-b', 'tpcb-like', '-c', '8', '-j', '2', '-T', '15'], { env: pgenv }).toString();
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);

    console.log(`\napplications benchmark (PostgreSQL, server process + load generator + database on this machine; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
    console.log(`bundles: ${concluded}/${BUNDLES} concluded (3 parallel children + 1 dependent, 2 stages each), ${SUBMITTERS} submitters, ${8 * OFFICERS} officers, ${PROCESSES} server process${PROCESSES > 1 ? 'es' : ''}${WARMUP ? `, after a warm-up of ${WARMUP} bundles${ANALYZE ? ' and ANALYZE' : ' (statistics not refreshed: --no-analyze)'}` : ', cold server (no warm-up)'}`);
    console.log(`submission phase: ${(BUNDLES / Math.max(submitSeconds, 0.001)).toFixed(1)} bundles/s submitted`);
    console.log(`concluded bundles/s: ${(concluded / seconds).toFixed(1)}  (${seconds.toFixed(1)} s from first submission to last conclusion; goal ≥ 50)`);
    console.log(`engine committed transitions/s: ${(transitions / seconds).toFixed(0)} (${transitions} transitions)  |  pgbench tpcb-like: ${tps.toFixed(0)} TPS  →  ${((100 * transitions) / seconds / tps).toFixed(0)} % (goal ≥ 50 %)`);
    console.log(`database statements per bundle submission: ${statements.toFixed(0)} (pg_stat_statements, ${PROBE} sequential submissions, idle polling subtracted; includes 4 children, tasks, timers, outbox)`);
    console.log(`database round trips per bundle submission: ${roundTrips.toFixed(1)} (the server's write system calls during the same probe less its ${PROBE} HTTP responses and the idle polling; includes the outbox and notification jobs that ran meanwhile)`);
    const per = (x: number) => `${((1000 * x) / Math.max(1, concluded)).toFixed(0)} ms`;
    console.log(
      `CPU per concluded bundle, all work of the run (to the last conclusion + ${drainSeconds.toFixed(1)} s for the jobs left, ${leftDue} still due): server ${per(cpu1.server - cpu0.server)}, PostgreSQL ${per(cpu1.db - cpu0.db)}, load generator ${per(driverCpu)} (the goal of 50 bundles/s on 2 cores leaves 40 ms in all)`,
    );
    console.log(`  of which to the last conclusion: server ${per(cpuAtConclusion.server - cpu0.server)}, PostgreSQL ${per(cpuAtConclusion.db - cpu0.db)}`);
    console.log(
      `server write system calls per concluded bundle (round trips to PostgreSQL, HTTP responses, file writes; /proc/<pid>/io): ${((cpu1.writes - cpu0.writes) / Math.max(1, concluded)).toFixed(0)}`,
    );
    console.log(`bytes the server read per concluded bundle (answers from PostgreSQL, HTTP requests; /proc/<pid>/io rchar): ${((cpu1.read - cpu0.read) / Math.max(1, concluded) / 1024).toFixed(1)} KiB`);
    console.log(`due jobs waiting (max, sampled every 0.5 s): ${backlog}; task list calls per bundle: ${((timings.get('GET /api/tasks')?.length ?? 0) / Math.max(1, concluded)).toFixed(1)}`);
    console.log(`database statements per concluded bundle, whole run incl. the drain (submission, officers, jobs, notifications): ${(Number(totals.calls) / Math.max(1, concluded)).toFixed(0)}; time in row-lock statements (mostly waiting): ${(totals.lock_ms / 1000).toFixed(1)} s in all`);
    console.log(`jobs of the run left after the drain per concluded bundle (pending / dead; done and cancelled ones are deleted): ${jobsOfRun.map((j) => `${j.queue} ${(j.left / Math.max(1, concluded)).toFixed(1)}/${(j.dead / Math.max(1, concluded)).toFixed(1)}`).join(', ') || 'none'}`);
    const written = [...rows1]
      .map(([t, v]) => [t, v.map((x, i) => x - (rows0.get(t)?.[i] ?? 0))] as const)
      .filter(([, v]) => v[0] + v[1] + v[3] > 0)
      .sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1]);
    const pb = (x: number) => (x / Math.max(1, concluded)).toFixed(1);
    const walPer = wal1.map((v, i) => (v - wal0[i]) / Math.max(1, concluded));
    console.log(`WAL per concluded bundle (pg_stat_wal, whole run incl. the drain): ${walPer[0].toFixed(0)} records, ${(walPer[2] / 1024).toFixed(1)} KiB, ${walPer[1].toFixed(1)} full-page images`);
    console.log(`MultiXact pages per concluded bundle (pg_stat_slru, whole run): ${((mx1[0] - mx0[0]) / Math.max(1, concluded)).toFixed(3)} new, ${((mx1[1] - mx0[1]) / Math.max(1, concluded)).toFixed(1)} read or written`);
    console.log(`rows written per concluded bundle, by table (inserted / updated (HOT) / deleted; pg_stat_user_tables): ${written.map(([t, v]) => `${t} ${pb(v[0])}/${pb(v[1])} (${pb(v[2])})/${pb(v[3])}`).join(', ')}`);
    if (statementsOfRun.length) {
      const planMs = statementsOfRun.reduce((t, r) => t + r.planMs, 0);
      console.log(`statements of the run, most called first (calls per concluded bundle, execution ms in all, planned (custom or first generic plan) per 100 calls and planning ms in all, shared buffers per call; planning of the 40 listed: ${(planMs / Math.max(1, concluded)).toFixed(2)} ms per bundle):`);
      for (const r of statementsOfRun) console.log(`  ${(Number(r.calls) / Math.max(1, concluded)).toFixed(1).padStart(6)}  ${r.ms.toFixed(0).padStart(6)} ms  ${((100 * Number(r.plans)) / Math.max(1, Number(r.calls))).toFixed(0).padStart(3)} pl ${r.planMs.toFixed(0).padStart(4)} ms  ${r.buffers.toFixed(0).padStart(5)} buf  ${r.query.replace(/\s+/g, ' ').slice(0, 130)}`);
    }
    console.log('API call latencies (ms):');
    for (const [k, xs] of timings) console.log(`  ${k.padEnd(34)} n=${String(xs.length).padStart(5)}  p50=${percentile(xs, 50).toFixed(1).padStart(7)}  p99=${percentile(xs, 99).toFixed(1).padStart(7)}`);
    await db.destroy();
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await cluster.stop();
  }
}


main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
