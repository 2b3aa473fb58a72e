/**
 * Open data benchmark on PostgreSQL (a throwaway cluster), through the app's HTTP handling
 * (Fastify routing, validation, serialization; app.inject, no sockets, one client):
 *
 *   npx tsx bench/opendata.ts             # quick: 20,000 datasets, 1,000,000 rows (a few minutes)
 *   nice -n 5 npx tsx bench/opendata.ts --full      # the issue's scale: 100,000 datasets, 10,000,000 rows
 *   options: --datasets N, --rows N, --requests N (per phase, default 1000), --no-rows, --no-search
 *
 * 1. package_search over N datasets (generated: the demo departments, themes, tags, formats; the
 *    same bigram terms a publish writes): words, words + fq, fq only, facets on organization,
 *    groups, res_format and tags, paging. Target p99 ≤ 50 ms.
 * 2. datastore_search on one published resource of M rows in resource_rows (the resources
 *    module's store; rows bulk-loaded with generate_series, its indexes rebuilt as the migration
 *    defines them): an equality filter (one or two fields) and keyset paging through _links.next,
 *    with the total estimated by the planner; then `q` (full text) alone and with a filter.
 *    Target p99 ≤ 50 ms.
 *
 * Every phase prints, besides latencies and the load average: the same-run baseline (the same page
 * as one direct SQL statement through the same pool), the node process's CPU µs per request and
 * PostgreSQL's (all its processes), which do not depend on the machine's load. The tail is profiled
 * with pg_stat_statements (per statement: calls, mean/max execution and planning time, buffers
 * hit/read) and auto_explain (plans of statements over 50 ms, with buffers, in the cluster's log).
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../apps/server/src/app';
import { loadConfig } from '../apps/server/src/config';
import { systemAdminContext } from '../apps/server/src/shared/actor';
import { searchTerms } from '../apps/server/src/modules/opendata/opendata.text';
import { datasetsRepo } from '../apps/server/src/modules/opendata/opendata.repository';
import { startPgCluster, type PgCluster } from '../test/pg-cluster';
import { partitionName, rowPageStatement } from '../apps/server/src/modules/resources';
import { loadAverage, postgresCpuSeconds } from './harness';

const argv = process.argv.slice(2);
const FULL = argv.includes('--full');
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const N_DATASETS = opt('datasets', FULL ? 100_000 : 20_000);
const N_ROWS = opt('rows', FULL ? 10_000_000 : 1_000_000);
const REQUESTS = opt('requests', 1000);

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });
const load = loadAverage;
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const TOPICS = ['公交线路', '空气质量', '医疗机构', '企业登记', '学校名录', '停车场', '公共厕所', '养老机构', '文物保护单位', '旅游景点', '水质监测', '道路施工', '充电桩', '菜市场', '图书馆', '体育场馆', '药店', '消防站', '公园绿地', '地名地址', '人口统计', '财政预算', '招标公告', '行政处罚', '双随机抽查', '气象观测', '噪声监测', '垃圾分类', '公共自行车', '出租车'];
const PLACES = ['鼓楼区', '台江区', '仓山区', '晋安区', '马尾区', '长乐区', '闽侯县', '连江县', '罗源县', '闽清县', '永泰县', '福清市', '思明区', '湖里区', '集美区', '海沧区'];
const YEARS = ['2019', '2020', '2021', '2022', '2023', '2024', '2025', '2026'];
const TAGS = ['交通', '生态环境', '卫生健康', '市场监管', '教育', '民生', '文化旅游', '城市管理', '财政', '气象', '开放数据', '统计', '公共安全'];
const THEMES = ['AGRI', 'ECON', 'EDUC', 'ENVI', 'GOVE', 'HEAL', 'JUST', 'REGI', 'SOCI', 'TECH', 'TRAN'];

async function generateDatasets(app: FastifyInstance) {
  const db = app.database.db;
  const depts = (await app.services.org.departments()).map((d) => ({ id: d.id, name: d.name, region: d.regionCode }));
  const r = rng(42);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const t0 = performance.now();
  await sql`DROP INDEX IF EXISTS opendata_datasets_search`.execute(db);
  const BATCH = 2000;
  for (let start = 0; start < N_DATASETS; start += BATCH) {
    const n = Math.min(BATCH, N_DATASETS - start);
    const cols: Record<string, unknown[]> = { id: [], name: [], dept: [], region: [], title: [], description: [], themes: [], tags: [], licence: [], frequency: [], access: [], formats: [], terms: [], modified: [] };
    for (let i = 0; i < n; i++) {
      const k = start + i;
      const d = pick(depts);
      const title = `${pick(PLACES)}${pick(TOPICS)}（${pick(YEARS)}年）`;
      const tags = [...new Set([pick(TAGS), pick(TAGS), pick(TAGS)])];
      const description = `${d.name}发布的${title}数据，包含名称、地址、类别和统计指标，按月更新。`;
      cols.id.push(randomUUID());
      cols.name.push(`bench-${k}`);
      cols.dept.push(d.id);
      cols.region.push(d.region);
      cols.title.push(title);
      cols.description.push(description);
      cols.themes.push(`{${[pick(THEMES), pick(THEMES)].filter((x, j, a) => a.indexOf(x) === j).join(',')}}`);
      cols.tags.push(`{${tags.join(',')}}`);
      cols.licence.push(r() < 0.8 ? 'cc-by-4.0' : 'gov-open-cn');
      cols.frequency.push(pick(['daily', 'monthly', 'quarterly', 'annual']));
      cols.access.push(r() < 0.7 ? 'open' : r() < 0.5 ? 'account' : 'conditional');
      cols.formats.push(r() < 0.8 ? '{CSV,JSON,XLSX,API}' : '{CSV,JSON}');
      cols.terms.push(`{${searchTerms([title, description, tags.join(' '), d.name].join(' ')).map((x) => `"${x}"`).join(',')}}`);
      cols.modified.push(new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 1000 * 86_400_000)).toISOString());
    }
    await sql`INSERT INTO opendata_datasets (id, name, department_id, region_code, title, description, themes, tags, licence, frequency, access_level, formats, search_bigrams, quality_score, created_at, modified_at, data_updated_at)
      SELECT u.id, u.name, u.dept, u.region, u.title, u.description, u.themes::text[], u.tags::text[], u.licence, u.frequency, u.access, u.formats::text[], u.terms::text[], 60 + (random() * 40)::int, u.modified, u.modified, u.modified
      FROM unnest(${cols.id}::uuid[], ${cols.name}::text[], ${cols.dept}::uuid[], ${cols.region}::text[], ${cols.title}::text[], ${cols.description}::text[], ${cols.themes}::text[], ${cols.tags}::text[],
                  ${cols.licence}::text[], ${cols.frequency}::text[], ${cols.access}::text[], ${cols.formats}::text[], ${cols.terms}::text[], ${cols.modified}::timestamptz[])
        AS u(id, name, dept, region, title, description, themes, tags, licence, frequency, access, formats, terms, modified)`.execute(db);
  }
  await sql`INSERT INTO opendata_distributions (id, dataset_id, format, position)
    SELECT gen_random_uuid(), d.id, f.format, f.pos - 1 FROM opendata_datasets d, unnest(d.formats) WITH ORDINALITY AS f(format, pos) WHERE d.name LIKE 'bench-%'`.execute(db);
  await sql`CREATE INDEX opendata_datasets_search ON opendata_datasets USING gin (search_bigrams)`.execute(db);
  await sql`VACUUM ANALYZE opendata_datasets`.execute(db);
  await sql`VACUUM ANALYZE opendata_distributions`.execute(db);
  log(`${fmt(N_DATASETS, 0)} datasets generated and indexed in ${fmt((performance.now() - t0) / 1000)} s`);
}

/** CPU time of this process (the app and its in-process client) and of PostgreSQL over a phase, per request. */
function cpuMeter(cluster: PgCluster) {
  const n0 = process.cpuUsage();
  const p0 = postgresCpuSeconds(cluster);
  return (requests: number) => {
    const n = process.cpuUsage(n0);
    return { node: (n.user + n.system) / requests, pg: ((postgresCpuSeconds(cluster) - p0) * 1e6) / requests };
  };
}
const cpuText = (c: { node: number; pg: number }) => `CPU per request: node ${fmt(c.node, 0)} µs + PostgreSQL ${fmt(c.pg, 0)} µs`;
const stats = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: Math.max(...xs), n: xs.length });
const statText = (s: ReturnType<typeof stats>) => `p50 ${fmt(s.p50, 2)} ms, p95 ${fmt(s.p95, 2)} ms, p99 ${fmt(s.p99, 2)} ms, max ${fmt(s.max, 2)} ms`;

