import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config';
import { AppError, errors } from '../../shared/errors';
import type { IdentityService, SessionInfo } from './identity.service';
import * as S from './identity.schemas';

export const SESSION_COOKIE = 'yw_session';
const STAFF_ADMINS = ['platform_admin', 'dept_admin'] as const;
const STAFF = ['window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin'] as const;

declare module 'fastify' {
  interface FastifyRequest {
    session?: SessionInfo;
  }
}

export function identityRoutes(svc: IdentityService, cfg: Config) {
  const secure = cfg.COOKIE_SECURE ?? cfg.PUBLIC_URL.startsWith('https:');
  const loginLimit = { max: cfg.LOGIN_RATE_PER_MINUTE, timeWindow: '1 minute' };
  const meta = (req: FastifyRequest) => ({ ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null });
  const setSession = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: cfg.SESSION_MAX_HOURS * 3600 });

  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/auth/me', { schema: { tags: ['identity'], summary: 'Who am I (当前用户)', response: { 200: S.MeSchema } }, config: { access: 'authenticated' } }, async (req) =>
      svc.me(req.ctx.actor!, req.session ?? null),
    );

    r.post(
      '/auth/staff/login',
      {
        schema: { tags: ['identity'], summary: 'Staff sign-in with password and optional TOTP (工作人员登录)', body: S.StaffLoginBody, response: { 200: S.MeSchema } },
        config: { access: 'public', csrf: false, rateLimit: loginLimit },
      },
      async (req, reply) => {
        const { token, session } = await svc.staffLogin(req.ctx, req.body, meta(req));
        setSession(reply, token);
        return svc.me(req.ctx.actor!, session);
      },
    );

    r.get(
      '/auth/oidc/login',
      {
        schema: { tags: ['identity'], summary: 'Start citizen or enterprise sign-in via OpenID Connect (个人/法人登录)', querystring: S.OidcLoginQuery },
        config: { access: 'public', rateLimit: loginLimit },
      },
      async (req, reply) => reply.redirect(await svc.oidcStart(req.query.type, req.query.returnTo)),
    );

    r.get(
      '/auth/oidc/callback',
      { schema: { tags: ['identity'], summary: 'OpenID Connect redirect target', querystring: S.OidcCallbackQuery }, config: { access: 'public', rateLimit: loginLimit } },
      async (req, reply) => {
        try {
          const { token, returnTo } = await svc.oidcCallback(req.ctx, req.query, meta(req));
          setSession(reply, token);
          return reply.redirect(returnTo);
        } catch (err) {
          // A person's browser lands here: show the sign-in page with the reason, not a JSON body.
          if (err instanceof AppError && req.headers.accept?.includes('text/html')) return reply.redirect(`/login?error=${encodeURIComponent(err.code)}`);
          throw err;
        }
      },
    );

    r.post('/auth/logout', { schema: { tags: ['identity'], summary: 'Sign out' }, config: { access: 'authenticated' } }, async (req, reply) => {
      if (!req.session) throw errors.forbidden('令牌登录无需退出', 'Bearer tokens do not sign out');
      await svc.logout(req.ctx, req.session);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    });

    r.post(
      '/auth/act',
      { schema: { tags: ['identity'], summary: 'Act for myself, an enterprise, or a principal (切换办事身份)', body: S.ActBody, response: { 200: S.MeSchema } },
        config: { access: ['citizen', 'enterprise', 'agent'] } },
      async (req) => {
        if (!req.session) throw errors.forbidden();
        return svc.act(req.ctx, req.session, req.body);
      },
    );

    r.post('/auth/totp/setup', { schema: { tags: ['identity'], summary: 'Start TOTP enrolment', response: { 200: S.TotpSetupResponse } }, config: { access: [...STAFF] } }, async (req) =>
      svc.totpSetup(req.ctx),
    );
    r.post('/auth/totp/enable', { schema: { tags: ['identity'], summary: 'Confirm TOTP enrolment', body: S.TotpEnableBody }, config: { access: [...STAFF] } }, async (req, reply) => {
      await svc.totpEnable(req.ctx, req.body.code);
      return reply.code(204).send();
    });

    r.post(
      '/auth/token',
      {
        schema: { tags: ['identity'], summary: 'OAuth 2.0 client credentials token for government systems', body: S.TokenBody, response: { 200: S.TokenResponse } },
        config: { access: 'public', csrf: false, rateLimit: loginLimit },
      },
      async (req, reply) => {
        reply.header('cache-control', 'no-store');
        return svc.clientToken(req.ctx, { clientId: req.body.client_id, clientSecret: req.body.client_secret });
      },
    );

    r.get('/mandates', { schema: { tags: ['identity'], summary: 'My mandates (代办授权), given and received', response: { 200: Type.Array(S.MandateSchema) } }, config: { access: ['citizen'] } }, async (req) =>
      svc.mandates(req.ctx),
    );
    r.post('/mandates', { schema: { tags: ['identity'], summary: 'Authorise an agent to apply for me', body: S.CreateMandateBody, response: { 201: S.MandateSchema } }, config: { access: ['citizen'] } },
      async (req, reply) => reply.code(201).send(await svc.createMandate(req.ctx, req.body)),
    );
    r.delete('/mandates/:id', { schema: { tags: ['identity'], summary: 'End a mandate', params: S.IdParams }, config: { access: ['citizen'] } }, async (req, reply) => {
      await svc.revokeMandate(req.ctx, req.params.id);
      return reply.code(204).send();
    });

    r.get('/enterprise/staff', { schema: { tags: ['identity'], summary: "The enterprise's authorised staff (经办人)", response: { 200: Type.Array(S.EnterpriseStaffSchema) } }, config: { access: ['enterprise'] } },
      async (req) => svc.enterpriseStaff(req.ctx),
    );
    r.post('/enterprise/staff', { schema: { tags: ['identity'], summary: 'Authorise a staff member (legal representative only)', body: S.AddEnterpriseStaffBody, response: { 201: Type.Array(S.EnterpriseStaffSchema) } }, config: { access: ['enterprise'] } },
      async (req, reply) => reply.code(201).send(await svc.addEnterpriseStaff(req.ctx, req.body)),
    );
    r.delete('/enterprise/staff/:id', { schema: { tags: ['identity'], summary: 'Withdraw a staff authorisation', params: S.IdParams }, config: { access: ['enterprise'] } }, async (req, reply) => {
      await svc.removeEnterpriseStaff(req.ctx, req.params.id);
      return reply.code(204).send();
    });

    r.get('/admin/staff', { schema: { tags: ['identity'], summary: 'Staff accounts in my scope', response: { 200: Type.Array(S.StaffSchema) } }, config: { access: [...STAFF_ADMINS] } }, async (req) =>
      svc.listStaff(req.ctx),
    );
    r.post('/admin/staff', { schema: { tags: ['identity'], summary: 'Create a staff account', body: S.CreateStaffBody, response: { 201: S.StaffSchema } }, config: { access: [...STAFF_ADMINS] } },
      async (req, reply) => reply.code(201).send(await svc.createStaff(req.ctx, req.body)),
    );
    r.patch('/admin/staff/:id', { schema: { tags: ['identity'], summary: 'Disable, unlock or change roles of a staff account', params: S.IdParams, body: S.UpdateStaffBody, response: { 200: S.StaffSchema } },
      config: { access: [...STAFF_ADMINS] } },
      async (req) => svc.updateStaff(req.ctx, req.params.id, req.body),
    );

    r.get('/admin/clients', { schema: { tags: ['identity'], summary: 'Machine clients (other government systems)', response: { 200: Type.Array(S.ClientSchema) } }, config: { access: [...STAFF_ADMINS] } },
      async (req) => svc.listClients(req.ctx),
    );
    r.post('/admin/clients', {
      schema: { tags: ['identity'], summary: 'Register a machine client; the secret is shown once', body: S.CreateClientBody,
        response: { 201: Type.Object({ id: Type.String(), clientId: Type.String(), clientSecret: Type.String() }) } },
      config: { access: [...STAFF_ADMINS] },
    }, async (req, reply) => reply.code(201).send(await svc.createClient(req.ctx, req.body)));
    r.patch('/admin/clients/:id', {
      schema: { tags: ['identity'], summary: 'Disable (or re-enable) a machine client, with a reason: its tokens are refused from then on (platform administrators)', params: S.IdParams,
        body: Type.Object({ status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]), reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: S.ClientSchema } },
      config: { access: ['platform_admin'] },
    }, async (req) => svc.setClientStatus(req.ctx, req.params.id, req.body));
  };
}
