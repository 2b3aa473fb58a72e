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
import { lazyRequestLogger } from './plugins/request-logger';
import errorsPlugin, { problem } from './plugins/errors';
import { installValidation } from './plugins/validation';
import { fieldCrypto } from './shared/crypto';
import { rateLimitStore } from './plugins/rate-limit-store';
import { RateWindows } from './shared/rate-windows';
import { maskPersonalDataInText } from './shared/masking';
import { MaterialSources } from './shared/material-sources';
import { auditRoutes } from './modules/audit';
import { healthRoutes } from './modules/health';
import { authenticate, createIdentity, identityRoutes, type IdentityService } from './modules/identity';
import type { Fetch } from './modules/identity/oidc-client';
import { idpRoutes } from './modules/idp';
import { JobRunner } from './modules/jobs';
import { CalendarSync, OrgService, calendarRoutes, orgRoutes } from './modules/org';
import { createPayments, paymentsRoutes, type PaySimulator, type PaymentsService } from './modules/payments';
import { TransparencyLog, transparencyRoutes } from './modules/transparency';
import { LicenceService, licencesRoutes } from './modules/licences';
import { createNotifications, notificationRoutes, type NotificationService } from './modules/notifications';
import { createFiles, fileRoutes, type FileService } from './modules/files';
import { catalogPlugin, createCatalog, type CatalogService } from './modules/catalog';
import { catalogReader, createApplications, type ApplicationsModule } from './modules/applications';
import { createReviews, type ReviewsModule } from './modules/reviews';
import { createInteraction, type InteractionModule } from './modules/interaction';
import { createOversight, oversightPlugin, type OversightService } from './modules/oversight';
import { ResourcesService, resourcesRoutes } from './modules/resources';
import { ExchangeService, exchangeRoutes, sharedDataSource } from './modules/exchange';
import { licenceUsesOf } from './modules/licences';
import { ckanPlugin, createOpenData, openDataPlugin, type OpenDataService } from './modules/opendata';
import { demoRoutes, seedDemo } from './demo/seed';