/** The statements PostgreSQL spent the phase on (pg_stat_statements), and the plans of the slow ones (auto_explain). */
async function profile(app: FastifyInstance, cluster: PgCluster, logFrom: number, label: string) {
  const r = await sql<{ q: string; calls: string; mean: number; max: number; plan: number; hit: string; read: string }>`
    SELECT left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 110) AS q, calls, mean_exec_time AS mean, max_exec_time AS max, mean_plan_time AS plan,
      shared_blks_hit / calls AS hit, shared_blks_read / calls AS read
    FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time + total_plan_time DESC LIMIT 6`.execute(app.database.db);
  log(`  ${label}: top statements by time (pg_stat_statements: calls, mean/max execution ms, mean planning ms, shared buffers hit/read per call)`);
  for (const x of r.rows) log(`    ${x.calls}× ${fmt(x.mean, 2)}/${fmt(x.max, 1)} ms, plan ${fmt(x.plan, 2)} ms, buffers ${x.hit}/${x.read}: ${x.q}`);
  const text = readFileSync(join(dirname(cluster.dataDir), 'server.log'), 'utf8').slice(logFrom);
  const plans = text.split(/\n(?=\S.*LOG: {2}duration: )/).filter((x) => /duration: [\d.]+ ms {2}plan:/.test(x));
  log(`  ${label}: ${plans.length} statements over ${AUTO_EXPLAIN_MS} ms (auto_explain)`);
  const worst = plans.sort((a, b) => Number(/duration: ([\d.]+)/.exec(b)![1]) - Number(/duration: ([\d.]+)/.exec(a)![1]))[0];
  if (worst) for (const line of worst.split('\n').filter((l) => l.trim()).slice(0, 24)) log(`    | ${line.replace(/^.*LOG: {2}/, '').slice(0, 160)}`);
}
const AUTO_EXPLAIN_MS = 50;
const logSize = (cluster: PgCluster) => readFileSync(join(dirname(cluster.dataDir), 'server.log'), 'utf8').length;
const resetStatements = (app: FastifyInstance) => sql`SELECT pg_stat_statements_reset()`.execute(app.database.db);

