/**
 * Per-request context (who is acting, from where) and the declared access rule of each route.
 * The access guard runs before every handler: a route that declares no rule is refused, so no
 * route can be forgotten. Data scope (own records, own department, region subtree) is enforced
 * in the services, which receive the context.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { hasRole, type Actor, type RequestContext, type Role } from '../shared/actor';
import { errors } from '../shared/errors';

/** 'public': anyone; 'authenticated': any signed-in actor; a role list: any of these roles. */
export type Access = 'public' | 'authenticated' | Role[];

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    /** Why a presented credential was not accepted, to tell "expired" from "absent". */
    credentialProblem?: 'expired' | 'invalid';
  }
  interface FastifyContextConfig {
    access?: Access;
    /** 'none' for a mutating route that by design writes nothing (e.g. a search sent as POST). */
    audit?: 'none';
    /** Cookie-authenticated mutating requests need the CSRF header unless this is false. */
    csrf?: boolean;
  }
}

export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor) throw errors.unauthenticated();
  return ctx.actor;
}

export default fp(async function contextPlugin(app: FastifyInstance) {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.addHook('onRequest', async (req) => {
    req.ctx = { actor: null, ip: req.ip ?? null, requestId: req.id, audited: false };
  });
  // Runs after authentication (registered by the identity module in onRequest).
  app.addHook('preHandler', async (req) => {
    if (req.is404) return;
    const access = req.routeOptions.config?.access;
    if (access === undefined) throw errors.forbidden('接口未声明访问规则', 'Route declares no access rule');
    if (access === 'public') return;
    if (!req.ctx.actor) throw req.credentialProblem === 'expired' ? errors.sessionExpired() : errors.unauthenticated();
    if (access === 'authenticated') return;
    if (!hasRole(req.ctx.actor, ...access)) throw errors.roleNotAllowed();
  });
});
