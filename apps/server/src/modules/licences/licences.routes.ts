import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { hasRole } from '../../shared/actor';
import { errors } from '../../shared/errors';
import type { LicenceService } from './licences.service';
import { SIGNING_ALGS } from './crypto/algorithms';
import { LICENCE_TYPES } from './licences.types';
import { licenceErrors } from './licences.errors';

const HOLDERS = ['citizen', 'enterprise', 'agent'] as const;
const ISSUERS = ['machine', 'decider', 'dept_admin', 'platform_admin'] as const;
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const FieldValue = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const Presentation = Type.String({ minLength: 20, maxLength: 64000, description: 'SD-JWT presentation: issuer-signed JWT ~ disclosures ~ Key Binding JWT' });
const Verification = Type.Object(
  {
    result: Type.Object({ valid: Type.Boolean(), status: Type.String() }, { additionalProperties: true }),
    receipt: Type.Object({}, { additionalProperties: true }),
    signature: Type.String({ description: 'JWS (licence-verification-batch+jwt) by the node key (GET /api/licences/node-key) over a batch head { iss, iat, root, size }' }),
    proof: Type.Object(
      { index: Type.Integer(), size: Type.Integer(), path: Type.Array(Type.String()) },
      { description: 'Inclusion path of this answer (leaf = SHA-256(0x00 || canonical JSON of { result, receipt })) in the signed batch, RFC 6962 hashing' },
    ),
  },
  { description: 'The answer, its receipt (id, time, transparency log leaf hash) and a batch signature by the node key with this answer’s inclusion proof' },
);

const JwkSchema = Type.Object(
  { kty: Type.String(), kid: Type.Optional(Type.String()), alg: Type.Optional(Type.String()), use: Type.Optional(Type.String()), crv: Type.Optional(Type.String()), x: Type.Optional(Type.String()), y: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'crv "SM2" with alg "SM2SM3" is SM2/SM3 (GB/T 32918, GB/T 32905); see modules/licences/README.md' },
);

