/**
 * buildApp(config): infrastructure plugins first (errors, validation, context, cookies, rate
 * limits, authentication, strict audit, OpenAPI), then each module under its prefix, then the
 * web app. Everything a module needs is passed in; nothing is global.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHmac } from 'node:crypto';
import type { Config } from './config';
import { openDatabase, type DatabaseHandle } from './db/database';
import { migrateToLatest } from './db/migrate';
import auditPlugin from './plugins/audit';
import contextPlugin from './plugins/context';
import errorsPlugin, { problem } from './plugins/errors';
import { installValidation } from './plugins/validation';
import { fieldCrypto } from './shared/crypto';
import { maskPersonalDataInText } from './shared/masking';
import { auditRoutes } from './modules/audit';
import { healthRoutes } from './modules/health';
import { authenticate, createIdentity, identityRoutes, type IdentityService } from './modules/identity';
import type { Fetch } from './modules/identity/oidc-client';
import { idpRoutes } from './modules/idp';
import { JobRunner } from './modules/jobs';
import { OrgService, calendarRoutes, loadCalendarYears, orgRoutes } from './modules/org';
import { demoRoutes, seedDemo } from './demo/seed';

export interface Services {
  org: OrgService;
  identity: IdentityService;
  /** Durable jobs, timers and outbox events; modules register their handlers on it. */
  jobs: JobRunner;
}

export interface RouteInfo {
  method: string;
  url: string;
  access: unknown;
  audit?: 'none';
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    database: DatabaseHandle;
    /** Every route with its declared access rule (for the access-matrix test and docs). */
    routeTable: RouteInfo[];
  }
}

export interface BuildOptions {
  /** An already open database (tests share one per file); otherwise opened from the config. */
  database?: DatabaseHandle;
  /** Close the database when the app closes (default: when the app opened it). */
  ownsDatabase?: boolean;
}

function parseTrustProxy(v: string): boolean | number | string[] {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Wraps third-party plugins whose routes (documentation, static files) anyone may read. */
function publicRoutes(register: (scope: FastifyInstance) => Promise<unknown>) {
  return async function publicScope(scope: FastifyInstance) {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: 'public' } as typeof route.config;
    });
    await register(scope);
  };
}