export interface Services {
  org: OrgService;
  identity: IdentityService;
  /** Durable jobs, timers and outbox events; modules register their handlers on it. */
  jobs: JobRunner;
  /** Unified payment; other modules call `createOrder(trx, ctx, …)` and handle the `payment.paid` outbox event. */
  payments: PaymentsService;
  /** The built-in simulated payment provider (null when a real provider is configured); tests steer it. */
  paySimulator: PaySimulator | null;
  /** The transparency log; other modules append with `appendToLog(trx, entry)`. */
  transparency: TransparencyLog;
  /** Issuers' signing keys and status lists (the SD-JWT VC primitives are the module's exports). */
  licences: LicenceService;
  /** Inbox, templates, SMS/e-mail delivery; other modules call `notify(trx, …)` from the module's index. */
  notifications: NotificationService;
  /** Materials storage; `files.policy.allowRead(rule)` is how other modules grant reading. */
  files: FileService;
  /** The service catalog; `getPublishedVersion(itemId, version)` for applications bound to a version. */
  catalog: CatalogService;
  /** Applications (办件) and the approval engine; `subscribe(type, fn)` for its outbox events, `useClock` in tests. */
  applications: ApplicationsModule;
  /** Oversight (一网统管): measures, dashboards, alerts and work orders, evaluation index. */
  oversight: OversightService;
  /** The data resource catalog (政务信息资源目录) and the providers' rows; the open data portal reads rows through it. */
  resources: ResourcesService;
  /** The data sharing exchange: grants, calls, receipts, 我的数据使用记录; registers the `shared_data` material source. */
  exchange: ExchangeService;
  /** Open data portal (数据开放): datasets, CKAN API, DCAT-AP; `openDataUsage(db, …)` is the module's export for oversight. */
  opendata: OpenDataService;
  /** Where 免提交 materials come from: licences register `elicence`, the exchange `shared_data`; applications asks. */
  materialSources: MaterialSources;
  /** Reviews (好差评) and rectification; `reviewStats(db, filter)` is the module's export for oversight. */
  reviews: ReviewsModule;
  /** Public interaction (12345, knowledge base, Open311); `inquiryRates(db, filter)` for oversight. */
  interaction: InteractionModule;
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
  const database = opts.database ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE, preparedStatements: config.DATABASE_PREPARED_STATEMENTS }));
  const ownsDatabase = opts.ownsDatabase ?? !opts.database;
  await migrateToLatest(database.db);

  const app = Fastify({
    logger: loggerOptions(config),
    bodyLimit: config.BODY_LIMIT,
    // Modules open stores and load keys while registering; on a loaded 2-core machine that can take
    // longer than Fastify's 10 s default, and a slow start is better than a failed one.
    pluginTimeout: 120_000,
    // The cast only picks Fastify's plain-HTTP overload; a hop count or an address list is valid there too.
    trustProxy: parseTrustProxy(config.TRUST_PROXY) as boolean,
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    childLoggerFactory: lazyRequestLogger,
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
  // Route limits counted in the database: one budget for all server processes (plugins/rate-limit-store.ts).
  await app.register(import('@fastify/rate-limit'), { global: false, store: rateLimitStore(new RateWindows(database.db)) });
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
  // The years entered by an administrator, now and whenever another process enters one.
  const calendarSync = new CalendarSync({ db, listen: database.listen, log: app.log, checkSeconds: config.CALENDAR_CHECK_SECONDS });
  await calendarSync.start();
  app.addHook('preClose', async () => calendarSync.stop());

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
  // Signed-in sessions are cached briefly per process; other processes' changes arrive by NOTIFY.
  await identity.followSessions(database.listen);
  const transparency = new TransparencyLog({ db, crypto: crypto_, intervalMs: config.TLOG_SEQUENCER_MS, onError: (err) => app.log.error({ err }, 'transparency log sequencer failed') });
  await transparency.init();
  const notifications = createNotifications({ db, config, contacts: identity, jobs, log: app.log });
  // Templates are kept per process; other processes' edits arrive by NOTIFY.
  await notifications.followTemplates(database.listen);
  const files = await createFiles({ db, config, jobs, log: app.log });
  const catalog = createCatalog({ db, org, nodeName: `${org.region(config.NODE_REGION)?.name ?? config.NODE_REGION}一网通办` });
  const payments = createPayments({ db, config, jobs, org, log: app.log, inProcess });
  const licences = new LicenceService(db, crypto_, org, config.PUBLIC_URL, { statusTtlSeconds: config.LICENCE_STATUS_TTL_SECONDS, presentationTtlSeconds: config.LICENCE_PRESENTATION_TTL_SECONDS, nodeRegion: config.NODE_REGION, identity, listen: database.listen });
  const materialSources = new MaterialSources();
  const applications = createApplications({ db, config, org, catalog: catalogReader(catalog), crypto: crypto_, jobs, log: app.log, payments: payments.service, notifications, files, materialSources, people: identity, listen: database.listen });
  // E-licences: 授权用证 / 免提交 materials, and issuance when an item resulting in a licence is approved.
  materialSources.register(licences.materialSource());
  licences.issueOnApproval(applications);
  const reviews = createReviews({ db, config, org, jobs, applications, catalog, files, log: app.log });
  const interaction = createInteraction({ db, org, crypto: crypto_, jobs, applications, catalog, files, contacts: identity, listen: database.listen });
  const oversight = createOversight({ db, org, jobs, nodeRegion: config.NODE_REGION, refreshSeconds: config.OVERSIGHT_REFRESH_SECONDS, demoHistory: config.OVERSIGHT_DEMO_HISTORY ?? !process.env.VITEST, log: app.log });
  const resources = new ResourcesService(db, org, crypto_, { dbKind: database.kind });
  const exchange = new ExchangeService({ db, org, resources, crypto: crypto_, transparency, publicUrl: config.PUBLIC_URL, licenceUsesOf, identity });
  await exchange.init();
  materialSources.register(sharedDataSource(exchange));
  const opendata = createOpenData({ db, org, jobs, log: app.log, config, resources });
  app.decorate('services', { org, identity, jobs, transparency, licences, notifications, files, catalog, payments: payments.service, paySimulator: payments.simulator, applications, materialSources, resources, exchange, reviews, interaction, oversight, opendata });

  await app.register(authenticate, { identity });
  await app.register(auditPlugin, { strict: config.STRICT_AUDIT });

  await app.register(healthRoutes(db));
  await app.register(
    async (api) => {
      await api.register(calendarRoutes(db, calendarSync));
      await api.register(orgRoutes(org, `${org.region(config.NODE_REGION)?.name ?? config.NODE_REGION}一网通办`));
      await api.register(identityRoutes(identity, config));
      await api.register(auditRoutes(db));
      await api.register(paymentsRoutes(payments.service));
      await api.register(transparencyRoutes(transparency));
      await api.register(licencesRoutes(licences));
      await api.register(notificationRoutes(notifications));
      await api.register(fileRoutes(files));
      await api.register(catalogPlugin(catalog));
      await api.register(applications.routes());
      await api.register(resourcesRoutes(resources));
      await api.register(exchangeRoutes(exchange));
      await api.register(openDataPlugin(opendata));
      await api.register(reviews.routes());
      await api.register(interaction.routes());
      await api.register(oversightPlugin(oversight, { schedule: config.JOB_RUNNER }));
      if (config.DEMO_DATA) await api.register(demoRoutes());
    },
    { prefix: '/api' },
  );
  // The CKAN Action API at the paths CKAN clients hard-code (CKAN envelope errors, see modules/opendata).
  await app.register(ckanPlugin(opendata));
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
  // The built-in simulated payment provider, unless a real one is configured (an external system, like /idp).
  if (payments.simulator) await app.register(payments.simulator.routes(), { prefix: '/pay-sim' });

  // The web app: static files, and index.html for the client-side routes.
  const webRoot = resolve(config.WEB_DIST);
  const indexHtml = existsSync(join(webRoot, 'index.html')) ? readFileSync(join(webRoot, 'index.html')) : null;
  if (indexHtml) {
    await app.register(publicRoutes(async (web) => web.register(import('@fastify/static'), { root: webRoot, wildcard: false, index: false, maxAge: '1h', immutable: true })));
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const isApi = /^\/(api|idp|pay-sim|docs|healthz|readyz)(\/|$)/.test(path);
    if (indexHtml && req.method === 'GET' && !isApi && !/\.[a-z0-9]+$/i.test(path)) {
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
    }
    const body = problem(404, 'ROUTE_NOT_FOUND', '接口不存在', `No route ${req.method} ${path}`);
    return reply.status(404).type('application/problem+json; charset=utf-8').send({ ...body, instance: path, requestId: req.id });
  });

  if (config.DEMO_DATA) await seedDemo(app);
  // The sequencer stops before the database closes (preClose runs before any onClose hook).
  transparency.start();
  app.addHook('preClose', async () => transparency.stop());
  app.addHook('preClose', async () => applications.tasks.signals?.close());
  app.addHook('preClose', async () => exchange.recorder.drain());
  return app;
}
