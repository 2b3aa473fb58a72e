/**
 * Per-request context (who is acting, from where) and the declared access rule of each route.
 * The access guard runs before every handler: a route that declares no rule is refused, so no
 * route can be forgotten. Data scope (own records, own department, region subtree) is enforced
 * in the services, which receive the context.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/** Why the route's access rule refuses the request, if it does. */
function accessProblem(req: FastifyRequest): Error | undefined {
  if (req.is404) return undefined;
  const access = req.routeOptions.config?.access;
  if (access === undefined) return errors.forbidden('接口未声明访问规则', 'Route declares no access rule');
  if (access === 'public') return undefined;
  if (!req.ctx.actor) return req.credentialProblem === 'expired' ? errors.sessionExpired() : errors.unauthenticated();
  if (access === 'authenticated') return undefined;
  if (!hasRole(req.ctx.actor, ...access)) return errors.roleNotAllowed();
  return undefined;
}

export default fp(async function contextPlugin(app: FastifyInstance) {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  // Callback hooks, not async ones: they run for every request and never wait for anything (an
  // async hook costs a promise and a turn of the microtask queue each).
  app.addHook('onRequest', (req, _reply, done) => {
    req.ctx = { actor: null, ip: req.ip ?? null, requestId: req.id, audited: false };
    done();
  });
  // Runs after authentication (registered by the identity module in onRequest).
  app.addHook('preHandler', (req, _reply, done) => {
    done(accessProblem(req));
  });
});
