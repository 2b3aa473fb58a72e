/**
 * Identity module: accounts of every kind, sign-in (staff password + TOTP; citizens and
 * enterprises through OpenID Connect), sessions and bearer tokens, enterprise membership and
 * mandates. Publishes `authenticate` (the hook that turns a cookie or bearer token into the
 * request's Actor) and the routes under /api.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config';
import type { Db } from '../../db/database';
import { errors } from '../../shared/errors';
import { safeEqual, type FieldCrypto } from '../../shared/crypto';
import type { OrgService } from '../org';
import { IdentityService } from './identity.service';
import { SESSION_COOKIE } from './identity.routes';
import { OidcClient, type Fetch } from './oidc-client';

export { IdentityService, type Contact, type MachineClient, type DataSubject } from './identity.service';
export { identityRoutes, SESSION_COOKIE } from './identity.routes';
export { hashPassword, verifyPassword } from './passwords';
export { totp } from './totp';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface IdentityOptions {
  db: Db;
  config: Config;
  crypto: FieldCrypto;
  org: OrgService;
  oidc: { issuer: string; clientId: string; clientSecret?: string; fetch: Fetch };
}

export function createIdentity(opts: IdentityOptions): IdentityService {
  const oidc = new OidcClient({ ...opts.oidc, redirectUri: `${opts.config.PUBLIC_URL}/api/auth/oidc/callback` });
  return new IdentityService(opts.db, opts.config, opts.crypto, opts.org, oidc);
}

/** Shared infrastructure: authenticates every request (cookie session or bearer token) and checks CSRF. */
export const authenticate = fp(async function authenticate(app: FastifyInstance, opts: { identity: IdentityService }) {
  app.addHook('onRequest', async (req) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const r = await opts.identity.actorFromBearer(auth.slice(7).trim());
      if (typeof r === 'string') req.credentialProblem = r;
      else req.ctx.actor = r;
      return;
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token) return;
    const r = await opts.identity.actorFromSession(token);
    if (typeof r === 'string') {
      req.credentialProblem = r;
      return;
    }
    req.ctx.actor = r.actor;
    req.session = r.session;
    // Cookies travel with cross-site requests; the token in a header does not (double submit).
    if (MUTATING.has(req.method) && req.routeOptions.config?.csrf !== false) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, r.session.csrfToken)) throw errors.csrf();
    }
  });
});
