/**
 * The exchange's verification API (核验) under load, on PostgreSQL, against a bare node:http server
 * in the same run.
 *
 *   npx tsx bench/exchange-verify.ts [--duration 20] [--connections 50] [--rows 200000] [--auth token|bearer] [--processes N] [--statements] [--tcp] [--rounds N] [--ab NAME=VALUE|DIR]
 *
 * --rounds N alternates each API phase and a bare node:http phase (as many processes) N times and
 * prints each round's ratio and their median: on this VM the same code's figures drift by ±15 %
 * within minutes, and a bare phase right after its API phase sees the same machine.
 *
 * --ab NAME=VALUE or --ab DIR (with --rounds N): each round measures the server as configured (A),
 * then with NAME=VALUE or the server of another checkout DIR (B: a git worktree of an earlier commit
 * with the same migrations), then bare node:http; both ratios per round and their medians. A change
 * is judged by interleaved rounds, never by two runs minutes apart.
 *
 * --statements prints the database statements of each measured phase (pg_stat_statements): calls
 * and execution time per request, most expensive first.
 *
 * The server reaches PostgreSQL over its Unix-domain socket, as on one machine it would be
 * configured (`--tcp`: over loopback TCP instead).
 *
 * --processes 1,2 (the default) measures the API with one server process and with two
 * (SERVER_PROCESSES=2: the second core), one after the other on the same database, and bare
 * node:http with one and with two processes; for N processes both ratios are printed (against 1
 * and against N bare processes), the like-for-like one being the headline.
 *
 * 1. A throwaway PostgreSQL cluster and the real server (main.ts, demo data: the population
 *    register, the machine client fz-ybj-system with its assertion key and a verify grant).
 * 2. `--rows` more people are loaded into 人口基础信息库 (resource_rows, keyed by the keyed hash of
 *    the ID number), so that the look-up is an index probe in a table of realistic size.
 * 3. The client authenticates with a signed client assertion (RFC 7523) at /api/exchange/token and
 *    calls POST /api/exchange/verify with the token (`--auth bearer`: the identity module's
 *    client-credentials token instead, one database read per call), `--connections` at once, name +
 *    ID number of random people, half of them with a wrong name. Every request: authenticate, find
 *    the grant (cached ≤ 5 s), check kind, fields, period and rate, look up the row, record the
 *    receipt, count the quota and append to the transparency log (group commit: the answer is sent
 *    after its batch is committed), sign the answer (Ed25519 detached JWS).
 * 4. A bare node:http server answering a fixed JSON of the same size, same connections and
 *    duration. Requests per second of both, the ratio (target ≥ 20 %), latency (target p99 ≤ 30 ms).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/db/database';
import { DEMO_CLIENT_SECRET, residentId } from '../apps/server/src/demo/data';
import { fieldCrypto } from '../apps/server/src/shared/crypto';
import { ResourcesService } from '../apps/server/src/modules/resources';
import { OrgService } from '../apps/server/src/modules/org';
import { DEMO_CLIENT_ID, DEMO_CLIENT_PRIVATE_JWK, signClientAssertion } from '../apps/server/src/modules/exchange';
import { startPgCluster } from '../test/pg-cluster';
import { serverDatabaseUrl, BENCH_SECRET, bareRun, cpuLine, fmt, freePort, load as loadPhase, loadAverage, log, measuredLoad, postgresCpuSeconds, processCounts, ratioLines, startServer, stopServer, type Run, type Server } from './harness';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const DURATION = opt('duration', 20);
const CONNECTIONS = opt('connections', 50);
const ROWS = opt('rows', 200_000);
const PROCESSES = processCounts(argv);
const STATEMENTS = argv.includes('--statements');
const ROUNDS = opt('rounds', 1);
/**
 * --ab NAME=VALUE | --ab DIR: rounds compare the server as configured (A) with the server given
 * NAME=VALUE, or the server of another checkout DIR (B: e.g. a git worktree of an earlier commit,
 * with the same migrations), each against bare node:http.
 */
const AB = argv.includes('--ab') ? argv[argv.indexOf('--ab') + 1] : null;
const AUTH = argv.includes('--auth') ? argv[argv.indexOf('--auth') + 1] : 'token';
const BODIES = 2000;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英';

const SECRET = BENCH_SECRET;

const load = (url: string, bodies: string[], headers: Record<string, string>, duration: number) =>
  loadPhase(url, { connections: CONNECTIONS, duration, paths: '/api/exchange/verify', bodies, headers });

