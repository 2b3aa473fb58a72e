/**
 * Open data benchmark on PostgreSQL (a throwaway cluster), through the app's HTTP handling
 * (Fastify routing, validation, serialization; app.inject, no sockets):
 *
 *   npx tsx bench/opendata.ts                         # 100,000 datasets, 10,000,000 provider rows
 *   npx tsx bench/opendata.ts --datasets 20000 --rows 200000   # a quick run
 *   options: --requests N (per phase, default 1000)
 *
 * 1. package_search over N datasets (generated: the demo departments, themes, tags, formats; the
 *    same bigram terms a publish writes): words, words + fq, fq only, facets on organization,
 *    groups, res_format and tags, paging. Target p99 ≤ 50 ms.
 * 2. datastore_search on one published resource of M rows in resource_rows (the resources
 *    module's store; rows bulk-loaded with generate_series, its indexes rebuilt as the migration
 *    defines them): an equality filter (one or two fields) and keyset paging through _links.next,
 *    with the total estimated by the planner. Target p99 ≤ 50 ms.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../apps/server/src/app';
import { loadConfig } from '../apps/server/src/config';
import { systemAdminContext } from '../apps/server/src/shared/actor';
import { searchTerms } from '../apps/server/src/modules/opendata/opendata.text';
import { startPgCluster } from '../test/pg-cluster';
import { partitionName } from '../apps/server/src/modules/resources';
import { loadavg } from 'node:os';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const N_DATASETS = opt('datasets', 100_000);
const N_ROWS = opt('rows', 10_000_000);
const REQUESTS = opt('requests', 1000);

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
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

async function timed(app: FastifyInstance, urls: string[], check: (body: any) => void) {
  const times: number[] = [];
  for (const url of urls) {
    const t = performance.now();
    const res = await app.inject({ method: 'GET', url });
    times.push(performance.now() - t);
    if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    check(res.json());
  }
  return { p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: Math.max(...times), n: times.length };
}

async function benchSearch(app: FastifyInstance) {
  const r = rng(7);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const orgs = (await app.inject({ method: 'GET', url: '/api/3/action/organization_list' })).json().result as string[];
  const facets = encodeURIComponent(JSON.stringify(['organization', 'groups', 'res_format', 'tags']));
  const make = (): string => {
    const kind = r();
    const q = kind < 0.35 ? pick(TOPICS) : kind < 0.55 ? `${pick(PLACES)}${pick(TOPICS).slice(0, 2)}` : kind < 0.75 ? pick(TOPICS).slice(0, 2) : '';
    const fq = r() < 0.5 ? `organization:${pick(orgs)}` : r() < 0.5 ? `groups:${pick(THEMES).toLowerCase()} res_format:CSV` : '';
    const p = new URLSearchParams({ rows: String(pick([10, 20, 50])), start: String(pick([0, 0, 0, 20, 100])) });
    if (q) p.set('q', q);
    if (fq) p.set('fq', fq);
    return `/api/3/action/package_search?${p.toString()}&facet.field=${facets}`;
  };
  // Warm the cache as a running portal would be.
  await timed(app, Array.from({ length: 200 }, make), () => undefined);
  const urls = Array.from({ length: REQUESTS }, make);
  let matched = 0;
  const s = await timed(app, urls, (b) => {
    if (!b.success) throw new Error('search failed');
    matched += b.result.count;
  });
  log(`package_search over ${fmt(N_DATASETS, 0)} datasets (${s.n} requests, facets on 4 fields, mean ${fmt(matched / s.n, 0)} matches): p50 ${fmt(s.p50, 2)} ms, p95 ${fmt(s.p95, 2)} ms, p99 ${fmt(s.p99, 2)} ms, max ${fmt(s.max, 2)} ms (target p99 ≤ 50 ms; load ${load()})`);
  return s;
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
      { name: 'permitNo', label: '许可编号', type: 'string', personal: false, sensitive: false },
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
        jsonb_build_object('permitNo', lpad(g::text, 9, '0'), 'district', (ARRAY[${sql.join(PLACES.map((p) => sql`${p}`))}])[1 + (g::bigint * 7919) % ${PLACES.length}],
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
  log(`expression indexes (field, row_key) on ${built.join(', ')} built concurrently and the partition analysed in ${fmt((performance.now() - t2) / 1000)} s (load ${load()})`);
  return pkg.resources.find((x: { format: string }) => x.format === 'API')!.id as string;
}

async function benchDatastore(app: FastifyInstance, resourceId: string) {
  const r = rng(11);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const firstPages = (): string => {
    const filters: Record<string, string> = { district: pick(PLACES) };
    if (r() < 0.5) filters.category = `C${String(Math.floor(r() * 50)).padStart(2, '0')}`;
    return `/api/3/action/datastore_search?resource_id=${resourceId}&limit=100&filters=${encodeURIComponent(JSON.stringify(filters))}`;
  };
  // Walk: a first page, then keyset pages through _links.next (as a harvester does).
  const times: number[] = [];
  let estimated = 0;
  let totalSum = 0;
  let pages = 0;
  const walk = async (n: number, record: boolean) => {
    while (pages < n) {
      let url: string | null = firstPages();
      for (let depth = 0; url && depth < 10 && pages < n; depth++) {
        const t = performance.now();
        const res: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        const b: any = res.json().result;
        if (record) {
          times.push(ms);
          pages++;
          if (b.total_was_estimated) estimated++;
          totalSum += b.total;
        } else pages++;
        url = b.records.length ? b._links.next : null;
      }
    }
  };
  await walk(100, false);
  pages = 0;
  await walk(REQUESTS, true);
  log(`datastore_search on ${fmt(N_ROWS, 0)} rows, filtered (1–2 fields), keyset-paged 100 rows a page (${times.length} pages): p50 ${fmt(pct(times, 50), 2)} ms, p95 ${fmt(pct(times, 95), 2)} ms, p99 ${fmt(pct(times, 99), 2)} ms, max ${fmt(Math.max(...times), 2)} ms; totals estimated on ${estimated}/${times.length} pages (mean total ${fmt(totalSum / times.length, 0)}) (target p99 ≤ 50 ms; load ${load()})`);
  // Estimates beside exact counts (the exact count forced by a threshold above the table size).
  const ratios: number[] = [];
  const cases: Record<string, unknown>[] = [{ district: PLACES[0] }, { district: PLACES[5], category: 'C07' }, { category: 'C31' }, { issuedOn: '2020-02-29' }, {}];
  for (const f of cases) {
    const q = `/api/3/action/datastore_search?resource_id=${resourceId}&limit=1&filters=${encodeURIComponent(JSON.stringify(f))}`;
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
  // Sorted by an indexed field, filtered, keyset-paged.
  const sorted: number[] = [];
  for (let w = 0; sorted.length < Math.min(REQUESTS, 300); w++) {
    let url: string | null = `/api/3/action/datastore_search?resource_id=${resourceId}&limit=100&sort=${encodeURIComponent('amount desc')}&filters=${encodeURIComponent(JSON.stringify({ district: PLACES[w % PLACES.length] }))}`;
    for (let depth = 0; url && depth < 10; depth++) {
      const t = performance.now();
      const res: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url });
      sorted.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      const b: any = res.json().result;
      url = b.records.length ? b._links.next : null;
    }
  }
  log(`datastore_search sorted by amount desc, filtered by district, keyset-paged (${sorted.length} pages): p50 ${fmt(pct(sorted, 50), 2)} ms, p95 ${fmt(pct(sorted, 95), 2)} ms, p99 ${fmt(pct(sorted, 99), 2)} ms (load ${load()})`);
}

async function main() {
  log(`starting a throwaway PostgreSQL cluster`);
  const cluster = await startPgCluster({ fast: true, settings: { shared_buffers: '2GB', maintenance_work_mem: '1GB', work_mem: '32MB', max_wal_size: '16GB', effective_cache_size: '8GB', random_page_cost: '1.1' } });
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
    log(`app up with the demo node on PostgreSQL`);
    await generateDatasets(app);
    await benchSearch(app);
    const rid = await generateRows(app);
    await benchDatastore(app, rid);
  } finally {
    await app?.close();
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
