/**
 * Transparency log benchmark on a throwaway PostgreSQL cluster (durable settings: fsync on,
 * synchronous_commit on).
 *
 *   npx tsx bench/transparency.ts [entries=10000000]
 *
 * 1. Bulk-loads `entries` leaves (generated and hashed inside PostgreSQL, tiles built from them;
 *    the root is recomputed independently from the leaf hashes and a tree head signed).
 * 2. Inclusion-proof latency at that size: by index and by leaf hash, in the service and through
 *    HTTP (app.inject); consistency proofs; every proof is verified.
 * 3. Append throughput on top: concurrent business transactions enqueueing (appendToLog; then
 *    batches of 50 per transaction with appendManyToLog), the sequencer integrating, and both together.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../apps/server/src/app';
import { loadConfig } from '../apps/server/src/config';
import { openDatabase, type DatabaseHandle } from '../apps/server/src/db/database';
import { migrateToLatest } from '../apps/server/src/db/migrate';
import { appendManyToLog, appendToLog, TransparencyLog } from '../apps/server/src/modules/transparency';
import { fmt, loadAverage, log } from './harness';
import { RootBuilder, perfectRoot, verifyConsistency, verifyInclusion } from '../apps/server/src/modules/transparency/merkle';
import { signTreeHead } from '../apps/server/src/modules/transparency/sth';
import { TILE_WIDTH } from '../apps/server/src/modules/transparency/tiles';
import { fieldCrypto } from '../apps/server/src/shared/crypto';
import { startPgCluster } from '../test/pg-cluster';

const N = Number(process.argv[2] ?? 10_000_000);
const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const b = (s: string) => Buffer.from(s, 'base64');
const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function timeIt<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  log(`${label}: ${fmt((performance.now() - t) / 1000)} s`);
  return r;
}

/** Leaves generated and hashed by PostgreSQL (sha256 of 0x00 || canonical JSON), in chunks. */
async function bulkLeaves(h: DatabaseHandle, n: number) {
  const chunk = 1_000_000;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk) - 1;
    await sql`
      INSERT INTO tlog_leaves (idx, leaf_hash, entry)
      SELECT i, sha256('\\x00'::bytea || e), e FROM (
        SELECT i, convert_to('{"at":"2026-11-23T00:00:00.000Z","n":' || i || ',"subject":"person-' || (i % 100000) || '","type":"bench.call"}', 'UTF8') AS e
        FROM generate_series(${start}::bigint, ${end}::bigint) AS i) s`.execute(h.db);
    log(`  leaves ${fmt(end + 1)}`);
  }
}

/** Level-0 tiles by SQL; the levels above and an independent root from streaming the leaf hashes. */
async function bulkTiles(h: DatabaseHandle, n: number): Promise<Buffer> {
  await sql`INSERT INTO tlog_tiles (level, idx, hashes)
    SELECT 0, idx / 256, string_agg(leaf_hash, ''::bytea ORDER BY idx) FROM tlog_leaves GROUP BY idx / 256`.execute(h.db);
  const stream = new RootBuilder();
  let upper: Buffer[] = []; // roots of full tiles of the level being read
  const page = 2000;
  for (let t = 0; t * TILE_WIDTH < n; t += page) {
    const rows = await h.db.selectFrom('tlog_tiles').select(['idx', 'hashes']).where('level', '=', 0).where('idx', '>=', t).where('idx', '<', t + page).orderBy('idx').execute();
    for (const r of rows) {
      const hashes = Buffer.from(r.hashes);
      const leaves = Array.from({ length: hashes.length / 32 }, (_, i) => hashes.subarray(i * 32, i * 32 + 32));
      for (const l of leaves) stream.push(l);
      if (leaves.length === TILE_WIDTH) upper.push(perfectRoot(leaves));
    }
  }
  for (let level = 1; upper.length > 0; level++) {
    const next: Buffer[] = [];
    const rows = [];
    for (let i = 0; i < upper.length; i += TILE_WIDTH) {
      const run = upper.slice(i, i + TILE_WIDTH);
      rows.push({ level, idx: i / TILE_WIDTH, hashes: Buffer.concat(run) });
      if (run.length === TILE_WIDTH) next.push(perfectRoot(run));
    }
    for (let i = 0; i < rows.length; i += 500) await h.db.insertInto('tlog_tiles').values(rows.slice(i, i + 500)).execute();
    upper = next;
  }
  return stream.root();
}

