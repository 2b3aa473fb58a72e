/**
 * Catalog search benchmark: a generated national-scale catalog, the real server, 8 clients.
 *
 *   npx tsx bench/catalog-search.ts                       # 1,000,000 items on a throwaway PostgreSQL 15 cluster
 *   npx tsx bench/catalog-search.ts --embedded --n 100000 # the embedded PGlite database
 *   options: --n N  --duration seconds (per load phase, default 20)  --connections 8
 *            --url postgres://… (reuse a database kept by an earlier --keep run: no generation; the search indexes are rebuilt and timed)
 *            --diagnose (one client: each query's latency; PostgreSQL logs plans of slow statements)
 *            --keep (leave the database and server up after the run, until Ctrl-C; the database also
 *            stays up when the run fails, e.g. a server that did not start, so that --url can reuse it)
 *   BENCH_CPU_PROF=<dir> profiles the server (see bench/harness.ts; bench/profile-top.ts summarises).
 *
 * 1. Generates N published items: the demo catalog's items as templates, implemented in every
 *    region of China (GB/T 2260 cities and counties, ~365 items each, each region with its own
 *    twelve departments), built by the same code a publish runs (search rows, bigram codes).
 *    Rows go in with multi-row INSERTs; the GIN indexes are built afterwards (time and size printed),
 *    then the loaded tables are vacuumed, analysed and checkpointed, as in a running system.
 * 2. Starts the real server (apps/server/src/main.ts) on a free port against that database.
 * 3. Search: 8 concurrent clients (autocannon) cycle through what people type, with and without
 *    filters; p50/p99 include HTTP. Targets: p50 ≤ 15 ms, p99 ≤ 60 ms.
 * 4. Guide read: one item's guide through the server, and the same bytes from a bare node:http
 *    server, alternating (bare, server, bare, server) in the same run; requests per second of both
 *    and the ratio (target ≥ 40 %). Then the revalidation a browser makes (If-None-Match → 304).
 * The load average is printed with each phase: other work on the machine inflates every figure.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../apps/server/src/db/database';
import { migrateToLatest } from '../apps/server/src/db/migrate';
import { creditCode, departments as demoDepartments } from '../apps/server/src/demo/data';
import { bulkRepo, vocabRepo, type SearchRow } from '../apps/server/src/modules/catalog/catalog.repository';
import { itemSearchRow, suggestionTexts, type ThemeInfo } from '../apps/server/src/modules/catalog/catalog.search';
import { demoItems } from '../apps/server/src/modules/catalog/demo/items';
import { childrenOf, isPlaceholderRegion, provinces, type Region } from '../apps/server/src/shared/regions';
import { startPgCluster } from '../test/pg-cluster';
import { bareServer, cpuLine, fmt, postgresCpuSeconds, load as loadPhase, loadAverage, log, measuredLoad, startServer as startHarnessServer, stopServer, type Server } from './harness';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const EMBEDDED = flag('embedded');
const N = opt('n', EMBEDDED ? 100_000 : 1_000_000);
const DURATION = opt('duration', 20);
const CONNECTIONS = opt('connections', 8);
const DIAGNOSE = flag('diagnose');
const KEEP = flag('keep');
/** An existing database from an earlier `--keep` run: skips generation, rebuilds the search indexes (timed). */
const REUSE_URL = (() => {
  const i = argv.indexOf('--url');
  return i >= 0 ? argv[i + 1] : undefined;
})();
const BATCH = 1000;
const VARIANTS = ['', '（延续）', '（变更）', '（注销）', '（补办）'];

const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;

/** Cities and counties (no 市辖区-style placeholders): where items are implemented. */
function regions(): Region[] {
  const out: Region[] = [];
  const walk = (r: Region) => {
    if (!isPlaceholderRegion(r.code) && r.level !== 'province') out.push(r);
    childrenOf(r.code).forEach(walk);
  };
  provinces().forEach(walk);
  return out;
}

