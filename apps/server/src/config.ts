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
  /** Refuse a 2xx mutating response that wrote no audit entry (on in tests and development). */
  STRICT_AUDIT: Type.Boolean({ default: false }),
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