/** E-licences: public verification material, the verification API, wallets, issuance, status and the trust list. */
export function licencesRoutes(svc: LicenceService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['licences'];

    r.get(
      '/licences/issuers/jwks',
      {
        schema: {
          tags,
          summary: "Issuers' public keys (JWKS): active and retired keys, so older licences still verify",
          querystring: Type.Object({ departmentId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ keys: Type.Array(JwkSchema) }) },
        },
        config: { access: 'public' },
      },
      async (req, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return svc.jwks(req.query.departmentId);
      },
    );

    r.get('/licences/types', { schema: { tags, summary: 'E-licence types with their fields, holders and validity' }, config: { access: 'public' } }, async () =>
      Object.values(LICENCE_TYPES).map((t) => ({ code: t.code, name: { zh: t.zh, en: t.en }, holder: t.holder, validityYears: t.validityYears, fields: t.fields, summary: t.summary })),
    );

    r.get('/licences/node-key', { schema: { tags, summary: "This node's verification key (signs trust lists and verification answers)" }, config: { access: 'public' } }, async () => svc.verification.nodeKey());

    r.get(
      '/licences/trust-list',
      { schema: { tags, summary: 'Signed trust list: the issuers this node accepts (its own and other regions’ — 互认), with their keys; all an offline verifier needs' }, config: { access: 'public' } },
      async (_req, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return svc.verification.trustListDocument();
      },
    );

    r.post(
      '/licences/verify',
      {
        schema: { tags, summary: 'Verify a licence presentation: signature, issuer trust, status, holder binding; a signed answer with a receipt, logged', body: Type.Object({ presentation: Presentation }, { additionalProperties: false }), response: { 200: Verification } },
        // Answers are logged in the transparency log rather than the audit log; nothing of the caller's changes.
        config: { access: 'public', audit: 'none', csrf: false },
      },
      async (req) => svc.verification.verify(req.body.presentation, req.ctx.actor?.kind === 'machine' ? `client:${req.ctx.actor.accountId}` : 'public'),
    );

    r.get(
      '/licences/presentations/:id',
      { schema: { tags, summary: 'A holder’s presentation (from the QR code), verified: what the public verification page shows', params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }) }, { additionalProperties: false }) }, config: { access: 'public' } },
      async (req, reply) => {
        const presentation = await svc.wallet.presentation(req.params.id);
        reply.header('cache-control', 'no-store');
        return { presentation, ...(await svc.verification.verify(presentation, 'public-page')) };
      },
    );

    // ---- the holder's wallet ----
    r.get('/licences/wallet', { schema: { tags, summary: 'My licences (the signed-in person, or the enterprise or principal they act for)' }, config: { access: [...HOLDERS] } }, async (req) => svc.wallet.list(req.ctx));
    r.get('/licences/wallet/:id', { schema: { tags, summary: 'One of my licences with all its fields', params: IdParams }, config: { access: [...HOLDERS] } }, async (req) => svc.wallet.detail(req.ctx, req.params.id));
    r.get(
      '/licences/wallet/:id/rendition',
      { schema: { tags, summary: 'Human-readable rendition: an HTML card with a QR code to verify it', params: IdParams, querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')])) }, { additionalProperties: false }) }, config: { access: [...HOLDERS] } },
      async (req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await svc.wallet.rendition(req.ctx, req.params.id, req.query.lang ?? 'zh')),
    );
    r.post(
      '/licences/wallet/:id/presentations',
      {
        schema: { tags, summary: 'Present a licence disclosing only the chosen fields: a short-lived link and QR code', params: IdParams, body: Type.Object({ fields: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 30 }) }, { additionalProperties: false }) },
        config: { access: [...HOLDERS] },
      },
      async (req, reply) => reply.code(201).send(await svc.wallet.createPresentation(req.ctx, req.params.id, req.body.fields)),
    );
    r.get('/licences/uses', { schema: { tags, summary: 'Who used my licences, when and for what (授权用证 records)' }, config: { access: [...HOLDERS] } }, async (req) => svc.wallet.uses(req.ctx));

    // ---- issuing departments ----
    r.post(
      '/licences/issue',
      {
        schema: {
          tags,
          summary: "Issue a licence into the holder's wallet (departments' own systems with scope licences:issue, deciders and department admins of the issuing department)",
          body: Type.Object(
            {
              type: Type.String({ maxLength: 64 }),
              departmentId: Type.Optional(Type.String({ format: 'uuid' })),
              holder: Type.Union([
                Type.Object({ kind: Type.Literal('person'), idNumber: Type.String({ minLength: 15, maxLength: 18 }) }, { additionalProperties: false }),
                Type.Object({ kind: Type.Literal('enterprise'), creditCode: Type.String({ minLength: 18, maxLength: 18 }) }, { additionalProperties: false }),
              ]),
              fields: Type.Record(Type.String({ maxLength: 64 }), FieldValue),
              validFrom: Type.Optional(Type.String({ format: 'date-time' })),
              validUntil: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
              number: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9\\u4e00-\\u9fff()（）〔〕\\[\\]_.-]+$' })),
              alg: Type.Optional(Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a)))),
            },
            { additionalProperties: false },
          ),
        },
        config: { access: [...ISSUERS] },
      },
      async (req, reply) => {
        const a = req.ctx.actor!;
        const departmentId = req.body.departmentId ?? a.departmentId;
        if (!departmentId) throw licenceErrors.unknownDepartment('body/departmentId');
        if (!LICENCE_TYPES[req.body.type]) throw licenceErrors.unknownType('body/type');
        svc.issuance.assertMayIssue(req.ctx, departmentId);
        const holderAccountId = await svc.issuance.resolveHolder(req.body.holder);
        const out = await svc.issuance.issue(req.ctx, {
          type: req.body.type,
          departmentId,
          holderAccountId,
          fields: req.body.fields,
          validFrom: req.body.validFrom ? new Date(req.body.validFrom) : undefined,
          validUntil: req.body.validUntil === undefined ? undefined : req.body.validUntil === null ? null : new Date(req.body.validUntil),
          number: req.body.number,
          alg: req.body.alg,
          source: 'api',
        });
        return reply.code(201).send({ id: out.id, number: out.number });
      },
    );
    r.get(
      '/licences/issued',
      {
        schema: { tags, summary: 'Licences issued by my department (platform admins: any, or all)', querystring: Type.Object({ departmentId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }) },
        config: { access: ['window_clerk', 'reviewer', 'decider', 'dept_admin', 'platform_admin'] },
      },
      async (req) => {
        const a = req.ctx.actor!;
        const dept = hasRole(a, 'platform_admin') ? (req.query.departmentId ?? null) : a.departmentId;
        if (!dept && !hasRole(a, 'platform_admin')) throw errors.forbidden();
        return svc.issuedList(dept);
      },
    );
    r.post(
      '/licences/:id/status',
      {
        schema: {
          tags,
          summary: 'Suspend, revoke (final) or reinstate a licence; verifiers see it within the status list ttl',
          params: IdParams,
          body: Type.Object({ action: Type.Union([Type.Literal('suspend'), Type.Literal('revoke'), Type.Literal('reinstate')]), reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false }),
        },
        config: { access: [...ISSUERS] },
      },
      async (req) => svc.issuance.changeStatus(req.ctx, req.params.id, req.body.action, req.body.reason),
    );
    r.post(
      '/licences/issuers/:departmentId/keys',
      {
        schema: {
          tags,
          summary: "Rotate a department's issuer key for an algorithm (the old key stays published so its licences still verify)",
          params: Type.Object({ departmentId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
          body: Type.Object({ alg: Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a))) }, { additionalProperties: false }),
        },
        config: { access: ['dept_admin', 'platform_admin'] },
      },
      async (req, reply) => reply.code(201).send(await svc.rotateIssuerKey(req.ctx, req.params.departmentId, req.body.alg)),
    );

    // ---- trust list administration (互认) ----
    r.get('/admin/licences/trusted-issuers', { schema: { tags, summary: 'Other regions’ issuers this node trusts' }, config: { access: ['platform_admin'] } }, async () => svc.verification.trustedIssuers());
    r.post(
      '/admin/licences/trusted-issuers',
      {
        schema: {
          tags,
          summary: 'Trust another region’s issuer (互认): its identifier and public keys',
          body: Type.Object(
            {
              iss: Type.String({ minLength: 8, maxLength: 300, pattern: '^https?://' }),
              name: Type.String({ minLength: 2, maxLength: 100 }),
              nameEn: Type.String({ minLength: 2, maxLength: 200 }),
              regionCode: Type.String({ pattern: '^[0-9]{6}$' }),
              jwks: Type.Object({ keys: Type.Array(JwkSchema, { minItems: 1, maxItems: 20 }) }),
              note: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
        },
        config: { access: ['platform_admin'] },
      },
      async (req, reply) => reply.code(201).send(await svc.verification.addTrustedIssuer(req.ctx, req.body as Parameters<typeof svc.verification.addTrustedIssuer>[1])),
    );
    r.delete(
      '/admin/licences/trusted-issuers/:id',
      { schema: { tags, summary: 'Stop trusting an issuer', params: IdParams, querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }) }, config: { access: ['platform_admin'] } },
      async (req, reply) => {
        await svc.verification.removeTrustedIssuer(req.ctx, req.params.id, req.query.reason ?? '');
        return reply.code(204).send();
      },
    );

    r.get(
      '/licences/status-lists/:id',
      {
        schema: {
          tags,
          summary: 'A Token Status List (draft-ietf-oauth-status-list), as an application/statuslist+jwt token',
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        },
        config: { access: 'public' },
      },
      async (req, reply) => {
        const { token, ttl } = await svc.statusListToken(req.params.id);
        return reply.type('application/statuslist+jwt').header('cache-control', `public, max-age=${ttl}`).send(token);
      },
    );
  };
}