async function main() {
  log(`exchange verification benchmark: PostgreSQL, ${CONNECTIONS} connections, ${DURATION} s per phase, ${fmt(ROWS, 0)} extra people, auth ${AUTH}, server processes: ${PROCESSES.join(' then ')}`);
  const cluster = await startPgCluster({ fast: true, settings: { shared_buffers: '512MB', ...(STATEMENTS ? { shared_preload_libraries: 'pg_stat_statements' } : {}) } });
  const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-bench-ex-'));
  const children: Server[] = [];
  try {
    const ts = performance.now();
    const port = await freePort(); // every configuration on the same address (the exchange token names it)
    // Without the oversight module's 25 months of demo history: its roll-up refresh, run by a job soon
    // after each server start, would land in whichever phase follows a start and cost PostgreSQL
    // seconds of CPU that have nothing to do with verification.
    const env = { DATABASE_URL: serverDatabaseUrl(cluster), DATABASE_POOL_SIZE: '20', DATA_DIR: dataDir, DEMO_DATA: 'true', OVERSIGHT_DEMO_HISTORY: 'false' };
    let server = await startServer({ ...env, SERVER_PROCESSES: String(PROCESSES[0]) }, { port });
    children.push(server);
    log(`server ready (with the demo node) in ${fmt((performance.now() - ts) / 1000)} s at ${server.url}`);

    // More people in the population register (the provider's rows), through the module's own upsert.
    const handle = await openDatabase({ url: cluster.url, dataDir });
    const resources = new ResourcesService(handle.db, new OrgService(handle.db, '350000'), fieldCrypto(SECRET));
    const pop = (await resources.getRow(handle.db, 'GAJ.POPULATION'))!;
    const regions = ['350102', '350103', '350104', '350105', '350111', '350112', '350121', '350122'];
    const person = (i: number) => {
      const birth = `${1950 + (i % 55)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
      const region = regions[i % regions.length];
      return { idNumber: residentId(region, birth, String(Math.floor(i / 8) % 1000).padStart(3, '0') + '').slice(0, 18), region, name: SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length] + (i % 3 ? GIVEN[(i * 13) % GIVEN.length] : ''), birth };
    };
    const tl = performance.now();
    const people: ReturnType<typeof person>[] = [];
    for (let start = 0; start < ROWS; start += 5000) {
      const chunk = Array.from({ length: Math.min(5000, ROWS - start) }, (_, k) => {
        const p = person(start + k);
        if (people.length < BODIES) people.push(p);
        return { rowKey: `bench-${start + k}`, regionCode: p.region, data: { idNumber: p.idNumber, name: p.name, gender: (start + k) % 2 ? '男' : '女', birthDate: `${p.birth.slice(0, 4)}-${p.birth.slice(4, 6)}-${p.birth.slice(6, 8)}`, ethnicity: '汉族', address: '福州市', householdRegion: p.region, status: '正常' } };
      });
      await handle.db.transaction().execute((trx) => resources.upsertRows(trx, pop, chunk));
    }
    await sql`analyze resource_rows`.execute(handle.db);
    const count = await resources.countRows(handle.db, pop.id);
    log(`population register: ${fmt(count, 0)} rows (loaded in ${fmt((performance.now() - tl) / 1000)} s)`);

    // Authentication.
    let headers: Record<string, string>;
    if (AUTH === 'bearer') {
      const tok = await fetch(`${server.url}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET }) });
      headers = { authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}` };
    } else {
      const assertion = signClientAssertion(DEMO_CLIENT_PRIVATE_JWK, { iss: DEMO_CLIENT_ID, aud: `${server.url}/api/exchange/token`, jti: randomUUID() });
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      const tok = await fetch(`${server.url}/api/exchange/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      if (!tok.ok) throw new Error(`token: ${tok.status} ${await tok.text()}`);
      headers = { authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}` };
      const replay = await fetch(`${server.url}/api/exchange/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      log(`client assertion accepted once; replayed: ${replay.status} ${((await replay.json()) as { code: string }).code}`);
    }
    // The demo grant of the client on the population register has a daily quota; lift it for the run.
    await handle.db.updateTable('exchange_grants').set({ quota_per_day: 100_000_000 }).execute();
    const bodies = people.map((p, i) => JSON.stringify({ resource: 'GAJ.POPULATION', subject: p.idNumber, claims: { name: i % 2 ? p.name : `${p.name}X` }, purpose: '医保参保登记时核验参保人身份', reference: `YB-BENCH-${i}` }));
    await new Promise((r) => setTimeout(r, 5500)); // the grant cache (≤ 5 s) sees the lifted quota
    const first = await fetch(`${server.url}/api/exchange/verify`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodies[1] });
    const answer = await first.text();
    if (!first.ok || !(JSON.parse(answer) as { match: boolean }).match) throw new Error(`sample verification failed: ${first.status} ${answer}`);
    log(`sample answer (${answer.length} bytes, signature ${first.headers.get('x-exchange-signature')?.length} chars): ${answer}`);

    if (STATEMENTS) await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(handle.db);
    const counted = async () => Number((await sql<{ n: string }>`select count(*) as n from exchange_calls`.execute(handle.db)).rows[0].n);
    const batches = async () => Number((await sql<{ n: string }>`select count(*) as n from exchange_batches`.execute(handle.db)).rows[0].n);
    const runs: { n: number; v: Run & { cpuMicrosPerRequest: number }; pgMicros: number; loadAtRun: string; calls: number; logged: number }[] = [];
    for (const [i, n] of PROCESSES.entries()) {
      if (i > 0) {
        server = await startServer({ ...env, SERVER_PROCESSES: String(n) }, { port });
        children.push(server);
      }
      await load(server.url, bodies, headers, 5); // warm-up (every process's JIT and caches)
      const [c0, b0] = [await counted(), await batches()];
      const loadAtRun = loadAverage();
      if (STATEMENTS) await sql`SELECT pg_stat_statements_reset()`.execute(handle.db);
      const pg0 = postgresCpuSeconds(cluster);
      const v = await measuredLoad(server, { connections: CONNECTIONS, duration: DURATION, paths: '/api/exchange/verify', bodies, headers });
      const pgMicros = ((postgresCpuSeconds(cluster) - pg0) * 1e6) / Math.max(1, v.total);
      await new Promise((r) => setTimeout(r, 1000));
      const [calls, logged] = [(await counted()) - c0, (await batches()) - b0];
      log(`VERIFY API, ${n} server process${n > 1 ? 'es' : ''}: ${fmt(v.rps, 0)} req/s, p50 ${v.p50} ms, p90 ${v.p90} ms, p99 ${v.p99} ms, max ${v.max} ms; ${fmt(v.total, 0)} requests, ${v.non2xx} non-2xx, ${v.errors} errors; CPU ${fmt(v.cpuMicrosPerRequest, 0)} µs per request (PostgreSQL ${fmt(pgMicros, 0)} µs); ${fmt(calls, 0)} receipts in ${fmt(logged, 0)} log entries`);
      runs.push({ n, v, pgMicros, loadAtRun, calls, logged });
      if (AB) {
        await stopServer(server);
        children.length = 0;
        await abRounds(n, { ...env, SERVER_PROCESSES: String(n) }, port, answer, dataDir, { connections: CONNECTIONS, duration: DURATION, paths: '/api/exchange/verify', bodies, headers });
        server = await startServer({ ...env, SERVER_PROCESSES: String(n) }, { port });
        children.push(server);
      } else if (ROUNDS > 1) await alternate(n, server, v, answer, dataDir, { connections: CONNECTIONS, duration: DURATION, paths: '/api/exchange/verify', bodies, headers });
      if (STATEMENTS) {
        const top = await sql<{ calls: string; ms: number; query: string }>`
          SELECT calls::text AS calls, total_exec_time AS ms, query FROM pg_stat_statements
          WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 15`.execute(handle.db);
        const all = top.rows.reduce((a, r) => a + Number(r.calls), 0);
        log(`statements of the phase, most expensive first (per request: calls, execution µs; ${fmt(all / Math.max(1, v.total), 2)} statements per request in the top 15):`);
        for (const r of top.rows) console.log(`  ${fmt(Number(r.calls) / Math.max(1, v.total), 3).padStart(7)}  ${fmt((r.ms * 1000) / Math.max(1, v.total), 1).padStart(6)} µs  ${r.query.replace(/\s+/g, ' ').slice(0, 150)}`);
      }
      await stopServer(server);
      children.length = 0;
    }

    const spec = { connections: CONNECTIONS, duration: DURATION, paths: '/api/exchange/verify', bodies };
    const bare = new Map<number, Run & { cpuMicrosPerRequest: number }>();
    for (const n of [1, ...PROCESSES.filter((x) => x > 1)]) bare.set(n, await bareRun(answer, dataDir, spec, n));
    await handle.close();

    console.log('\nResults');
    for (const { n, v, pgMicros, loadAtRun, calls, logged } of runs) {
      console.log(`  -- ${n} server process${n > 1 ? 'es' : ''} --`);
      for (const l of ratioLines('verification API', v, bare.get(1)!, bare.get(n) ?? null, n, 20)) console.log(`  ${l}`);
      console.log(`  ${cpuLine(v, bare.get(n)!)}`);
      console.log(`  PostgreSQL CPU     ${fmt(pgMicros, 0)} µs per request`);
      console.log(`  machine            ${loadAtRun} when the API phase started (2 cores shared with other work)`);
      console.log(`  latency            p50 ${v.p50} ms, p90 ${v.p90} ms, p99 ${v.p99} ms (target p99 ≤ 30 ms) at ${CONNECTIONS} connections`);
      console.log(`  receipts           ${fmt(calls, 0)} recorded in ${fmt(logged, 0)} transparency-log entries (≈ ${fmt(calls / Math.max(1, logged))} calls per group commit)`);
      console.log(`  errors             ${v.non2xx} non-2xx, ${v.errors} connection errors`);
    }
  } finally {
    for (const c of children) await stopServer(c);
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Two decimals, always: 19.96 % printed as "20 %" would read as met. */
const pct = (x: number) => x.toFixed(2);
/** The median of the rounds' figures (the upper one of the middle two for an even count). */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * --rounds: the API phase just measured (`first`), then bare node:http with as many processes, then
 * API and bare again, ROUNDS pairs in all; each pair's ratio and the median of them.
 */
async function alternate(processes: number, server: Server, first: Run & { cpuMicrosPerRequest: number }, answer: string, dataDir: string, spec: Parameters<typeof measuredLoad>[1]): Promise<void> {
  const ratios: number[] = [];
  const cpu: number[] = [];
  let api = first;
  for (let r = 1; r <= ROUNDS; r++) {
    if (r > 1) {
      api = await measuredLoad(server, spec);
      log(`round ${r}: VERIFY API ${fmt(api.rps, 0)} req/s, p99 ${api.p99} ms, CPU ${fmt(api.cpuMicrosPerRequest, 0)} µs per request`);
    }
    const { headers: _h, ...bareSpec } = spec;
    const bare = await bareRun(answer, dataDir, bareSpec, processes);
    ratios.push((100 * api.rps) / bare.rps);
    cpu.push(api.cpuMicrosPerRequest);
    log(`round ${r}: ${fmt(api.rps, 0)} vs ${fmt(bare.rps, 0)} req/s = ${pct(ratios[ratios.length - 1])} %`);
  }
  log(`ROUNDS (${processes} process${processes > 1 ? 'es' : ''}, API then bare node:http with as many, ${ROUNDS} times): ratios ${ratios.map((x) => `${pct(x)} %`).join(', ')}; median ${pct(median(ratios))} % (target ≥ 20 %: ${median(ratios) >= 20 ? 'met' : 'not met'}); API CPU per request median ${fmt(median(cpu), 0)} µs`);
}

/**
 * --ab NAME=VALUE | DIR: ROUNDS rounds of: the server as configured (A), the server with NAME=VALUE
 * or from the checkout DIR (B), bare node:http — each server started afresh on the same address and
 * warmed up; each one's ratio to the bare phase of its round and the medians. On this VM a
 * before/after pair run minutes apart differs by more than most changes do; interleaved, both see
 * the same machine.
 */
async function abRounds(processes: number, env: Record<string, string>, port: number, answer: string, dataDir: string, spec: Parameters<typeof measuredLoad>[1]): Promise<void> {
  const tree = AB!.includes('=') ? null : AB!;
  const [name, value] = tree ? ['', ''] : [AB!.slice(0, AB!.indexOf('=')), AB!.slice(AB!.indexOf('=') + 1)];
  const out = { A: { ratios: [] as number[], cpu: [] as number[] }, B: { ratios: [] as number[], cpu: [] as number[] } };
  for (let r = 1; r <= ROUNDS; r++) {
    const runs: [keyof typeof out, Run & { cpuMicrosPerRequest: number }][] = [];
    for (const which of ['A', 'B'] as const) {
      const s = await startServer(which === 'A' || tree ? env : { ...env, [name]: value }, { port, cwd: which === 'B' && tree ? tree : undefined });
      try {
        await load(s.url, spec.bodies!, spec.headers ?? {}, 5);
        runs.push([which, await measuredLoad(s, spec)]);
      } finally {
        await stopServer(s);
      }
    }
    const { headers: _h, ...bareSpec } = spec;
    const bare = await bareRun(answer, dataDir, bareSpec, processes);
    for (const [which, v] of runs) {
      out[which].ratios.push((100 * v.rps) / bare.rps);
      out[which].cpu.push(v.cpuMicrosPerRequest);
    }
    log(`round ${r}: ${runs.map(([w, v]) => `${w} ${fmt(v.rps, 0)} req/s (${pct((100 * v.rps) / bare.rps)} %, CPU ${fmt(v.cpuMicrosPerRequest, 0)} µs, p99 ${v.p99} ms)`).join('; ')}; bare ${fmt(bare.rps, 0)} req/s`);
  }
  for (const which of ['A', 'B'] as const)
    log(`AB ${which}${which === 'B' ? ` (${AB})` : ' (as configured)'}: ratios ${out[which].ratios.map((x) => `${pct(x)} %`).join(', ')}; median ${pct(median(out[which].ratios))} %; CPU per request median ${fmt(median(out[which].cpu), 0)} µs`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
