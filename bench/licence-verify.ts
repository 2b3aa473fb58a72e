/**
 * The e-licence verification API under load, on PostgreSQL, against a bare node:http server in
 * the same run.
 *
 *   npx tsx bench/licence-verify.ts [--duration 20] [--connections 50] [--presentations 300] [--processes N] [--tcp]
 *
 * The server reaches PostgreSQL over its Unix-domain socket, as on one machine it would be
 * configured (`--tcp`: over loopback TCP instead).
 *
 * --processes 1,2 (the default) measures the API with one server process and with two
 * (SERVER_PROCESSES=2: the second core), one after the other on the same database and port, and
 * bare node:http with one and with two processes; for N processes both ratios are printed (against
 * 1 and against N bare processes), the like-for-like one being the headline.
 *
 * 1. A throwaway PostgreSQL cluster and the real server (main.ts, demo data: the demo licences,
 *    issuers with EdDSA, ES256 and SM2SM3 keys, the machine client fz-ybj-system).
 * 2. Presentations of the demo licences are made the way the wallet makes them (the holders'
 *    wallet keys, chosen fields, a Key Binding JWT for this node's audience), many distinct ones.
 * 3. POST /api/licences/verify with a bearer token, `--connections` at once: every request
 *    authenticates the client, verifies the issuer signature (all three algorithms), the
 *    disclosures and the holder binding, looks up the issuer's key and the status list, appends to
 *    the transparency log (batched: one leaf per batch of answers, the answer sent after its batch
 *    is committed) and signs the answer (batched: one node-key signature per batch of answers,
 *    each answer with its Merkle inclusion path).
 *    Also, in this process and without HTTP or database, the verification itself: the lean check
 *    the API uses and the @sd-jwt reference, µs per presentation, same run.
 * 4. A bare node:http server answering a fixed JSON of the same size, same connections, same
 *    duration. Requests per second of both, the ratio (target ≥ 20 %), latency percentiles
 *    (target p99 ≤ 30 ms), and how many log entries the run appended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/db/database';
import { DEMO_CLIENT_SECRET } from '../apps/server/src/demo/data';
import { fieldCrypto } from '../apps/server/src/shared/crypto';
import { createSigner, type Jwk } from '../apps/server/src/modules/licences/crypto/algorithms';
import { licenceType } from '../apps/server/src/modules/licences/licences.types';
import { presentSdJwt } from '../apps/server/src/modules/licences/sd-jwt';
import { verifyPresentation, type TrustResolver } from '../apps/server/src/modules/licences/verifier';
import { startPgCluster } from '../test/pg-cluster';
import { serverDatabaseUrl, BENCH_SECRET, bareRun, cpuLine, fmt, freePort, load as loadPhase, loadAverage, log, measuredLoad, postgresCpuSeconds, processCounts, ratioLines, startServer, stopServer, type Run, type Server } from './harness';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const DURATION = opt('duration', 20);
const CONNECTIONS = opt('connections', 50);
const PRESENTATIONS = opt('presentations', 300);
const PROCESSES = processCounts(argv);

const SECRET = BENCH_SECRET;

const load = (url: string, bodies: string[], headers: Record<string, string>, duration: number) =>
  loadPhase(url, { connections: CONNECTIONS, duration, paths: '/api/licences/verify', bodies, headers });

async function main() {
  log(`licence verification benchmark: PostgreSQL, ${CONNECTIONS} connections, ${DURATION} s per phase, server processes: ${PROCESSES.join(' then ')}`);
  const cluster = await startPgCluster({ fast: true, settings: { shared_buffers: '512MB' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-bench-lic-'));
  const children: Server[] = [];
  try {
    const ts = performance.now();
    const port = await freePort(); // every configuration on the same address: the presentations name it as their audience
    // Without the oversight module's 25 months of demo history: its roll-up refresh, run by a job soon
    // after each server start, would land in whichever phase follows a start and cost PostgreSQL
    // seconds of CPU that have nothing to do with verification.
    const env = { DATABASE_URL: serverDatabaseUrl(cluster), DATABASE_POOL_SIZE: '20', DATA_DIR: dataDir, DEMO_DATA: 'true', OVERSIGHT_DEMO_HISTORY: 'false' };
    let server = await startServer({ ...env, SERVER_PROCESSES: String(PROCESSES[0]) }, { port });
    children.push(server);
    log(`server ready (with the demo node) in ${fmt((performance.now() - ts) / 1000)} s at ${server.url}`);

    // Presentations, made as the wallet makes them: the holder's key, chosen fields, KB-JWT for this node.
    const handle = await openDatabase({ url: cluster.url, dataDir });
    const crypto = fieldCrypto(SECRET);
    const rows = await handle.db
      .selectFrom('licences as l')
      .innerJoin('licence_holder_keys as k', 'k.account_id', 'l.holder_account_id')
      .innerJoin('licence_issuer_keys as i', 'i.kid', 'l.kid')
      .select(['l.type', 'l.sd_jwt_sealed', 'k.private_jwk_sealed', 'k.kid', 'i.alg'])
      .execute();
    const algs = new Map<string, number>();
    const bodies: string[] = [];
    for (let n = 0; n < PRESENTATIONS; n++) {
      const r = rows[n % rows.length];
      const def = licenceType(r.type)!;
      const holder = createSigner(JSON.parse(crypto.decrypt(r.private_jwk_sealed)) as Jwk, r.kid);
      const fields = def.summary.slice(0, 1 + (n % def.summary.length));
      const p = await presentSdJwt(crypto.decrypt(r.sd_jwt_sealed), Object.fromEntries(fields.map((f) => [f, true])), { signer: holder, aud: `${server.url}/verify`, nonce: `bench-${n}` });
      bodies.push(JSON.stringify({ presentation: p }));
      algs.set(r.alg, (algs.get(r.alg) ?? 0) + 1);
    }
    log(`${bodies.length} presentations of ${rows.length} demo licences (${[...algs].map(([a, c]) => `${a} ${c}`).join(', ')}), ${fmt(bodies.reduce((s, b) => s + b.length, 0) / bodies.length, 0)} bytes each on average`);

    const tok = await fetch(`${server.url}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET }) });
    const bearer = ((await tok.json()) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${bearer}` };
    const first = await fetch(`${server.url}/api/licences/verify`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodies[0] });
    const answer = await first.text();
    const parsed = JSON.parse(answer) as { result: { valid: boolean; reason?: { code: string } } };
    if (!first.ok || !parsed.result.valid) throw new Error(`sample verification failed: ${first.status} ${answer.slice(0, 500)}`);
    for (const b of bodies) {
      const res = await fetch(`${server.url}/api/licences/verify`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
      const j = (await res.json()) as { result: { valid: boolean; reason?: { code: string } } };
      if (!j.result.valid) throw new Error(`a presentation does not verify: ${j.result.reason?.code}`);
    }
    log(`every presentation verifies (valid); an answer is ${fmt(answer.length, 0)} bytes`);

    // The verification itself, in this process, no HTTP or database: the lean check (the API's) and
    // the @sd-jwt reference, over the same presentations, timed in the same run.
    const keyRows = await handle.db.selectFrom('licence_issuer_keys').select(['kid', 'public_jwk']).execute();
    const keyByKid = new Map(keyRows.map((k) => [k.kid, k.public_jwk as unknown as Jwk]));
    const statusTokens = new Map<string, string>();
    const trust: TrustResolver = {
      issuerKey: (iss, kid) => (keyByKid.has(kid) ? { jwk: keyByKid.get(kid)!, issuer: { iss, name: '', nameEn: '', regionCode: '', local: true } } : 'unknown_key'),
      statusListToken: (uri) => statusTokens.get(uri),
    };
    const presentations = bodies.map((b) => (JSON.parse(b) as { presentation: string }).presentation);
    for (const p of presentations) {
      const uri = (JSON.parse(Buffer.from(p.split('.')[1], 'base64url').toString()) as { status?: { status_list?: { uri?: string } } }).status?.status_list?.uri;
      if (uri && !statusTokens.has(uri)) statusTokens.set(uri, await (await fetch(uri.replace(/^https?:\/\/[^/]+/, server.url))).text());
    }
    const core = async (engine: 'lean' | 'library') => {
      const c0 = process.cpuUsage(); // CPU time, not wall time: the machine is shared
      let n = 0;
      for (let round = 0; round < 3; round++)
        for (const p of presentations) {
          const r = await verifyPresentation(p, { trust, audience: `${server.url}/verify`, maxPresentationAgeSeconds: 300, engine });
          if (!r.valid) throw new Error(`${engine}: ${r.reason?.code}`);
          n++;
        }
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / n;
    };
    await core('lean'); // warm-up (and the issuer signatures, memoised, checked once)
    await core('library');
    const leanUs = await core('lean');
    const libraryUs = await core('library');
    log(`verification core in-process (no HTTP, no database), CPU time: lean ${fmt(leanUs, 0)} µs vs @sd-jwt reference ${fmt(libraryUs, 0)} µs per presentation`);

    const logged = async () => Number((await sql<{ n: string }>`select (select count(*) from tlog_queue) + (select count(*) from tlog_leaves) as n`.execute(handle.db)).rows[0].n);
    const runs: { n: number; v: Run & { cpuMicrosPerRequest: number }; pgMicros: number; loadAtRun: string; appended: number }[] = [];
    for (const [i, n] of PROCESSES.entries()) {
      if (i > 0) {
        server = await startServer({ ...env, SERVER_PROCESSES: String(n) }, { port });
        children.push(server);
      }
      await load(server.url, bodies, headers, 5); // warm-up (every process's JIT and caches)
      const before = await logged();
      const loadAtRun = loadAverage();
      const pg0 = postgresCpuSeconds(cluster);
      const v = await measuredLoad(server, { connections: CONNECTIONS, duration: DURATION, paths: '/api/licences/verify', bodies, headers });
      const pgMicros = ((postgresCpuSeconds(cluster) - pg0) * 1e6) / Math.max(1, v.total);
      await new Promise((r) => setTimeout(r, 1000));
      const appended = (await logged()) - before;
      log(`VERIFY API, ${n} server process${n > 1 ? 'es' : ''}: ${fmt(v.rps, 0)} req/s, p50 ${v.p50} ms, p90 ${v.p90} ms, p99 ${v.p99} ms, max ${v.max} ms; ${fmt(v.total, 0)} requests, ${v.non2xx} non-2xx, ${v.errors} errors; CPU ${fmt(v.cpuMicrosPerRequest, 0)} µs per request (PostgreSQL ${fmt(pgMicros, 0)} µs); ${fmt(appended, 0)} log leaves appended (each a batch of answers)`);
      runs.push({ n, v, pgMicros, loadAtRun, appended });
      await stopServer(server);
      children.length = 0;
    }

    const spec = { connections: CONNECTIONS, duration: DURATION, paths: '/api/licences/verify', bodies };
    const bare = new Map<number, Run & { cpuMicrosPerRequest: number }>();
    for (const n of [1, ...PROCESSES.filter((x) => x > 1)]) bare.set(n, await bareRun(answer, dataDir, spec, n));
    await handle.close();

    console.log('\nResults');
    console.log(`  verification core  lean ${fmt(leanUs, 0)} µs vs @sd-jwt reference ${fmt(libraryUs, 0)} µs per presentation (${fmt(libraryUs / leanUs)}×), CPU time in-process, same run`);
    for (const { n, v, pgMicros, loadAtRun, appended } of runs) {
      console.log(`  -- ${n} server process${n > 1 ? 'es' : ''} --`);
      for (const l of ratioLines('verification API', v, bare.get(1)!, bare.get(n) ?? null, n, 20)) console.log(`  ${l}`);
      console.log(`  ${cpuLine(v, bare.get(n)!)}`);
      console.log(`  PostgreSQL CPU     ${fmt(pgMicros, 0)} µs per request`);
      console.log(`  machine            ${loadAtRun} when the API phase started (2 cores shared with other work)`);
      console.log(`  latency            p50 ${v.p50} ms, p99 ${v.p99} ms (target p99 ≤ 30 ms) at ${CONNECTIONS} connections`);
      console.log(`  transparency log   ${fmt(appended, 0)} leaves for ${fmt(v.total, 0)} answers (one leaf per batch, ${fmt(v.total / Math.max(1, appended))} answers per leaf on average)`);
      console.log(`  errors             ${v.non2xx} non-2xx, ${v.errors} connection errors`);
    }
  } finally {
    for (const c of children) await stopServer(c);
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
