import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LicenceService } from './licences.service';

const JwkSchema = Type.Object(
  { kty: Type.String(), kid: Type.Optional(Type.String()), alg: Type.Optional(Type.String()), use: Type.Optional(Type.String()), crv: Type.Optional(Type.String()), x: Type.Optional(Type.String()), y: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'crv "SM2" with alg "SM2SM3" is SM2/SM3 (GB/T 32918, GB/T 32905); see modules/licences/README.md' },
);

/** Public verification material of the issuers on this node. */
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