function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  if (config.LOG_LEVEL === 'silent') return false;
  return {
    level: config.LOG_LEVEL,
    // Personal data never reaches the logs: credentials are removed, ID and mobile numbers masked.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', '*.password', '*.client_secret', '*.totp'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req) => ({ method: req.method, url: maskPersonalDataInText(req.url), remoteAddress: req.ip, requestId: req.id }),
    },
  };
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const database = opts.database ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE }));
  const ownsDatabase = opts.ownsDatabase ?? !opts.database;
  await migrateToLatest(database.db);

  const app = Fastify({
    logger: loggerOptions(config),
    bodyLimit: config.BODY_LIMIT,
    // The cast only picks Fastify's plain-HTTP overload; a hop count or an address list is valid there too.
    trustProxy: parseTrustProxy(config.TRUST_PROXY) as boolean,
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.decorate('database', database);
  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // Read the config when asked: later onRoute hooks (docs, static files) still set it.
      if (method !== 'HEAD')
        routeTable.push({
          method,
          url: route.url,
          get access() {
            return route.config?.access;
          },
          get audit() {
            return route.config?.audit;
          },
        });
    }
  });
  const jobs = new JobRunner(database.db, app.log);
  // Stop claiming jobs (those in hand finish) before the database closes.
  app.addHook('onClose', async () => {
    await jobs.stop();
    if (ownsDatabase) await database.close();
  });
  if (config.JOB_RUNNER) app.addHook('onReady', async () => jobs.start());

  installValidation(app);
  // A JSON API: plain text bodies are refused (415) rather than handed to a handler as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(errorsPlugin);
  await app.register(contextPlugin);
  await app.register(import('@fastify/cookie'));
  await app.register(import('@fastify/rate-limit'), { global: false });
  await app.register(import('@fastify/swagger'), {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Yiwang 一网 API',
        version: '0.1.0',
        description: 'Integrated online government services and data sharing. Errors are application/problem+json with a stable code and messages in Chinese and English.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'yw_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(publicRoutes(async (docs) => docs.register(import('@fastify/swagger-ui'), { routePrefix: '/docs' })));

  const crypto_ = fieldCrypto(config.DATA_SECRET);
  const db = database.db;
  const org = new OrgService(db, config.NODE_REGION);
  const calendarYears = await loadCalendarYears(db);
  if (calendarYears.length) app.log.info({ calendarYears }, 'working-day calendar extended from the database');

  // The built-in simulated identity provider unless a real one is configured. It is reached
  // in-process, so it works whatever address the node is reached at.
  const builtinIdp = !config.OIDC_ISSUER;
  const issuer = config.OIDC_ISSUER ?? `${config.PUBLIC_URL}/idp`;
  const clientSecret = config.OIDC_CLIENT_SECRET ?? (builtinIdp ? createHmac('sha256', config.DATA_SECRET).update('idp-client').digest('base64url') : undefined);
  const inProcess: Fetch = async (url, init) => {
    const u = new URL(url);
    const res = await app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: u.pathname + u.search,
      headers: init?.headers,
      payload: init?.body,
    });
    return new Response(new Uint8Array(res.rawPayload), { status: res.statusCode, headers: res.headers as Record<string, string> });
  };
  const identity = createIdentity({
    db,
    config,
    crypto: crypto_,
    org,
    oidc: { issuer, clientId: config.OIDC_CLIENT_ID, clientSecret, fetch: builtinIdp ? inProcess : (url, init) => fetch(url, init) },
  });
  app.decorate('services', { org, identity, jobs });

  await app.register(authenticate, { identity });
  await app.register(auditPlugin, { strict: config.STRICT_AUDIT });

  await app.register(healthRoutes(db));
  await app.register(
    async (api) => {
      await api.register(calendarRoutes(db));
      await api.register(orgRoutes(org, `${org.region(config.NODE_REGION)?.name ?? config.NODE_REGION}一网通办`));
      await api.register(identityRoutes(identity, config));
      await api.register(auditRoutes(db));
      if (config.DEMO_DATA) await api.register(demoRoutes());
    },
    { prefix: '/api' },
  );
  if (builtinIdp) {
    await app.register(
      idpRoutes({
        db,
        issuer,
        clients: [{ clientId: config.OIDC_CLIENT_ID, clientSecret, redirectUris: [`${config.PUBLIC_URL}/api/auth/oidc/callback`] }],
        maxFailures: config.LOGIN_MAX_FAILURES,
        lockMinutes: config.LOGIN_LOCK_MINUTES,
        loginRatePerMinute: config.LOGIN_RATE_PER_MINUTE,
      }),
      { prefix: '/idp' },
    );
  }

  // The web app: static files, and index.html for the client-side routes.
  const webRoot = resolve(config.WEB_DIST);
  const indexHtml = existsSync(join(webRoot, 'index.html')) ? readFileSync(join(webRoot, 'index.html')) : null;
  if (indexHtml) {
    await app.register(publicRoutes(async (web) => web.register(import('@fastify/static'), { root: webRoot, wildcard: false, index: false, maxAge: '1h', immutable: true })));
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const isApi = /^\/(api|idp|docs|healthz|readyz)(\/|$)/.test(path);
    if (indexHtml && req.method === 'GET' && !isApi && !/\.[a-z0-9]+$/i.test(path)) {
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
    }
    const body = problem(404, 'ROUTE_NOT_FOUND', '接口不存在', `No route ${req.method} ${path}`);
    return reply.status(404).type('application/problem+json; charset=utf-8').send({ ...body, instance: path, requestId: req.id });
  });

  if (config.DEMO_DATA) await seedDemo(app);
  return app;
}