async function benchSearch(app: FastifyInstance, cluster: PgCluster) {
  const r = rng(7);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const orgs = (await app.inject({ method: 'GET', url: '/api/3/action/organization_list' })).json().result as string[];
  const facets = encodeURIComponent(JSON.stringify(['organization', 'groups', 'res_format', 'tags']));
  const make = () => {
    const kind = r();
    const q = kind < 0.35 ? pick(TOPICS) : kind < 0.55 ? `${pick(PLACES)}${pick(TOPICS).slice(0, 2)}` : kind < 0.75 ? pick(TOPICS).slice(0, 2) : '';
    const fq = r() < 0.5 ? `organization:${pick(orgs)}` : r() < 0.5 ? `groups:${pick(THEMES).toLowerCase()} res_format:CSV` : '';
    const rows = pick([10, 20, 50]);
    const start = pick([0, 0, 0, 20, 100]);
    const p = new URLSearchParams({ rows: String(rows), start: String(start) });
    if (q) p.set('q', q);
    if (fq) p.set('fq', fq);
    return { q, fq, rows, start, url: `/api/3/action/package_search?${p.toString()}&facet.field=${facets}` };
  };
  const run = async (reqs: ReturnType<typeof make>[], record: boolean) => {
    const times: number[] = [];
    let matched = 0;
    let estimated = 0;
    for (const x of reqs) {
      const t = performance.now();
      const res = await app.inject({ method: 'GET', url: x.url });
      times.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(`${x.url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      const b = res.json();
      if (record && !b.success) throw new Error('search failed');
      matched += b.result.count;
      if (b.result.count_was_estimated) estimated++;
    }
    return { times, matched, estimated };
  };
  // Cold: every query's first time (nothing cached in the process); then a portal's steady state,
  // where popular queries repeat within a minute (totals and facets cached per catalog version).
  const distinct = Array.from({ length: REQUESTS }, make);
  await resetStatements(app);
  const from = logSize(cluster);
  (app.services.opendata as unknown as { searchCache: Map<string, unknown> }).searchCache.clear();
  const meter = cpuMeter(cluster);
  const cold = await run(distinct, true);
  const cpu = meter(distinct.length);
  const c = stats(cold.times);
  log(`package_search over ${fmt(N_DATASETS, 0)} datasets, ${c.n} requests (facets on 4 fields, mean ${fmt(cold.matched / c.n, 0)} matches, counts and facets estimated from a sample on ${cold.estimated}), nothing cached: ${statText(c)} (target p99 ≤ 50 ms; ${load()})`);
  log(`  ${cpuText(cpu)}`);
  await profile(app, cluster, from, 'package_search');
  // Baseline, same run: the same pages as direct SQL (the conditions and order the API builds, one statement through the same pool).
  const base: number[] = [];
  for (const x of distinct) {
    const { where, order } = await app.services.opendata.searchSql({ q: x.q, fq: x.fq });
    const t = performance.now();
    await datasetsRepo.page(app.database.db, where, order, x.rows, x.start);
    base.push(performance.now() - t);
  }
  const b = stats(base);
  log(`  baseline (same run): the same pages as one direct SQL statement: ${statText(b)} — the API's p50 is ${fmt(c.p50 / b.p50, 1)}× the page's SQL (it adds the total, the facets, the version check, the distributions and the JSON)`);
  // Plan shapes of the page and of a sampled count (what the index does for a broad word, fq only, everything).
  for (const x of [{ q: TOPICS[0].slice(0, 2), fq: '' }, { q: '', fq: `organization:${orgs[3]}` }, { q: '', fq: '' }]) {
    const { where, order } = await app.services.opendata.searchSql(x);
    const w = sql.join(where, sql` AND `);
    for (const [label, stmt] of [
      ['page', sql`SELECT id FROM opendata_datasets WHERE ${w} ORDER BY ${order} LIMIT 20`],
      ['1/64 sample', sql`SELECT department_id, themes, formats, tags FROM opendata_datasets WHERE ${w} AND sample_bucket < 4::smallint`],
    ] as const) {
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${stmt}`.execute(app.database.db);
      log(`  plan of the ${label} for ${JSON.stringify(x)}: ${plan.rows.map((l) => l['QUERY PLAN'].trim()).filter((l) => !/^(Planning|Execution|Buffers: shared hit=\d+$)/.test(l) || /Execution/.test(l)).join(' | ').slice(0, 600)}`);
    }
  }
  const warm = await run(Array.from({ length: REQUESTS }, () => distinct[Math.floor(r() * Math.min(distinct.length, 200))]), true);
  log(`  repeated queries (200 distinct, totals and facets cached per catalog version): ${statText(stats(warm.times))}`);
  return c;
}

async function generateRows(app: FastifyInstance) {
  const db = app.database.db;
  const zjj = (await app.services.org.departmentByCode('FZ-ZJJ'))!;
  const res = await app.services.resources.create(systemAdminContext('bench'), {
    code: 'ZJJ.BENCH_PERMITS',
    name: '建筑工程施工许可（基准测试）',
    description: '施工许可登记记录：项目所在区、类别、金额、日期',
    providerDepartmentId: zjj.id,
    subjectKind: 'none',
    keyField: 'permitNo',
    fields: [
      { name: 'permitNo', label: '许可编号', type: 'integer', personal: false, sensitive: false },
      { name: 'district', label: '所属区县', type: 'string', personal: false, sensitive: false },
      { name: 'category', label: '工程类别', type: 'string', personal: false, sensitive: false },
      { name: 'amount', label: '合同金额（万元）', type: 'number', personal: false, sensitive: false },
      { name: 'issuedOn', label: '发证日期', type: 'date', personal: false, sensitive: false },
    ],
    sharingClass: 'unconditional',
    openClass: 'unconditional',
    updateFrequency: 'daily',
  });
  const t0 = performance.now();
  // Bulk load into the resource's own partition (created with the resource): detached and without
  // indexes while loading; attaching it builds the partitioned table's indexes (as the migration
  // defines them) on it.
  const part = partitionName(res.id);
  await sql.raw(`ALTER TABLE resource_rows DETACH PARTITION ${part}`).execute(db);
  await sql.raw(`DROP TABLE ${part}`).execute(db);
  await sql.raw(`CREATE TABLE ${part} (LIKE resource_rows INCLUDING DEFAULTS)`).execute(db);
  await sql.raw(`ALTER TABLE ${part} ADD CONSTRAINT ${part}_only CHECK (resource_id = '${res.id}')`).execute(db);
  const CHUNK = 1_000_000;
  for (let s = 0; s < N_ROWS; s += CHUNK) {
    const e = Math.min(N_ROWS, s + CHUNK);
    await sql`INSERT INTO ${sql.id(part)} (resource_id, row_key, region_code, data, updated_at)
      SELECT ${res.id}::uuid, lpad(g::text, 9, '0'), '350100',
        jsonb_build_object('permitNo', g, 'district', (ARRAY[${sql.join(PLACES.map((p) => sql`${p}`))}])[1 + (g::bigint * 7919) % ${PLACES.length}],
          'category', 'C' || lpad(((g::bigint * 104729) % 50)::text, 2, '0'), 'amount', round(((g::bigint * 2654435761) % 1000000) / 100.0, 2),
          'issuedOn', to_char(date '2016-01-01' + (g % 3650), 'YYYY-MM-DD')),
        now()
      FROM generate_series(${s + 1}::int, ${e}::int) g`.execute(db);
    log(`  ${fmt(e, 0)} rows loaded (${fmt((performance.now() - t0) / 1000)} s)`);
  }
  const t1 = performance.now();
  await sql.raw(`ALTER TABLE resource_rows ATTACH PARTITION ${part} FOR VALUES IN ('${res.id}')`).execute(db);
  await sql.raw(`VACUUM ANALYZE ${part}`).execute(db);
  log(`${fmt(N_ROWS, 0)} rows loaded in ${fmt((t1 - t0) / 1000)} s; the store's indexes built on the partition and analysed in ${fmt((performance.now() - t1) / 1000)} s`);
  const pkg = await app.services.opendata.publish(systemAdminContext('bench'), { resourceId: res.id, accessLevel: 'open', licence: 'cc-by-4.0', themes: ['REGI'], name: 'bench-permits', indexFields: ['district', 'category', 'amount', 'issuedOn'] });
  log(`published as ${pkg.name} (row count estimate ${fmt(pkg.row_count ?? 0, 0)})`);
  // What the opendata.row_indexes job does after a publish (the job runner is off here).
  const t2 = performance.now();
  const built = await app.services.resources.buildRowIndexes(res.id);
  log(`indexes on the partition (btree (field, row_key); text: GIN on the field's grams; pair: (a, b, row_key) for two broad fields) ${built.join(', ')} built concurrently and the partition analysed in ${fmt((performance.now() - t2) / 1000)} s (load ${load()})`);
  return { distributionId: pkg.resources.find((x: { format: string }) => x.format === 'API')!.id as string, resourceId: res.id };
}

async function benchDatastore(app: FastifyInstance, cluster: PgCluster, distributionId: string, resourceId: string) {
  const r = rng(11);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const db = app.database.db;
  const base = `/api/3/action/datastore_search?resource_id=${distributionId}&limit=100`;
  const firstFilters = () => {
    const filters: Record<string, string> = { district: pick(PLACES) };
    if (r() < 0.5) filters.category = `C${String(Math.floor(r() * 50)).padStart(2, '0')}`;
    return filters;
  };
  // Walks: a first page, then keyset pages through _links.next (as a harvester does), 10 deep.
  interface Page { filters: Record<string, string>; after: string | null; depth: number; ms: number; url: string }
  const walk = async (n: number) => {
    const pages: Page[] = [];
    let estimated = 0;
    let totalSum = 0;
    while (pages.length < n) {
      const filters = firstFilters();
      let url: string | null = `${base}&filters=${encodeURIComponent(JSON.stringify(filters))}`;
      let after: string | null = null;
      for (let depth = 0; url && depth < 10 && pages.length < n; depth++) {
        const t = performance.now();
        const res: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        const b: any = res.json().result;
        pages.push({ filters, after, depth, ms, url });
        if (b.total_was_estimated) estimated++;
        totalSum += b.total;
        after = b.records.length ? b.records[b.records.length - 1]._id : null;
        url = b.records.length ? b._links.next : null;
      }
    }
    return { pages, estimated, totalSum };
  };
  await walk(100);
  await resetStatements(app);
  const from = logSize(cluster);
  const meter = cpuMeter(cluster);
  const { pages, estimated, totalSum } = await walk(REQUESTS);
  const cpu = meter(pages.length);
  const s = stats(pages.map((p) => p.ms));
  log(`datastore_search on ${fmt(N_ROWS, 0)} rows, filtered (1–2 fields), keyset-paged 100 rows a page (${s.n} pages): ${statText(s)}; totals estimated on ${estimated}/${s.n} pages (mean total ${fmt(totalSum / s.n, 0)}) (target p99 ≤ 50 ms; ${load()})`);
  log(`  ${cpuText(cpu)}`);
  await profile(app, cluster, from, 'datastore_search');
  // Plan shapes: a first page and a keyset page, as the API runs them.
  const ready = await app.services.resources.readyIndexes(db, resourceId);
  const columns = ((await app.services.resources.getRow(db, resourceId))!.fields).map((f) => ({ name: f.name, type: f.type }));
  const firstPage = await app.inject({ method: 'GET', url: `${base}&filters=${encodeURIComponent(JSON.stringify({ district: PLACES[2], category: 'C12' }))}` });
  for (const [label, q] of [
    ['first page, two filters that never occur together', { limit: 100, filters: { district: PLACES[2], category: 'C11' } }],
    ['first page, two filters that occur together', { limit: 100, filters: { district: PLACES[2], category: 'C12' } }],
    ['keyset page', { limit: 100, filters: { district: PLACES[2], category: 'C12' }, cursor: new URL(firstPage.json().result._links.next, 'http://x').searchParams.get('cursor')! }],
    ['q, two characters', { limit: 100, q: '鼓楼' }],
    ['q, one character, with a filter', { limit: 100, q: '沧', filters: { category: 'C07' } }],
  ] as const) {
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${rowPageStatement(resourceId, columns, q, ready.btree, ready.text)}`.execute(db);
    log(`  plan, ${label}: ${plan.rows.map((l) => l['QUERY PLAN'].trim()).filter((l) => !/^Planning:?$/.test(l)).join(' | ').slice(0, 700)}`);
  }
  const firsts = stats(pages.filter((p) => p.depth === 0).map((p) => p.ms));
  const later = stats(pages.filter((p) => p.depth > 0).map((p) => p.ms));
  log(`  first pages (with the estimated total): ${statText(firsts)}; keyset pages: ${statText(later)}`);
  // District d and category c occur together only when d ≡ c (mod 2) (both follow g's parity): the pairs that never do are the planner's worst case.
  const never = (f: Record<string, string>) => !!f.category && PLACES.indexOf(f.district) % 2 !== Number(f.category.slice(1)) % 2;
  for (const [label, keep] of [
    ['one filter', (p: Page) => !p.filters.category],
    ['two filters that occur together', (p: Page) => !!p.filters.category && !never(p.filters)],
    ['two filters that never occur together (empty)', (p: Page) => never(p.filters)],
  ] as const) {
    const f = pages.filter((p) => p.depth === 0 && keep(p));
    if (f.length) log(`  first pages, ${label} (${f.length}): ${statText(stats(f.map((p) => p.ms)))}`);
  }
  // The slowest pages again, now that their rows are in the buffers: cold reads, or the query?
  const slow = [...pages].sort((a, b) => b.ms - a.ms).slice(0, 5);
  for (const p of slow) {
    const t = performance.now();
    await app.inject({ method: 'GET', url: p.url });
    log(`  slow page ${JSON.stringify(p.filters)} depth ${p.depth}: ${fmt(p.ms, 1)} ms, again now ${fmt(performance.now() - t, 1)} ms`);
  }
  // Baseline, same run: each page as one direct SQL statement (the expression index's range scan from the cursor).
  const lit = sql.lit(resourceId);
  const baseTimes: number[] = [];
  for (const p of pages) {
    const w = [sql`resource_id = ${lit}::uuid`, sql`(data->>'district') = ${p.filters.district}`];
    if (p.filters.category) w.push(sql`(data->>'category') = ${p.filters.category}`);
    if (p.after) w.push(sql`row_key > ${p.after}`);
    const t = performance.now();
    await sql`SELECT row_key AS "_id", data FROM resource_rows WHERE ${sql.join(w, sql` AND `)} ORDER BY row_key LIMIT 101`.execute(db);
    baseTimes.push(performance.now() - t);
  }
  const b = stats(baseTimes);
  log(`  baseline (same run): the same pages as one direct SQL statement: ${statText(b)} — the API's p50 is ${fmt(s.p50 / b.p50, 1)}× the page's SQL`);

  // Estimates beside exact counts (the exact count forced by a threshold above the table size).
  const ratios: number[] = [];
  const cases: Record<string, unknown>[] = [{ district: PLACES[0] }, { district: PLACES[5], category: 'C07' }, { category: 'C31' }, { issuedOn: '2020-02-29' }, {}];
  for (const f of cases) {
    const q = `${base.replace('limit=100', 'limit=1')}&filters=${encodeURIComponent(JSON.stringify(f))}`;
    const exactT = performance.now();
    const exact = (await app.inject({ method: 'GET', url: `${q}&total_estimation_threshold=100000000` })).json().result.total as number;
    const exactMs = performance.now() - exactT;
    const estT = performance.now();
    const est = (await app.inject({ method: 'GET', url: `${q}&total_estimation_threshold=0` })).json().result.total as number;
    const estMs = performance.now() - estT;
    const ratio = Math.max(est, 1) / Math.max(exact, 1);
    ratios.push(Math.max(ratio, 1 / ratio));
    log(`  ${JSON.stringify(f)}: estimated total ${fmt(est, 0)} (${fmt(estMs, 1)} ms) vs exact count ${fmt(exact, 0)} (${fmt(exactMs, 0)} ms) — ratio ${fmt(ratio, 3)}`);
  }
  log(`  planner estimates within ×${fmt(Math.max(...ratios), 3)} of the exact counts (worst of ${cases.length})`);
  // What an estimated total costs: one EXPLAIN round trip (planning only), timed directly, 20 times per case.
  const explainTimes: number[] = [];
  for (const f of cases) {
    const stmt = rowPageStatement(resourceId, columns, { limit: 100, filters: f }, ready.btree, ready.text);
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await sql`EXPLAIN (FORMAT JSON) ${stmt}`.execute(db);
      explainTimes.push(performance.now() - t);
    }
  }
  log(`  the estimate's EXPLAIN round trip (${explainTimes.length}, the ${cases.length} filter sets above): ${statText(stats(explainTimes))}`);
  // Sorted by an indexed field, filtered, keyset-paged.
  const sorted: number[] = [];
  for (let w = 0; sorted.length < Math.min(REQUESTS, 300); w++) {
    let url: string | null = `${base}&sort=${encodeURIComponent('amount desc')}&filters=${encodeURIComponent(JSON.stringify({ district: PLACES[w % PLACES.length] }))}`;
    for (let depth = 0; url && depth < 10; depth++) {
      const t = performance.now();
      const res: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url });
      sorted.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      const b: any = res.json().result;
      url = b.records.length ? b._links.next : null;
    }
  }
  log(`datastore_search sorted by amount desc, filtered by district, keyset-paged (${sorted.length} pages): ${statText(stats(sorted))} (${load()})`);
  // Full text (q): one- and two-character Chinese words, alone and with a filter.
  const words = ['鼓楼', '仓山', '马尾', '湖里', '闽', '楼', '沧', '集美'];
  const qTimes: number[] = [];
  let qMatched = 0;
  await resetStatements(app);
  const qFrom = logSize(cluster);
  const qMeter = cpuMeter(cluster);
  for (let i = 0; i < Math.min(REQUESTS, 200); i++) {
    const withFilter = i % 2 === 1;
    const url = `${base}&q=${encodeURIComponent(pick(words))}${withFilter ? `&filters=${encodeURIComponent(JSON.stringify({ category: `C${String(i % 50).padStart(2, '0')}` }))}` : ''}`;
    const t = performance.now();
    const res = await app.inject({ method: 'GET', url });
    qTimes.push(performance.now() - t);
    if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    qMatched += res.json().result.total;
  }
  log(`datastore_search with q (1–2 Chinese characters; alone and with a category filter; ${qTimes.length} first pages, mean total ${fmt(qMatched / qTimes.length, 0)}): ${statText(stats(qTimes))} (${load()})`);
  log(`  ${cpuText(qMeter(qTimes.length))}`);
  await profile(app, cluster, qFrom, 'datastore_search q');
}