async function generate(db: Awaited<ReturnType<typeof openDatabase>>['db']) {
  const templates = demoItems.filter((t) => t.dept.startsWith('FZ-'));
  const perRegion = templates.length * VARIANTS.length;
  const all = regions();
  const needed = Math.ceil(N / perRegion);
  if (needed > all.length) throw new Error(`${N} items need ${needed} regions; China has ${all.length} cities and counties`);
  const chosen = all.slice(0, needed);
  const themes = new Map<string, ThemeInfo>((await vocabRepo.themes(db)).map((t) => [t.code, { code: t.code, name: t.name, nameEn: t.name_en, audience: t.audience, keywords: t.keywords }]));
  log(`generating ${fmt(N, 0)} items: ${templates.length} templates × ${VARIANTS.length} variants in ${fmt(chosen.length, 0)} regions`);

  // Departments of every region (the org module's table, written directly by this generator only).
  const suffixes = demoDepartments.filter((d) => d.code.startsWith('FZ-')).map((d) => d.code.slice(3));
  const deptName = new Map(demoDepartments.map((d) => [d.code.slice(3), d.name.replace('福州市', '').replace('国家税务总局', '').replace('福州', '')]));
  const deptId = new Map<string, string>();
  let seq = 0;
  for (let i = 0; i < chosen.length; i += 200) {
    const rows = chosen.slice(i, i + 200).flatMap((r) =>
      suffixes.map((s) => {
        const id = randomUUID();
        deptId.set(`${r.code}-${s}`, id);
        seq++;
        return { id, code: `${r.code}-${s}`, name: `${r.fullName}${deptName.get(s)}`, name_en: `${r.code} ${s}`, region_code: r.code, uscc: creditCode('11', r.code, `B${String(seq).padStart(7, '0')}`), kind: 'legal_authority' as const, parent_id: null };
      }),
    );
    await db.insertInto('departments').values(rows).execute();
  }

  await bulkRepo.dropSearchIndexes(db);
  const suggestions = new Map<string, { text: string; kind: string; terms: number[]; refs: number }>();
  let made = 0;
  const t0 = performance.now();
  let pending: Promise<void>[] = [];
  const docIds = new Map<string, number>();
  const flush = async (rows: Parameters<typeof bulkRepo.insertPublished>[1]) => bulkRepo.insertPublished(db, rows, docIds);
  let batch: Parameters<typeof bulkRepo.insertPublished>[1] = [];
  const protos = new Map<string, { row: SearchRow; suggestions: ReturnType<typeof suggestionTexts> }>();
  outer: for (const r of chosen) {
    for (const t of templates) {
      for (const [k, suffix] of VARIANTS.entries()) {
        if (made >= N) break outer;
        const id = randomUUID();
        const dept = deptId.get(`${r.code}-${t.dept.slice(3)}`)!;
        const content = { ...t.content, name: `${t.content.name}${suffix}`, handlingItem: String(100 + k), departmentId: dept, regionCode: r.code };
        const code = `${content.basicCode}-${r.code}-${dept.slice(0, 8)}-${content.handlingItem}`;
        // The searchable text is the same for a template's variant in every region: built once
        // (by the code a publish runs), the entry's own fields set per region.
        const key = `${templates.indexOf(t)}|${k}`;
        let proto = protos.get(key);
        if (!proto) protos.set(key, (proto = { row: itemSearchRow(id, 1, content, themes), suggestions: suggestionTexts('item', content.name, content.aliases) }));
        const search: SearchRow = { ...proto.row, entity_id: id, department_id: dept, region_code: r.code };
        const uses = Math.floor(Math.random() ** 4 * 5000);
        batch.push({
          item: { id, implementation_code: code, department_id: dept, region_code: r.code, name: content.name, status: 'published', latest_version: 1, use_count: uses },
          version: { item_id: id, version: 1, implementation_code: code, content: JSON.stringify(content), findings: '[]', published_by: null },
          search: { ...search, use_count: uses } as SearchRow,
        });
        for (const s of proto.suggestions) {
          const c = suggestions.get(s.text);
          if (c) c.refs++;
          else suggestions.set(s.text, { ...s, refs: 1 });
        }
        made++;
        if (batch.length === BATCH) {
          pending.push(flush(batch));
          batch = [];
          // Two batches in flight: one being built while the other is written.
          if (pending.length >= (EMBEDDED ? 1 : 2)) {
            await Promise.all(pending);
            pending = [];
          }
          if (made % 100_000 === 0) log(`  ${fmt(made, 0)} items (${fmt(made / ((performance.now() - t0) / 1000), 0)}/s)`);
        }
      }
    }
  }
  if (batch.length) pending.push(flush(batch));
  await Promise.all(pending);
  const rows = [...suggestions.values()];
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('catalog_suggestions').values(rows.slice(i, i + 1000)).execute();
  log(`generated ${fmt(made, 0)} items in ${fmt((performance.now() - t0) / 1000)} s`);

  const ti = performance.now();
  await bulkRepo.countDocEntries(db);
  await bulkRepo.createSearchIndexes(db);
  const buildSeconds = (performance.now() - ti) / 1000;
  await settle(db);
  const sizes = new Map((await bulkRepo.sizes(db)).map((s) => [s.name, Number(s.bytes)]));
  const docs = await bulkRepo.docCount(db);
  const indexBytes = bulkRepo.searchIndexNames.reduce((s, n) => s + (sizes.get(n) ?? 0), 0);
  log(`search index built in ${fmt(buildSeconds)} s: ${fmt(docs, 0)} distinct texts for ${fmt(made, 0)} entries`);
  log(`  ${bulkRepo.searchIndexNames.map((n) => `${n} ${mb(sizes.get(n) ?? 0)}`).join(', ')}; texts table ${mb(sizes.get('catalog_search_docs') ?? 0)}, entries table ${mb(sizes.get('catalog_search') ?? 0)}, versions ${mb(sizes.get('catalog_item_versions') ?? 0)}`);
  const one = await db.selectFrom('catalog_search').select('entity_id').where('name', '=', '食品经营许可证核发').limit(1).executeTakeFirstOrThrow();
  return { buildSeconds, sizes, indexBytes, docs, guideId: one.entity_id };
}