async function main() {
  log(`transparency log benchmark, ${fmt(N)} entries`);
  const cluster = await startPgCluster({ settings: { max_wal_size: '8GB', checkpoint_timeout: '30min', shared_buffers: '1GB' } });
  const url = cluster.url.replace(/\/postgres$/, '/bench');
  const admin = await openDatabase({ url: cluster.url, dataDir: '/tmp/unused' });
  await sql`CREATE DATABASE bench`.execute(admin.db);
  await admin.close();
  const h = await openDatabase({ url, dataDir: '/tmp/unused', poolSize: 40 });
  try {
    await migrateToLatest(h.db);
    const crypto = fieldCrypto(SECRET);
    const service = new TransparencyLog({ db: h.db, crypto });
    await service.init();

    // ---- 1. bulk load ------------------------------------------------------------------------
    await timeIt('bulk load: leaves (generated and hashed in PostgreSQL)', () => bulkLeaves(h, N));
    const root = await timeIt('bulk load: tiles, and the root from all leaf hashes', () => bulkTiles(h, N));
    const fromTiles = await service.rootAt(N);
    if (!fromTiles.equals(root)) throw new Error('root from tiles differs from the streamed root');
    const key = (service as unknown as { key: { privateKey: import('node:crypto').KeyObject; keyId: string } }).key;
    const sth = signTreeHead(key.privateKey, key.keyId, N, root);
    await h.db.insertInto('tlog_sths').values({ tree_size: N, root_hash: root, timestamp_ms: sth.timestamp, signature: b(sth.signature), key_id: sth.keyId }).execute();
    await h.db.updateTable('tlog_state').set({ tree_size: N, root_hash: root }).where('id', '=', 1).execute();
    await sql`VACUUM ANALYZE`.execute(h.db);
    const size = await sql<{ leaves: string; tiles: string }>`SELECT pg_size_pretty(pg_total_relation_size('tlog_leaves')) AS leaves, pg_size_pretty(pg_total_relation_size('tlog_tiles')) AS tiles`.execute(h.db);
    const tileRows = await h.db.selectFrom('tlog_tiles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    log(`tree size ${fmt(N)}, root ${root.toString('base64')} (tiles and streamed leaves agree)`);
    log(`storage: tlog_leaves ${size.rows[0].leaves} (with hash index), tlog_tiles ${size.rows[0].tiles} in ${fmt(Number(tileRows.n))} rows`);

    // ---- 2. proof latency --------------------------------------------------------------------
    const R = 2000;
    const idx = Array.from({ length: R }, () => Math.floor(Math.random() * N));
    const lat = async (label: string, f: (i: number) => Promise<void>) => {
      for (let i = 0; i < 50; i++) await f(idx[i]); // warm-up
      const t: number[] = [];
      const t0 = performance.now();
      for (const i of idx) {
        const s = performance.now();
        await f(i);
        t.push(performance.now() - s);
      }
      const total = (performance.now() - t0) / 1000;
      log(`${label}: p50 ${fmt(pct(t, 50) * 1000)} µs, p99 ${fmt(pct(t, 99) * 1000)} µs, max ${fmt(Math.max(...t))} ms, ${fmt(R / total)}/s sequential`);
    };
    const rootNow = b((await service.latestSth()).rootHash);
    let bad = 0;
    await lat(`inclusion proof by index at ${fmt(N)} (service)`, async (i) => {
      const p = await service.inclusionProof({ leafIndex: i });
      if (!verifyInclusion(i, N, b(p.leafHash), p.auditPath.map(b), rootNow)) bad++;
    });
    const hashes = new Map<number, Buffer>();
    for (const i of idx) hashes.set(i, b((await service.entry(i)).leafHash));
    await lat(`inclusion proof by leaf hash at ${fmt(N)} (service)`, async (i) => {
      const p = await service.inclusionProof({ leafHash: hashes.get(i)! });
      if (p.leafIndex !== i || !verifyInclusion(i, N, hashes.get(i)!, p.auditPath.map(b), rootNow)) bad++;
    });
    const app = await buildApp(loadConfig({}, { DATABASE_URL: url, DATA_SECRET: SECRET, LOG_LEVEL: 'silent', DEMO_DATA: false, WEB_DIST: '/nonexistent', PUBLIC_URL: 'http://bench' }), { database: h, ownsDatabase: false });
    await app.services.transparency.stop();
    await lat(`GET /api/transparency/proofs/inclusion?leafIndex= at ${fmt(N)} (HTTP, in-process)`, async (i) => {
      const res = await app.inject({ method: 'GET', url: `/api/transparency/proofs/inclusion?leafIndex=${i}&treeSize=${N}` });
      const p = res.json();
      if (!verifyInclusion(i, N, b(p.leafHash), p.auditPath.map(b), rootNow)) bad++;
    });
    const proofs: [number, string[]][] = [];
    await lat(`consistency proof m → ${fmt(N)} (service)`, async (i) => {
      proofs.push([i + 1, (await service.consistencyProof(i + 1, N)).consistency]);
    });
    for (const [m, c] of proofs.slice(0, 200)) if (!verifyConsistency(m, N, await service.rootAt(m), rootNow, c.map(b))) bad++;
    log(bad === 0 ? 'all proofs verified' : `${bad} PROOFS FAILED`);
    await app.close();

    // ---- 3. append throughput ----------------------------------------------------------------
    /** `clients` concurrent transactions for `seconds`, each appending `perTrx` entries (1: appendToLog; more: one appendManyToLog). */
    const runAppenders = async (clients: number, seconds: number, perTrx = 1) => {
      let count = 0;
      const until = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          while (performance.now() < until) {
            if (perTrx === 1) await h.db.transaction().execute((trx) => appendToLog(trx, { type: 'bench.append', subject: `client-${c}`, n: count }));
            else await h.db.transaction().execute((trx) => appendManyToLog(trx, Array.from({ length: perTrx }, (_, k) => ({ type: 'bench.append', subject: `client-${c}`, n: count + k }))));
            count += perTrx;
          }
        }),
      );
      return count / seconds;
    };
    log(`machine: ${loadAverage()}`);
    const enq = await runAppenders(32, 10);
    log(`enqueue: ${fmt(enq)} appends/s (32 concurrent transactions of one appendToLog each, durable commit)`);
    const enqMany = await runAppenders(32, 10, 50);
    log(`enqueue batched: ${fmt(enqMany)} appends/s (32 concurrent transactions of 50 entries each, one appendManyToLog insert per transaction, durable commit)`);
    const queued = Number((await h.db.selectFrom('tlog_queue').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const t0 = performance.now();
    let batches = 0;
    while ((await service.integrate()) > 0) batches++;
    const integ = queued / ((performance.now() - t0) / 1000);
    log(`sequencer: ${fmt(integ)} entries/s integrated (${fmt(queued)} entries in ${batches} batches of ≤ 5,000, one signed tree head each)`);
    service.start();
    const before = (await service.latestSth()).treeSize;
    const t1 = performance.now();
    const both = await runAppenders(32, 10);
    await service.stop();
    await service.flush();
    const after = (await service.latestSth()).treeSize;
    log(`end to end: ${fmt(both)} appends/s enqueued while the sequencer ran (200 ms interval); ${fmt(after - before)} integrated, ${fmt((after - before) / ((performance.now() - t1) / 1000))}/s`);
    const final = await service.latestSth();
    const p = await service.inclusionProof({ leafIndex: final.treeSize - 1 });
    log(`final tree size ${fmt(final.treeSize)}; newest leaf's proof ${verifyInclusion(final.treeSize - 1, final.treeSize, b(p.leafHash), p.auditPath.map(b), b(final.rootHash)) ? 'verifies' : 'FAILS'}`);
  } finally {
    await h.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
