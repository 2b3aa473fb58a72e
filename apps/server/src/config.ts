/**
 * The one typed configuration of a Yiwang node, read from the environment once at boot.
 * Every variable is documented here and in docs/operations.md; every default is safe for the
 * demo (embedded database under ./data, loopback only).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ConfigSchema = Type.Object({
  /** TCP port of the HTTP server. */
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  /** Address to listen on. Loopback by default; set 0.0.0.0 behind a load balancer. */
  HOST: Type.String({ default: '127.0.0.1' }),
  /** Public base URL of this node (used in OIDC redirects, QR codes, links in notifications). */
  PUBLIC_URL: Type.Optional(Type.String()),
  /** PostgreSQL connection string. When empty, the embedded PGlite database under DATA_DIR is used. */
  DATABASE_URL: Type.Optional(Type.String()),
  /** Size of the PostgreSQL connection pool (ignored for PGlite, which has one connection). */
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  /**
   * Named prepared statements each PostgreSQL connection keeps (parsed and planned once, least
   * recently used closed beyond this). 0: none, for transaction-mode poolers (pgbouncer before
   * 1.21 or without max_prepared_statements) that do not keep a connection's prepared statements.
   */
  DATABASE_PREPARED_STATEMENTS: Type.Integer({ default: 256, minimum: 0, maximum: 10000 }),
  /** Folder for the embedded database, uploaded files, keys and development outboxes. */
  DATA_DIR: Type.String({ default: './data' }),
  /** Load the demo node (regions, departments, accounts) on first start. Idempotent. */
  DEMO_DATA: Type.Boolean({ default: true }),
  /** pino log level. */
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Secret for encrypting sensitive columns (ID numbers, phones) and keyed hashes. 32+ bytes, hex or text.
   * When unset, one is generated once and kept in DATA_DIR/secret.key (fine for the demo, not for production). */
  DATA_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Largest request body accepted, in bytes (routes may set their own). */
  BODY_LIMIT: Type.Integer({ default: 1024 * 1024, minimum: 1024 }),
  /** Lifetime of a web session, in minutes of inactivity. */
  SESSION_IDLE_MINUTES: Type.Integer({ default: 30, minimum: 1 }),
  /** Absolute lifetime of a web session, in hours. */
  SESSION_MAX_HOURS: Type.Integer({ default: 12, minimum: 1 }),
  /** Failed sign-ins before an account is locked, and for how long. */
  LOGIN_MAX_FAILURES: Type.Integer({ default: 5, minimum: 1 }),
  LOGIN_LOCK_MINUTES: Type.Integer({ default: 15, minimum: 1 }),
  /** Sign-in attempts allowed per client address per minute (all sign-in routes together). */
  LOGIN_RATE_PER_MINUTE: Type.Integer({ default: 20, minimum: 1 }),
  /** OpenID Connect provider for citizens and enterprises. Unset = the built-in simulated
   * real-name provider at PUBLIC_URL/idp. Set all three to use a real provider. */
  OIDC_ISSUER: Type.Optional(Type.String()),
  OIDC_CLIENT_ID: Type.String({ default: 'yiwang-portal' }),
  OIDC_CLIENT_SECRET: Type.Optional(Type.String()),
  /** Whether cookies get the Secure flag. Defaults to true when PUBLIC_URL is https. */
  COOKIE_SECURE: Type.Optional(Type.Boolean()),
  /** Folder of the built web app; served at /. */
  WEB_DIST: Type.String({ default: 'apps/web/dist' }),
  /** Region code (GB/T 2260) of the region this node serves. */
  NODE_REGION: Type.String({ default: '350000', pattern: '^[0-9]{6}$' }),
  /** Trust X-Forwarded-For from the load balancer: 'false' (default: the client address is the peer's),
   * 'true' (any), a hop count, or a comma-separated list of proxy addresses/CIDRs. Only trust what you run:
   * a spoofed X-Forwarded-For would otherwise dodge the sign-in rate limit. */
  TRUST_PROXY: Type.String({ default: 'false' }),
  /** Run the durable job runner in this process (timers, notifications, outbox). Tests drain it by hand. */
  JOB_RUNNER: Type.Boolean({ default: true }),
  /** Server processes sharing the port (node:cluster; PostgreSQL only): 1 = this process serves, N > 1 = a
   * supervisor forks N workers (the first migrates and loads the demo before the others start). */
  SERVER_PROCESSES: Type.Integer({ default: 1, minimum: 1, maximum: 64 }),
  /** Milliseconds between this process's transparency-log sequencer rounds (one process integrates at a time; with
   * SERVER_PROCESSES the workers after the first default to 2000, a backstop, so that rounds are not split among them). */
  TLOG_SEQUENCER_MS: Type.Integer({ default: 200, minimum: 20, maximum: 60_000 }),
  /** Seconds between this process's checks for a calendar year entered by another process (it is normally told at
   * once by NOTIFY; the check covers a lost LISTEN connection). */
  CALENDAR_CHECK_SECONDS: Type.Integer({ default: 60, minimum: 1, maximum: 86400 }),
  /** Refuse a 2xx mutating response that wrote no audit entry (on in tests and development). */
  STRICT_AUDIT: Type.Boolean({ default: false }),
  /** Share of an application's (or a process step's) time in working days after which it is in warning (预警),
   * e.g. 0.8: warned when at most 20 % of the working days are left. Overdue (超期) is always past the due date. */
  APPLICATION_WARNING_SHARE: Type.Number({ default: 0.8, exclusiveMinimum: 0, maximum: 1 }),
  /** Oversight: seconds between roll-up refreshes and alert-rule evaluations; dashboards are exact as of the last refresh (its time is shown). */
  OVERSIGHT_REFRESH_SECONDS: Type.Integer({ default: 60, minimum: 5, maximum: 86400 }),
  /** Oversight demo: load 25 months of demo application history and 36 months of market-entity events with the demo node.
   * Unset = on in demo mode, except under the test runner (VITEST), where tests opt in. */
  OVERSIGHT_DEMO_HISTORY: Type.Optional(Type.Boolean()),
  /** Open data row API (datastore_search, rows, downloads): requests per minute per signed-in account or API token. */
  OPENDATA_RATE_PER_MINUTE: Type.Integer({ default: 600, minimum: 1 }),
  /** Open data row API: requests per minute per client address for anonymous callers. */
  OPENDATA_ANON_RATE_PER_MINUTE: Type.Integer({ default: 120, minimum: 1 }),
  /** Working days within which the owning department answers a data request (需求征集). */
  OPENDATA_REQUEST_ANSWER_DAYS: Type.Integer({ default: 10, minimum: 1, maximum: 60 }),
  /** Payment provider (统一支付渠道). 'simulated': the built-in simulated gateway at PUBLIC_URL/pay-sim (or at
   * PAYMENT_PROVIDER_URL). A real adapter (provincial non-tax platform, UnionPay, WeChat Pay) adds its name here. */
  PAYMENT_PROVIDER: Type.Union([Type.Literal('simulated')], { default: 'simulated' }),
  /** Base URL of the provider's gateway. Unset with 'simulated' = run the built-in simulator in this process. */
  PAYMENT_PROVIDER_URL: Type.Optional(Type.String()),
  /** This node's merchant number (商户号) at the provider. */
  PAYMENT_MERCHANT_ID: Type.String({ default: 'yiwang-node', pattern: '^[A-Za-z0-9_-]{1,32}$' }),
  /** Merchant name the provider shows the payer. */
  PAYMENT_MERCHANT_NAME: Type.String({ default: '一网通办统一支付（演示）' }),
  /** Merchant key (商户密钥) signing requests to the provider (HMAC-SHA256). Unset = derived from DATA_SECRET (built-in simulator only). */
  PAYMENT_MERCHANT_KEY: Type.Optional(Type.String({ minLength: 16 })),
  /** The provider's public key that signs notifications (Ed25519, base64 SPKI or PEM). Unset = read from the gateway's /api/public-key. */
  PAYMENT_PROVIDER_PUBLIC_KEY: Type.Optional(Type.String()),
  /** Minutes a payment order stays payable before the expiry timer closes it. */
  PAYMENT_ORDER_TTL_MINUTES: Type.Integer({ default: 120, minimum: 1, maximum: 60 * 24 * 30 }),
  /** Simulator only: send every notification this many times (duplicates). */
  PAYMENT_SIM_NOTIFY_COPIES: Type.Integer({ default: 1, minimum: 1, maximum: 10 }),
  /** Simulator only: delay notifications by this many seconds (late notifications). */
  PAYMENT_SIM_NOTIFY_DELAY_SECONDS: Type.Integer({ default: 0, minimum: 0, maximum: 86_400 }),
  /** Simulator only: let payers pay orders the platform has already closed (late payments, auto-refunded). */
  PAYMENT_SIM_ACCEPT_LATE: Type.Boolean({ default: false }),
  /** SMS gateway: 'file' (development: JSON lines in DATA_DIR/outbox/sms.log), 'simulated' (a stand-in that
   * behaves like a real gateway: transient and permanent failures, message ids, also logged to the file), 'none'. */
  NOTIFY_SMS_ADAPTER: Type.Union([Type.Literal('file'), Type.Literal('simulated'), Type.Literal('none')], { default: 'file' }),
  /** E-mail gateway: 'file' (DATA_DIR/outbox/email.log), 'simulated', 'none'. */
  NOTIFY_EMAIL_ADAPTER: Type.Union([Type.Literal('file'), Type.Literal('simulated'), Type.Literal('none')], { default: 'file' }),
  /** Share (0–1) of sends the simulated gateways fail transiently, at random (for demos and soak tests). */
  NOTIFY_SIM_FAILURE_RATE: Type.Number({ default: 0, minimum: 0, maximum: 1 }),
  /** Attempts per SMS/e-mail delivery before it is recorded as failed (retries back off exponentially). */
  NOTIFY_MAX_ATTEMPTS: Type.Integer({ default: 8, minimum: 1, maximum: 50 }),
  /** Largest uploaded material (PDF, JPEG, PNG, OFD), in bytes. */
  FILES_MAX_BYTES: Type.Integer({ default: 20 * 1024 * 1024, minimum: 1024 }),
  /** Virus scanner for uploads: 'none' (no-op) or 'eicar' (test scanner that refuses the EICAR test string). */
  FILES_VIRUS_SCANNER: Type.Union([Type.Literal('none'), Type.Literal('eicar')], { default: 'none' }),
  /** Hours between sweeps that delete orphan blobs (written, but their upload never committed); 0 = never. */
  FILES_SWEEP_HOURS: Type.Integer({ default: 24, minimum: 0 }),
  /** E-licences: seconds a verifier may cache an issuer's status list — the bound on how late a suspension or revocation is seen. */
  LICENCE_STATUS_TTL_SECONDS: Type.Integer({ default: 300, minimum: 1, maximum: 86_400 }),
  /** E-licences: seconds a holder's presentation (link and QR code with the chosen fields) stays valid. */
  LICENCE_PRESENTATION_TTL_SECONDS: Type.Integer({ default: 600, minimum: 30, maximum: 86_400 }),
  /** Reviews (好差评): minutes after giving a review during which its author may correct it (not review again). */
  REVIEW_CORRECTION_MINUTES: Type.Integer({ default: 30, minimum: 0, maximum: 7 * 24 * 60 }),
  /** Hours after the invitation (at conclusion) when an unrated application gets one reminder. */
  REVIEW_REMINDER_HOURS: Type.Integer({ default: 72, minimum: 1, maximum: 24 * 60 }),
  /** Days a window visit's rating link (window device / SMS) stays valid. */
  REVIEW_VISIT_LINK_DAYS: Type.Integer({ default: 7, minimum: 1, maximum: 90 }),
  /** Days the one-time rating link of the invitation SMS (at conclusion) stays valid. */
  REVIEW_INVITE_LINK_DAYS: Type.Integer({ default: 15, minimum: 1, maximum: 90 }),
  /** Gaming detection: this many top ratings from one device or address within REVIEW_BURST_MINUTES are flagged. */
  REVIEW_BURST_COUNT: Type.Integer({ default: 5, minimum: 2 }),
  REVIEW_BURST_MINUTES: Type.Integer({ default: 10, minimum: 1 }),
  /** Gaming detection: REVIEW_FAST_COUNT reviews of one department within a day, each given at most this many seconds after conclusion, are flagged. */
  REVIEW_FAST_SECONDS: Type.Integer({ default: 10, minimum: 1 }),
  REVIEW_FAST_COUNT: Type.Integer({ default: 5, minimum: 2 }),
});

export type Config = Static<typeof ConfigSchema> & { PUBLIC_URL: string; DATA_SECRET: string };

/** Parse the environment (or an override object, for tests) into a Config. Throws on invalid values. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<string, unknown>;
  Object.assign(withDefaults, overrides);
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const msg = errors.map((e) => `${e.path.slice(1) || '(root)'}: ${e.message}`).join('; ');
    throw new Error(`Invalid configuration 配置无效: ${msg}`);
  }
  const cfg = withDefaults as Static<typeof ConfigSchema>;
  const dataDir = resolve(cfg.DATA_DIR);
  const publicUrl = cfg.PUBLIC_URL ?? `http://localhost:${cfg.PORT}`;
  return {
    ...cfg,
    DATA_DIR: dataDir,
    PUBLIC_URL: publicUrl.replace(/\/$/, ''),
    DATA_SECRET: cfg.DATA_SECRET ?? demoSecret(dataDir),
  };
}

/** A per-installation secret kept in the data folder, so that a demo restart can still decrypt its data. */
function demoSecret(dataDir: string): string {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
