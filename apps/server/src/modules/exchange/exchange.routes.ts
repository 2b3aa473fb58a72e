import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ExchangeService } from './exchange.service';
import type { SignedAnswer } from './exchange.recorder';
import * as S from './exchange.schemas';

const tags = ['exchange'];
const ADMINS = ['data_admin', 'dept_admin', 'platform_admin'] as const;
const PEOPLE = ['citizen', 'enterprise', 'agent'] as const;

export function exchangeRoutes(svc: ExchangeService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    // The token endpoint takes the OAuth form encoding (RFC 6749 §4.4.2) as well as JSON.
    await app.register(import('@fastify/formbody'));

    /** The exchange's own access tokens (from /exchange/token) are JWTs the identity hook does not know. */
    const exchangeToken = async (req: FastifyRequest) => {
      if (req.ctx.actor) return;
      const h = req.headers.authorization;
      if (!h?.startsWith('Bearer ')) return;
      const token = h.slice(7).trim();
      if (token.split('.').length !== 3) return;
      const actor = await svc.actorFromAccessToken(token);
      if (actor) {
        req.ctx.actor = actor;
        req.credentialProblem = undefined;
      }
    };

    const sendAnswer = (reply: FastifyReply, a: SignedAnswer) =>
      reply.header('x-exchange-signature', a.signature).header('x-exchange-proof', a.proof).type('application/json; charset=utf-8').send(a.body);

    /**
     * Every response of a call route — answer or refusal — is signed over its exact bytes: answers
     * come signed (svc.answer), refusals and errors are signed here. A hook of those routes only (a
     * hook of the whole scope had to read each request's route options to know).
     */
    const signed: onSendHookHandler = (_req, reply, payload, done) => {
      if (reply.hasHeader('x-exchange-signature')) return done(null, payload);
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload : null;
      if (body === null) return done(null, payload);
      svc.signer.sign(body).then(({ signature, proof }) => {
        reply.header('x-exchange-signature', signature).header('x-exchange-proof', proof);
        done(null, payload);
      }, done);
    };

    r.get('/exchange/keys', {
      schema: { tags, summary: 'JWKS of the exchange’s response-signing key (verify x-exchange-signature, a batch JWS, with the body’s path in x-exchange-proof)', response: { 200: S.AnyObject } },
      config: { access: 'public' },
    }, async () => svc.jwks());

    r.post('/exchange/token', {
      schema: {
        tags,
        summary: 'Access token for a department system by signed client assertion (RFC 7523 private_key_jwt; a jti is accepted once)',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: S.TokenBody,
        response: { 200: Type.Object({ access_token: Type.String(), token_type: Type.String(), expires_in: Type.Integer() }) },
      },
      config: { access: 'public', csrf: false, rateLimit: { max: 600, timeWindow: '1 minute' } },
    }, async (req) => svc.tokenFromAssertion(req.ctx, req.body));

    r.get('/exchange/client-keys', {
      schema: { tags, summary: 'Registered client assertion keys of my department’s systems', response: { 200: Type.Array(S.AnyObject) } },
      config: { access: [...ADMINS] },
    }, async (req) => svc.listClientKeys(req.ctx));

    r.post('/exchange/clients/:clientId/keys', {
      schema: { tags, summary: 'Register a public key (Ed25519 or P-256 JWK) for a system’s client assertions', params: Type.Object({ clientId: Type.String({ minLength: 2, maxLength: 100 }) }), body: S.KeyBody, response: { 201: S.AnyObject } },
      config: { access: [...ADMINS] },
    }, async (req, reply) => reply.code(201).send(await svc.addClientKey(req.ctx, req.params.clientId, req.body.jwk)));

    // ---- 供需对接: requests and grants ----
    r.post('/exchange/requests', {
      schema: { tags, summary: 'Request access to a resource (a department’s system, or its administrator); unconditionally shared resources are granted at once', body: S.RequestBody, response: { 201: S.AnyObject } },
      config: { access: [...ADMINS, 'machine'] },
    }, async (req, reply) => reply.code(201).send(await svc.createRequest(req.ctx, req.body)));

    r.get('/exchange/requests', {
      schema: { tags, summary: 'Access requests I may see (provider’s and consumer’s; all for the big data administration)',
        querystring: Type.Object({ state: Type.Optional(Type.Union(['pending', 'approved', 'refused', 'withdrawn'].map((s) => Type.Literal(s)))), ...S.Page }, { additionalProperties: false }),
        response: { 200: S.AnyObject } },
      config: { access: [...ADMINS, 'machine'] },
    }, async (req) => svc.listRequests(req.ctx, req.query));

    r.get('/exchange/requests/:id', {
      schema: { tags, summary: 'One access request with its grant', params: S.IdParams, response: { 200: S.AnyObject } },
      config: { access: [...ADMINS, 'machine'] },
    }, async (req) => svc.getRequest(req.ctx, req.params.id));

    r.post('/exchange/requests/:id/decision', {
      schema: { tags, summary: 'Approve (possibly narrowing fields, period, quota) or refuse with a reason — the provider’s or big data administration’s data administrator', params: S.IdParams, body: S.DecideBody, response: { 200: S.AnyObject } },
      config: { access: ['data_admin', 'platform_admin'] },
    }, async (req) => svc.decide(req.ctx, req.params.id, req.body));

    r.get('/exchange/grants', {
      schema: { tags, summary: 'Grants I may see, with today’s use',
        querystring: Type.Object({ state: Type.Optional(Type.Union(['active', 'expired', 'revoked'].map((s) => Type.Literal(s)))), resource: Type.Optional(Type.String({ maxLength: 100 })), ...S.Page }, { additionalProperties: false }),
        response: { 200: S.AnyObject } },
      config: { access: [...ADMINS, 'machine'] },
    }, async (req) => svc.listGrants(req.ctx, req.query));

    r.post('/exchange/grants/:id/revoke', {
      schema: { tags, summary: 'Revoke a grant (effective at once in this process, within the grant cache time elsewhere)', params: S.IdParams, body: S.ReasonBody, response: { 200: S.AnyObject } },
      config: { access: ['data_admin', 'platform_admin'] },
    }, async (req) => svc.revokeGrant(req.ctx, req.params.id, req.body.reason));

    // ---- calls ----
    r.post('/exchange/query', {
      schema: { tags, summary: 'Query: the granted fields of a person’s or enterprise’s records (signed answer with receipt)', body: S.QueryBody, response: { 200: S.AnyObject } },
      config: { access: ['machine'], csrf: false, audit: 'none' },
      onRequest: exchangeToken,
      onSend: signed,
    }, async (req, reply) => sendAnswer(reply, await svc.answer(req.ctx, 'query', req.body)));

    r.post('/exchange/verify', {
      schema: { tags, summary: 'Verification (核验): do these values match the record? Answers match / no match only (signed, with receipt)', body: S.VerifyBody, response: { 200: S.AnyObject } },
      config: { access: ['machine'], csrf: false, audit: 'none' },
      onRequest: exchangeToken,
      onSend: signed,
    }, async (req, reply) => sendAnswer(reply, await svc.answer(req.ctx, 'verify', req.body)));

    // ---- 数据回流 ----
    r.post('/exchange/subscriptions', {
      schema: { tags, summary: 'Subscribe to changes of a resource’s records of my region (数据回流)', body: S.SubscribeBody, response: { 201: S.AnyObject } },
      config: { access: ['machine'], csrf: false },
      onRequest: exchangeToken,
    }, async (req, reply) => reply.code(201).send(await svc.subscribe(req.ctx, req.body)));

    r.get('/exchange/subscriptions', {
      schema: { tags, summary: 'My system’s subscriptions', response: { 200: Type.Array(S.AnyObject) } },
      config: { access: ['machine'] },
      onRequest: exchangeToken,
    }, async (req) => svc.listSubscriptions(req.ctx));

    r.get('/exchange/subscriptions/:id/changes', {
      schema: { tags, summary: 'The next changes (granted fields only); the cursor advances', params: S.IdParams,
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false }),
        response: { 200: S.AnyObject } },
      config: { access: ['machine'] },
      onRequest: exchangeToken,
      onSend: signed,
    }, async (req) => svc.changes(req.ctx, req.params.id, req.query));

    // ---- 我的数据使用记录 ----
    r.get('/exchange/my-uses', {
      schema: { tags, summary: 'Every use of my data (or of the enterprise / principal I act for): who, what, when, why, receipt', querystring: Type.Object(S.Page, { additionalProperties: false }), response: { 200: S.AnyObject } },
      config: { access: [...PEOPLE] },
    }, async (req) => svc.myUses(req.ctx, req.query));

    r.get('/exchange/my-uses/:id/proof', {
      schema: { tags, summary: 'A use’s receipt, its transparency-log entry and inclusion proof', params: S.IdParams, response: { 200: S.AnyObject } },
      config: { access: [...PEOPLE] },
    }, async (req) => svc.useProof(req.ctx, req.params.id));

    r.post('/exchange/my-uses/:id/flag', {
      schema: { tags, summary: 'Flag a use as suspected misuse: opens a case for the data administrator', params: S.IdParams, body: S.FlagBody, response: { 201: S.AnyObject } },
      config: { access: [...PEOPLE] },
    }, async (req, reply) => reply.code(201).send(await svc.flagUse(req.ctx, req.params.id, req.body.reason)));

    r.get('/exchange/cases', {
      schema: { tags, summary: 'Suspected misuse cases (big data administration: all; provider’s data administrator: its resources)',
        querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])), ...S.Page }, { additionalProperties: false }), response: { 200: S.AnyObject } },
      config: { access: ['data_admin', 'platform_admin'] },
    }, async (req) => svc.listCases(req.ctx, req.query));

    r.post('/exchange/cases/:id/resolve', {
      schema: { tags, summary: 'Resolve a case with a finding (optionally revoking the grant used)', params: S.IdParams, body: S.ResolveBody, response: { 200: S.AnyObject } },
      config: { access: ['data_admin', 'platform_admin'] },
    }, async (req) => svc.resolveCase(req.ctx, req.params.id, req.body));

    r.get('/exchange/stats', {
      schema: { tags, summary: 'Calls per resource and consumer (answered, refused, verifications, queries)',
        querystring: Type.Object({ from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }), response: { 200: S.AnyObject } },
      config: { access: [...ADMINS] },
    }, async (req) => svc.stats(req.ctx, req.query));
  };
}