async function main() {
  log(`starting a throwaway PostgreSQL cluster (${fmt(N_DATASETS, 0)} datasets, ${fmt(N_ROWS, 0)} rows; ${load()})`);
  const cluster = await startPgCluster({
    fast: true,
    settings: {
      shared_buffers: '2GB', maintenance_work_mem: '1GB', work_mem: '32MB', max_wal_size: '16GB', effective_cache_size: '8GB', random_page_cost: '1.1',
      shared_preload_libraries: 'pg_stat_statements,auto_explain', 'pg_stat_statements.track_planning': 'on',
      'auto_explain.log_min_duration': `${AUTO_EXPLAIN_MS}ms`, 'auto_explain.log_analyze': 'on', 'auto_explain.log_buffers': 'on', 'auto_explain.log_timing': 'off',
    },
  });
  let app: FastifyInstance | null = null;
  try {
    const config = loadConfig({}, {
      DATABASE_URL: cluster.url,
      DATA_DIR: '/tmp/yiwang-bench-opendata',
      DATA_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'http://bench.local',
      JOB_RUNNER: false,
      DEMO_DATA: true,
      WEB_DIST: '/nonexistent',
      OPENDATA_RATE_PER_MINUTE: 1_000_000,
      OPENDATA_ANON_RATE_PER_MINUTE: 1_000_000,
      OVERSIGHT_DEMO_HISTORY: false,
    });
    app = await buildApp(config);
    await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(app.database.db);
    log(`app up with the demo node on PostgreSQL`);
    if (!argv.includes('--no-search')) {
      await generateDatasets(app);
      await benchSearch(app, cluster);
    }
    if (!argv.includes('--no-rows')) {
      const { distributionId, resourceId } = await generateRows(app);
      await benchDatastore(app, cluster, distributionId, resourceId);
    }
  } finally {
    await app?.close();
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
