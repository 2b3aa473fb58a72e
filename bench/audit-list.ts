/**
 * The audit log's list (GET /api/audit) at scale: plans and times of each kind of query on a
 * generated log, so that an index or an order changed is checked where it matters.
 *
 *   npx tsx bench/audit-list.ts [--n 2000000]
 *
 * A throwaway PostgreSQL cluster (fsync off) is migrated and gets N entries over a year (time rising
 * with the id, as recording does; ten actions of which two `exchange.*`, 5,000 actors and machine
 * clients, five regions, entities), then VACUUM ANALYZE. Each query is the module's own
 * (`auditQuery`), run once to warm up and then under EXPLAIN (ANALYZE, BUFFERS): printed are its
 * execution time, the shared buffers it touched and its plan's first scan. Goal: every page under
 * 10 ms whatever the range (a page is 50 entries).
 */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { startPgCluster } from '../test/pg-cluster';
import { migrateToLatest } from '../apps/server/src/db/migrate';
import { auditQuery, type AuditQuery } from '../apps/server/src/modules/audit/audit.repository';

const i = process.argv.indexOf('--n');
const N = i > 0 ? Number(process.argv[i + 1]) : 2_000_000;
const uuidOf = (n: number) => createHash('md5').update(String(n)).digest('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');

async function main() {
  const cluster = await startPgCluster({ fast: true });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster.url, max: 2 }) }) });
  try {
    await migrateToLatest(db);
    const t0 = Date.now();
    await sql`INSERT INTO audit_log (at, action, actor_id, actor_kind, actor_department_id, actor_region_code, entity_type, entity_id, detail)
      SELECT timestamptz '2025-11-25' + g * interval '1 second' * (365 * 86400.0 / ${N}),
        (ARRAY['application.transition','application.transition','application.transition','application.submit','exchange.call','exchange.grant.create','catalog.item.publish','identity.login.ok','identity.login.ok','notification.read'])[1 + g % 10],
        CASE WHEN g % 3 = 0 THEN NULL ELSE md5((g % 5000)::text)::uuid END,
        CASE WHEN g % 3 = 0 THEN 'machine' ELSE 'staff' END,
        md5('d' || (g % 40)::text)::uuid,
        (ARRAY['350102','350103','350104','350105','350100'])[1 + g % 5],
        (ARRAY['application','application','application','grant','item'])[1 + g % 5],
        md5((g / 7)::text), '{}'::jsonb
      FROM generate_series(1, ${N}) g`.execute(db);
    await sql`VACUUM ANALYZE audit_log`.execute(db);
    console.log(`audit log list on PostgreSQL: ${N.toLocaleString('en')} entries over a year, generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const t1 = Date.now();
    await sql`REINDEX INDEX audit_log_at_id`.execute(db);
    console.log(`building the index (at, id) on them (what migration 2026-12-01T1010 does on an existing log): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    const maxId = Number((await sql<{ m: string }>`SELECT max(id)::text AS m FROM audit_log`.execute(db)).rows[0].m);
    const day = (d: string) => new Date(`${d}T00:00:00+08:00`);
    const cases: [string, Omit<AuditQuery, 'limit'>][] = [
      ['newest page', {}],
      ['newest page, page 20 (cursor)', { before: maxId - 19 * 50 }],
      ['a recent day', { from: day('2026-11-20'), to: day('2026-11-21') }],
      ['a day ten months back', { from: day('2026-01-10'), to: day('2026-01-11') }],
      ['that day, a later page (cursor)', { from: day('2026-01-10'), to: day('2026-01-11'), before: Math.floor(maxId * 0.13) }],
      ['an hour ten months back', { from: new Date('2026-03-10T10:00:00Z'), to: new Date('2026-03-10T11:00:00Z') }],
      ['a month ten months back', { from: day('2026-02-01'), to: day('2026-03-01') }],
      ['since a recent day', { from: day('2026-11-01') }],
      ['until a year back', { to: day('2026-01-01') }],
      ['an actor', { actorId: uuidOf(1234) }],
      ['an actor, two days ten months back', { actorId: uuidOf(1234), from: day('2026-01-10'), to: day('2026-01-12') }],
      ['an entity', { entityType: 'application', entityId: createHash('md5').update('1').digest('hex') }],
      ['an action prefix (exchange.)', { actionPrefix: 'exchange.' }],
      ['an action prefix, a day ten months back', { actionPrefix: 'exchange.', from: day('2026-01-10'), to: day('2026-01-11') }],
      ['a data administrator (prefixes, region)', { scopePrefixes: ['exchange.', 'opendata.', 'resources.'], regionPattern: '3501%' }],
      ['a supervisor, a month ten months back', { regionPattern: '350102%', from: day('2026-02-01'), to: day('2026-03-01') }],
      ['a department, a day ten months back', { departmentId: uuidOf(7), from: day('2026-01-10'), to: day('2026-01-11') }],
      ['an action nobody did', { action: 'notification.unknown' }],
    ];
    console.log('query (50 entries a page)                    ms      buffers  first scan');
    for (const [name, q] of cases) {
      const c = auditQuery(db as never, { ...q, limit: 50 }).compile();
      await db.executeQuery(c);
      const plan = (await db.executeQuery<{ 'QUERY PLAN': string }>({ ...c, sql: `EXPLAIN (ANALYZE, BUFFERS) ${c.sql}` } as never)).rows.map((r) => r['QUERY PLAN']);
      const ms = /Execution Time: ([\d.]+)/.exec(plan.find((l) => l.startsWith('Execution Time'))!)![1];
      const buffers = /shared hit=(\d+)(?: read=(\d+))?/.exec(plan.find((l) => l.includes('Buffers: shared')) ?? '');
      const scan = plan.find((l) => /Scan/.test(l))?.trim().replace(/\s+\(cost.*$/, '').replace(/^->\s*/, '') ?? '';
      console.log(`${name.padEnd(44)} ${ms.padStart(8)} ${String(Number(buffers?.[1] ?? 0) + Number(buffers?.[2] ?? 0)).padStart(8)}  ${scan}`);
    }
  } finally {
    await db.destroy();
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