/**
 * Brings the freshly loaded database to the state of a running system before anything is
 * measured: every loaded table vacuumed and analysed, dirty pages written. Otherwise autovacuum
 * (PostgreSQL vacuums insert-only tables too) and the checkpointer work through the million
 * rows while the load phases run — at 1M items that took a core during the measured phases.
 */
async function settle(db: Awaited<ReturnType<typeof openDatabase>>['db']) {
  if (EMBEDDED) return;
  const t = performance.now();
  for (const table of ['departments', 'catalog_items', 'catalog_item_versions', 'catalog_search_docs', 'catalog_suggestions']) await sql`VACUUM ANALYZE ${sql.table(table)}`.execute(db);
  await sql`CHECKPOINT`.execute(db);
  log(`vacuumed, analysed and checkpointed in ${fmt((performance.now() - t) / 1000)} s`);
}

async function reuse(db: Awaited<ReturnType<typeof openDatabase>>['db']) {
  const made = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM catalog_search`.execute(db)).rows[0].n);
  log(`reusing ${fmt(made, 0)} entries; rebuilding the search indexes`);
  await bulkRepo.dropSearchIndexes(db);
  const ti = performance.now();
  await bulkRepo.countDocEntries(db);
  await bulkRepo.createSearchIndexes(db);
  const buildSeconds = (performance.now() - ti) / 1000;
  await settle(db);
  const sizes = new Map((await bulkRepo.sizes(db)).map((x) => [x.name, Number(x.bytes)]));
  const docs = await bulkRepo.docCount(db);
  const indexBytes = bulkRepo.searchIndexNames.reduce((a, n) => a + (sizes.get(n) ?? 0), 0);
  log(`search index built in ${fmt(buildSeconds)} s: ${fmt(docs, 0)} distinct texts for ${fmt(made, 0)} entries`);
  log(`  ${bulkRepo.searchIndexNames.map((n) => `${n} ${mb(sizes.get(n) ?? 0)}`).join(', ')}; texts table ${mb(sizes.get('catalog_search_docs') ?? 0)}, entries table ${mb(sizes.get('catalog_search') ?? 0)}`);
  const one = await db.selectFrom('catalog_search').select('entity_id').where('name', '=', '食品经营许可证核发').limit(1).executeTakeFirstOrThrow();
  return { buildSeconds, sizes, indexBytes, docs, guideId: one.entity_id, made };
}

function startServer(env: Record<string, string>): Promise<Server> {
  // No job runner: other modules' background jobs (e.g. oversight roll-ups over the million
  // catalog rows) would share the two cores with the measured requests.
  return startHarnessServer({ ...env, DEMO_DATA: 'false', JOB_RUNNER: 'false' }, { readyTimeoutSeconds: 300 });
}

const load = (url: string, paths: string[], duration: number) => loadPhase(url, { connections: CONNECTIONS, duration, paths });

/**
 * CPU seconds used so far by the PostgreSQL server listening on `port` (its postmaster found with
 * pgrep, then harness's postgresCpuSeconds). 0 when not found (e.g. PGlite).
 */
function pgCpuSeconds(port: number | undefined): number {
  if (!port) return 0;
  try {
    const [postmasterPid] = execFileSync('pgrep', ['-o', '-f', `postgres.*port=${port}`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return postmasterPid ? postgresCpuSeconds({ postmasterPid }) : 0;
  } catch {
    return 0;
  }
}

const QUERIES = [
  '营业执照', '身份证丢了怎么补办', '生孩子', '社保转移', '公积金提取', '我要开饭店', '二手房过户', '食品经营许可证', '退休',
  '医保', '户口迁移', '结婚登记', '施工许可', '不动产抵押', '异地就医备案', '开公司', '失业金', '无犯罪记录证明', '护士执业注册', '发票',
].map((q) => encodeURIComponent(q));
const SEARCHES = [
  ...QUERIES.map((q) => `/api/catalog/search?q=${q}`),
  ...QUERIES.slice(0, 10).map((q) => `/api/catalog/search?q=${q}&region=350100`),
  ...QUERIES.slice(10).map((q) => `/api/catalog/search?q=${q}&type=administrative_licensing&depth=3`),
  `/api/catalog/search?q=${QUERIES[0]}&offset=10`,
  `/api/catalog/suggest?q=${encodeURIComponent('营业')}`,
];

async function main() {
  log(`catalog search benchmark: ${EMBEDDED ? 'embedded PGlite' : 'PostgreSQL 15'}, ${fmt(N, 0)} items, ${CONNECTIONS} connections, ${DURATION} s per phase`);
  const explain: Record<string, string> = DIAGNOSE ? { session_preload_libraries: 'auto_explain', 'auto_explain.log_min_duration': '20', 'auto_explain.log_analyze': 'on' } : {};
  const cluster = EMBEDDED || REUSE_URL ? null : await startPgCluster({ fast: true, settings: { shared_buffers: '2GB', maintenance_work_mem: '1GB', work_mem: '16MB', max_wal_size: '16GB', effective_cache_size: '12GB', random_page_cost: '1.1', ...explain } });
  const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-bench-'));
  const children: Server['child'][] = [];
  let kept = false;
  try {
    const dbUrl = REUSE_URL ?? cluster?.url;
    const handle = await openDatabase({ url: dbUrl, dataDir });
    await migrateToLatest(handle.db);
    const gen = REUSE_URL ? await reuse(handle.db) : await generate(handle.db);
    await handle.close();

    const env: Record<string, string> = dbUrl ? { DATABASE_URL: dbUrl, DATABASE_POOL_SIZE: '10' } : { DATA_DIR: dataDir };
    const ts = performance.now();
    const server = await startServer(env);
    children.push(server.child);
    log(`server ready in ${fmt((performance.now() - ts) / 1000)} s at ${server.url}`);

    // Warm up: every query once, then a short run (caches, JIT, department names).
    for (const p of SEARCHES) {
      const r = await fetch(server.url + p);
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    }
    const sample = (await (await fetch(`${server.url}/api/catalog/search?q=${QUERIES[0]}`)).json()) as { total: number; totalExact: boolean; items: { name: string }[] };
    log(`  "营业执照": ${sample.totalExact ? '' : 'at least '}${fmt(sample.total, 0)} matches; first: ${sample.items.slice(0, 3).map((i) => i.name).join('、')}`);
    if (DIAGNOSE) {
      for (const p of SEARCHES) {
        const times: number[] = [];
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          await (await fetch(server.url + p)).arrayBuffer();
          times.push(performance.now() - t);
        }
        log(`  ${fmt(Math.min(...times))} ms  ${decodeURIComponent(p)}`);
      }
    }
    await load(server.url, SEARCHES, 5);

    const loadDuringSearch = loadAverage();
    const pgPort = dbUrl ? Number(new URL(dbUrl).port) : undefined;
    const pg0 = pgCpuSeconds(pgPort);
    const s = await measuredLoad(server, { connections: CONNECTIONS, duration: DURATION, paths: SEARCHES });
    const pgMicros = ((pgCpuSeconds(pgPort) - pg0) * 1e6) / Math.max(1, s.total);
    log(`SEARCH (${SEARCHES.length} queries in rotation, facets on): p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms; ${fmt(s.rps)} req/s; ${fmt(s.total, 0)} requests, ${s.non2xx} non-2xx, ${s.errors} errors; ${loadDuringSearch}`);
    log(`  CPU per search: server ${fmt(s.cpuMicrosPerRequest, 0)} µs, PostgreSQL ${pgPort ? `${fmt(pgMicros, 0)} µs` : 'in the server (PGlite)'} — on two idle cores that would bound throughput at ≈ ${fmt(2e6 / (s.cpuMicrosPerRequest + pgMicros), 0)} req/s (less the load generator's share)`);

    const guidePath = `/api/catalog/items/${gen.guideId}`;
    const guide = Buffer.from(await (await fetch(server.url + guidePath)).arrayBuffer());
    const bodyFile = join(dataDir, 'guide.json');
    writeFileSync(bodyFile, guide);
    const bare = await bareServer(bodyFile);
    children.push(bare.child);
    // Bare and server alternate (two rounds of half the duration each): a change in the machine's
    // load during the phase then weighs on both sides instead of on whichever ran second.
    await load(bare.url, ['/'], 3);
    await load(server.url, [guidePath], 3);
    const loadDuringGuide = loadAverage();
    const rounds: { b: Awaited<ReturnType<typeof measuredLoad>>; g: Awaited<ReturnType<typeof measuredLoad>> }[] = [];
    for (let i = 0; i < 2; i++) {
      const rb = await measuredLoad(bare, { connections: CONNECTIONS, duration: DURATION / 2, paths: '/' });
      const rg = await measuredLoad(server, { connections: CONNECTIONS, duration: DURATION / 2, paths: guidePath });
      rounds.push({ b: rb, g: rg });
    }
    bare.child.kill();
    const avg = (f: (r: (typeof rounds)[number]) => number) => (f(rounds[0]) + f(rounds[1])) / 2;
    const b = { rps: avg((r) => r.b.rps), cpuMicrosPerRequest: avg((r) => r.b.cpuMicrosPerRequest) };
    const g = { rps: avg((r) => r.g.rps), cpuMicrosPerRequest: avg((r) => r.g.cpuMicrosPerRequest), p50: Math.max(rounds[0].g.p50, rounds[1].g.p50), p99: Math.max(rounds[0].g.p99, rounds[1].g.p99) };
    log(`GUIDE READ (${fmt(guide.length, 0)} bytes): server ${fmt(g.rps, 0)} req/s (p50 ${g.p50} ms, p99 ${g.p99} ms); bare node:http ${fmt(b.rps, 0)} req/s; ratio ${fmt((100 * g.rps) / b.rps)} % (rounds: ${rounds.map((r) => `${fmt((100 * r.g.rps) / r.b.rps)} %`).join(', ')}); ${loadDuringGuide}`);
    log(`  ${cpuLine(g, b)}`);
    // A browser that has the guide revalidates it: If-None-Match answered 304 with no body.
    const etag = (await fetch(server.url + guidePath)).headers.get('etag') ?? '';
    const r304 = await loadPhase(server.url, { connections: CONNECTIONS, duration: DURATION / 2, paths: guidePath, headers: { 'if-none-match': etag } });
    log(`GUIDE REVALIDATION (If-None-Match → 304): ${fmt(r304.rps, 0)} req/s (p50 ${r304.p50} ms, p99 ${r304.p99} ms), ${r304.non2xx} non-2xx (304s)`);

    console.log('\nSUMMARY');
    console.log(`  database            ${EMBEDDED ? 'PGlite (embedded)' : 'PostgreSQL 15'}; items ${fmt('made' in gen ? Number(gen.made) : N, 0)}${REUSE_URL ? ' (reused)' : ''}`);
    console.log(`  index build         ${fmt(gen.buildSeconds)} s; search indexes ${mb(gen.indexBytes)} (${fmt(gen.docs, 0)} distinct texts: GIN ${mb((gen.sizes.get('catalog_search_docs_terms') ?? 0) + (gen.sizes.get('catalog_search_docs_name_terms') ?? 0))}; entry indexes ${mb((gen.sizes.get('catalog_search_doc_use') ?? 0) + (gen.sizes.get('catalog_search_doc_region') ?? 0))})`);
    console.log(`  search (8 clients)  p50 ${s.p50} ms (target ≤ 15), p99 ${s.p99} ms (target ≤ 60), ${fmt(s.rps, 0)} req/s; CPU per search: server ${fmt(s.cpuMicrosPerRequest, 0)} µs + PostgreSQL ${fmt(pgMicros, 0)} µs`);
    console.log(`  guide read          ${fmt(g.rps, 0)} req/s vs bare node:http ${fmt(b.rps, 0)} req/s = ${fmt((100 * g.rps) / b.rps)} % (target ≥ 40 %); revalidation ${fmt(r304.rps, 0)} req/s (304)`);
    console.log(`  guide, by CPU       ${cpuLine(g, b)}`);
    console.log(`  machine             search phase ${loadDuringSearch}; guide phase ${loadDuringGuide}`);
    if (KEEP) {
      kept = true;
      log(`kept: server ${server.url}, database ${cluster?.url ?? dataDir}; Ctrl-C to stop`);
      await new Promise((r) => process.once('SIGINT', r));
    }
  } catch (err) {
    if (!KEEP || kept || !cluster) throw err;
    console.error(err);
    log(`failed; database kept for --url ${cluster.url}; Ctrl-C to stop`);
    await new Promise((r) => process.once('SIGINT', r));
  } finally {
    // The server is stopped and awaited (a BENCH_CPU_PROF profile is written as it exits).
    for (const c of children) await stopServer({ child: c, url: '' });
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
