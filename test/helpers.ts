/**
 * Test helpers: an app on a fresh database of either kind, and small HTTP conveniences for
 * signing in as the demo accounts. Integration tests go through app.inject() (real routing,
 * hooks, validation, serialization) against a real database.
 */
import { afterAll, beforeAll, expect, inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Config } from '../apps/server/src/config';
import { PG_TEMPLATE_DB, SEED_SETTINGS, testConfig } from './test-config';
import { buildApp } from '../apps/server/src/app';
import { DEMO_PERSON_PASSWORD, DEMO_STAFF_PASSWORD } from '../apps/server/src/demo/data';

export type DbKind = 'pglite' | 'postgres';
export const DB_KINDS: DbKind[] = ['pglite', 'postgres'];

/** A fresh, empty database URL: a new database in the test cluster, or in-memory PGlite. */
export async function freshDatabaseUrl(kind: DbKind, opts: { seeded?: boolean } = {}): Promise<string> {
  if (kind === 'pglite') {
    const template = opts.seeded ? inject('pgliteTemplate') : undefined;
    return template ? `memory://?from=${encodeURIComponent(template)}` : 'memory://';
  }
  const admin = inject('pgUrl');
  const name = `yw_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(opts.seeded && inject('pgTemplate') ? `CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB}` : `CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

export { testConfig };

/**
 * An app on a fresh database of the given kind. Unless the overrides change what the demo loader
 * writes, the database is a copy of the run's seeded template (migrated, demo node loaded), so
 * the app starts in a second instead of loading the demo node again.
 */
export async function testApp(kind: DbKind, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const seeded = !SEED_SETTINGS.some((k) => k in overrides);
  return buildApp(testConfig(await freshDatabaseUrl(kind, { seeded }), overrides));
}

/**
 * Two apps on one fresh PostgreSQL database, each with its own pool and caches, as two server
 * processes (SERVER_PROCESSES) have. Seeded like `testApp` unless told not to.
 */
export async function twoProcesses(overrides: Partial<Config> = {}, opts: { seeded?: boolean } = {}): Promise<[FastifyInstance, FastifyInstance]> {
  const url = await freshDatabaseUrl('postgres', { seeded: opts.seeded ?? true });
  const config = testConfig(url, { DATABASE_POOL_SIZE: 4, ...overrides });
  return [await buildApp(config), await buildApp(config)];
}

/**
 * `twoProcesses` for a describe block: started before its tests, closed after them. The apps are
 * read when a test runs (`const { a, b } = two;`), not when the block is defined.
 */
export function useTwoProcesses(overrides: Partial<Config> = {}, opts: { seeded?: boolean } = {}): { readonly a: FastifyInstance; readonly b: FastifyInstance } {
  let apps: FastifyInstance[] = [];
  beforeAll(async () => {
    apps = await twoProcesses(overrides, opts);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  return {
    get a() {
      return apps[0]!;
    },
    get b() {
      return apps[1]!;
    },
  };
}

/** A signed-in client: the session cookie and CSRF token sent on every request. */
export interface Client {
  cookie: string;
  csrf: string;
  me: Record<string, any>;
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

function clientOf(app: FastifyInstance, cookie: string, csrf: string, me: Record<string, any>): Client {
  return {
    cookie,
    csrf,
    me,
    req: (method, url, body, headers = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { cookie, 'x-csrf-token': csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      }),
  };
}

export async function staffLogin(app: FastifyInstance, username: string, password = DEMO_STAFF_PASSWORD): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`staff login ${username}: ${res.statusCode} ${res.body}`);
  const cookie = cookieFrom(res);
  return clientOf(app, cookie, res.json().csrfToken, res.json());
}

export function cookieFrom(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'yw_session');
  if (!c) throw new Error('no session cookie');
  return `yw_session=${c.value}`;
}

/**
 * Signs a person in the way a browser does: the relying party's redirect to the provider, the
 * provider's form post, the redirect back with the code, the callback that opens the session.
 */
export async function personLogin(
  app: FastifyInstance,
  idNumber: string,
  opts: { password?: string; type?: 'person' | 'enterprise'; uscc?: string } = {},
): Promise<Client> {
  const start = await app.inject({ method: 'GET', url: `/api/auth/oidc/login?type=${opts.type ?? 'person'}&returnTo=/portal` });
  if (start.statusCode !== 302) throw new Error(`oidc start: ${start.statusCode} ${start.body}`);
  const authorize = new URL(start.headers.location as string);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('id_number', idNumber);
  form.set('password', opts.password ?? DEMO_PERSON_PASSWORD);
  if (opts.uscc) form.set('uscc', opts.uscc);
  const posted = await app.inject({ method: 'POST', url: '/idp/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
  if (posted.statusCode !== 303) throw new Error(`idp authorize: ${posted.statusCode} ${posted.body.slice(0, 500)}`);
  const back = new URL(posted.headers.location as string);
  const cb = await app.inject({ method: 'GET', url: back.pathname + back.search });
  if (cb.statusCode !== 302) throw new Error(`oidc callback: ${cb.statusCode} ${cb.body}`);
  const cookie = cookieFrom(cb);
  const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
  return clientOf(app, cookie, me.json().csrfToken, me.json());
}

/** Request budgets (rate_windows) count every request, a refused one too: they are not data a request "changes". */
const NOT_DATA = ['rate_windows'];

/** Row counts of every table, to prove that a refused request changed nothing. */
export async function tableCounts(app: FastifyInstance, except: string[] = []): Promise<Record<string, number>> {
  const { sql } = await import('kysely');
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(app.database.db);
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    if (except.includes(table_name) || NOT_DATA.includes(table_name)) continue;
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)}`.execute(app.database.db);
    out[table_name] = r.rows[0].n;
  }
  return out;
}

/** Asserts an RFC 9457 problem: status, stable code, a Chinese and an English message, the field. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string, field?: string): Record<string, any> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.message.zh).toMatch(/[\u4e00-\u9fff]/);
  expect(body.message.en).toMatch(/[a-z]/i);
  if (field) expect(body.field).toBe(field);
  return body;
}
